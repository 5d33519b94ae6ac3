"""Rolling-stock shortages at the crossings (issue 10, congestion regime): random episodes per crossing that
slow processing while they last; off with 0 episodes; drawn from a stream of their own, so turning them on
changes no other draw."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.errors import DataError
from landbridge.scenarios import BASELINE
from landbridge.simulation.config import load_simulation_config
from landbridge.simulation.model import prepare
from landbridge.simulation.runner import RunSpec, run_one


def _with_shortage(tmp_path, **shortage):
    doc = yaml.safe_load((DEFAULT_DATA_DIR / "simulation.yaml").read_text())
    doc["crossings"]["shortage"] = shortage
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "simulation.yaml").write_text(yaml.safe_dump(doc))
    return str(tmp_path)


def test_the_shipped_regime_is_a_labelled_assumption():
    text = (DEFAULT_DATA_DIR / "simulation.yaml").read_text()
    assert "ASSUMPTION: no published frequency or depth of shortages" in text
    s = load_simulation_config(DataSource(None)).crossings.shortage
    assert s.episodes_per_year > 0 and s.processing_factor > 1


def test_off_means_no_shortage_days_and_the_same_other_draws(tmp_path):
    off = prepare(BASELINE, date(2026, 1, 1), 60, 5, _with_shortage(tmp_path / "a", episodes_per_year=0))
    on = prepare(BASELINE, date(2026, 1, 1), 60, 5, _with_shortage(tmp_path / "b", episodes_per_year=20))
    assert off.shortage_days and set(off.shortage_days) == {0}
    assert sum(on.shortage_days) > 0
    assert on.cum == off.cum and on.noise_table == off.noise_table  # demand and dynamic draws untouched
    # a crossing row is the winter row times the shortage factor on shortage days, never less
    rows = len(on.winter) - len(on.crossings)
    for c in range(len(on.crossings)):
        assert all(a >= b for a, b in zip(on.winter[rows + c], off.winter[rows + c]))


def test_shortages_lengthen_the_waits(tmp_path):
    def waits(folder):
        k = run_one(RunSpec(start=date(2026, 3, 2), days=60, seed=3, data_dir=folder), tables=False).kpis
        return k["borders"]

    calm = waits(_with_shortage(tmp_path / "a", episodes_per_year=0))
    short = waits(_with_shortage(tmp_path / "b", episodes_per_year=26, days=7, processing_factor=4))
    assert all(b["rolling_stock_shortage_days"] == 0 for b in calm.values())
    assert all(b["rolling_stock_shortage_days"] > 0 for b in short.values())
    busy = [c for c in calm if calm[c]["trains"] > 100]
    assert busy
    assert sum(short[c]["mean_wait_hours"] for c in busy) > sum(calm[c]["mean_wait_hours"] for c in busy)


@pytest.mark.parametrize(
    ("field", "value"), [("processing_factor", 0.5), ("episodes_per_year", -1), ("days", 0), ("oops", 1)]
)
def test_a_bad_regime_names_file_entry_and_field(tmp_path, field, value):
    folder = _with_shortage(tmp_path, **{field: value})
    with pytest.raises(DataError) as e:
        load_simulation_config(DataSource(folder))
    assert e.value.file.endswith("simulation.yaml") and e.value.entry == "crossings"
    assert field in (e.value.field or "")
