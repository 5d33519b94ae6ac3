"""The fast discrete-event engine: one heap of events, trains as small state machines.

A train is an event only where it meets others: at its departure (boxes are shared with the other
trains of its pairs), at a border crossing (a queue for transshipment tracks) and at stops where boxes
are re-formed or loaded. Running, dwelling and unloading between those points are worked out inline
with the train's pre-drawn hours (an unloading only credits empties to the place at the arrival hour).
A crossing is one event: trains reach it in time order, so a first-come first-served queue for k tracks
is settled on arrival by taking the track that frees first (a heap of k free times); speed trains use a
reserved slot and do not queue. Timetabled departures are read from the sorted timetable rather than
pushed on the heap. What happens at departures and stops is decided by `state.NetworkState`.
"""

from __future__ import annotations

import gc
import itertools
import math
from collections.abc import Callable
from heapq import heappop, heappush, heapreplace

from landbridge.simulation.model import PreparedModel, ScheduledDeparture
from landbridge.simulation.routes import CROSS, PASS
from landbridge.simulation.state import SCHEDULED, NetworkState, Train, reopened_start

Progress = Callable[[float], None]


def run_fast(
    model: PreparedModel, progress: Progress | None = None, state_class: type[NetworkState] = NetworkState
) -> NetworkState:
    """Simulate `model`; returns the state holding everything recorded (`events`: the number of
    departures and heap events processed). `progress(hour)` is called now and then as it runs.

    The cyclic garbage collector is paused while it runs: the run allocates a few hundred thousand
    small acyclic records, and collections triggered by them would cost a quarter of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _simulate(model, state_class(model), progress)
    finally:
        if enabled:
            gc.enable()


# The hot paths are closures over local variables rather than methods: a third faster in CPython.
Advance = Callable[[Train, float], None]
Cross = Callable[[Train, int, int, float], None]


def _simulate(model: PreparedModel, state: NetworkState, progress: Progress | None) -> NetworkState:
    """One run: the heap of (hour, sequence, train) events, the crossings' track free times, and how a
    train moves between events; `_event_loop` takes events in time order."""
    heap: list[tuple[float, int, Train]] = []  # a train with pos -1 is an extra train yet to leave
    # The event being processed stays on top of the heap until the first push replaces it (one sift
    # instead of a pop and a push): `done[0]` says whether it is still there.
    done = [False]
    sequence = itertools.count().__next__
    crossings = model.crossings
    track_h = [c.track_hours for c in crossings]
    processing_h = [c.processing_hours for c in crossings]
    free_at: list[list[float]] = [[0.0] * c.tracks for c in crossings]  # per crossing: heap of track free times
    closed = [c.closed_h for c in crossings]  # per crossing: the scenario's closures, [start, end) hours
    queue_starts = state.queue_starts
    log = [passages.add for passages in state.crossing_log]
    finish, at_stop, depart, stranded = state.finish, state.at_stop, state.depart, state.stranded
    nan = math.nan

    def advance(train: Train, t: float) -> None:
        """Run a train from its current leg up to the next leg that needs an event, in one step
        (pre-summed hours); stops where it only unloads are settled on the way, at their hour."""
        i = train.pos
        route = train.route
        segments, next_event, kinds = train.segments, route.next_event, route.leg_kind
        while True:
            t += segments[i]
            i = next_event[i]
            if kinds[i] != PASS:
                break
            stop = route.leg_stop[i]
            train.pos = i
            if stop == train.last_stop:
                finish(train, stop, t)
                return
            at_stop(train, stop, t)
            i += 1
        train.pos = i
        if done[0]:
            done[0] = False
            heapreplace(heap, (t, sequence(), train))
        else:
            heappush(heap, (t, sequence(), train))

    def leave(train: Train, t: float) -> None:
        """A train at its origin: loaded (or cancelled) by the rules; an extra train may follow."""
        runs, extra_at = depart(train, t)
        if runs:
            advance(train, t)
        if extra_at is not None:
            extra = state.new_extra(train.route, extra_at)
            extra.pos = -1
            heappush(heap, (extra_at, sequence(), extra))

    def cross(train: Train, leg: int, crossing: int, t: float) -> None:
        """A train reaches a crossing at hour t: it takes the track that frees first (or a reserved slot),
        not before a closure ends, then runs on after the crossing's processing time; at a crossing at 0 %
        capacity it is stranded."""
        factor = train.hours[leg]
        hold_h = track_h[crossing] * factor
        if train.priority:
            start = t  # reserved transshipment slot
            if closed[crossing]:
                start = reopened_start(start, closed[crossing])
        else:
            tracks = free_at[crossing]
            if not tracks:  # crossing closed (0% capacity): the train never gets through
                log[crossing](t, nan, nan, train)
                stranded(train, t)
                return
            start = tracks[0] if tracks[0] > t else t
            if closed[crossing]:
                start = reopened_start(start, closed[crossing])
            heapreplace(tracks, start + hold_h)
            if start > t:
                heappush(queue_starts[crossing], start)
        train.border_wait_h += start - t
        log[crossing](t, start, start + hold_h, train)
        train.pos = leg + 1
        advance(train, start + processing_h[crossing] * factor)

    state.events = _event_loop(model, state, heap, done, advance, leave, cross, progress)
    return state


def _event_loop(
    model: PreparedModel,
    state: NetworkState,
    heap: list[tuple[float, int, Train]],
    done: list[bool],
    advance: Advance,
    leave: Advance,
    cross: Cross,
    progress: Progress | None,
) -> int:
    """Timetabled departures (read from the sorted timetable) and heap events in time order; when nothing
    is left, flush the yards (relief trains for what still waits) and go on until they are empty too.
    Returns the number of departures and events processed."""
    departures: list[ScheduledDeparture] = model.departures
    routes, hours, segments = model.routes, model.train_hours, model.train_segments
    n_departures = len(departures)
    at_stop = state.at_stop
    events = 0
    next_departure = 0
    inf = math.inf
    next_departure_h = departures[0].hour if departures else inf
    t = 0.0
    while True:
        while True:
            if done[0]:  # the last event's train did not go on: its entry leaves the heap
                heappop(heap)
                done[0] = False
            # the next timetabled departure, unless an event on the heap comes first
            if next_departure_h <= (heap[0][0] if heap else inf) and next_departure < n_departures:
                t, route_index = departures[next_departure]
                if t >= state.next_sweep_h:
                    state.sweep_due(t)
                leave(
                    Train(
                        next_departure,
                        routes[route_index],
                        SCHEDULED,
                        t,
                        hours[next_departure],
                        segments[next_departure],
                    ),
                    t,
                )
                next_departure += 1
                next_departure_h = departures[next_departure].hour if next_departure < n_departures else inf
                continue
            if not heap:
                break
            t, _, train = heap[0]
            done[0] = True
            if t >= state.next_sweep_h:
                state.sweep_due(t)
            events += 1
            if progress is not None and not events & 8191:
                progress(t)
            leg = train.pos
            if leg < 0:  # an extra train leaving
                train.pos = 0
                leave(train, t)
                continue
            on = train.route
            if on.leg_kind[leg] == CROSS:
                cross(train, leg, on.leg_crossing[leg], t)
                continue
            stop = on.leg_stop[leg]
            # a stop where it meets other trains' boxes; relief trains formed there start now
            for relief in at_stop(train, stop, t):
                advance(relief, t)
            if stop != train.last_stop:
                train.pos = leg + 1
                advance(train, t)
        # boxes still waiting at a yard when nothing else moves leave on a last EU train
        last_trains = state.flush_yards(t)
        if not last_trains:
            break
        for train in last_trains:
            advance(train, t)
    state.sweep_due(math.inf)
    state.ended_h = t
    if progress is not None:
        progress(t)
    return events + n_departures
