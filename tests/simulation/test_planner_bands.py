"""A full-year baseline run caches per-service transit bands; the planner then reports 'simulated'."""

import json
from datetime import date, timedelta

from landbridge.reliability import apply_cached_bands, bands_path
from landbridge.simulation.runner import RunSpec, write_reliability_cache


def test_year_baseline_feeds_the_planner(year_baseline):
    path = write_reliability_cache([year_baseline], RunSpec(days=365, seed=42), "baseline")
    assert path == str(bands_path())
    doc = json.loads(bands_path().read_text())
    assert doc["scenario"] == "baseline" and "generated" in doc
    speed = doc["services"]["xian-speed-duisburg"]
    assert speed["p50_hours"] < speed["p90_hours"]
    assert 11 * 24 < speed["p50_hours"] < 15 * 24

    from landbridge.planner import QuoteRequest
    from landbridge.world import load_world

    planner = load_world().planner
    saved = dict(planner.simulated_bands)
    try:
        apply_cached_bands(planner)
        assert planner.simulated_bands["xian-speed-duisburg"] == (speed["p50_hours"], speed["p90_hours"])
        ready = date.today() + timedelta(days=14)
        q = planner.quote(QuoteRequest("Xian", "Duisburg", ready, 1, "40HC", "general", None, ("rail",)))
        rail = [o for o in q.options if o.mode == "rail"]
        assert rail and all(o.reliability_source == "simulated" for o in rail)
        assert all(o.p90_days > o.p50_days for o in rail)
        # the twin's runs are slower than the schedule: the expected transit exceeds the planned one
        assert all(o.p50_days >= o.transit_days for o in rail)
        assert any(o.p50_days > o.transit_days + 0.5 for o in rail)
    finally:
        planner.simulated_bands.clear()
        planner.simulated_bands.update(saved)


def test_scenario_or_short_runs_do_not_overwrite_the_bands(year_baseline):
    assert write_reliability_cache([year_baseline], RunSpec(days=90), "baseline") is None
    assert write_reliability_cache([year_baseline], RunSpec(days=365), "red-sea-closed") is None
    assert not bands_path().exists()
