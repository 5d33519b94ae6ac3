"""The multi-criteria search: McRAPTOR over routes, with trucks as footpaths.

Round k finds every itinerary of k rides that is not dominated. A *label* at a gateway is one way to
have the cargo there: when it can board the next train or ship, what it has cost so far (USD), what it
has emitted (kg CO2e) and how many rides it took. A label is kept only if no other label at that gateway
is at least as good in all of these (the number of rides is the round, so earlier rounds win ties), and
only if no finished itinerary already beats anything it could still become (target pruning). Boarding
a route is one bisection over its departures, so the work grows with the number of routes and rounds,
not with the number of departures or their pairs.

Rules, as in the rest of the planner:
- the first ride of an itinerary leaves at least the mode's cut-off after the truck brings the cargo;
  later rides at least the minimum connection time after the previous arrival (plus any drayage);
- a truck brings the cargo to a gateway near the origin (access) and from a gateway near the
  destination (egress); between rides, drayage joins gateways of the same city;
- air is offered door to airport to door only (truck, flight, truck); no ship follows a ship;
- winter-sensitive cargo crossing the 1520 mm area in winter months needs winter protection (a
  surcharge) and cannot travel on services without it;
- `capacity`, when given, is asked about rail departures; up to MAX_CAPACITY_TRIES later departures
  are tried when one is full.

Costs and emissions do not depend on the date except for the tariff period and winter protection; a
label is compared with others as if they did not (exact for itineraries within one tariff period and
outside winter months, which is nearly all of them).
"""

# The inner loops compare with `if` rather than min()/any(): a function call per comparison costs more here.

from __future__ import annotations

import calendar
import time as _time
from bisect import bisect_left, insort_right
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Final, NamedTuple, cast

import numpy as np

from landbridge import native
from landbridge.planner.bounds import LowerBounds
from landbridge.planner.routes import COVER_WINDOW_S, MODE_AIR, MODE_RAIL, MODE_SEA, Boarding, Ride, Route, RouteIndex
from landbridge.pricing import Load

INF: Final = float("inf")  # Final: compiled, a C constant (not a look-up in the module's dict at every use)
MAX_CAPACITY_TRIES: Final = 12
MAX_RIDES: Final = 8  # a safety stop; dominance already ends the rounds long before (loops never pay)
RIDE_COST_CACHE_SIZE: Final = 100_000  # (boarding, tariff period, load) ride price tuples kept at most
DESTINATION_CACHE_SIZE: Final = 512  # destinations (with a load) whose bounds and boarding plans are kept at most
FLAT_COSTS_SIZE: Final = 1024  # (tariff period, load) ride cost arrays kept per boardings list at most

_arrival = itemgetter(0)  # a finished itinerary's arrival at the door: the key `Search.targets` are ordered by

# A capacity check: (departure id, board stop index, alight stop index, FEU needed) -> enough room?
CapacityCheck = Callable[[str, int, int, float], bool]

# Label layout (plain tuples: the search makes thousands of them):
#   0 t     arrival epoch at the gateway (s)
#   1 tr    earliest departure it can board on a train (s)
#   2 ts    earliest departure it can board on a ship (s; INF after a ship)
#   3 c     cost so far (USD)
#   4 cr    cost so far plus the most a train boarding can cost more for it than for any other label
#   5 e     emissions so far (kg CO2e)
#   6 k     rides so far
#   7 parent label (None for an access label; typed `object`: mypyc cannot compile a recursive tuple type)
#   8 step  the access Truck, a ride (RideStep's fields as a tuple: made into a RideStep only for the
#           journeys returned) or a DrayStep
#   9 stop  gateway index
#  10 via_rail  arrived on a train (then drayed or not): the next train is a transfer
Label = tuple[float, float, float, float, float, float, int, object, object, int, bool]
# A ride in a label: RideStep's fields, in its order (ride, run_epoch, service_index, period, winter, after_rail)
RideFields = tuple["Ride", float, int, int, bool, bool]
# A boarding at a gateway with the best case of its rides (seconds, USD, kg; see Search._best_cases) and the USD
# of its rides in the plan's tariff period: (boarding, is rail, best seconds, best USD, best kg, ride USD)
PlanEntry = tuple["Boarding", bool, float, float, float, tuple[float, ...]]


@dataclass(frozen=True)
class AccessStep:
    """A truck from the origin to gateway `stop` (`road_km`, 0 when the origin is the gateway)."""

    stop: int
    road_km: float


class RideStep(NamedTuple):
    """A ride on run `run_index` of its route (origin departure `run_epoch`, service `service_index`). A named
    tuple (immutable, like the other steps): a journey's rides are made from the label's tuple of the same
    fields, several per quote."""

    ride: Ride
    run_epoch: float
    service_index: int
    period: int
    winter: bool
    after_rail: bool


@dataclass(frozen=True)
class DrayStep:
    """Drayage between two gateways of one city, `road_km` km."""

    frm: int
    to: int
    road_km: float


@dataclass(frozen=True)
class EgressStep:
    """A truck from gateway `stop` to the destination (`road_km`, 0 when the destination is the gateway)."""

    stop: int
    road_km: float


@dataclass(frozen=True)
class Journey:
    """A door-to-door itinerary the search found: its steps in order, arrival (epoch s), cost (USD),
    emissions (kg CO2e) and number of rides."""

    steps: tuple[AccessStep | RideStep | DrayStep | EgressStep, ...]
    arrive_epoch: float
    cost_usd: float
    co2e_kg: float
    rides: int


@dataclass(frozen=True)
class Truck:
    """A truck leg as the search prices it: gateway index, km, hours, USD and kg CO2e."""

    stop: int
    road_km: float
    hours: float
    usd: float
    co2e_kg: float


