"""What happens to containers when a train is at a stop: the model's rules, shared by every engine.

Demand is kept as cumulative counts per origin-destination pair and stream (boxes ready by day), so a
train takes boxes first-in first-out by moving a pointer; on a train, boxes travel as lots (pair, FEU,
departure hour from their origin). The engines only decide *when* things happen (trains running,
queueing at crossings); this module decides *what* happens at each stop, and records it.

Empty carrier-owned (COC) boxes freed in Europe by an arrival are credited to the terminal's pool at the
arrival hour (shipper-owned SOC boxes, leased one way, go back to their lessor and are not counted); a pool is
settled (credits up to now applied) whenever it is read, so an engine may report an arrival ahead of
time (the fast engine does, for stops where nothing else depends on the order of events).

All hours are simulation hours (hours since the model's hour 0, UTC); boxes are counted in FEU.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

from mypy_extensions import mypyc_attr

from landbridge.simulation.model import PreparedModel
from landbridge.simulation.routes import STREAMS, Route, TrainDraws

SCHEDULED, EXTRA, RELIEF = 0, 1, 2
NAN = math.nan
KIND_NAMES = ("scheduled", "extra", "eu-reformed")


# ---- what a run records --------------------------------------------------------------------------------
# Records are written in the engines' hot paths, so the frequent ones cost no object of their own: a train
# and a lot are their own records (`NetworkState.trains`, `.origin_loads`, `.deliveries`); passages at
# crossings are kept as columns (`CrossingLog`).
class CrossingLog:
    """Trains at one crossing in the order they were settled: arrival, start and end of the hold on a
    transshipment track (NaN when a train never got through a closed crossing), and the train."""

    __slots__ = ("arrival_h", "end_h", "start_h", "train")

    def __init__(self) -> None:
        self.arrival_h: list[float] = []
        self.start_h: list[float] = []
        self.end_h: list[float] = []
        self.train: list[Train] = []

    def add(self, arrival_h: float, start_h: float, end_h: float, train: Train) -> None:
        self.arrival_h.append(arrival_h)
        self.start_h.append(start_h)
        self.end_h.append(end_h)
        self.train.append(train)

    def __len__(self) -> int:
        return len(self.arrival_h)

    @property
    def westbound(self) -> list[bool]:
        """Per passage: the train runs westbound."""
        return [train.route.westbound for train in self.train]

    @property
    def reserved(self) -> list[bool]:
        """Per passage: the train used a reserved slot (a speed train), not one of the crossing's tracks."""
        return [train.priority for train in self.train]


class EmptiesMove(NamedTuple):
    """Empty boxes loaded at (by rail, by sea) or arriving in (by rail, China) a place."""

    hour: float
    place: str
    feu: int


class YardStay(NamedTuple):
    """Boxes that waited at a re-forming yard from `in_h` to `out_h`."""

    in_h: float
    out_h: float
    feu: int


# ---- boxes on trains and in yards ------------------------------------------------------------------------
class Lot:
    """Boxes of one pair and stream travelling together on a train. A lot loaded at its origin is the
    record of that load (`loaded_feu`, and `first_box`, its first box's place in the pair's queue); some
    of its boxes may stay at a re-forming yard (`feu` is what is still on board) and travel on as a lot of
    their own (`via_yard`). Once delivered, `arrival_h` is set and the lot is the record of the delivery."""

    __slots__ = ("arrival_h", "feu", "first_box", "loaded_feu", "od", "origin_departure_h", "stream", "via_yard")

    def __init__(
        self, od: int, stream: int, feu: int, origin_departure_h: float, via_yard: bool, first_box: int = -1
    ) -> None:
        self.od = od
        self.stream = stream
        self.feu = feu
        self.loaded_feu = feu
        self.first_box = first_box
        self.origin_departure_h = origin_departure_h  # when they left their origin
        self.via_yard = via_yard  # came through a re-forming yard (counted on the train that brought them)
        self.arrival_h = NAN

    def __repr__(self) -> str:
        return f"Lot(od={self.od}, feu={self.feu}, from {self.origin_departure_h:.2f} h, to {self.arrival_h:.2f} h)"


