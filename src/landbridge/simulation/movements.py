"""Per-train movements of a run (movements.csv): when each scheduled train arrived at and left each stop.

Worked out after the run from what the engines already record, so the engines stay as they are: a train's
running and dwelling come from its pre-drawn noise (the same pre-summed hours the fast engine adds), and its
start of transshipment at each crossing from the crossing's log, matched on the hour the train reached it.
At a crossing the train arrives at the crossing's first stop, leaves it when it gets a transshipment track
(so departure - arrival there is its queueing wait), and arrives at the other side when processing ends.
"""

from __future__ import annotations

import bisect
import math
from datetime import timedelta

from landbridge.simulation.model import CROSS, DWELL, PASS, STOP, PreparedModel
from landbridge.simulation.state import SCHEDULED, NetworkState

MATCH_TOLERANCE_H = 1e-3  # the fast engine matches exactly; the SimPy reference within float noise


def train_movements(model: PreparedModel, st: NetworkState) -> list[dict]:
    """One row per scheduled train (not cancelled, leaving within the run's window) and stop it reached:
    `train`, `service`, `departure` (the train's scheduled origin departure, UTC ISO), `stop` (index in the
    service's stops), `place`, `arrival` and `departure_at` (UTC ISO, to the second; the first stop has no
    arrival, the last no departure), `wait_hours` (queueing for a transshipment track before leaving a stop)."""
    arrivals: list[list[float]] = []
    starts: list[list[float]] = []
    for log in st.crossing_log:
        rows = sorted((a, s) for a, s, _e, _w in log)
        arrivals.append([a for a, _ in rows])
        starts.append([s for _, s in rows])
    proc_h = [c.processing_hours for c in model.crossings]
    lo, hi = model.start_h, model.end_h
    shape = _crossing_shapes(model)
    out: list[dict] = []
    for ri, kind, dep, _arr, _loaded, _empties, _wait, cancelled, tid in st.trains:
        if kind != SCHEDULED or cancelled or not lo <= dep < hi:
            continue
        route = model.routes[ri]
        times = _stop_times(
            route, dep, model.train_noise[tid], model.train_segments[tid], arrivals, starts, proc_h, shape[ri]
        )
        for k, (a, d, w) in enumerate(times):
            if a is None and d is None:
                break
            out.append(
                {
                    "train": tid,
                    "service": route.service_id,
                    "departure": _iso(model, dep),
                    "stop": k,
                    "place": route.stops[k],
                    "arrival": "" if a is None else _iso(model, a),
                    "departure_at": "" if d is None else _iso(model, d),
                    "wait_hours": round(w, 3),
                }
            )
    out.sort(key=lambda r: (r["departure"], r["train"], r["stop"]))
    return out


def _crossing_shapes(model: PreparedModel) -> list[dict[int, tuple[bool, bool]]]:
    """Per route, for each section with a crossing (by its end stop): whether the section starts with the crossing
    (the train waits at the section's first stop) and whether it is only the crossing (it ends at the far side)."""
    from landbridge.world import load_world

    tt = load_world(model.scenario, model.data_dir).timetable
    out: list[dict[int, tuple[bool, bool]]] = []
    for r in model.routes:
        svc = tt.by_id.get(r.service_id)
        shapes: dict[int, tuple[bool, bool]] = {}
        for k, sec in enumerate(svc.sections if svc is not None else ()):
            if any(st.crossing is not None for st in sec.steps):
                starts_with = sec.steps[0].crossing is not None
                shapes[k + 1] = (starts_with, starts_with and len(sec.steps) == 1)
        out.append(shapes)
    return out


def _stop_times(
    route, dep_h, noise, seg, arrivals, starts, proc_h, shapes: dict[int, tuple[bool, bool]]
) -> list[tuple[float | None, float | None, float]]:
    n = len(route.stops)
    arr: list[float | None] = [None] * n
    lv: list[float | None] = [None] * n
    wait = [0.0] * n
    lv[0] = dep_h
    legs = route.legs
    nxt_ev = route.next_event
    last = n - 1
    pos, t = 0, dep_h
    while pos < len(legs):
        # inline legs up to the next event: dwell times for the record, the exact sum for the clock
        stop_at = nxt_ev[pos]
        clock = t
        for i in range(pos, stop_at):
            k, a, b = legs[i]
            if k == DWELL:
                if arr[b] is None:
                    arr[b] = clock
                lv[b] = clock + noise[i]
            clock += noise[i]
        if stop_at >= len(legs):
            break
        t = t + seg[pos]
        kind, a, b = legs[stop_at]
        if kind in (STOP, PASS):
            if arr[b] is None:
                arr[b] = t
            if b == last:
                break
            pos = stop_at + 1
            continue
        if kind == CROSS:
            c = a
            k = _nearest(arrivals[c], t)
            if k < 0 or math.isnan(starts[c][k]):
                break  # a closed crossing: the train never got through
            start = starts[c][k]
            at_first, whole = shapes.get(b, (True, True))
            if at_first:  # the crossing begins at the section's first stop: the train waits there
                if arr[b - 1] is None:
                    arr[b - 1] = t
                lv[b - 1] = start
                wait[b - 1] = start - t
            t = start + proc_h[c] * noise[stop_at]
            if whole:  # the section is the crossing: processing ends at its far side
                arr[b] = t
            pos = stop_at + 1
            continue
        pos = stop_at + 1
    out: list[tuple[float | None, float | None, float]] = []
    for k in range(n):
        a = arr[k] if k > 0 else None
        d = lv[k] if k < last else None
        if k > 0 and a is not None and d is None and k < last:
            d = a
        if k > 0 and a is None:
            # a stop the engine passes inline (no event there): between its neighbours by the timetable
            a = d = _between(k, arr, lv)
            if a is None:
                out.append((None, None, 0.0))
                continue
        out.append((a, d, wait[k]))
    return out


def _nearest(xs: list[float], t: float) -> int:
    """Index of the entry closest to t (within MATCH_TOLERANCE_H), else -1."""
    k = bisect.bisect_left(xs, t)
    best = -1
    for j in (k - 1, k):
        if (
            0 <= j < len(xs)
            and abs(xs[j] - t) <= MATCH_TOLERANCE_H
            and (best < 0 or abs(xs[j] - t) < abs(xs[best] - t))
        ):
            best = j
    return best


def _between(k, arr, lv) -> float | None:
    before = next(((j, lv[j]) for j in range(k - 1, -1, -1) if lv[j] is not None), None)
    after = next(((j, arr[j]) for j in range(k + 1, len(arr)) if arr[j] is not None), None)
    if before is None or after is None:
        return None
    j0, t0 = before
    j1, t1 = after
    return t0 + (k - j0) / (j1 - j0) * (t1 - t0)


def _iso(model: PreparedModel, hour: float) -> str:
    dt = model.t0 + timedelta(hours=hour)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