@dataclass
class SearchRequest:
    """Everything one search needs, prepared by the planner (times in epoch seconds, money USD)."""

    ready_epoch: float
    access: list[Truck]
    egress: dict[int, Truck]
    drayage: Callable[[float], tuple[float, float, float]]  # km -> (hours, USD, kg CO2e)
    boardings: list[tuple[Boarding, ...]]
    load: Load
    feu: float
    mass_t: float
    cutoff_s: tuple[float, float, float]  # by mode code: rail, sea, air
    connection_s: float
    rail_board_usd: list[tuple[float, float]]  # per tariff period: (first boarding, after a train)
    winter_months: frozenset[int]  # empty unless the cargo is winter-sensitive
    bounds: LowerBounds
    hub_kg_per_t: list[float]  # per gateway: kg CO2e per tonne changing vehicle there (empty: none counted)
    cost_slack: float = 0.0  # prune what another label or itinerary beats within these shares (0: exact)
    co2e_slack: float = 0.0
    capacity: CapacityCheck | None = None
    departure_id: Callable[[Route, int], str] | None = None  # (route, run index) -> departure id


def _period_span(index: RouteIndex, pidx: int) -> tuple[float, float]:
    """[start, end) epochs of tariff period `pidx` as `Tariffs.period_index` sees them (the first period
    also covers everything before it, the last everything after)."""
    periods = index.tariffs.periods
    lo = -INF if pidx == 0 else float(calendar.timegm(periods[pidx].valid_from.timetuple()))
    hi = INF if pidx == len(periods) - 1 else float(calendar.timegm(periods[pidx + 1].valid_from.timetuple()))
    return lo, hi


@dataclass
class Destination:
    """What searches towards one destination with one load share (see `shared_destination`): per gateway,
    least (seconds, USD, kg CO2e) from arriving there to the door with at least one more ride (bound_*) and,
    counting the egress truck from there too, onward (one 3 x gateways array), and, filled
    lazily with the same values whoever fills them, the best case of every boarding per tariff period and the
    boarding plans per (gateway, tariff period)."""

    bound_s: list[float]
    bound_usd: list[float]
    bound_kg: list[float]
    onward: np.ndarray
    best: dict[int, tuple[list[float], list[float], list[float]]] = field(default_factory=dict)
    plans: dict[tuple[int, int], list[PlanEntry]] = field(default_factory=dict)


@dataclass(frozen=True)
class FlatBoardings:
    """The boardings of one `RouteIndex.boardings` list that plans use (not air; with rides), their rides in
    flat arrays: the best cases of all of them come from a few array operations per destination."""

    # per gateway: (boarding, its position below, whether it is a train), in list order
    per_stop: list[list[tuple[Boarding, int, bool]]]
    air: list[list[Boarding]]  # per gateway: its air boardings, in list order
    boardings: list[Boarding]
    starts: np.ndarray  # position of each boarding's first ride in the arrays below
    alights: np.ndarray  # gateway index of each ride's alighting stop
    seconds: np.ndarray  # Boarding.ride_seconds
    g_per_t: np.ndarray  # Boarding.co2e_g_per_t
    # per (tariff period, load signature): every ride's USD end to end, and each boarding's (see _flat_costs)
    costs: dict[tuple[int, tuple[int, float, bool]], tuple[np.ndarray, list[tuple[float, ...]]]] = field(
        default_factory=dict
    )


def flat_boardings(index: RouteIndex, boardings: list[tuple[Boarding, ...]]) -> FlatBoardings:
    """`FlatBoardings` of a boardings list, kept in `index.flat_boardings` (boardings lists live as long as the
    index: its boardings cache)."""
    key = id(boardings)
    hit: FlatBoardings | None = index.flat_boardings.get(key)
    if hit is not None:
        return hit
    per_stop: list[list[tuple[Boarding, int, bool]]] = []
    air: list[list[Boarding]] = []
    order: list[Boarding] = []
    starts: list[int] = []
    alights: list[int] = []
    seconds: list[float] = []
    g_per_t: list[float] = []
    for at_stop in boardings:
        mine = []
        air.append([b for b in at_stop if b.route.mode_code == MODE_AIR])
        for b in at_stop:
            if b.route.mode_code == MODE_AIR or not b.rides:
                continue
            mine.append((b, len(order), b.route.mode_code == MODE_RAIL))
            order.append(b)
            starts.append(len(alights))
            alights.extend(b.alights)
            seconds.extend(b.ride_seconds)
            g_per_t.extend(b.co2e_g_per_t)
        per_stop.append(mine)
    hit = FlatBoardings(
        per_stop,
        air,
        order,
        np.array(starts, dtype=np.intp),
        np.array(alights, dtype=np.intp),
        np.array(seconds, dtype=float),
        np.array(g_per_t, dtype=float),
    )
    index.flat_boardings[key] = hit
    return hit