@dataclass(slots=True)
class YardLot:
    """Boxes of one pair and stream waiting at a re-forming yard since `since_h`."""

    od: int
    stream: int
    feu: int
    origin_departure_h: float
    since_h: float


class Train:
    """A train on its route: where it is (`pos`, a leg index), what it carries, and its drawn run
    (`hours` and `segments` per leg, see routes.TrainDraws). It runs legs `pos` to `end_pos - 1` (a train
    re-formed at a yard runs only part of its route). Once it arrived (`arrival_h`), was stranded
    (`arrival_h` NaN) or was cancelled (`cancelled`), it is the record of its run."""

    __slots__ = (
        "arrival_h",
        "border_wait_h",
        "cancelled",
        "dep_h",
        "empties",
        "empties_feu",
        "end_pos",
        "held_at",
        "hours",
        "id",
        "kind",
        "last_stop",
        "legs",
        "load",
        "loaded_feu",
        "lots",
        "pos",
        "priority",
        "route",
        "segments",
    )

    def __init__(
        self,
        train_id: int,
        route: Route,
        kind: int,
        dep_h: float,
        hours: list[float],
        segments: list[float],
        pos: int = 0,
        end_pos: int = -1,
    ) -> None:
        self.id = train_id
        self.route = route
        self.kind = kind  # SCHEDULED, EXTRA or RELIEF
        self.dep_h = dep_h
        self.pos = pos
        self.legs = route.legs
        self.end_pos = route.n_legs if end_pos < 0 else end_pos
        self.last_stop = route.leg_stop[self.end_pos - 1]
        self.hours = hours
        self.segments = segments
        self.lots: list[Lot] = []
        self.empties = 0  # empty boxes on board now
        self.load = 0  # boxes on board now, loaded and empty
        self.loaded_feu = 0  # loaded boxes taken on over the run
        self.empties_feu = 0  # empty boxes taken on over the run
        self.border_wait_h = 0.0
        self.priority = route.priority
        self.arrival_h = NAN
        self.cancelled = False
        self.held_at = -1  # a crossing whose queue held the train at its origin (it is then cancelled)

    def __repr__(self) -> str:
        return f"Train({self.id}, {self.route.service_id}, {KIND_NAMES[self.kind]}, from {self.dep_h:.2f} h)"


def reopened_start(start: float, closed: tuple[tuple[float, float], ...]) -> float:
    """The hour a train can start its transshipment at a crossing when it could at `start`: the end of the
    closure `start` falls in, if any (`closed`: [start, end) hours, a scenario's `closure:`)."""
    for lo, hi in closed:
        if lo <= start < hi:
            start = hi
    return start


@mypyc_attr(allow_interpreted_subclasses=True)  # subclassed (simpy_model, bench); compiled (landbridge/native.py)
class BoxQueue:
    """Boxes of one pair and stream at their origin, taken first in first out: `cum[d]` boxes are ready by
    the end of day d-1 (the model's demand), `taken` have been loaded. Each day's boxes arrive evenly over
    the day and must be at the terminal `cutoff_h` hours before a departure."""

    __slots__ = ("cum", "cutoff_h", "last_day", "od", "stream", "taken")

    def __init__(self, od: int, stream: int, cum: list[int], cutoff_h: float, last_day: int) -> None:
        self.od = od
        self.stream = stream
        self.cum = cum
        self.cutoff_h = cutoff_h
        self.last_day = last_day  # cum[last_day] is the whole demand
        self.taken = 0

    def waiting(self, t: float) -> int:
        """Boxes ready for a departure at hour `t` and not yet taken."""
        x = (t - self.cutoff_h) / 24
        if x <= 0:
            return -self.taken
        d = int(x)
        c = self.cum
        if d >= self.last_day:
            return c[self.last_day] - self.taken
        return c[d] + int((c[d + 1] - c[d]) * (x - d)) - self.taken

    def ready(self, t: float) -> int:
        """Boxes ready for a departure at hour `t`, taken or not."""
        return self.waiting(t) + self.taken


