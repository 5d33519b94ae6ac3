"""The model written the straightforward SimPy way: the reference the fast engine is checked against.

Every train is a SimPy process that yields a timeout per leg; border crossings are `simpy.Resource`s
with one slot per transshipment track (speed trains use a reserved slot); each origin-destination pair
has a demand process that releases the day's boxes at the start of each day; the timetable and the
empty-container sweeps are processes too. It uses the prepared model (same trains, same draws) and the
rules at stops (`NetworkState`), but none of the fast engine's shortcuts (inline legs, queues settled
on arrival, demand read from the whole year), so both engines giving the same KPIs (up to the order of
simultaneous events) checks those shortcuts. SimPy is a dev extra (`pip install landbridge[dev]`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from typing import Any

from landbridge.errors import LandbridgeError
from landbridge.simulation.model import PreparedModel
from landbridge.simulation.routes import CROSS, DWELL, PASS, RUN, Route
from landbridge.simulation.state import SCHEDULED, BoxQueue, NetworkState, Train, reopened_start

Process = Generator[Any, Any, None]


def _simpy() -> Any:
    try:
        import simpy
    except ImportError:  # pragma: no cover - dev extra
        raise LandbridgeError("The SimPy models need simpy: pip install 'landbridge[dev]'.") from None
    return simpy


def _monitor(env: Any, end_h: float, progress: Callable[[float], None]) -> Process:
    """Report the simulated hour once a simulated week."""
    while env.now < end_h:
        yield env.timeout(24 * 7)
        progress(env.now)


class _ReleasedBoxQueue(BoxQueue):
    """A queue that knows only the days the demand process has released so far (not the whole year)."""

    __slots__ = ("released",)

    def __init__(self, od: int, stream: int, cum: list[int], cutoff_h: float, last_day: int) -> None:
        super().__init__(od, stream, cum, cutoff_h, last_day)
        self.released = [0]

    def waiting(self, t: float) -> int:
        x = (t - self.cutoff_h) / 24
        if x <= 0:
            return -self.taken
        d = int(x)
        c = self.released
        if d + 1 >= len(c):  # only days already released count (all of them once demand ends)
            return c[-1] - self.taken
        return c[d] + int((c[d + 1] - c[d]) * (x - d)) - self.taken


class _ReleasedDemandState(NetworkState):
    """Reads demand from what the demand processes have released so far (not from the whole year), and
    counts the trains queueing at each crossing as they come and go (not from their start hours)."""

    queue_class = _ReleasedBoxQueue

    def __init__(self, model: PreparedModel) -> None:
        super().__init__(model)
        self.waiting = [0] * len(model.crossings)

    def queue_length(self, crossing: int, t: float) -> int:
        return self.waiting[crossing]

    def congested_ahead(self, route: Route, t: float) -> int:
        for c in route.crossings_ahead:
            if self.waiting[c] > self.hold_back[c]:
                return c
        return -1


class _ReferenceRun:
    """One run of the straightforward SimPy model."""

    def __init__(self, model: PreparedModel) -> None:
        simpy = _simpy()
        self.model = model
        self.env = simpy.Environment()
        self.state = _ReleasedDemandState(model)
        self.tracks = [simpy.Resource(self.env, capacity=max(1, c.tracks)) for c in model.crossings]

    def train(self, train: Train) -> Process:
        """A train from its current leg to its last: a timeout per running or dwelling leg, a queue for
        a track at each crossing, the rules at each stop."""
        env, st = self.env, self.state
        for i in range(train.pos, train.end_pos):
            train.pos = i
            kind, _, _, crossing, stop = train.legs[i]
            if kind in (RUN, DWELL):  # hours drawn for this train and leg (winter included)
                yield env.timeout(train.hours[i])
            elif kind == CROSS:
                if not (yield from self.cross(train, crossing, train.hours[i])):
                    return
            else:  # STOP or PASS
                for relief in st.at_stop(train, stop, env.now):
                    env.process(self.train(relief))

    def cross(self, train: Train, index: int, factor: float) -> Generator[Any, Any, bool]:
        """Queue for a transshipment track, hold it, then the rest of the processing. False when the
        crossing is closed (the train is stranded)."""
        env = self.env
        crossing = self.model.crossings[index]
        log = self.state.crossing_log[index]
        arrived = env.now
        if crossing.tracks == 0:  # a crossing at 0% capacity: the train never gets through
            log.add(arrived, math.nan, math.nan, train)
            self.state.stranded(train, arrived)
            return False
        if train.priority:  # reserved transshipment slot
            yield from self.closure(crossing.closed_h)
            start = env.now
            train.border_wait_h += start - arrived
            yield env.timeout(crossing.track_hours * factor)
            log.add(arrived, start, env.now, train)
        else:
            self.state.waiting[index] += 1
            with self.tracks[index].request() as req:
                yield req
                yield from self.closure(crossing.closed_h)  # holding the track until the crossing reopens
                self.state.waiting[index] -= 1
                train.border_wait_h += env.now - arrived
                start = env.now
                yield env.timeout(crossing.track_hours * factor)
                log.add(arrived, start, env.now, train)
        yield env.timeout((crossing.processing_hours - crossing.track_hours) * factor)
        return True

    def closure(self, closed_h: tuple[tuple[float, float], ...]) -> Process:
        """Wait while the crossing is closed (a scenario's `closure:`)."""
        for lo, hi in closed_h:
            if lo <= self.env.now < hi:
                yield self.env.timeout(hi - self.env.now)

    def departure(self, train: Train, delay: float) -> Process:
        yield self.env.timeout(delay)
        runs, extra_at = self.state.depart(train, self.env.now)
        if extra_at is not None:
            extra = self.state.new_extra(train.route, extra_at)
            self.env.process(self.departure(extra, extra_at - self.env.now))
        if runs:
            yield self.env.process(self.train(train))

    def timetable(self) -> Process:
        """One dispatcher walks the timetable and starts each train at its departure."""
        m = self.model
        for i, (h, route) in enumerate(m.departures):
            if h > self.env.now:
                yield self.env.timeout(h - self.env.now)
            train = Train(i, m.routes[route], SCHEDULED, h, m.train_hours[i], m.train_segments[i])
            self.env.process(self.departure(train, 0))

    def sweeper(self) -> Process:
        every = self.model.config.empties.sweep_days * 24
        while self.env.now + every < self.model.end_h:
            yield self.env.timeout(every)
            self.state.sweep_due(self.env.now)

    def demand(self, od: int, stream: int) -> Process:
        """The day's boxes for a pair become known at the start of the day (they arrive evenly over it)."""
        per_day = self.model.cum[od][stream]
        queue = self.state.queues[od][stream]
        assert isinstance(queue, _ReleasedBoxQueue)
        released = queue.released
        for day in range(self.model.demand_days):
            released.append(released[-1] + (per_day[day + 1] - per_day[day]))
            yield self.env.timeout(24)

    def run(self, progress: Callable[[float], None] | None) -> NetworkState:
        env, st = self.env, self.state
        for od in range(len(self.model.ods)):
            for stream in range(3):
                if self.model.cum[od][stream][-1] > 0:
                    env.process(self.demand(od, stream))
        env.process(self.timetable())
        env.process(self.sweeper())
        if progress is not None:
            env.process(_monitor(env, self.model.end_h, progress))
        env.run()
        while relief := st.flush_yards(env.now):
            for train in relief:
                env.process(self.train(train))
            env.run()
        st.events = None
        st.ended_h = env.now
        return st


def run_simpy(model: PreparedModel, progress: Callable[[float], None] | None = None) -> NetworkState:
    """Simulate `model` with the straightforward SimPy model; returns the state holding what was recorded.
    Raises LandbridgeError when simpy is not installed."""
    return _ReferenceRun(model).run(progress)


# ---- the lean SimPy model: the fast engine's algorithm on SimPy's event loop ------------------------------
class _LeanRun:
    """The fast engine's algorithm written as a SimPy program: a process per train with a timeout only
    where the train meets others (a crossing, a stop where boxes are re-formed or loaded), running,
    dwelling and unloading worked out inline from the pre-summed hours; crossings settled first come
    first served on arrival (a heap of track free times), demand read from the cumulative arrays, the same
    rules at stops (`NetworkState`). What differs from `engine.run_fast` is only the event loop: SimPy's
    events and generator processes instead of one heap of (hour, sequence, train)."""

    def __init__(self, model: PreparedModel, state: NetworkState, environment: Any = None) -> None:
        simpy = _simpy()
        self.model = model
        self.env = environment if environment is not None else simpy.Environment()
        self.state = state
        self.free_at: list[list[float]] = [[0.0] * c.tracks for c in model.crossings]

    def next_stop(self, train: Train, t: float) -> float | None:
        """Inline legs from the train's position: the hour it reaches the next leg that needs an event
        (None when it reached its last stop on the way)."""
        i = train.pos
        segments, next_event, legs = train.segments, train.route.next_event, train.legs
        state = self.state
        while True:
            t += segments[i]
            i = next_event[i]
            kind, _, _, _, stop = legs[i]
            if kind != PASS:
                break
            train.pos = i
            if stop == train.last_stop:
                state.finish(train, stop, t)
                return None
            state.at_stop(train, stop, t)
            i += 1
        train.pos = i
        return t

    def cross(self, train: Train, leg: int, index: int, t: float) -> float | None:
        """Settle a train's passage at a crossing on arrival; the hour it leaves (None: stranded)."""
        crossing = self.model.crossings[index]
        log = self.state.crossing_log[index]
        factor = train.hours[leg]
        track_h = crossing.track_hours * factor
        if train.priority:
            start = reopened_start(t, crossing.closed_h)
        else:
            free_at = self.free_at[index]
            if not free_at:
                log.add(t, math.nan, math.nan, train)
                self.state.stranded(train, t)
                return None
            start = reopened_start(free_at[0] if free_at[0] > t else t, crossing.closed_h)
            heapq.heapreplace(free_at, start + track_h)
            if start > t:
                heapq.heappush(self.state.queue_starts[index], start)
        train.border_wait_h += start - t
        log.add(t, start, start + track_h, train)
        return start + crossing.processing_hours * factor

    def train(self, train: Train) -> Process:
        """A train from its current leg: a timeout to each crossing or stop, the rules there."""
        env, st = self.env, self.state
        t = self.next_stop(train, env.now)
        while t is not None:
            yield env.timeout(t - env.now)
            leg = train.pos
            kind, _, _, crossing, stop = train.legs[leg]
            if kind == CROSS:
                leaves = self.cross(train, leg, crossing, env.now)
                if leaves is None:
                    return
                train.pos = leg + 1
                t = self.next_stop(train, leaves)
            else:  # STOP
                for relief in st.at_stop(train, stop, env.now):
                    env.process(self.train(relief))
                if stop == train.last_stop:
                    return
                train.pos = leg + 1
                t = self.next_stop(train, env.now)

    def leave(self, train: Train, delay: float = 0.0) -> Process:
        """A train at its origin (after `delay`, for an extra train): the rules load it; it runs."""
        if delay:
            yield self.env.timeout(delay)
        runs, extra_at = self.state.depart(train, self.env.now)
        if extra_at is not None:
            extra = self.state.new_extra(train.route, extra_at)
            self.env.process(self.leave(extra, extra_at - self.env.now))
        if runs:
            yield from self.train(train)

    def timetable(self) -> Process:
        """One dispatcher walks the timetable and starts each train at its departure."""
        m, env, st = self.model, self.env, self.state
        for i, (h, route) in enumerate(m.departures):
            if h > env.now:
                yield env.timeout(h - env.now)
            if h >= st.next_sweep_h:
                st.sweep_due(h)
            env.process(self.leave(Train(i, m.routes[route], SCHEDULED, h, m.train_hours[i], m.train_segments[i])))

    def sweeper(self) -> Process:
        every = self.model.config.empties.sweep_days * 24
        while self.env.now + every < self.model.end_h:
            yield self.env.timeout(every)
            self.state.sweep_due(self.env.now)

    def run(self, progress: Callable[[float], None] | None) -> NetworkState:
        env, st = self.env, self.state
        env.process(self.timetable())
        env.process(self.sweeper())
        if progress is not None:
            env.process(_monitor(env, self.model.end_h, progress))
        env.run()
        while relief := st.flush_yards(env.now):
            for train in relief:
                env.process(self.train(train))
            env.run()
        st.sweep_due(math.inf)
        st.ended_h = env.now
        return st


def run_simpy_lean(
    model: PreparedModel,
    progress: Callable[[float], None] | None = None,
    state_class: type[NetworkState] = NetworkState,
) -> NetworkState:
    """Simulate `model` with the lean SimPy model (the fast engine's algorithm on SimPy's event loop);
    returns the state holding what was recorded. Raises LandbridgeError when simpy is not installed."""
    return _LeanRun(model, state_class(model)).run(progress)


def count_simpy_events(model: PreparedModel, lean: bool = True) -> int:
    """The events a SimPy model schedules for `model` (a separate, slower run that counts them)."""
    simpy = _simpy()
    base: Any = simpy.Environment

    class Counting(base):  # type: ignore[misc]
        scheduled = 0

        def schedule(self, event: Any, priority: Any = 1, delay: float = 0) -> None:
            Counting.scheduled += 1
            super().schedule(event, priority, delay)

    env = Counting()
    if lean:
        _LeanRun(model, NetworkState(model), env).run(None)
    else:
        run = _ReferenceRun(model)
        run.env = env
        run.tracks = [simpy.Resource(env, capacity=max(1, c.tracks)) for c in model.crossings]
        run.run(None)
    return Counting.scheduled