def _destination_bounds(req: SearchRequest, n: int, cf: float) -> Destination:
    """The bounds of a `Destination`, all gateways at once (each gateway's minimum over the egress trucks, the
    gateways they reach skipped). In numpy over all egress gateways at once: the same float operations, in
    the same order, as gateway by gateway in Python; the arrays become lists once, at the end (making arrays
    of lists of Python floats costs more than the arithmetic)."""
    mass_kg = req.mass_t / 1000
    if req.egress:
        stops = list(req.egress)
        m = np.stack([req.bounds.matrix(g) for g in stops])  # egress x (s, freight, fees, g/t) x gateways
        seconds, freight, fees, g_per_t = m[:, 0], m[:, 1], m[:, 2], m[:, 3]
        trucks = np.array([(t.hours * 3600, t.usd, t.co2e_kg) for t in req.egress.values()])  # egress x 3
        truck_s, truck_usd, truck_kg = trucks[:, 0:1], trucks[:, 1:2], trucks[:, 2:3]
        unreachable = seconds == INF
        bounds = np.stack(
            [
                np.where(unreachable, INF, seconds + truck_s).min(axis=0),
                np.where(unreachable, INF, n * (cf * freight + fees) + truck_usd).min(axis=0),
                np.where(unreachable, INF, mass_kg * g_per_t + truck_kg).min(axis=0),
            ]
        )
        # Onward counts the egress truck from its gateway too (the gateways of a dict's keys: each once).
        onward = bounds.copy()
        onward[:, stops] = np.minimum(onward[:, stops], trucks.T)
    else:
        bounds = onward = np.full((3, len(req.boardings)), INF)
    bound_s, bound_usd, bound_kg = bounds.tolist()
    return Destination(bound_s, bound_usd, bound_kg, onward)


def shared_destination(index: RouteIndex, req: SearchRequest) -> Destination:
    """The request's `Destination`. It depends only on the egress trucks, the load and the boardings: searches
    towards the same destination with the same load share it; kept in `index.destination_cache`, cleared when
    it holds DESTINATION_CACHE_SIZE."""
    key = (
        tuple(sorted((g, t.hours, t.usd, t.co2e_kg) for g, t in req.egress.items())),
        (req.load.containers, req.load.price_factor, req.load.dangerous),
        req.mass_t,
        id(req.boardings),
        id(req.bounds),
    )
    cache = index.destination_cache
    shared: Destination | None = cache.get(key)
    if shared is None:
        shared = _destination_bounds(req, req.load.containers, req.load.price_factor)
        if len(cache) >= DESTINATION_CACHE_SIZE:
            cache.clear()  # atomic, unlike dropping the oldest while other threads read
        cache[key] = shared
    return shared


