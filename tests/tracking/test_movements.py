"""movements.csv of a twin run: per scheduled train and stop, arrival and departure, consistent with the train
records the engines keep (arrival at the last stop, border waits)."""

from __future__ import annotations

from datetime import date, datetime

import pytest


@pytest.fixture(scope="module")
def month_run():
    from landbridge.simulation import RunSpec, run_one

    return run_one(RunSpec(start=date(2026, 1, 1), days=14, seed=3))


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_movements_agree_with_the_train_records(month_run):
    rows = month_run.tables["movements"]
    trains = {t["train"]: t for t in month_run.tables["trains"] if t["kind"] == "scheduled"}
    assert rows and {r["train"] for r in rows} <= set(trains)
    by_train: dict[int, list[dict]] = {}
    for r in rows:
        by_train.setdefault(r["train"], []).append(r)
    arrived = 0
    for tid, stops in by_train.items():
        t = trains[tid]
        assert [s["stop"] for s in stops] == list(range(len(stops)))
        times = [x for s in stops for x in (s["arrival"], s["departure_at"]) if x]
        assert times == sorted(times)  # a train never goes back in time
        # the waits at its stops are its border wait (a crossing inside a section has no stop to wait at)
        assert sum(s["wait_hours"] for s in stops) <= t["border_wait_hours"] + 0.01
        if t["arrival"] and not stops[-1]["departure_at"]:
            arrived += 1
            # trains.csv rounds to the minute
            assert abs((_t(stops[-1]["arrival"]) - _t(t["arrival"])).total_seconds()) <= 30
    assert arrived > 0.5 * len(by_train)
