"""The fast discrete-event engine: one heap of events, trains as small state machines.

A train is an event only where it meets others: at its departure (boxes are shared with the other
trains of its pairs), at a border crossing (a queue for transshipment tracks) and at stops where boxes
are re-formed or loaded. Running, dwelling and unloading between those points are worked out inline
with the train's pre-drawn noise (an unloading only credits empties to the place at the arrival hour). A crossing is one event: trains reach it in time order, so a first-come
first-served queue for k tracks is settled on arrival by taking the track that frees first (a heap of
k free times); speed trains use a reserved slot and do not queue. Timetabled departures are read from
the sorted timetable rather than pushed on the heap. One simulated year, about 25,000 trains, is
roughly 100,000 heap operations.
"""

from __future__ import annotations

import gc
import heapq
import itertools
import math
from collections.abc import Callable

from landbridge.simulation.model import CROSS, PASS, PreparedModel
from landbridge.simulation.state import SCHEDULED, NetworkState, Train


class FastState(NetworkState):
    """NetworkState with the two hottest rules (a train leaving its origin for one pair, and unloading at
    its last stop) written out flat. They must decide exactly as the general rules do: the tests run the
    engine with both and compare every record."""

    def __init__(self, model: PreparedModel):
        super().__init__(model)
        self._simple = {}
        for r in model.routes:
            lst = r.board_ods.get(0, [])
            if len(lst) == 1 and len(r.board_ods) == 1 and r.empties_stop in (-1, 0):
                od, s = lst[0]
                self._simple[r.index] = (od, s, self.od_west[od], r.stops[0], r.empties_stop == 0)

    def depart(self, train, t):
        route = train.route
        simple = self._simple.get(route.index)
        if simple is None:
            return NetworkState.depart(self, train, t)
        od, s, west, origin, with_empties = simple
        cap = route.cap_out[0]
        x = (t - self.cutoff) / 24
        if x <= 0:
            ready = 0
        else:
            d = int(x)
            c = self.cum[od][s]
            ready = c[self.last_day] if d >= self.last_day else c[d] + int((c[d + 1] - c[d]) * (x - d))
        taken = self.taken[od]
        e = ready - taken[s]
        n = e if e < cap else cap
        n = max(n, 0)
        empties = self._empties_for(origin, cap - n, t) if with_empties else 0
        if n + empties < self.min_load:
            return NetworkState.depart(self, train, t)
        if n > 0:
            self.origin_loads.append((od, s, taken[s], n, t))
            taken[s] += n
            train.groups.append([od, n, t, False])
            if not west:
                pool = self.pool_eu
                have = pool.get(origin, t)
                pool.set(origin, have - (n if have >= n else (have if have > 0 else 0)))
            train.load += n
            train.loaded_feu += n
        if empties:
            self._load_empties(train, origin, empties, t)
        if n == cap and t < self.end_h and self.extra_share > 0 and e - n >= cap:
            month = self.m.month_of_day[int(t // 24)]
            key = (route.index, month)
            allowed = int(self.extra_share * self.m.scheduled_per_route_month.get(key, 0))
            used = self.extra_used.get(key, 0)
            if used < allowed:
                self.extra_used[key] = used + 1
                return True, t + self.extra_delay
        return True, None

    def at_stop(self, train, stop, t):
        if stop != train.last_stop:
            return NetworkState.at_stop(self, train, stop, t)
        return self.finish(train, stop, t)

    def finish(self, train, stop, t):
        place = train.route.stops[stop]
        deliveries = self.deliveries
        od_west = self.od_west
        for g in train.groups:  # at its last stop every box on a train is for this place
            od = g[0]
            deliveries.append((od, g[1], g[2], t, g[3]))
            if od_west[od]:
                self.pool_eu.credit(place, t, g[1])
        train.groups = []
        if train.empties:
            self.empties_arrived.append((t, place, train.empties))
            train.empties = 0
        train.load = 0
        train.arr_h = t
        self.trains.append(
            (
                train.route.index,
                train.kind,
                train.dep_h,
                t,
                train.loaded_feu,
                train.empties_feu,
                train.wait_h,
                False,
                train.id,
            )
        )
        return []


def run_fast(
    model: PreparedModel, progress: Callable[[float], None] | None = None, state_class: type[NetworkState] = FastState
) -> NetworkState:
    """Simulate `model`; returns the state holding everything recorded.

    The cyclic garbage collector is paused while it runs: the run allocates a few hundred thousand
    small acyclic records, and collections triggered by them would cost a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(model, progress, state_class)
    finally:
        if enabled:
            gc.enable()


def _run(model: PreparedModel, progress, state_class) -> NetworkState:
    st = state_class(model)
    routes = model.routes
    crossings = model.crossings
    track_h = [c.track_hours for c in crossings]
    proc_h = [c.processing_hours for c in crossings]
    free_at: list[list[float]] = [[0.0] * c.tracks for c in crossings]  # per crossing: heap of track free times
    log = [lst.append for lst in st.crossing_log]
    west = [r.direction == "westbound" for r in routes]
    deps = model.departures
    noises = model.train_noise
    segments = model.train_segments
    n_deps = len(deps)
    heap: list[tuple] = []  # (hour, sequence, train); a train with pos -1 has yet to depart (an extra)
    nxt = itertools.count().__next__
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    end_h = model.end_h
    sweep_every = model.config.empties.sweep_days * 24
    next_sweep = sweep_every
    at_stop = st.at_stop
    finish = st.finish if isinstance(st, FastState) else st.at_stop
    depart = st.depart
    trains_append = st.trains.append
    nan = math.nan

    def advance(tr: Train, t: float) -> None:
        # running and dwelling up to the next leg that needs an event, in one step (pre-summed hours)
        i = tr.pos
        seg, nxt_ev, legs = tr.seg, tr.route.next_event, tr.legs
        while True:
            t += seg[i]
            i = nxt_ev[i]
            kind, a, b = legs[i]
            if kind != PASS:
                break
            # a stop with unloading only: settled now, at the hour of arrival
            if b == tr.last_stop:
                finish(tr, b, t)
                tr.pos = i
                return
            at_stop(tr, b, t)
            i += 1
        tr.pos = i
        push(heap, (t, nxt(), tr))

    def leave(tr: Train, t: float) -> None:
        ok, extra_at = depart(tr, t)
        if ok:
            advance(tr, t)
        if extra_at is not None:
            extra = st.new_extra(tr.route, extra_at)
            extra.pos = -1
            push(heap, (extra_at, nxt(), extra))

    events = 0
    di = 0
    t = 0.0
    while True:
        while True:
            # the next timetabled departure, unless an event on the heap comes first
            if di < n_deps and (not heap or deps[di][0] <= heap[0][0]):
                t, ri = deps[di]
                while t >= next_sweep and next_sweep < end_h:  # empties swept to sea on their days
                    st.sweep(next_sweep)
                    next_sweep += sweep_every
                leave(Train(di, routes[ri], SCHEDULED, t, noises[di], segments[di]), t)
                di += 1
                continue
            if not heap:
                break
            t, _, tr = pop(heap)
            while t >= next_sweep and next_sweep < end_h:  # empties swept to sea on their days
                st.sweep(next_sweep)
                next_sweep += sweep_every
            events += 1
            if progress is not None and not events & 8191:
                progress(t)
            pos = tr.pos
            if pos < 0:
                tr.pos = 0
                leave(tr, t)
                continue
            kind, a, b = tr.legs[pos]
            if kind == CROSS:
                c = a
                f = tr.noise[pos]
                if tr.prio:
                    start = t  # reserved transshipment slot
                else:
                    ft = free_at[c]
                    if not ft:  # crossing closed (0% capacity): the train never gets through
                        log[c]((t, nan, nan, west[tr.route.index]))
                        trains_append(
                            (
                                tr.route.index,
                                tr.kind,
                                tr.dep_h,
                                nan,
                                tr.loaded_feu,
                                tr.empties_feu,
                                tr.wait_h,
                                False,
                                tr.id,
                            )
                        )
                        continue
                    start = ft[0] if ft[0] > t else t
                    replace(ft, start + track_h[c] * f)
                    tr.wait_h += start - t
                log[c]((t, start, start + track_h[c] * f, west[tr.route.index]))
                tr.pos = pos + 1
                advance(tr, start + proc_h[c] * f)
            else:  # STOP
                for relief in at_stop(tr, b, t):
                    advance(relief, t)
                if b != tr.last_stop:
                    tr.pos = pos + 1
                    advance(tr, t)
        # boxes still waiting at a yard when nothing else moves leave on a last EU train
        relief = st.flush_yards(t)
        if not relief:
            break
        for tr in relief:
            advance(tr, t)
    while next_sweep < end_h:
        st.sweep(next_sweep)
        next_sweep += sweep_every
    if progress is not None:
        progress(t)
    st.events = events + n_deps
    return st
