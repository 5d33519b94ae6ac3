"""movements.csv: every scheduled train's hour at every stop, consistent with the engine's own records."""

import itertools
from datetime import date, datetime

import pytest

from landbridge.simulation.engine import run_fast
from landbridge.simulation.model import prepare
from landbridge.simulation.movements import train_movements
from landbridge.world import load_world


def _h(model, text: str) -> float:
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (t - model.t0).total_seconds() / 3600


@pytest.fixture(scope="module")
def run():
    model = prepare(load_world().scenario, date(2026, 2, 1), 21, seed=5)
    state = run_fast(model)
    return model, state, train_movements(model, state)


def test_every_stop_of_every_arrived_train_has_its_hour(run):
    model, state, rows = run
    trains = {t.id: t for t in state.trains}
    by_train: dict[int, list[dict]] = {}
    for r in rows:
        by_train.setdefault(r["train"], []).append(r)
    assert len(by_train) > 100
    for tid, stops in by_train.items():
        train = trains[tid]
        assert len(stops) == len(train.route.stops)  # no stop skipped, none interpolated away
        assert all(s["arrival"] for s in stops[1:]) and all(s["departure_at"] for s in stops[:-1])
        hours = [_h(model, x) for s in stops for x in (s["arrival"], s["departure_at"]) if x]
        assert hours == sorted(hours)
        assert abs(hours[-1] - train.arrival_h) < 1 / 3600 + 1e-9  # to the second
        # the queueing at its crossings, stop by stop, is the train's border wait
        assert sum(s["wait_hours"] for s in stops) == pytest.approx(train.border_wait_h, abs=0.002 * len(stops))


def test_a_train_that_waits_at_a_border_station_leaves_it_when_it_gets_a_track(run):
    """A crossing (Brest -> Małaszewicze, Manzhouli -> Zabaykalsk...) is a section of its own: the train waits at
    the station before it. (Since the flows follow the published 2024 figures, Brest is no longer the busiest.)"""
    model, _, rows = run
    sections = {pair for c in load_world().network.crossings for pair in ((c.a, c.b), (c.b, c.a))}
    waited = [
        r
        for r, nxt in itertools.pairwise(rows)
        if r["train"] == nxt["train"] and (r["place"], nxt["place"]) in sections and r["wait_hours"] > 0.1
    ]
    assert waited
    for r in waited:
        assert _h(model, r["departure_at"]) - _h(model, r["arrival"]) >= r["wait_hours"] - 1e-3
