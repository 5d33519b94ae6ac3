"""simulation.yaml goes through the one data loader: errors name the file, the entry and the field."""

from datetime import date

import pytest
import yaml

from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.errors import DataError
from landbridge.scenarios import BASELINE
from landbridge.simulation.config import load_simulation_config
from landbridge.simulation.model import prepare


def _user_copy(tmp_path, change):
    doc = yaml.safe_load((DEFAULT_DATA_DIR / "simulation.yaml").read_text())
    change(doc)
    (tmp_path / "simulation.yaml").write_text(yaml.safe_dump(doc))
    return tmp_path


def test_shipped_file_is_valid_and_sourced():
    cfg = load_simulation_config(DataSource(None))
    # the source names the published figures the file uses, with the date they were retrieved
    assert "Xi'an 66 Mt" in cfg.source and "Alashankou 20 Mt" in cfg.source
    assert cfg.retrieved is not None and date.fromisoformat(cfg.retrieved)
    # Xi'an's hub handles 66 Mt a year, Alashankou-Dostyk 20 Mt (DOMAIN.md; China State Railway Group)
    assert cfg.hubs.capacity_mt_per_year["xian"] == 66
    assert cfg.hubs.crossing_capacity_mt_per_year["alashankou-dostyk"] == 20
    assert abs(sum(cfg.demand.cargo_mix.westbound.values()) - 1) < 0.01


def test_bad_field_names_file_entry_and_field(tmp_path):
    folder = _user_copy(tmp_path, lambda d: d["demand"].update(westbound_load_factor=-1))
    with pytest.raises(DataError) as e:
        load_simulation_config(DataSource(folder))
    assert e.value.file.endswith("simulation.yaml")
    assert e.value.entry == "demand" and e.value.field == "westbound_load_factor"


def test_shares_must_sum_to_one(tmp_path):
    folder = _user_copy(tmp_path, lambda d: d["demand"]["cargo_mix"]["eastbound"].update(wine=0.9))
    with pytest.raises(DataError, match="sum to 1"):
        load_simulation_config(DataSource(folder))


def test_unknown_cargo_and_crossing_are_named(tmp_path):
    folder = _user_copy(tmp_path, lambda d: d["crossings"].update(tracks={"khorgoss": 3}))
    with pytest.raises(DataError, match="khorgoss") as e:
        prepare(BASELINE, date(2026, 1, 1), 7, 1, str(folder))
    assert e.value.entry == "crossings"


def test_user_file_changes_the_run(tmp_path):
    folder = _user_copy(tmp_path, lambda d: d["demand"].update(westbound_load_factor=0.5))
    low = prepare(BASELINE, date(2026, 1, 1), 14, 1, str(folder))
    normal = prepare(BASELINE, date(2026, 1, 1), 14, 1, None)
    assert sum(o.feu_per_week for o in low.ods) < sum(o.feu_per_week for o in normal.ods)


@pytest.mark.parametrize("bad", [1.5, -0.1])
def test_soc_share_outside_0_1_names_file_entry_and_field(tmp_path, bad):
    folder = _user_copy(tmp_path, lambda d: d["empties"]["soc_share"].update(westbound=bad))
    with pytest.raises(DataError) as e:
        load_simulation_config(DataSource(folder))
    assert e.value.file.endswith("simulation.yaml")
    assert e.value.entry == "empties" and e.value.field == "soc_share.westbound"


def test_shipped_container_supply_is_sourced():
    cfg = load_simulation_config(DataSource(None))
    # issue 10: SOC share by direction (a documented assumption) and one-way lease per FEU (xChange 2021-2024)
    assert 0 < cfg.empties.soc_share.westbound < 1 and 0 <= cfg.empties.soc_share.eastbound < 1
    assert 500 <= cfg.empties.one_way_lease_usd_per_feu.westbound <= 2030
    text = (DEFAULT_DATA_DIR / "simulation.yaml").read_text()
    assert "ASSUMPTION" in text and "Container xChange" in text