class Search:
    """One McRAPTOR run over a RouteIndex for a SearchRequest; `run()` returns the Pareto journeys."""

    def __init__(self, index: RouteIndex, req: SearchRequest):
        self.index = index
        self.req = req
        # Per gateway index: the labels kept there (None: none yet).
        self.bags: list[list[Label] | None] = [None] * len(req.boardings)
        # The finished itineraries none beats: (arrival, USD, kg, rides, last label, egress), in order of arrival.
        self.targets: list[tuple[float, float, float, int, Label, Truck]] = []
        self.labels_created = 0
        self.first_sea_arrival = INF  # at the door, by the first sailing found (rail slower than this is no option)
        n = req.load.containers
        credit = max(first - after for first, after in req.rail_board_usd)
        self.rail_credit = max(credit, 0.0)
        # Ride costs depend on the boarding, the tariff period and the load's price signature only: shared
        # by every search over this index (one entry per boarding, period and signature; see _ride_costs).
        self._costs = index.ride_cost_cache
        self._cost_sig = (n, req.load.price_factor, req.load.dangerous)
        self._dest = dest = shared_destination(index, req)
        self._bound_s, self._bound_usd, self._bound_kg = dest.bound_s, dest.bound_usd, dest.bound_kg
        self._plans = dest.plans
        self._flat = flat_boardings(index, req.boardings)
        self._cf = req.load.price_factor
        self._base_period = index.tariffs.period_index(req.ready_epoch)
        # The instants the base period covers: a boarding in them needs no period look-up.
        span = index.period_spans.get(self._base_period)
        if span is None:
            span = index.period_spans[self._base_period] = _period_span(index, self._base_period)
        self._base_lo, self._base_hi = span
        self.fc, self.fe = 1 + req.cost_slack, 1 + req.co2e_slack
        self._n = n
        self._dray: dict[float, tuple[float, float, float]] = {}  # req.drayage by km, once per search
        # What the hot loop reads, at hand: rail boarding fees of the load per tariff period (first, after a
        # train), the egress trucks, the connection time, hub emissions, and whether any rule needs more than
        # the plain path (a capacity callback, winter-sensitive cargo).
        self._board_usd = [(first * n, after * n) for first, after in req.rail_board_usd]
        # Per gateway index: the egress truck from there to the door (None: none).
        self._egress: list[Truck | None] = [None] * len(req.boardings)
        for g, truck in req.egress.items():
            self._egress[g] = truck
        self._conn = req.connection_s
        self._hub_kg_per_t = req.hub_kg_per_t
        self._simple = req.capacity is None and not req.winter_months

    # ---- public ----------------------------------------------------------------------------
    def run(self) -> list[Journey]:
        """Rounds until no label improves; the journeys of the final Pareto set (arrival, cost, CO2e, rides)."""
        marked = self._access_round()
        k = 0
        while marked and k < MAX_RIDES:
            k += 1
            marked = self._round(marked, k)
            if marked:
                self._drayage(marked)
        return [self._journey(t) for t in sorted(self.targets, key=lambda x: (x[0], x[1], x[2], x[3]))]

    # ---- rounds ----------------------------------------------------------------------------
    def _access_round(self) -> dict[int, list[Label]]:
        req = self.req
        marked: dict[int, list[Label]] = {}
        cut_r, cut_s, cut_a = req.cutoff_s
        for a in req.access:
            t = req.ready_epoch + a.hours * 3600
            label: Label = (
                t,
                t + cut_r,
                t + cut_s,
                a.usd,
                a.usd + self.rail_credit,
                a.co2e_kg,
                0,
                None,
                a,
                a.stop,
                False,
            )
            if self._insert(label):
                marked.setdefault(a.stop, []).append(label)
        # Air: truck, flight, truck; nothing else joins a flight.
        air = self._flat.air
        for a in req.access:
            for b in air[a.stop]:
                t = req.ready_epoch + a.hours * 3600
                self._air(b, t + cut_a, a)
        return marked

    def _air(self, b: Boarding, earliest: float, a: Truck) -> None:
        req = self.req
        index = self.index
        route = b.route
        run = index.next_run(route, earliest - b.depart_offset_s)
        if run >= len(route.epochs):
            return
        e0 = route.epochs[run]
        pidx = index.tariffs.period_index(e0 + b.depart_offset_s)
        parent: Label = (0.0, 0.0, 0.0, a.usd, a.usd, a.co2e_kg, 0, None, a, a.stop, False)
        for ride in b.rides:
            out = req.egress.get(ride.alight_stop)
            if out is None:
                continue
            usd = a.usd + ride.prices[pidx].usd(req.load)
            e = a.co2e_kg + req.mass_t * ride.co2e_g_per_t / 1000
            arrive = e0 + ride.arrive_offset_s
            step: RideFields = (ride, e0, route.trips[run], pidx, False, False)
            label: Label = (arrive, INF, INF, usd, usd, e, 1, parent, step, ride.alight_stop, False)
            self._target(label, out)

    def _round(self, marked: dict[int, list[Label]], k: int) -> dict[int, list[Label]]:
        """Round k: board every route at every gateway marked in round k-1, from each new label there."""
        new: dict[int, list[Label]] = {}
        board_first, board_after = self._board_usd[self._base_period]
        base = self._base_period
        plans = self._plans
        fc, fe = self.fc, self.fe
        for stop, labels in marked.items():
            plan = plans.get((stop, base))
            if plan is None:
                plan = self._plan(stop, base)
            for label in labels:
                c, e = label[3], label[5]
                c_rail = c + (board_after if label[10] else board_first)
                for entry in plan:
                    if entry[1]:
                        earliest = label[1]
                        # Best case over all rides of this boarding: if a finished itinerary beats even
                        # that, skip it without looking up a departure. Ships are always boarded: the
                        # first sailing is the yardstick rail must beat (see first_sea_arrival).
                        t_lb, c_lb, e_lb = earliest + entry[2], (c_rail + entry[3]) * fc, (e + entry[4]) * fe
                        for d in self.targets:  # (in order of arrival: none later arrives by t_lb)
                            if d[0] > t_lb:
                                self._board(entry, label, earliest, k, new)
                                break
                            if d[1] <= c_lb and d[2] <= e_lb and d[3] <= k:
                                break
                        else:
                            self._board(entry, label, earliest, k, new)
                    else:
                        earliest = label[2]
                        if earliest != INF:
                            self._board(entry, label, earliest, k, new)
        return new

    def _plan(self, stop: int, pidx: int) -> list[PlanEntry]:
        """The boardings at a gateway with the best case of their rides (see _best_cases) and their USD, kept in
        the Destination."""
        key = (stop, pidx)
        plan = self._plans.get(key)
        if plan is None:
            best_t, best_c, best_e = self._best_cases(pidx)
            costs = self._flat_costs(pidx)[1]
            plan = [
                (b, rail, best_t[pos], best_c[pos], best_e[pos], costs[pos])
                for b, pos, rail in self._flat.per_stop[stop]
                if best_t[pos] < INF
            ]
            self._plans[key] = plan
        return plan

    def _board(self, entry: PlanEntry, label: Label, earliest: float, k: int, new: dict[int, list[Label]]) -> None:
        """Board the plan entry's route at `earliest` or later from `label`; offer a label at every later stop
        that could still lead to an itinerary no finished one beats: as one from there (egress truck), or after
        more rides (the bounds there). The hot loop of the search: `RouteIndex.next_run` is inlined."""
        b, rail = entry[0], entry[1]
        route = b.route
        # The first run leaving at `earliest` or later: a bisection when the departures there are listed.
        x = earliest - b.depart_offset_s
        epochs = route.epochs
        lo, hi = route.covered
        run = bisect_left(epochs, x) if lo <= x < hi else len(epochs)
        if run == len(epochs):
            run = self.index.next_run(route, x)
            epochs = route.epochs  # (listing more departures may have replaced the list)
            if run >= len(epochs):
                return
        e0 = epochs[run]
        t_board = e0 + b.depart_offset_s
        if self._base_lo <= t_board < self._base_hi:
            pidx = self._base_period
            costs = entry[5]
        else:
            pidx = self.index.tariffs.period_index(t_board)
            costs = self._ride_costs(b, pidx)
        after_rail = label[10]
        c0 = label[3] + self._board_usd[pidx][1 if after_rail else 0] if rail else label[3]
        e_base = label[5]
        if label[6] > 0 and self._hub_kg_per_t:  # a change of vehicle at this gateway: the hub's emissions
            e_base += self.req.mass_t * self._hub_kg_per_t[label[9]]
        fc, fe, kb = self.fc, self.fe, k + 1
        egress_of = self._egress
        sea = route.mode_code == MODE_SEA
        if not self._simple:
            self._board_with_rules(b, run, costs, label, pidx, c0, e_base, k, rail, sea, new)
            return
        step_base = (e0, route.trips[run], pidx, False, after_rail and rail)
        mass_t = self.req.mass_t
        bound_s, bound_usd, bound_kg = self._bound_s, self._bound_usd, self._bound_kg
        for ride, offset, q, g, cost in zip(b.rides, b.arrive_offsets_s, b.alights, b.co2e_g_per_t, costs):
            arrive = e0 + offset
            usd = c0 + cost
            e = e_base + mass_t * g / 1000
            egress = egress_of[q]
            # Worth it? It could still lead to an itinerary no finished one beats: as one from here
            # (egress), or after more rides (the bounds at q). Else skip it.
            if egress is None or not self._worth_finishing(arrive, usd, e, k, egress, sea):
                sec = bound_s[q]
                if sec == INF:
                    continue
                tb, cb, eb = arrive + sec, (usd + bound_usd[q]) * fc, (e + bound_kg[q]) * fe
                beaten = False
                for d in self.targets:  # (read each time: _offer may replace the list; in order of arrival)
                    if d[0] > tb:
                        break
                    if d[1] <= cb and d[2] <= eb and d[3] <= kb:
                        beaten = True
                        break
                if beaten:
                    continue
            if egress is not None:
                self._offer(label, (ride, *step_base), arrive, usd, e, k, rail, sea, egress, new)
            else:  # (the bound check above is the label's `_hopeless` check)
                self._admit(label, (ride, *step_base), arrive, usd, e, k, rail, sea, q, new)

    def _admit(
        self,
        parent: Label,
        step: RideFields,
        arrive: float,
        usd: float,
        e: float,
        k: int,
        rail: bool,
        sea: bool,
        q: int,
        new: dict[int, list[Label]],
    ) -> None:
        """`_offer` for a ride to gateway `q`, where no egress truck leaves, that is not hopeless: `_insert`'s test
        for a label at least as good comes first, and most offers stop there, before a label is made."""
        self.labels_created += 1
        t_next = arrive + self._conn
        ts = INF if sea else t_next
        cr = usd if rail else usd + self.rail_credit
        bag = self.bags[q]
        if bag is None:
            out: Label = (arrive, t_next, ts, usd, cr, e, k, parent, step, q, rail)
            self.bags[q] = [out]
        else:
            fc, fe = self.fc, self.fe
            cs, crs, es = usd * fc, cr * fc, e * fe
            beats = False  # does it beat a label of its own round there? (rarely: then the bag is rebuilt)
            for o in bag:
                if o[1] <= t_next and o[2] <= ts and o[3] <= cs and o[4] <= crs and o[5] <= es:
                    return
                if (
                    o[6] >= k
                    and t_next <= o[1]
                    and ts <= o[2]
                    and usd <= o[3] * fc
                    and cr <= o[4] * fc
                    and e <= o[5] * fe
                ):
                    beats = True
            out = (arrive, t_next, ts, usd, cr, e, k, parent, step, q, rail)
            if beats:
                self._drop_beaten(bag, out)
            bag.append(out)
        labels = new.get(q)
        if labels is None:
            new[q] = [out]
        else:
            labels.append(out)

    def _board_with_rules(
        self,
        b: Boarding,
        run: int,
        costs: tuple[float, ...],
        label: Label,
        pidx: int,
        c0: float,
        e_base: float,
        k: int,
        rail: bool,
        sea: bool,
        new: dict[int, list[Label]],
    ) -> None:
        """`_board`'s rides when the request has a capacity callback or winter-sensitive cargo (see
        `_offer_with_rules`), with the same tests of what is worth offering."""
        route = b.route
        e0 = route.epochs[run]
        fc, fe, kb, mass_t = self.fc, self.fe, k + 1, self.req.mass_t
        egress_of = self._egress
        bound_s, bound_usd, bound_kg = self._bound_s, self._bound_usd, self._bound_kg
        for ride, offset, q, g, cost in zip(b.rides, b.arrive_offsets_s, b.alights, b.co2e_g_per_t, costs):
            arrive = e0 + offset
            usd = c0 + cost
            e = e_base + mass_t * g / 1000
            egress = egress_of[q]
            if egress is None or not self._worth_finishing(arrive, usd, e, k, egress, sea):
                sec = bound_s[q]
                if sec == INF:
                    continue
                tb, cb, eb = arrive + sec, (usd + bound_usd[q]) * fc, (e + bound_kg[q]) * fe
                beaten = False
                for d in self.targets:
                    if d[0] > tb:
                        break
                    if d[1] <= cb and d[2] <= eb and d[3] <= kb:
                        beaten = True
                        break
                if beaten:
                    continue
            self._offer_with_rules(label, route, run, ride, pidx, usd, e, k, rail, sea, egress, new)

    def _worth_finishing(self, arrive: float, usd: float, e: float, k: int, egress: Truck, sea: bool) -> bool:
        """Whether arriving here and taking the egress truck gives an itinerary no finished one beats (only at
        stops with an egress truck, so off the hot path)."""
        te = arrive + egress.hours * 3600
        if sea and te < self.first_sea_arrival:
            self.first_sea_arrival = te
        ce, ee = (usd + egress.usd) * self.fc, (e + egress.co2e_kg) * self.fe
        for d in self.targets:
            if d[0] > te:
                break
            if d[1] <= ce and d[2] <= ee and d[3] <= k:
                return False
        return True

    def _offer_with_rules(
        self,
        label: Label,
        route: Route,
        run: int,
        ride: Ride,
        pidx: int,
        usd: float,
        e: float,
        k: int,
        rail: bool,
        sea: bool,
        egress: Truck | None,
        new: dict[int, list[Label]],
    ) -> None:
        """`_board`'s path when the request has a capacity callback or winter-sensitive cargo: the first run
        with room on this ride, and the winter protection surcharge (or no offer when there is none)."""
        req = self.req
        if req.capacity is not None and rail:
            found = self._with_room(route, run, ride)
            if found is None:
                return
            run = found
        e_r = route.epochs[run]
        winter = False
        if req.winter_months and ride.facts.broad_gauge:
            surcharge = self._winter_surcharge(route, ride, e_r, pidx)
            if surcharge is None:
                return
            usd += surcharge
            winter = surcharge > 0
        step: RideFields = (ride, e_r, route.trips[run], pidx, winter, label[10] and rail)
        self._offer(label, step, e_r + ride.arrive_offset_s, usd, e, k, rail, sea, egress, new)

    def _winter_surcharge(self, route: Route, ride: Ride, run_epoch: float, pidx: int) -> float | None:
        """Winter protection for winter-sensitive cargo on the 1520 mm area when the ride leaves or arrives in
        a winter month: the surcharge (0 outside winter), None when the service has no protection."""
        months = self.req.winter_months
        leaves = _time.gmtime(run_epoch + ride.depart_offset_s).tm_mon
        arrives = _time.gmtime(run_epoch + ride.arrive_offset_s).tm_mon
        if leaves not in months and arrives not in months:
            return 0.0
        if not route.winter_protection:
            return None
        return ride.prices[pidx].winter_usd_per_container * self._n

    def _offer(
        self,
        parent: Label,
        step: RideFields,
        arrive: float,
        usd: float,
        e: float,
        k: int,
        rail: bool,
        sea: bool,
        egress: Truck | None,
        new: dict[int, list[Label]],
        bounded: bool = False,
    ) -> None:
        """A label for arriving somewhere on a ride: a finished itinerary when the destination's truck leaves
        from here, and a label to go on from unless something beats it (`bounded`: the caller has just found
        that it is not hopeless, and no itinerary was added since)."""
        t_next = arrive + self.req.connection_s
        stop = step[0].alight_stop
        out: Label = (
            arrive,
            t_next,
            INF if sea else t_next,
            usd,
            usd if rail else usd + self.rail_credit,
            e,
            k,
            parent,
            step,
            stop,
            rail,
        )
        self.labels_created += 1
        if egress is not None:
            self._target(out, egress)
        if (not bounded and self._hopeless(out)) or not self._insert(out):
            return
        labels = new.get(stop)
        if labels is None:
            new[stop] = [out]
        else:
            labels.append(out)

    def _best_cases(self, pidx: int) -> tuple[list[float], list[float], list[float]]:
        """For every boarding of the flat list, the least (seconds after `earliest`, USD after boarding, kg)
        with which any of its rides can end at the destination, directly or with more rides (each minimised
        on its own: a bound); INF when no ride can. Per tariff period, kept in the Destination."""
        hit = self._dest.best.get(pidx)
        if hit is None:
            flat, onward = self._flat, self._dest.onward
            if flat.boardings:
                q, starts, mass_kg = flat.alights, flat.starts, self.req.mass_t / 1000
                x = onward[0][q]
                ok = x != INF
                costs = self._flat_costs(pidx)[0]
                t = np.minimum.reduceat(np.where(ok, flat.seconds + x, INF), starts)
                c = np.minimum.reduceat(np.where(ok, costs + onward[1][q], INF), starts)
                e = np.minimum.reduceat(np.where(ok, mass_kg * flat.g_per_t + onward[2][q], INF), starts)
                hit = (t.tolist(), c.tolist(), e.tolist())
            else:
                hit = ([], [], [])
            self._dest.best[pidx] = hit
        return hit

    def _flat_costs(self, pidx: int) -> tuple[np.ndarray, list[tuple[float, ...]]]:
        """`_ride_costs` of every boarding of the flat list: end to end in one array, and per boarding; kept per
        tariff period and load signature (emptied whole at FLAT_COSTS_SIZE entries)."""
        key = (pidx, self._cost_sig)
        hit = self._flat.costs.get(key)
        if hit is None:
            per_boarding = [self._ride_costs(b, pidx) for b in self._flat.boardings]
            hit = (np.array([c for costs in per_boarding for c in costs], dtype=float), per_boarding)
            if len(self._flat.costs) >= FLAT_COSTS_SIZE:
                self._flat.costs.clear()
            self._flat.costs[key] = hit
        return hit

    def _ride_costs(self, b: Boarding, pidx: int) -> tuple[float, ...]:
        """USD of each ride of a boarding for this request's load under tariff period `pidx` (cached)."""
        if b.route.mode_code == MODE_AIR:  # air prices by chargeable weight too: not shared
            return tuple(ride.prices[pidx].usd(self.req.load) for ride in b.rides)
        key = (id(b), pidx, self._cost_sig)  # boardings live as long as the index (its boardings cache)
        costs = self._costs.get(key)
        if costs is None:
            n, cf = self._n, self._cf
            extra = 1.0 if self.req.load.dangerous else 0.0
            costs = tuple(n * (cf * f + x + extra * dg) for f, x, dg in b.coefficients[pidx])
            if len(self._costs) >= RIDE_COST_CACHE_SIZE:
                self._costs.clear()  # many different loads: start again (atomic; searches keep their tuples)
            self._costs[key] = costs
        return costs

    def _with_room(self, route: Route, run: int, ride: Ride) -> int | None:
        req = self.req
        assert req.capacity is not None and req.departure_id is not None
        for skip in range(MAX_CAPACITY_TRIES):
            if run + skip >= len(route.epochs):
                end = route.covered[1]
                self.index.cover(route, end, end + COVER_WINDOW_S)
                if run + skip >= len(route.epochs):
                    return None
            if req.capacity(req.departure_id(route, run + skip), ride.i, ride.j, req.feu):
                return run + skip
        return None

    def _drayage(self, marked: dict[int, list[Label]]) -> None:
        """Gateways of one city joined by a truck (port and rail terminal, say): labels of this round only."""
        colocated, steps = self.index.colocated, self.index.dray_steps
        added: list[tuple[int, Label]] = []
        for stop, labels in marked.items():
            for q, km in colocated[stop]:
                dray = self._dray.get(km)
                if dray is None:
                    dray = self._dray[km] = self.req.drayage(km)
                hours, usd, co2 = dray
                step = steps.get((stop, q))
                if step is None:  # (frozen: shared by every label it extends, made once per index)
                    step = steps[(stop, q)] = DrayStep(stop, q, km)
                for label in labels:
                    if isinstance(label[8], DrayStep):
                        continue
                    t = label[0] + hours * 3600
                    t_next = t + self.req.connection_s
                    c = label[3] + usd
                    out: Label = (
                        t,
                        t_next,
                        t_next if label[2] < INF else INF,
                        c,
                        label[4] + usd,
                        label[5] + co2,
                        label[6],
                        label,
                        step,
                        q,
                        label[10],
                    )
                    if not self._hopeless(out) and self._insert(out):
                        added.append((q, out))
        for q, label in added:
            marked.setdefault(q, []).append(label)

    # ---- dominance ---------------------------------------------------------------------------
    def _insert(self, label: Label) -> bool:
        """Add a label to its gateway's bag unless one there is at least as good; drop the ones it beats
        (only labels of the same round can be beaten: earlier rounds have fewer rides)."""
        bag = self.bags[label[9]]
        if bag is None:
            self.bags[label[9]] = [label]
            return True
        tr, ts, c, cr, e, k = label[1], label[2], label[3], label[4], label[5], label[6]
        cs, crs, es = c * self.fc, cr * self.fc, e * self.fe
        fc, fe = self.fc, self.fe
        beats = False  # does it beat a label of its own round there? (rarely: then the bag is rebuilt)
        for o in bag:
            if o[1] <= tr and o[2] <= ts and o[3] <= cs and o[4] <= crs and o[5] <= es:
                return False
            if o[6] >= k and tr <= o[1] and ts <= o[2] and c <= o[3] * fc and cr <= o[4] * fc and e <= o[5] * fe:
                beats = True
        if beats:
            self._drop_beaten(bag, label)
        bag.append(label)
        return True

    def _drop_beaten(self, bag: list[Label], label: Label) -> None:
        """Drop from a bag the labels of `label`'s round (or later) that it beats."""
        tr, ts, c, cr, e, k = label[1], label[2], label[3], label[4], label[5], label[6]
        fc, fe = self.fc, self.fe
        bag[:] = [
            o
            for o in bag
            if not (o[6] >= k and tr <= o[1] and ts <= o[2] and c <= o[3] * fc and cr <= o[4] * fc and e <= o[5] * fe)
        ]

    def _bound(self, stop: int) -> tuple[float, float, float]:
        """Least (seconds, USD, kg CO2e) from arriving at `stop` to the door with one ride or more."""
        return self._bound_s[stop], self._bound_usd[stop], self._bound_kg[stop]

    def _hopeless(self, label: Label) -> bool:
        """True when nothing this label can still become (one ride or more) could beat every finished
        itinerary: lower bounds towards the destination, added to what it has already spent."""
        sec, usd, kg = self._bound(label[9])
        if sec == INF:
            return True
        t, c, e, k = label[0] + sec, (label[3] + usd) * self.fc, (label[5] + kg) * self.fe, label[6] + 1
        for d in self.targets:
            if d[0] > t:
                break
            if d[1] <= c and d[2] <= e and d[3] <= k:
                return True
        return False

    def _target(self, label: Label, egress: Truck) -> None:
        t = label[0] + egress.hours * 3600
        c = label[3] + egress.usd
        e = label[5] + egress.co2e_kg
        k = label[6]
        cs, es = c * self.fc, e * self.fe
        for d in self.targets:
            if d[0] > t:
                break
            if d[1] <= cs and d[2] <= es and d[3] <= k:
                return
        fc, fe = self.fc, self.fe
        kept = [d for d in self.targets if not (t <= d[0] and c <= d[1] * fc and e <= d[2] * fe and k <= d[3])]
        # In order of arrival (after those arriving at the same time: the order they were found in), so that the
        # tests against them stop at the first one arriving later than what they test. A new list: loops over
        # the old one go on undisturbed.
        insort_right(kept, (t, c, e, k, label, egress), key=_arrival)
        self.targets = kept

    # ---- results -----------------------------------------------------------------------------
    def _journey(self, target: tuple[float, float, float, int, Label, Truck]) -> Journey:
        t, c, e, k, label, egress = target
        # The truck steps (frozen) depend on the gateway and km only: made once per index.
        made = self.index.truck_steps
        key = (False, egress.stop, egress.road_km)
        last = made.get(key)
        if last is None:
            last = made[key] = EgressStep(egress.stop, egress.road_km)
        steps: list[AccessStep | RideStep | DrayStep | EgressStep] = [last]
        node: Label | None = label
        while node is not None:
            step = node[8]
            if isinstance(step, Truck):
                key = (True, step.stop, step.road_km)
                first = made.get(key)
                if first is None:
                    first = made[key] = AccessStep(step.stop, step.road_km)
                steps.append(first)
            elif isinstance(step, tuple):
                steps.append(RideStep._make(step))
            elif isinstance(step, DrayStep):
                steps.append(step)
            node = cast("Label | None", node[7])
        steps.reverse()
        return Journey(tuple(steps), t, c, e, k)


