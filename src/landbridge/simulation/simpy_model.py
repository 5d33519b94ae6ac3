"""The same model written the straightforward SimPy way: the benchmark baseline for the fast engine.

Every train is a SimPy process that yields a timeout per leg; border crossings are `simpy.Resource`s
with one slot per transshipment track (speed trains use a reserved slot); each origin-destination pair
has a demand process that releases the day's boxes at the start of each day; the timetable and the
empty-container sweeps are processes too. It uses the prepared model (same trains, same draws) and the
general rules at stops (`NetworkState`), so both engines produce the same KPIs up to the order of
simultaneous events. SimPy is a dev extra (`pip install landbridge[dev]`).
"""

from __future__ import annotations

from collections.abc import Callable

from landbridge.errors import LandbridgeError
from landbridge.simulation.model import CROSS, DWELL, RUN, PreparedModel
from landbridge.simulation.state import SCHEDULED, NetworkState, Train


class _ReleasedDemandState(NetworkState):
    """Reads demand from what the demand processes have released so far (not from the whole year)."""

    def __init__(self, model: PreparedModel):
        super().__init__(model)
        self.released = [[[0] for _ in range(3)] for _ in model.ods]

    def ready(self, od: int, s: int, t: float) -> int:
        x = (t - self.cutoff) / 24
        if x <= 0:
            return 0
        d = int(x)
        c = self.released[od][s]
        if d + 1 >= len(c):  # only days already released count (all of them once demand ends)
            return c[-1]
        return c[d] + int((c[d + 1] - c[d]) * (x - d))


def run_simpy(model: PreparedModel, progress: Callable[[float], None] | None = None) -> NetworkState:
    try:
        import simpy
    except ImportError:  # pragma: no cover - dev extra
        raise LandbridgeError("The SimPy baseline needs simpy: pip install 'landbridge[dev]'.") from None

    env = simpy.Environment()
    st = _ReleasedDemandState(model)
    routes = model.routes
    tracks = [simpy.Resource(env, capacity=max(1, c.tracks)) for c in model.crossings]
    closed = [c.tracks == 0 for c in model.crossings]
    log = st.crossing_log
    end_h = model.end_h

    def train_process(tr: Train):
        route = tr.route
        west = route.direction == "westbound"
        legs, noise = tr.legs, tr.noise
        for i in range(tr.pos, tr.end_pos):
            tr.pos = i
            kind, a, b = legs[i]
            if kind == RUN or kind == DWELL:  # hours drawn for this train and leg (winter included)
                yield env.timeout(noise[i])
            elif kind == CROSS:
                c = a
                crossing = model.crossings[c]
                arrived = env.now
                if closed[c]:  # a crossing at 0% capacity: the train never gets through
                    log[c].append((arrived, float("nan"), float("nan"), west))
                    st.trains.append(
                        (
                            route.index,
                            tr.kind,
                            tr.dep_h,
                            float("nan"),
                            tr.loaded_feu,
                            tr.empties_feu,
                            tr.wait_h,
                            False,
                            tr.id,
                        )
                    )
                    return
                if tr.prio:  # reserved transshipment slot
                    yield env.timeout(crossing.track_hours * noise[i])
                    log[c].append((arrived, arrived, env.now, west))
                else:
                    with tracks[c].request() as req:
                        yield req
                        tr.wait_h += env.now - arrived
                        start = env.now
                        yield env.timeout(crossing.track_hours * noise[i])
                        log[c].append((arrived, start, env.now, west))
                yield env.timeout((crossing.processing_hours - crossing.track_hours) * noise[i])
            else:  # STOP or PASS
                for relief in st.at_stop(tr, b, env.now):
                    env.process(train_process(relief))

    def departure(tr: Train, delay: float):
        yield env.timeout(delay)
        ok, extra_at = st.depart(tr, env.now)
        if extra_at is not None:
            extra = st.new_extra(tr.route, extra_at)
            env.process(departure(extra, extra_at - env.now))
        if ok:
            yield env.process(train_process(tr))

    def timetable():
        # one dispatcher walks the timetable and starts each train at its departure
        for i, (h, ri) in enumerate(model.departures):
            if h > env.now:
                yield env.timeout(h - env.now)
            env.process(departure(Train(i, routes[ri], SCHEDULED, h, model.train_noise[i], model.train_segments[i]), 0))

    def sweeper():
        every = model.config.empties.sweep_days * 24
        while env.now + every < end_h:
            yield env.timeout(every)
            st.sweep(env.now)

    def monitor():
        while env.now < end_h:
            yield env.timeout(24 * 7)
            progress(env.now)

    def demand(od: int, stream: int):
        # the day's boxes for a pair become known at the start of the day (they arrive evenly over it)
        lots = model.cum[od][stream]
        released = st.released[od][stream]
        for day in range(model.demand_days):
            released.append(released[-1] + (lots[day + 1] - lots[day]))
            yield env.timeout(24)

    for od in range(len(model.ods)):
        for stream in range(3):
            if model.cum[od][stream][-1] > 0:
                env.process(demand(od, stream))
    env.process(timetable())
    env.process(sweeper())
    if progress is not None:
        env.process(monitor())
    env.run()
    while True:
        relief = st.flush_yards(env.now)
        if not relief:
            break
        for tr in relief:
            env.process(train_process(tr))
        env.run()
    st.events = None
    return st
