"""The twin's reliability bands are versioned data: shipped with the network they were made from, read through
the one data loader (a user's data folder overrides them), rebuilt only on request, named in every option."""

import json
import shutil
from datetime import date, timedelta

import pytest
import yaml
from typer.testing import CliRunner

from landbridge.cli import app
from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.errors import DataError
from landbridge.planner import QuoteRequest
from landbridge.reliability import BANDS_FILE, data_hash, load_bands, write_bands
from landbridge.scenarios import BASELINE
from landbridge.simulation.runner import RunSpec, transit_bands_document
from landbridge.world import load_world

REBUILD = (
    "landbridge simulate --days 365 --replications 4 --seed 42 --write-bands src/landbridge/data/derived/"
    "transit_bands.json"
)


def _ready() -> date:
    return date.today() + timedelta(days=21)


def _rail(planner, origin="Xian", destination="Duisburg"):
    q = planner.quote(QuoteRequest(origin, destination, _ready(), 1, "40HC", "general", None, ("rail",)))
    return [o for o in q.options if o.mode == "rail"]


def test_shipped_bands_are_made_from_the_shipped_data():
    bands = load_bands(DataSource(None))
    assert bands is not None and bands.file == f"data/{BANDS_FILE}"
    assert not bands.stale, f"the twin's input data changed since the bands were made; rebuild them: {REBUILD}"
    doc = json.loads((DEFAULT_DATA_DIR / BANDS_FILE).read_text())
    assert doc["scenario"] == "baseline" and doc["days"] >= 365 and doc["replications"] >= 1
    assert "--write-bands" in doc["generator"] and str(doc["seed"]) in doc["generator"]
    # every CR Express service of the shipped timetable has its band
    services = {s.id for s in load_world().timetable.services if s.mode == "rail" and s.cr_express}
    assert services <= set(bands.services), sorted(services - set(bands.services))[:5]
    for p50, p90 in bands.services.values():
        assert 0 < p50 <= p90


def test_every_option_names_the_bands_it_used():
    rail = _rail(load_world().planner)
    assert rail
    for o in rail:
        assert o.reliability_source == "simulated"
        used = o.to_dict()["reliability"]["bands"]
        assert used["file"] == f"data/{BANDS_FILE}" and date.fromisoformat(used["generated"])
        assert used["data_hash"].startswith("sha256:") and used["stale"] is False
        assert o.p90_days > o.p50_days >= o.transit_days  # the twin's runs are slower than the schedule
    sea = (
        load_world()
        .planner.quote(QuoteRequest("Shanghai", "Rotterdam", _ready(), 1, "40HC", "general", None, ("sea",)))
        .options
    )
    assert sea and all(o.to_dict()["reliability"]["bands"] == {"file": "data/parameters.yaml"} for o in sea)


def test_a_users_data_folder_brings_its_own_bands(tmp_path):
    doc = json.loads((DEFAULT_DATA_DIR / BANDS_FILE).read_text())
    for band in doc["services"].values():  # a much slower world
        for b in [band, *band.get("by_month", {}).values()]:
            b["p50_hours"] *= 1.5
            b["p90_hours"] *= 2
    (tmp_path / "derived").mkdir()
    (tmp_path / BANDS_FILE).write_text(json.dumps(doc))
    mine, shipped = _rail(load_world(BASELINE, str(tmp_path)).planner), _rail(load_world().planner)
    assert mine[0].to_dict()["reliability"]["bands"]["file"] == str(tmp_path / BANDS_FILE)
    assert mine[0].p90_days > shipped[0].p90_days + 2


def test_a_damaged_bands_file_is_an_error_that_names_it(tmp_path):
    (tmp_path / "derived").mkdir()
    (tmp_path / BANDS_FILE).write_text('{"generator": "x"}')
    with pytest.raises(DataError) as e:
        load_bands(DataSource(tmp_path))
    assert e.value.file.endswith("transit_bands.json") and e.value.field


def test_bands_of_a_user_run_follow_the_data_they_were_made_from(year_baseline, tmp_path):
    doc = transit_bands_document([year_baseline], RunSpec(days=365, seed=42), BASELINE)
    write_bands(str(tmp_path / BANDS_FILE), doc)
    bands = load_bands(DataSource(tmp_path))
    assert bands is not None and not bands.stale and bands.data_hash == data_hash(DataSource(None))
    assert bands.services["xian-speed-duisburg"][0] == pytest.approx(
        year_baseline.service_bands["xian-speed-duisburg"][0], abs=0.06
    )
    # a comment is not a change; a changed figure is: the bands say they are stale
    shutil.copy(DEFAULT_DATA_DIR / "simulation.yaml", tmp_path / "simulation.yaml")
    with (tmp_path / "simulation.yaml").open("a") as f:
        f.write("\n# a note\n")
    assert not load_bands(DataSource(tmp_path)).stale
    doc = yaml.safe_load((DEFAULT_DATA_DIR / "simulation.yaml").read_text())
    doc["operations"]["min_departure_load_feu"] += 1
    (tmp_path / "simulation.yaml").write_text(yaml.safe_dump(doc))
    again = load_bands(DataSource(tmp_path))
    assert again is not None and again.stale


def test_bands_come_only_from_a_baseline_year(year_baseline):
    from landbridge.errors import InvalidRequestError
    from landbridge.world import scenario_from_specs

    with pytest.raises(InvalidRequestError, match="baseline run of a year"):
        transit_bands_document([year_baseline], RunSpec(days=90), BASELINE)
    with pytest.raises(InvalidRequestError, match="baseline run of a year"):
        transit_bands_document([year_baseline], RunSpec(days=365), scenario_from_specs(["red-sea-closed"]))


def test_simulate_leaves_quotes_alone_and_writes_bands_only_on_request(tmp_path, monkeypatch):
    """No hidden state: a run writes nothing but its --out folder (no cache, in the user's home or anywhere)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shipped = (DEFAULT_DATA_DIR / BANDS_FILE).read_bytes()
    r = CliRunner().invoke(app, ["simulate", "--days", "20", "--no-charts", "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (DEFAULT_DATA_DIR / BANDS_FILE).read_bytes() == shipped
    # --write-bands: a baseline year only, refused before any work
    r = CliRunner().invoke(app, ["simulate", "--days", "20", "--write-bands", str(tmp_path / "b.json")])
    assert r.exit_code != 0 and "year or more" in str(r.exception or r.output)
    assert not (tmp_path / "b.json").exists()
