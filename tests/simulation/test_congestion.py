"""The twin's congestion regime: queues and dwell that grow over days when arrivals exceed a crossing's
capacity, trains held at their origin when the queue ahead is long, and dated closures
(`closure:CROSSING=FROM..TO`) checked against the Polish border closure of September 2025."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.scenarios import parse_scenario
from landbridge.simulation import RunSpec, run_one
from landbridge.simulation.engine import run_fast
from landbridge.simulation.kpis import compute
from landbridge.simulation.model import prepare

# Poland closed its Belarus border crossings from 11 to 25 September 2025; about 300 CR Express trains were
# stranded (published_flows.yaml border_crossings.poland_belarus_closure_2025; DOMAIN.md, "2024 flows").
CLOSURE = "closure:brest-malaszewicze=2025-09-11..2025-09-25"
PUBLISHED_STRANDED = 300
WINDOW = {"start": date(2025, 8, 15), "days": 75, "seed": 42}


@pytest.fixture(scope="module")
def closure():
    return run_one(RunSpec((CLOSURE,), **WINDOW))


@pytest.fixture(scope="module")
def normal():
    return run_one(RunSpec((), **WINDOW))


def _queue_by_day(result, crossing="brest-malaszewicze") -> dict[str, int]:
    return {r["date"]: r["max_queue_trains"] for r in result.tables["border_queues"] if r["crossing"] == crossing}


def test_the_published_closure_strands_about_as_many_trains_as_reported(closure, normal):
    """Within a factor of 2 of the ~300 trains reported stranded (published_flows.yaml, DOMAIN.md): trains
    that waited at the crossing while it was shut, and trains held at their origins meanwhile."""
    brest = closure.kpis["borders"]["brest-malaszewicze"]
    assert PUBLISHED_STRANDED / 2 <= brest["stranded_trains"] <= PUBLISHED_STRANDED * 2, brest
    at_crossing, at_origin = brest["stranded_at_crossing_trains"], brest["stranded_at_origin_trains"]
    assert at_crossing > 0 and at_origin > 0 and brest["stranded_trains"] == at_crossing + at_origin
    # those at the crossing waited days, not hours: up to the fifteen days of the closure
    assert 3 <= brest["stranded_delay_days_mean"] <= brest["stranded_delay_days_max"] <= 16
    assert brest["stranded_feu"] > 20 * at_crossing
    # operators stopped sending trains towards the queue; their boxes waited at the origins
    assert brest["held_at_origin_trains"] >= at_origin
    assert brest["demand_not_served_feu"] > normal.kpis["borders"]["brest-malaszewicze"]["demand_not_served_feu"]
    assert brest["closed"] == [{"from": "2025-09-11T00:00:00+00:00", "to": "2025-09-26T00:00:00+00:00"}]
    # normal operations on the same days: nothing stranded, nobody held back
    base = normal.kpis["borders"]["brest-malaszewicze"]
    assert base["stranded_trains"] == 0 and base["held_at_origin_trains"] == 0 and base["closed"] == []


def test_the_queue_grows_during_the_closure_and_drains_after(closure, normal):
    q = _queue_by_day(closure)
    before = max(q[d] for d in q if "2025-08-20" <= d < "2025-09-11")
    during = [q[d] for d in sorted(q) if "2025-09-11" <= d <= "2025-09-25"]
    assert during[-1] > during[len(during) // 2] > during[0]  # growing day by day
    assert during[-1] > 10 * max(before, 5)
    after = [q[d] for d in sorted(q) if d > "2025-09-25"]
    assert after[0] > 0.5 * during[-1]  # the backlog is still there on reopening...
    drained = [d for d in sorted(q) if d > "2025-09-25" and q[d] <= max(before, 5)]
    assert drained and drained[0] <= "2025-10-20"  # ...and gone within a few weeks
    assert max(_queue_by_day(normal).values()) < 40  # never so in normal operations


def _run(specs, start, days, seed, hold_back_days=None, tracks=None):
    from landbridge.simulation.config import simulation_config

    cfg = simulation_config()
    update = {}
    if hold_back_days is not None:
        update["hold_back_queue_days"] = hold_back_days
    if tracks is not None:
        update["tracks"] = tracks
    cfg = cfg.model_copy(update={"crossings": cfg.crossings.model_copy(update=update)})
    m = prepare(parse_scenario(specs), start, days, seed, config=cfg)
    return compute(m, run_fast(m))


def test_arrivals_above_capacity_congest_over_days_and_hold_trains_at_their_origin():
    """Arrivals above a crossing's capacity (Brest-Małaszewicze left with 3 transshipment tracks, about 5
    trains a day, under the timetable's normal traffic) build a queue that grows over days; once it is longer
    than simulation.yaml's hold_back_queue_days of that capacity, trains bound for the crossing wait at their
    origins instead of joining it, which bounds the queue; without that rule it grows for as long as the
    overload lasts."""
    few = {"brest-malaszewicze": 3}
    held = _run((), date(2026, 3, 1), 40, 5, tracks=few)
    free = _run((), date(2026, 3, 1), 40, 5, hold_back_days=0, tracks=few)
    brest, unchecked = held.kpis["borders"]["brest-malaszewicze"], free.kpis["borders"]["brest-malaszewicze"]
    q, q_free = _queue_by_day(held), _queue_by_day(free)
    days = sorted(q)
    assert q_free[days[-1]] > q_free[days[20]] > q_free[days[2]]  # grows day by day when nobody holds back
    assert unchecked["mean_wait_hours"] > 24 * 5 and unchecked["held_at_origin_trains"] == 0
    assert brest["held_at_origin_trains"] > 0 and brest["mean_wait_hours"] > 24
    assert brest["max_queue_trains"] < unchecked["max_queue_trains"] / 2
    assert unchecked["mean_wait_hours"] > 2 * brest["mean_wait_hours"]
    assert brest["stranded_trains"] == 0  # congestion, not a closure


def test_every_engine_runs_the_closure_alike():
    """The fast engine, the lean SimPy model and the straightforward SimPy model (a track held until the
    crossing reopens) agree under a closure."""
    pytest.importorskip("simpy")
    from landbridge.simulation.simpy_model import run_simpy, run_simpy_lean

    m = prepare(parse_scenario(CLOSURE), date(2025, 9, 1), 30, seed=3)
    fast = compute(m, run_fast(m)).kpis["borders"]["brest-malaszewicze"]
    lean = compute(m, run_simpy_lean(m)).kpis["borders"]["brest-malaszewicze"]
    ref = compute(m, run_simpy(m)).kpis["borders"]["brest-malaszewicze"]
    assert fast["stranded_trains"] == lean["stranded_trains"]
    assert fast["mean_wait_hours"] == pytest.approx(lean["mean_wait_hours"], abs=0.05)
    assert fast["held_at_origin_trains"] == lean["held_at_origin_trains"]
    assert ref["stranded_trains"] == pytest.approx(fast["stranded_trains"], rel=0.05)
    assert ref["mean_wait_hours"] == pytest.approx(fast["mean_wait_hours"], rel=0.05)


def test_no_train_starts_its_transshipment_while_the_crossing_is_closed():
    m = prepare(parse_scenario(CLOSURE), date(2025, 9, 1), 30, seed=3)
    st = run_fast(m)
    brest = next(c for c in m.crossings if c.id == "brest-malaszewicze")
    lo, hi = brest.closed_h[0]
    starts = st.crossing_log[brest.index].start_h
    assert starts and not any(lo <= s < hi for s in starts)
    assert any(s == hi for s in starts)  # the queue starts moving when it reopens


def test_winter_slows_processing_at_the_crossings():
    """simulation.yaml crossings.winter_processing_factor (an assumption, labelled there): a crossing leg's
    drawn factor is that much larger in the winter months."""
    m = prepare(parse_scenario(()), date(2026, 1, 1), 1)
    assert m.config.crossings.winter_processing_factor > 1
    route = next(r for r in m.routes if r.crossings_ahead)
    z = [0.0] * len(route.legs)
    january = route.draw(z, 47 * 24.0, m.winter)  # hour 0 is 42 warm-up days before the start
    summer = prepare(parse_scenario(()), date(2026, 7, 1), 1)
    july = route.draw(z, 47 * 24.0, summer.winter)
    cross = route.legs.index(next(leg for leg in route.legs if leg.kind == 2))
    assert january.hours[cross] == pytest.approx(july.hours[cross] * m.config.crossings.winter_processing_factor)


def test_a_congested_scenario_shows_in_the_quotes_bands():
    """p50/p90 come from the twin's bands (data/derived/transit_bands.json): the twin's delay over the baseline
    schedule the bands were made on, added to the scenario's schedule. A crossing at reduced capacity (a
    longer queueing wait there) therefore lengthens p50 and p90 instead of being absorbed by the band."""
    from datetime import timedelta

    from landbridge.planner import QuoteRequest
    from landbridge.world import load_world, scenario_from_specs

    req = QuoteRequest("Xian", "Duisburg", date.today() + timedelta(days=21), 1, "40HC", "general", None, ("rail",))
    normal = load_world().planner.quote(req).options
    congested = load_world(scenario_from_specs("border:brest-malaszewicze=60%")).planner.quote(req).options
    assert normal and congested and all(o.reliability_source == "simulated" for o in normal + congested)

    def best(options, attr):
        return min(getattr(o, attr) for o in options)

    assert best(congested, "p50_days") > best(normal, "p50_days") + 0.5
    assert best(congested, "p90_days") > best(normal, "p90_days") + 0.5


def _next(month: int) -> date:
    today = date.today()
    year = today.year if (today.month, today.day) < (month, 1) else today.year + 1
    return date(year, month, 10)


def test_the_winter_season_shows_in_the_bands_and_the_quotes():
    """The bands file holds each service's band by month of departure (by_month): the winter slow-down on
    the line and at the crossings (simulation.yaml) makes winter runs slower, and quotes for a winter
    departure carry that month's band."""
    from datetime import timedelta

    from landbridge.datafiles import DataSource
    from landbridge.planner import QuoteRequest
    from landbridge.reliability import load_bands
    from landbridge.world import load_world

    bands = load_bands(DataSource(None))
    assert bands is not None and len(bands.monthly) > 0.9 * len(bands.services)
    slower = 0
    for months in bands.monthly.values():
        if all(m in months for m in (1, 2, 6, 7, 8)):
            slower += (months[1][0] + months[2][0]) / 2 > (months[6][0] + months[7][0] + months[8][0]) / 3
    assert slower > 0.8 * len(bands.monthly)

    def delay(ready: date) -> float:
        req = QuoteRequest("Chongqing", "Duisburg", ready, 1, "40HC", "general", None, ("rail",))
        options = load_world().planner.quote(req).options
        assert options and all(o.reliability_source == "simulated" for o in options)
        return min(o.p50_days - o.transit_days for o in options)

    winter, summer = _next(1), _next(7)
    assert winter - timedelta(days=1) >= date.today()
    assert delay(winter) > delay(summer) + 0.3


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 5000, allow_nan=False), min_size=1, max_size=60), st.sampled_from([0.0, 0.5, 0.9, 1.0]))
def test_the_monthly_bands_quantile_is_numpys(xs, q):
    """simulation/bands.py interpolates quantiles itself (a numpy call per service and month cost a tenth of a
    second a year); it must give numpy's default (linear) percentile."""
    import numpy as np

    from landbridge.simulation.bands import linear_quantile

    assert linear_quantile(sorted(xs), q) == pytest.approx(float(np.percentile(xs, q * 100)), rel=1e-12, abs=1e-9)