class Pools:
    """Empty boxes per place, with arrivals credited at their hour and settled when read."""

    def __init__(self) -> None:
        self.have: dict[str, float] = {}
        self.pending: dict[str, list[tuple[float, float]]] = {}

    def credit(self, place: str, t: float, n: float) -> None:
        """`n` boxes become free at `place` at hour `t` (which may be later than the hours read so far)."""
        pending = self.pending.get(place)
        if pending is None:
            pending = self.pending[place] = []
        heapq.heappush(pending, (t, n))

    def get(self, place: str, t: float) -> float:
        """Boxes free at `place` at hour `t` (credits up to `t` applied)."""
        p = self.pending.get(place)
        have = self.have.get(place, 0.0)
        if p:
            while p and p[0][0] <= t:
                have += heapq.heappop(p)[1]
            self.have[place] = have
        return have

    def set(self, place: str, value: float) -> None:
        """Set what is free at `place` now (after a `get` at the same hour)."""
        self.have[place] = value

    def take(self, place: str, t: float, n: float) -> None:
        """Take up to `n` boxes at hour `t`, as many as there are."""
        have = self.get(place, t)
        self.have[place] = have - (n if have >= n else (have if have > 0 else 0))

    def places(self) -> list[str]:
        """Every place that has or will have boxes."""
        return list(set(self.have) | set(self.pending))