def first_at_or_after(epochs: list[float], x: float) -> int:
    """`bisect_left(epochs, x)`, written out: compiled (mypyc), each step is a comparison of two C doubles
    instead of a rich comparison of two Python floats, 4-5x fewer instructions; interpreted, the C bisect is
    faster, so `EarliestArrival` calls this one only when compiled (BISECT_IN_LINE)."""
    lo = 0
    hi = len(epochs)
    while lo < hi:
        mid = (lo + hi) // 2
        if epochs[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


BISECT_IN_LINE: Final = native.MODE == "compiled"


class EarliestArrival:
    """RAPTOR for one criterion: the earliest door arrival (epoch s) over the same routes, rules and truck
    legs as `Search` (cargo acceptance, cut-offs, connection times, drayage, no ship after a ship, air only
    door to airport to door, winter protection), any number of rides; no prices, no capacity check.

    Written for mypyc (it is timed against a compiled Connection Scan): hot values are typed floats and ints,
    per-gateway values are lists indexed by gateway (the egress trucks' seconds too, not a dict look-up per
    ride), attributes read in loops are hoisted to locals."""

    def __init__(self, index: RouteIndex, req: SearchRequest):
        self.index = index
        self.req = req
        n = len(index.gateways)
        self.rail_ready: list[float] = [INF] * n  # earliest time a train (or anything) can be boarded there
        self.sea_ready: list[float] = [INF] * n  # earliest time a ship can be boarded there (INF after a ship)
        self.best: float = INF
        # Least seconds from arriving at each gateway to the door with one ride or more (shared with `Search`).
        self._lb: list[float] = shared_destination(index, req).bound_s
        # Per gateway: seconds of the egress truck from there to the door (INF: none).
        egress_s: list[float] = [INF] * n
        for stop, truck in req.egress.items():
            egress_s[stop] = truck.hours * 3600
        self._egress_s = egress_s
        self._dray_s: dict[float, float] = {}  # drayage km -> seconds (req.drayage once per km)

    def run(self) -> float:
        """The earliest arrival at the destination's door (INF when none)."""
        req = self.req
        cut_r, cut_s, cut_a = req.cutoff_s
        marked: set[int] = set()
        for a in req.access:
            t = req.ready_epoch + a.hours * 3600
            self._improve(a.stop, t + cut_r, t + cut_s, marked)
            for b in req.boardings[a.stop]:
                if b.route.mode_code == MODE_AIR:
                    self._ride_all(b, t + cut_a, None)
        rounds = 0
        while marked and rounds < MAX_RIDES:
            rounds += 1
            marked = self._round(marked)
        return self.best

    def _improve(self, stop: int, rail_t: float, sea_t: float, marked: set[int]) -> None:
        better = False
        if rail_t < self.rail_ready[stop]:
            self.rail_ready[stop] = rail_t
            better = True
        if sea_t < self.sea_ready[stop]:
            self.sea_ready[stop] = sea_t
            better = True
        if better:
            marked.add(stop)

    def _round(self, marked: set[int]) -> set[int]:
        new: set[int] = set()
        boardings = self.req.boardings
        min_gap: float = self.req.bounds.min_gap_s  # the bounds count it from arriving; ready times include it
        lb = self._lb
        rail_ready, sea_ready = self.rail_ready, self.sea_ready
        for stop in marked:
            rail_t = rail_ready[stop]
            sea_t = sea_ready[stop]
            if (rail_t if rail_t <= sea_t else sea_t) - min_gap + lb[stop] >= self.best:
                continue
            for b in boardings[stop]:
                mode = b.route.mode_code
                if mode == MODE_AIR:
                    continue
                earliest = rail_ready[stop] if mode == MODE_RAIL else sea_ready[stop]
                if earliest < INF:
                    self._ride_all(b, earliest, new)
        colocated = self.index.colocated
        dray_cache = self._dray_s
        for stop in list(new):
            for q, km in colocated[stop]:
                dray_s = dray_cache.get(km)
                if dray_s is None:
                    dray_s = dray_cache[km] = self.req.drayage(km)[0] * 3600
                rail_t = rail_ready[stop] + dray_s
                sea_t = sea_ready[stop] + dray_s if sea_ready[stop] < INF else INF
                self._improve(q, rail_t, sea_t, new)
        return new

    def _ride_all(self, b: Boarding, earliest: float, new: set[int] | None) -> None:
        route = b.route
        x = earliest - b.depart_offset_s
        lo, hi = route.covered
        epochs = route.epochs
        if lo <= x < hi:
            run = first_at_or_after(epochs, x) if BISECT_IN_LINE else bisect_left(epochs, x)
        else:
            run = len(epochs)
        if run == len(epochs):
            run = self.index.next_run(route, x)
            epochs = route.epochs  # (next_run may have listed more departures: a new list)
            if run >= len(epochs):
                return
        e0 = epochs[run]
        req = self.req
        sea = route.mode_code == MODE_SEA
        winter = bool(req.winter_months) and not route.winter_protection
        egress_s = self._egress_s
        connection_s = req.connection_s
        rail_ready, sea_ready = self.rail_ready, self.sea_ready
        for ride in b.rides:
            arrive = e0 + ride.arrive_offset_s
            if arrive >= self.best:
                continue
            if winter and ride.facts.broad_gauge:
                months = req.winter_months
                if _time.gmtime(e0 + ride.depart_offset_s).tm_mon in months or _time.gmtime(arrive).tm_mon in months:
                    continue
            stop = ride.alight_stop
            door = arrive + egress_s[stop]
            if door < self.best:  # noqa: PLR1730 (an `if`: min() is a call per ride)
                self.best = door
            if new is not None:  # _improve(stop, ready, INF if sea else ready, new), in line
                ready = arrive + connection_s
                better = False
                if ready < rail_ready[stop]:
                    rail_ready[stop] = ready
                    better = True
                if not sea and ready < sea_ready[stop]:
                    sea_ready[stop] = ready
                    better = True
                if better:
                    new.add(stop)
