"""The arrival predictor asked later than the train's latest event: conditioned on its next event not having come
(survival), never before the time of asking, equal to the plain prediction when asked at the event. Plain Python,
no database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from landbridge.tracking.predictor import EtaModel, Observation, Timetables, fit

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _tables() -> Timetables:
    # one service a -> b -> c: 40 timetable hours to b, a 2-hour dwell, 30 more to c
    return Timetables(
        arrive_h={"s": (0.0, 40.0, 72.0)},
        depart_h={"s": (0.0, 42.0, 72.0)},
        stops={"s": ("a", "b", "c")},
        crossing_entry={"s": set()},
        boardable={"s": (True, False, True)},
    )


def _runs(n: int, seed: int) -> list[tuple[float, float, float]]:
    """Per train: hours of the first section, the dwell and the second section (independent lognormal draws)."""
    rng = random.Random(seed)
    return [
        (40 * rng.lognormvariate(0.15, 0.2), 2 * rng.lognormvariate(0, 0.4), 30 * rng.lognormvariate(0.1, 0.2))
        for _ in range(n)
    ]


def _observations(runs: list[tuple[float, float, float]]) -> list[Observation]:
    out = []
    for i, (a, d, b) in enumerate(runs):
        t = T0 + timedelta(hours=i)
        at_b, left_b, at_c = t + timedelta(hours=a), t + timedelta(hours=a + d), t + timedelta(hours=a + d + b)
        out.append(Observation("s", 0, "DEPA", t, 0, {1: at_b, 2: at_c}, next_at=at_b))
        out.append(Observation("s", 1, "ARRI", at_b, 0, {2: at_c}, next_at=left_b))
        out.append(Observation("s", 1, "DEPA", left_b, 0, {2: at_c}, next_at=at_c))
    return out


@pytest.fixture(scope="module")
def model() -> EtaModel:
    return fit(_observations(_runs(4000, 1)), _tables(), (12, 1, 2), "test", {})


def test_asked_at_the_event_it_is_the_plain_prediction(model):
    tt = _tables()
    assert model.predict(tt, "s", 0, "DEPA", 2, T0, None, 0.0) == model.predict(tt, "s", 0, "DEPA", 2, T0)
    assert model.after  # the conditioned bands were learned


def test_asked_later_it_knows_the_train_is_not_there_yet(model):
    tt = _tables()
    plain = model.predict(tt, "s", 0, "DEPA", 2, T0)
    last = plain
    for elapsed in (20.0, 40.0, 46.0, 50.0, 55.0, 60.0, 80.0, 200.0):
        lo, mid, hi = model.predict(tt, "s", 0, "DEPA", 2, T0, None, elapsed)
        assert elapsed <= lo <= mid <= hi  # never before the time of asking
        assert mid >= last[1] - 1e-9  # the longer without news, the later
        last = (lo, mid, hi)
    assert model.predict(tt, "s", 0, "DEPA", 2, T0, None, 55.0)[1] > plain[1] + 5


def test_the_conditioned_median_is_the_one_of_the_trains_still_on_their_way(model):
    """Against fresh runs (not the fitted ones): the p50 given no arrival at b after `elapsed` hours is close to
    the median of the arrival at c of the trains that had not reached b by then."""
    tt = _tables()
    test = _runs(20000, 2)
    for elapsed in (45.0, 50.0, 58.0):
        alive = np.asarray([a + d + b for a, d, b in test if a > elapsed])
        p50 = model.predict(tt, "s", 0, "DEPA", 2, T0, None, elapsed)[1]
        assert abs(p50 - float(np.median(alive))) < 2.0, (elapsed, p50, float(np.median(alive)))


def test_the_conditioned_bands_survive_the_file_and_an_older_file_still_loads(model):
    doc = model.to_json()
    again = EtaModel.from_json(doc)
    tt = _tables()
    assert again.predict(tt, "s", 0, "DEPA", 2, T0, None, 50.0) == pytest.approx(
        model.predict(tt, "s", 0, "DEPA", 2, T0, None, 50.0), abs=0.02
    )
    del doc["bands_given_no_event_hours"]
    old = EtaModel.from_json(doc)
    lo, mid, hi = old.predict(tt, "s", 0, "DEPA", 2, T0, None, 500.0)
    assert lo == mid == hi == 500.0  # without them: the plain band, never before the time of asking