@mypyc_attr(allow_interpreted_subclasses=True)  # subclassed (simpy_model, bench); compiled (landbridge/native.py)
class NetworkState:
    """Queues of boxes at origins and re-forming yards, empty-container pools, and what was recorded.

    The rules: `depart` (a train leaves its origin), `at_stop` (a train at a stop on its way or at its
    end), `flush_yards` (relief trains for what still waits when nothing else moves), `sweep_due` (empties
    beyond the reserve go by sea), `new_extra` (an extra train's draws). Engines call them in time order."""

    queue_class: ClassVar[type[BoxQueue]] = BoxQueue  # (ClassVar: a subclass's own is seen when compiled)

    def __init__(self, model: PreparedModel) -> None:
        cfg = model.config
        self.m = model
        self.cutoff = cfg.demand.loading_cutoff_hours
        self.queues = [
            [
                self.queue_class(o.index, s, model.cum[o.index][s], self.cutoff, model.demand_days)
                for s in range(len(STREAMS))
            ]
            for o in model.ods
        ]
        # per route: stop -> the queues whose boxes may board there
        self.board_queues = [
            {stop: [self.queues[b.od][b.stream] for b in boardings] for stop, boardings in r.board_ods.items()}
            for r in model.routes
        ]
        self.od_dest = [o.destination for o in model.ods]
        self.od_origin = [o.origin for o in model.ods]
        self.od_west = [o.direction == "westbound" for o in model.ods]
        self.dest_places = set(self.od_dest)
        ops = cfg.operations
        self.min_load = ops.min_departure_load_feu
        self.extra_share = ops.extra_train_max_share
        self.extra_delay = ops.extra_train_delay_hours
        self.reform_load = ops.reform_train_load_feu
        self.max_hold = ops.reform_max_hold_hours
        self.min_hold = ops.reform_min_hold_load_feu
        self.end_h = model.end_h
        self.sweep_every_h = cfg.empties.sweep_days * 24
        self.next_sweep_h = self.sweep_every_h
        # re-forming yards: (place, destination) -> lots waiting, FEU waiting, the route part relief trains run
        self.yards: dict[tuple[str, str], deque[YardLot]] = {}
        self.yard_total: dict[tuple[str, str], int] = {}
        self.yard_template: dict[tuple[str, str], tuple[int, int, int]] = {}  # (route, from stop, to stop)
        self.yards_at: dict[str, list[tuple[str, str]]] = {}
        self.yard_hot: dict[str, set[tuple[str, str]]] = {}  # place -> destinations with a train-load waiting
        self.yard_next_hold: dict[str, float] = {}  # earliest hour a box there reaches max_hold
        # empty-container pools (boxes in China are balanced after the run, see kpis.china_box_supply)
        self.pool_eu = Pools()
        self.reserve = model.eu_reserve_feu
        # only carrier-owned (COC) boxes join or draw on the pools; shipper-owned (SOC) boxes are leased one
        # way and go back to the lessor's depot at their destination (counted in kpis: empties.soc_feu)
        soc = cfg.empties.soc_share
        self.coc_west = 1.0 - soc.westbound  # share of a westbound box emptied in Europe that the pool gets
        self.coc_east = 1.0 - soc.eastbound  # share of an eastbound export box taken from the pool
        self.extra_used: dict[tuple[int, int], int] = {}
        self.next_id = len(model.departures)
        # records
        self.trains: list[Train] = []  # every train that arrived, was stranded or was cancelled
        self.deliveries: list[Lot] = []  # lots that reached their destination (`arrival_h` set)
        self.origin_loads: list[Lot] = []  # lots as loaded at their origin
        self.crossing_log = [CrossingLog() for _ in model.crossings]
        # per crossing: the hours at which the trains queueing there start their transshipment (a heap; the
        # engines push, `queue_length` drops those past), and the queue that holds trains at their origin
        self.queue_starts: list[list[float]] = [[] for _ in model.crossings]
        self.hold_back = [c.hold_back_trains for c in model.crossings]
        self.holding = any(math.isfinite(x) for x in self.hold_back)
        self.empties_rail: list[EmptiesMove] = []
        self.empties_sea: list[EmptiesMove] = []
        self.empties_arrived: list[EmptiesMove] = []  # empties reaching China by rail
        self.yard_log: list[YardStay] = []
        self.events: int | None = None  # events the engine processed, when it counts them
        self.ended_h = math.nan  # the hour the run ended (nothing left to move), set by the engine

    # ---- demand ------------------------------------------------------------------------------
    def eligible(self, route: Route, stop: int, t: float) -> int:
        """Boxes waiting at `stop` that `route` may take at hour `t`."""
        queues = self.board_queues[route.index].get(stop)
        return sum(q.waiting(t) for q in queues) if queues else 0

    def _allocate(self, route: Route, stop: int, t: float, space: int) -> tuple[list[tuple[BoxQueue, int]], int, int]:
        """Boxes a train with `space` FEU free takes at `stop`: (queue, FEU) per pair and stream, the FEU
        taken and the FEU that were waiting. More boxes than space: shared in proportion (largest remainder)."""
        queues = self.board_queues[route.index].get(stop)
        if not queues or space <= 0:
            return [], 0, 0
        if len(queues) == 1:
            q = queues[0]
            waiting = q.waiting(t)
            if waiting <= 0:
                return [], 0, 0
            n = waiting if waiting < space else space
            return [(q, n)], n, waiting
        waiting_by: list[tuple[BoxQueue, int]] = []
        total = 0
        for q in queues:
            e = q.waiting(t)
            if e > 0:
                waiting_by.append((q, e))
                total += e
        if total <= space:
            return waiting_by, total, total
        shares = []
        fractions = []
        given = 0
        for _, e in waiting_by:
            share = e * space / total
            n = int(share)
            fractions.append(share - n)
            shares.append(n)
            given += n
        for k in sorted(range(len(shares)), key=fractions.__getitem__, reverse=True)[: space - given]:
            shares[k] += 1
        return [(q, n) for (q, _), n in zip(waiting_by, shares)], space, total

    def _load(self, train: Train, q: BoxQueue, n: int, t: float) -> None:
        """Put the next `n` boxes of a queue on a train at their origin. An export box in Europe re-uses an
        empty there if one is free."""
        od = q.od
        lot = Lot(od, q.stream, n, t, False, q.taken)
        q.taken += n
        self.origin_loads.append(lot)
        train.lots.append(lot)
        if not self.od_west[od]:
            self.pool_eu.take(self.od_origin[od], t, n * self.coc_east)
        train.load += n
        train.loaded_feu += n

    def _empties_for(self, place: str, space: int, t: float) -> int:
        """Empties a train with `space` FEU free may take at `place`: what is above the place's reserve."""
        if space <= 0:
            return 0
        avail = self.pool_eu.get(place, t) - self.reserve.get(place, 0.0)
        return int(min(avail, space)) if avail >= 1 else 0

    def _load_empties(self, train: Train, place: str, n: int, t: float) -> None:
        self.pool_eu.set(place, self.pool_eu.get(place, t) - n)
        train.empties += n
        train.empties_feu += n
        train.load += n
        self.empties_rail.append(EmptiesMove(t, place, n))

    # ---- queues at crossings ---------------------------------------------------------------------
    def queue_length(self, crossing: int, t: float) -> int:
        """Trains waiting at a crossing at hour `t` (arrived, transshipment not started)."""
        starts = self.queue_starts[crossing]
        while starts and starts[0] <= t:
            heapq.heappop(starts)
        return len(starts)

    def congested_ahead(self, route: Route, t: float) -> int:
        """The first crossing on the route whose queue is beyond the hold-back threshold (-1: none). (The
        heap holds at least the queue, so a short heap settles it without dropping past starts.)"""
        hold_back, starts = self.hold_back, self.queue_starts
        for c in route.crossings_ahead:
            if len(starts[c]) > hold_back[c] and self.queue_length(c, t) > hold_back[c]:
                return c
        return -1

    # ---- a train leaves its origin -------------------------------------------------------------
    def depart(self, train: Train, t: float) -> tuple[bool, float | None]:
        """Load a train at its first stop. Returns whether it runs (a scheduled train with too few boxes
        is cancelled and recorded, as is a train held at its origin because the queue at a crossing ahead
        is too long: its boxes wait for a later train) and the departure hour of an extra train to run on
        the line, if one is due."""
        route = train.route
        held = self.congested_ahead(route, t) if self.holding else -1
        if held >= 0:
            train.cancelled = True
            train.held_at = held
            self.trains.append(train)
            return False, None
        cap = route.cap_out[0]
        alloc, n, waiting = self._allocate(route, 0, t, cap)
        empties = self._empties_for(route.stops[0], cap - n, t) if route.empties_stop == 0 else 0
        if (
            train.kind == SCHEDULED
            and n + empties < self.min_load
            and n + empties + self._expected_later(route, t, cap - n - empties) < self.min_load
        ):
            train.cancelled = True
            self.trains.append(train)
            return False, None
        for q, k in alloc:
            if k > 0:
                self._load(train, q, k, t)
        if empties:
            self._load_empties(train, route.stops[0], empties, t)
        # (only a full train can call for an extra one: the check saves a call for the others)
        return True, self._extra_train_at(route, t, n, waiting - n) if n == cap else None

    def _extra_train_at(self, route: Route, t: float, loaded: int, left_behind: int) -> float | None:
        """An extra train follows (at this hour) when a train left its origin full with the boxes for
        another full one left behind, before the end of the window, and the line has paths left this
        month (extra_train_max_share of its scheduled trains)."""
        cap = route.cap_out[0]
        if loaded != cap or left_behind < cap or t >= self.end_h or self.extra_share <= 0:
            return None
        key = (route.index, self.m.month_of_day[int(t // 24)])
        used = self.extra_used.get(key, 0)
        if used >= int(self.extra_share * self.m.scheduled_per_route_month.get(key, 0)):
            return None
        self.extra_used[key] = used + 1
        return t + self.extra_delay

    def _expected_later(self, route: Route, t: float, space: int) -> int:
        """Boxes and empties the train would pick up further on, as things stand at its departure."""
        more = 0
        for stop in route.board_ods:
            if stop > 0:
                more += self.eligible(route, stop, t)
        if route.empties_stop > 0:
            more += self._empties_for(route.stops[route.empties_stop], space, t)
        return min(more, max(space, 0))

    # ---- a train at a stop on its way ------------------------------------------------------------
    def at_stop(self, train: Train, stop: int, t: float) -> list[Train]:
        """Unload, re-form, pick up and load at a stop (or finish at the last). Returns relief trains
        (extra EU trains formed from boxes waiting at a re-forming yard) to start now."""
        if stop == train.last_stop:
            self.finish(train, stop, t)
            return []
        route = train.route
        place = route.stops[stop]
        if train.lots and place in self.dest_places:
            self._unload(train, place, t)
        if train.kind == RELIEF:
            return []
        cap = route.cap_out[stop]
        if train.load > cap:
            self._reform(train, place, stop, cap, t)
        keys = self.yards_at.get(place)
        if keys and train.load < cap:
            self._pick_up_from_yards(train, keys, stop, cap, t)
        if stop in route.board_ods and train.load < cap:
            for q, n in self._allocate(route, stop, t, cap - train.load)[0]:
                if n > 0:
                    self._load(train, q, n, t)
        if stop == route.empties_stop:
            k = self._empties_for(place, cap - train.load, t)
            if k:
                self._load_empties(train, place, k, t)
        if keys and (self.yard_hot.get(place) or t >= self.yard_next_hold.get(place, math.inf)):
            return self.relief_due(place, t)
        return []

    def finish(self, train: Train, stop: int, t: float) -> None:
        """A train at its last stop: every box on it is for this place (the others left at their stops)."""
        place = train.route.stops[stop]
        od_west = self.od_west
        freed = 0
        for lot in train.lots:
            lot.arrival_h = t
            if od_west[lot.od]:
                freed += lot.feu
        self.deliveries.extend(train.lots)
        if freed:
            self.pool_eu.credit(place, t, freed * self.coc_west)
        train.lots = []
        if train.empties:
            self.empties_arrived.append(EmptiesMove(t, place, train.empties))
            train.empties = 0
        train.load = 0
        train.arrival_h = t
        self.trains.append(train)

    def stranded(self, train: Train, t: float) -> None:
        """A train stopped at a closed crossing at hour `t`: it never arrives."""
        self.trains.append(train)

    def _unload(self, train: Train, place: str, t: float) -> None:
        """Boxes for this place leave the train; westbound boxes' empties join the place's pool."""
        od_dest, od_west = self.od_dest, self.od_west
        keep = []
        freed = 0
        for lot in train.lots:
            od = lot.od
            if od_dest[od] != place:
                keep.append(lot)
                continue
            lot.arrival_h = t
            self.deliveries.append(lot)
            train.load -= lot.feu
            if od_west[od]:
                freed += lot.feu
        if freed:
            self.pool_eu.credit(place, t, freed * self.coc_west)
        train.lots = keep

    def _reform(self, train: Train, place: str, stop: int, cap: int, t: float) -> None:
        """What does not fit the next section waits at this yard (the last lots on first); empties that do
        not fit are left in the place's pool."""
        lots = train.lots
        over = train.load - cap
        while over > 0 and lots:
            lot = lots[-1]
            take = lot.feu if lot.feu <= over else over
            self._to_yard(place, lot, take, t, train.route, stop)
            lot.feu -= take
            train.load -= take
            if lot.feu == 0:
                lots.pop()
            over -= take
        if over > 0 and train.empties:
            k = min(over, train.empties)
            train.empties -= k
            train.load -= k
            self.pool_eu.credit(place, t, k)

    def _pick_up_from_yards(self, train: Train, keys: list[tuple[str, str]], stop: int, cap: int, t: float) -> None:
        """Boxes waiting at this place's yard for places further on the train's route."""
        dest_index = train.route.dest_index
        for key in keys:
            if dest_index.get(key[1], -1) > stop and self.yard_total[key]:
                self._from_yard(key, train, cap - train.load, t)
                if train.load >= cap:
                    break

    # ---- re-forming yards -------------------------------------------------------------------------
    def _to_yard(self, place: str, lot: Lot, n: int, t: float, route: Route, stop: int) -> None:
        dest = self.od_dest[lot.od]
        key = (place, dest)
        q = self.yards.get(key)
        if q is None:
            q = self.yards[key] = deque()
            self.yard_total[key] = 0
            self.yard_template[key] = (route.index, stop, route.dest_index[dest])
            self.yards_at.setdefault(place, []).append(key)
        q.append(YardLot(lot.od, lot.stream, n, lot.origin_departure_h, t))
        self.yard_total[key] += n
        if self.yard_total[key] >= self.reform_load:
            self.yard_hot.setdefault(place, set()).add(key)
        due = q[0].since_h + self.max_hold  # when the oldest box of this destination has waited long enough
        if due < self.yard_next_hold.get(place, math.inf):
            self.yard_next_hold[place] = due

    def _from_yard(self, key: tuple[str, str], train: Train, space: int, t: float) -> None:
        q = self.yards[key]
        while space > 0 and q:
            lot = q[0]
            take = lot.feu if lot.feu <= space else space
            train.lots.append(Lot(lot.od, lot.stream, take, lot.origin_departure_h, True))
            self.yard_log.append(YardStay(lot.since_h, t, take))
            train.load += take
            self.yard_total[key] -= take
            space -= take
            lot.feu -= take
            if lot.feu == 0:
                q.popleft()

    def relief_due(self, place: str, t: float, flush: bool = False) -> list[Train]:
        """Relief trains to start now from the yards at `place` (every waiting box with `flush`)."""
        hot = self.yard_hot.pop(place, None)
        hold_due = t >= self.yard_next_hold.get(place, math.inf)
        if not (flush or hot or hold_due):
            return []
        if not (flush or hold_due):  # only destinations with a train-load waiting
            return [tr for key in sorted(hot or ()) for tr in self._relieve(key, t, False)]
        out = []
        next_hold = math.inf
        for key in self.yards_at.get(place, ()):
            q = self.yards[key]
            out.extend(self._relieve(key, t, flush))
            # a destination with fewer than min_hold boxes waits for more, or three times max_hold at most
            if q:
                due = q[0].since_h + self.max_hold * (1 if self.yard_total[key] >= self.min_hold else 3)
                next_hold = min(next_hold, due)
        self.yard_next_hold[place] = next_hold
        return out

    def _relief_needed(self, key: tuple[str, str], t: float, flush: bool) -> bool:
        total = self.yard_total[key]
        if total <= 0:
            return False
        since = self.yards[key][0].since_h
        return (
            flush
            or total >= self.reform_load
            or (total >= self.min_hold and since <= t - self.max_hold)
            or since <= t - 3 * self.max_hold
        )

    def _relieve(self, key: tuple[str, str], t: float, flush: bool) -> list[Train]:
        """Extra EU trains for one destination while a train-load waits, or the oldest box has waited
        max_hold_hours (with at least min_hold_load_feu waiting) or three times that (with any number), or
        everything must go (flush)."""
        out = []
        while self._relief_needed(key, t, flush):
            route_index, stop, dest_stop = self.yard_template[key]
            route = self.m.routes[route_index]
            start = route.stop_leg[stop] + 1
            end = route.stop_leg[dest_stop] + 1
            draws = self.dynamic_draws(route, t, 2 + 16 * dest_stop + 1024 * stop, start)
            train = Train(self.next_id, route, RELIEF, t, draws.hours, draws.segments, start, end)
            self.next_id += 1
            self._from_yard(key, train, route.cap_out[stop], t)
            out.append(train)
        return out

    def flush_yards(self, t: float) -> list[Train]:
        """Relief trains for every box still waiting at a yard (when nothing else moves)."""
        out = []
        for place in list(self.yards_at):
            out.extend(self.relief_due(place, t, flush=True))
        return out

    # ---- draws for trains created during the run (independent of event order) ----------------------
    def dynamic_draws(self, route: Route, t: float, salt: int = 0, first_leg: int = 0) -> TrainDraws:
        """Draws of a train created during the run, chosen by route, hour and `salt` (not by the order
        of events, so every engine gives it the same run)."""
        # a tuple of ints hashes the same in every process (no string hash randomisation)
        table = self.m.noise_table
        z = table[hash((route.index, round(t * 60), salt)) % len(table)]
        return route.draw(z, t, self.m.winter, first_leg)

    def new_extra(self, route: Route, t: float) -> Train:
        """An extra train on `route` leaving at hour `t`."""
        train = Train(self.next_id, route, EXTRA, t, *self.dynamic_draws(route, t, 1))
        self.next_id += 1
        return train

    # ---- empties swept to sea -----------------------------------------------------------------------
    def sweep_due(self, t: float) -> None:
        """Run the weekly sweeps due up to hour `t` (every `sweep_days` from hour 0 until the end of the
        window): empties beyond a place's reserve go east by sea. Engines may skip the call while
        `t < next_sweep_h`."""
        while t >= self.next_sweep_h:
            if self.next_sweep_h >= self.end_h:
                self.next_sweep_h = math.inf  # no more sweeps
                break
            self._sweep(self.next_sweep_h)
            self.next_sweep_h += self.sweep_every_h

    def _sweep(self, t: float) -> None:
        for place in sorted(self.pool_eu.places()):
            have = self.pool_eu.get(place, t)
            excess = have - self.reserve.get(place, 0.0)
            if excess >= 1:
                n = int(excess)
                self.pool_eu.set(place, have - n)
                self.empties_sea.append(EmptiesMove(t, place, n))
