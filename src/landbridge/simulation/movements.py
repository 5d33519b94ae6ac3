"""Per-train movements of a run (movements.csv): when each scheduled train arrived at and left each stop.

Worked out after the run from what the engines record, so the engines stay as they are: a train's running
and dwelling come from its drawn hours, leg by leg, and its passage at each crossing (arrival, start of its
hold on a transshipment track) from the crossing's log, which names the train. Where a crossing starts the
section leaving a stop (the train waits at the border station, e.g. Brest), the train leaves that stop when
it gets a track; where a crossing lies inside a section (e.g. Sükhbaatar–Naushki between Zamyn-Üüd and
Moscow), it leaves the stop on time and waits on the way. Either way a stop's `wait_hours` is the queueing
at the crossings on the section leaving it, so a train's waits add up to its border wait.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, NamedTuple

from landbridge.simulation.model import PreparedModel
from landbridge.simulation.routes import CROSS, DWELL, PASS, RUN, STOP, Leg, Route
from landbridge.simulation.state import SCHEDULED, NetworkState

StopTimes = tuple[float | None, float | None, float]  # arrival, departure, wait (hours)


class Passage(NamedTuple):
    """A train at a crossing: when it arrived and when it got a track (NaN: it never did)."""

    arrival_h: float
    start_h: float


def train_movements(model: PreparedModel, st: NetworkState) -> list[dict[str, Any]]:
    """One row per scheduled train (not cancelled, leaving within the run's window) and stop it reached:
    `train`, `service`, `departure` (the train's scheduled origin departure, UTC ISO), `stop` (index in the
    service's stops), `place`, `arrival` and `departure_at` (UTC ISO, to the second; the first stop has no
    arrival, the last no departure), `wait_hours` (queueing for transshipment tracks on the section leaving
    the stop). A stop the train passes without an event is placed between its neighbours by stop count."""
    passages: dict[int, list[Passage]] = {}  # train id -> its passages, in the order of its route
    for log in st.crossing_log:
        for arrival, start, train in zip(log.arrival_h, log.start_h, log.train):
            passages.setdefault(train.id, []).append(Passage(arrival, start))
    for trips in passages.values():
        trips.sort()
    processing_h = [c.processing_hours for c in model.crossings]
    iso = _Stamps(model)
    out: list[dict[str, Any]] = []
    for train in st.trains:
        dep = train.dep_h
        if train.kind != SCHEDULED or train.cancelled or not model.start_h <= dep < model.end_h:
            continue
        route = train.route
        times = stop_times(route, dep, train.hours, passages.get(train.id, []), processing_h)
        for k, (a, d, w) in enumerate(times):
            if a is None and d is None:
                break
            out.append(
                {
                    "train": train.id,
                    "service": route.service_id,
                    "departure": iso(dep),
                    "stop": k,
                    "place": route.stops[k],
                    "arrival": "" if a is None else iso(a),
                    "departure_at": "" if d is None else iso(d),
                    "wait_hours": round(w, 3),
                }
            )
    out.sort(key=lambda r: (r["departure"], r["train"], r["stop"]))
    return out


def stop_times(
    route: Route, dep_h: float, hours: Sequence[float], passages: Sequence[Passage], processing_h: Sequence[float]
) -> list[StopTimes]:
    """Per stop of a train's route: arrival and departure hours (None where it never got: after a closed
    crossing) and the hours it queued at crossings on the section leaving the stop. `hours` are the train's
    drawn legs (routes.TrainDraws.hours), `passages` its crossings in route order."""
    n = len(route.stops)
    arr: list[float | None] = [None] * n
    lv: list[float | None] = [None] * n
    wait = [0.0] * n
    lv[0] = dep_h
    clock = dep_h
    crossings = iter(passages)
    legs = route.legs
    for i, leg in enumerate(legs):
        if leg.kind in (STOP, PASS):
            arr[leg.stop] = lv[leg.stop] = clock
            if leg.stop == n - 1:
                break
        elif leg.kind == DWELL:
            if arr[leg.stop] is None:
                arr[leg.stop] = clock
            clock += hours[i]
            lv[leg.stop] = clock
        elif leg.kind == RUN:
            clock += hours[i]
            if _ends_section(legs, i):  # at the next stop (its STOP, PASS or DWELL leg, if any, comes next)
                arr[leg.stop] = lv[leg.stop] = clock
        else:  # CROSS, on the section from stop leg.stop - 1 to stop leg.stop
            passage = next(crossings, None)
            if passage is None or math.isnan(passage.start_h):
                break  # a closed crossing: the train never got through
            first = leg.stop - 1
            if i == 0 or legs[i - 1].stop != leg.stop or legs[i - 1].kind not in (RUN, CROSS):
                # the crossing starts the section: the train reaches it at the stop, waits there, leaves
                if arr[first] is None and first > 0:
                    arr[first] = passage.arrival_h
                lv[first] = passage.start_h
            wait[first] += passage.start_h - passage.arrival_h
            clock = passage.start_h + processing_h[leg.crossing] * hours[i]
            if _ends_section(legs, i):
                arr[leg.stop] = lv[leg.stop] = clock  # the crossing ends the section: at the next stop
    return _fill(arr, lv, wait)


def _ends_section(legs: Sequence[Leg], i: int) -> bool:
    """Whether leg i (RUN or CROSS) is the last of its section."""
    return i + 1 == len(legs) or legs[i + 1].stop != legs[i].stop or legs[i + 1].kind not in (RUN, CROSS)


def _fill(arr: list[float | None], lv: list[float | None], wait: list[float]) -> list[StopTimes]:
    last = len(arr) - 1
    out: list[StopTimes] = []
    for k in range(len(arr)):
        a = arr[k] if k > 0 else None
        d = lv[k] if k < last else None
        if k > 0 and a is None:
            # a stop the engine passes inline (no event there): between its neighbours by the timetable
            a = d = _between(k, arr, lv)
            if a is None:
                out.append((None, None, 0.0))
                continue
        out.append((a, d, wait[k]))
    return out


def _between(k: int, arr: list[float | None], lv: list[float | None]) -> float | None:
    """A time for stop k between the last known departure before it and the first known arrival after it,
    in proportion to the number of stops."""
    before = next(((j, t) for j in range(k - 1, -1, -1) if (t := lv[j]) is not None), None)
    after = next(((j, t) for j in range(k + 1, len(arr)) if (t := arr[j]) is not None), None)
    if before is None or after is None:
        return None
    j0, t0 = before
    j1, t1 = after
    return t0 + (k - j0) / (j1 - j0) * (t1 - t0)


class _Stamps:
    """UTC times as YYYY-MM-DDTHH:MM:SSZ (to the second, truncated) for simulation hours: the same text as
    strftime of t0 + the hours, a dozen times faster (the dates of days are kept)."""

    def __init__(self, model: PreparedModel) -> None:
        self.t0 = model.t0  # midnight UTC
        self.dates: dict[int, str] = {}

    def __call__(self, hour: float) -> str:
        span = timedelta(hours=hour)
        day, sec = span.days, span.seconds
        text = self.dates.get(day)
        if text is None:
            text = self.dates[day] = (self.t0 + timedelta(days=day)).strftime("%Y-%m-%d")
        return f"{text}T{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}Z"
