"""`closure:CROSSING=FROM..TO`: a crossing closed for a window of days, parsed by the one scenario parser,
taken out of the planner's timetable for the departures that would meet it, refused clearly when malformed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.errors import InvalidRequestError
from landbridge.planner import QuoteRequest
from landbridge.scenarios import CLOSURE_FIRST, CLOSURE_LAST, parse_scenario
from landbridge.world import load_world, scenario_from_specs

CROSSINGS = {"brest-malaszewicze": ["brest", "malaszewicze"], "khorgos-altynkol": ["khorgos", "altynkol"]}


def test_a_closure_names_its_crossing_and_days():
    sc = parse_scenario("closure:brest-malaszewicze=2025-09-11..2025-09-25", CROSSINGS)
    assert sc.closures == (("brest-malaszewicze", date(2025, 9, 11), date(2025, 9, 25)),)
    assert sc.closures_at("brest-malaszewicze") == [(date(2025, 9, 11), date(2025, 9, 25))]
    assert sc.closures_at("khorgos-altynkol") == []
    assert sc.describe() == "brest-malaszewicze closed 2025-09-11 to 2025-09-25"
    assert not sc.is_baseline and sc.without_closures().is_baseline
    # a place on the crossing names it too, and closures combine with the other forms
    both = parse_scenario(["closure:brest=2025-09-11..2025-09-11", "border:khorgos=50%"], CROSSINGS)
    assert both.closures_at("brest-malaszewicze", ("brest", "malaszewicze")) == [(date(2025, 9, 11),) * 2]
    assert both.border_capacity == (("khorgos", 0.5),)


@pytest.mark.parametrize(
    "spec, says",
    [
        ("closure:brestt=2025-09-11..2025-09-25", "Did you mean brest"),
        ("closure:brest-malaszewicze=2025-09-26..2025-09-25", "starts (2025-09-26) after it ends"),
        ("closure:brest-malaszewicze=2025-02-30..2025-03-25", "'2025-02-30' is not a date"),
        ("closure:brest-malaszewicze=1925-09-11..2025-09-25", "out of range"),
        ("closure:brest-malaszewicze=2025-09-11..2205-09-25", "out of range"),
        ("closure:brest-malaszewicze", "FROM..TO"),
        ("closure:brest-malaszewicze=2025-09-11", "FROM..TO"),
        ("closure:=..", "unknown border crossing"),
        ("closur:brest-malaszewicze=2025-09-11..2025-09-25", "Did you mean closure:brest-malaszewicze"),
    ],
)
def test_malformed_closures_say_what_to_write(spec, says):
    with pytest.raises(InvalidRequestError) as exc:
        parse_scenario(spec, CROSSINGS)
    assert says in str(exc.value)


@settings(max_examples=60, deadline=None)
@given(st.dates(date(1990, 1, 1), date(2110, 12, 31)), st.integers(-40, 40))
def test_any_window_is_accepted_or_refused_with_a_message(first, length):
    last = first + timedelta(days=length)
    spec = f"closure:khorgos={first.isoformat()}..{last.isoformat()}"
    valid = first <= last and first >= CLOSURE_FIRST and last <= CLOSURE_LAST
    if valid:
        assert parse_scenario(spec, CROSSINGS).closures == (("khorgos", first, last),)
    else:
        with pytest.raises(InvalidRequestError, match="Scenario"):
            parse_scenario(spec, CROSSINGS)


def _window() -> tuple[date, date]:
    first = date.today() + timedelta(days=30)
    return first, first + timedelta(days=14)


def test_departures_that_would_meet_the_closure_do_not_run():
    first, last = _window()
    base = load_world()
    closed = load_world(scenario_from_specs(f"closure:brest-malaszewicze={first}..{last}"))
    lo, hi = first.toordinal(), last.toordinal() + 1
    n_base = n_closed = 0
    for s in closed.timetable.services:
        at_brest = [(reach, clear) for cid, reach, clear in s.crossing_times if cid == "brest-malaszewicze"]
        b = base.timetable.by_id[s.id]
        for e in base.timetable.departure_epochs_between(b, *_epochs(first - timedelta(days=30), last)):
            runs = e in set(closed.timetable.departure_epochs_between(s, *_epochs(first - timedelta(days=30), last)))
            meets = any(
                (e + reach * 3600) / 86400 + date(1970, 1, 1).toordinal() < hi
                and (e + clear * 3600) / 86400 + date(1970, 1, 1).toordinal() > lo
                for reach, clear in at_brest
            )
            assert runs != meets, (s.id, e)
            n_base += 1
            n_closed += runs
    assert n_closed < n_base


def _epochs(a: date, b: date) -> tuple[float, float]:
    from datetime import UTC, datetime, time

    return (
        datetime.combine(a, time(0), tzinfo=UTC).timestamp(),
        datetime.combine(b, time(0), tzinfo=UTC).timestamp(),
    )


def test_a_quote_routes_around_the_closure_or_waits_for_it_to_end():
    first, last = _window()
    ready = first - timedelta(days=3)  # trains leaving now would reach Brest while it is closed
    closed = load_world(scenario_from_specs(f"closure:brest-malaszewicze={first}..{last}"))
    req = QuoteRequest("Chongqing", "Duisburg", ready, 1, "40HC", "general", None, ("rail",))
    q, normal = closed.planner.quote(req), load_world().planner.quote(req)
    assert q.options and "closed" in q.to_dict()["scenario"]["description"]
    for o in q.options:
        if any("brest" in (b["exit_place"], b["place"]) for b in o.to_dict()["borders"]):
            assert o.arrival.date() > last, o.to_dict()["legs"]  # it crossed after the closure
    assert min(o.arrival for o in q.options) >= min(o.arrival for o in normal.options)
    # the normal quote's fastest option ran through Brest during the window
    fastest = min(normal.options, key=lambda o: o.arrival)
    assert any(b["exit_place"] == "brest" for b in fastest.to_dict()["borders"])
    assert min(o.arrival for o in q.options) > fastest.arrival


def test_cli_refuses_a_bad_closure_with_exit_2(tmp_path):
    from tests.clirun import cli

    r = cli(
        "quote",
        "Chongqing",
        "Duisburg",
        "--ready",
        (date.today() + timedelta(days=7)).isoformat(),
        "--scenario",
        "closure:brest-malaszewicze=2026-09-25..2026-09-11",
    )
    assert r.exit_code == 2 and "after it ends" in r.output
    r = cli(
        "simulate",
        "--days",
        "3",
        "--out",
        str(tmp_path / "run"),
        "--scenario",
        "closure:nowhere=2026-01-01..2026-01-02",
    )
    assert r.exit_code == 2 and "unknown border crossing" in r.output


def test_the_timetable_lists_fewer_departures_and_says_why():
    from tests.clirun import cli

    first, last = _window()
    month = f"{first:%Y-%m}"
    normal = cli("timetable", "--month", month, "--from", "Chongqing", "--to", "Duisburg", "--json")
    closed = cli(
        "timetable",
        "--month",
        month,
        "--from",
        "Chongqing",
        "--to",
        "Duisburg",
        "--json",
        "--scenario",
        f"closure:brest-malaszewicze={first}..{last}",
    )
    assert normal.exit_code == closed.exit_code == 0
    import json

    assert json.loads(closed.stdout)["count"] < json.loads(normal.stdout)["count"]
    text = cli("timetable", "--month", month, "--scenario", f"closure:brest={first}..{last}")
    assert text.exit_code == 0 and "brest closed" in text.output and "do not run" in text.output
