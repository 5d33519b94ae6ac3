"""Scenarios change the simulated world the way the planner sees it."""

from datetime import date

import pytest

from landbridge.simulation import RunSpec, run_one

SHORT = {"start": date(2026, 4, 1), "days": 120, "seed": 3}


@pytest.fixture(scope="module")
def base():
    return run_one(RunSpec((), **SHORT)).kpis


def test_red_sea_closure_with_sea_to_rail_shift_raises_rail_volume(base):
    shifted = run_one(RunSpec(("red-sea-closed", "sea-to-rail:5%"), **SHORT)).kpis
    assert shifted["scenario"]["sea_to_rail_share"] == 0.05
    assert sum(shifted["teu_per_month"]) > 1.03 * sum(base["teu_per_month"])
    assert sum(shifted["trains_per_month"]) > sum(base["trains_per_month"])
    assert shifted["demand"]["generated_feu"]["westbound"] > 1.2 * base["demand"]["generated_feu"]["westbound"]
    assert shifted["demand"]["backlog_feu_at_end"] > base["demand"]["backlog_feu_at_end"]


def test_red_sea_closure_alone_shifts_the_data_files_share(base):
    k = run_one(RunSpec(("red-sea-closed",), **SHORT)).kpis
    assert k["scenario"]["sea_to_rail_share"] == pytest.approx(0.01)
    assert sum(k["teu_per_month"]) > sum(base["teu_per_month"])


def test_border_capacity_cut_builds_a_queue(base):
    # Khorgos: 26 trains a day, about 10 of them CR Express trains the twin runs (the China-Central Asia trains take
    # no track in the twin): a cut to 30 % leaves less than those 10
    k = run_one(RunSpec(("border:khorgos=30%",), **SHORT)).kpis
    cut, normal = k["borders"]["khorgos-altynkol"], base["borders"]["khorgos-altynkol"]
    assert cut["capacity_trains_per_day"] < normal["capacity_trains_per_day"]
    assert cut["mean_wait_hours"] > 5 * max(normal["mean_wait_hours"], 0.5)
    assert cut["utilisation"] > normal["utilisation"]


def test_avoided_corridor_runs_fewer_trains(base):
    k = run_one(RunSpec(("avoid-corridor:trans-siberian",), **SHORT)).kpis
    assert sum(k["trains_per_month"]) < sum(base["trains_per_month"])
    assert "manzhouli-zabaykalsk" not in k["borders"]
    assert k["demand"]["unserved_feu"] > 0
