"""What the search needs of a timetable, prepared once: gateways, routes, rides and departures.

A *route* is the RAPTOR notion: services that call at the same stops with the same scheduled offsets
and the same prices and rules (clones of one line at other hours, say). Their runs never overtake
each other, so a route's departures form one sorted list, and "the first run that can be boarded at
stop i after time T" is one bisection, whatever the number of services or departures.

A *ride* is riding a route from a boarding stop i to an alighting stop j; everything about it that
does not depend on the date (distance, prices per tariff period, emissions, gauge changes, borders)
is worked out here, once.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from landbridge.network.models import Network, Place, haversine_km
from landbridge.pricing import RidePrice, Tariffs
from landbridge.timetable.builder import Timetable
from landbridge.timetable.models import RideFacts, Service
from landbridge.timetable.rides import combine, rail_section_facts, ride_facts

GATEWAY_KINDS = ("hub", "terminal", "port", "airport")
# Final: compiled (mypyc), a Final constant is a C constant, not a look-up in the module's dict at every use.
MODE_RAIL: Final = 0
MODE_SEA: Final = 1
MODE_AIR: Final = 2
MODE_CODES = {"rail": MODE_RAIL, "sea": MODE_SEA, "air": MODE_AIR}
LOCAL_RADIUS_KM = 150  # gateways this close are always offered by truck, derived road distance or not
COVER_WINDOW_S = 45 * 86400.0  # departures are listed 45 days at a time, as queries reach them
LOOKAHEAD_S = 730 * 86400.0  # a run is looked for up to two years after the time asked


#: The one call that turns a ride's facts into emissions: grams CO2e per tonne of goods carried.
RideEmissionModel = Callable[[RideFacts], float]


@dataclass(frozen=True, eq=False)
class Ride:
    """Riding route `route` from stop index `i` to stop index `j` (identity equality: one object per ride)."""

    route: Route
    i: int
    j: int
    board: str
    alight: str
    alight_stop: int  # gateway index of the alighting place
    depart_offset_s: float  # seconds after the run's origin departure when it leaves stop i
    arrive_offset_s: float  # ... and arrives at stop j
    facts: RideFacts
    co2e_g_per_t: float
    prices: tuple[RidePrice, ...]  # one per tariff period

    @property
    def scheduled_hours(self) -> float:
        """Hours on board, from leaving stop i to arriving at stop j."""
        return (self.arrive_offset_s - self.depart_offset_s) / 3600


@dataclass(eq=False)
class Route:
    """Services with the same stops, offsets, prices and rules; their runs in one sorted list."""

    index: int
    mode: str
    mode_code: int
    services: list[Service]
    stops: tuple[str, ...]
    depart_h: tuple[float, ...]
    arrive_h: tuple[float, ...]
    accepts: frozenset[str]
    dangerous_goods: frozenset[str]
    winter_protection: bool
    rides_from: dict[int, list[Ride]] = field(default_factory=dict)  # boarding stop index -> rides
    # Departures: origin epochs (s) in time order, the service of each, and the interval of epochs covered.
    epochs: list[float] = field(default_factory=list)
    trips: list[int] = field(default_factory=list)
    covered: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Access:
    """A gateway (terminal, hub, port or airport) a truck reaches from a place, and the road km."""

    place: str
    road_km: float


@dataclass(frozen=True)
class Boarding:
    """Where a route can be boarded: the route, the stop index and the rides to every later stop (with,
    per ride, the seconds on board, the gateway it reaches and g CO2e per tonne, for quick bounds)."""

    route: Route
    i: int
    depart_offset_s: float
    rides: tuple[Ride, ...]
    ride_seconds: tuple[float, ...]
    alights: tuple[int, ...]
    co2e_g_per_t: tuple[float, ...]
    arrive_offsets_s: tuple[float, ...]  # each ride's Ride.arrive_offset_s (the search's hot loop reads these)
    # per tariff period, per ride: (freight USD per FEU, fixed USD per container, dangerous goods USD)
    coefficients: tuple[tuple[tuple[float, float, float], ...], ...]

    @classmethod
    def of(cls, route: Route, i: int, rides: list[Ride]) -> Boarding:
        """The boarding of `route` at stop index `i`."""
        off = route.depart_h[i] * 3600
        return cls(
            route,
            i,
            off,
            tuple(rides),
            tuple(r.arrive_offset_s - off for r in rides),
            tuple(r.alight_stop for r in rides),
            tuple(r.co2e_g_per_t for r in rides),
            tuple(r.arrive_offset_s for r in rides),
            tuple(
                tuple(
                    (p.freight_usd_per_feu, p.fixed_usd_per_container, p.dangerous_usd_per_container)
                    for p in (r.prices[k] for r in rides)
                )
                for k in range(len(rides[0].prices) if rides else 0)
            ),
        )


def _route_key(s: Service) -> tuple[object, ...]:
    """Services that share this key ride alike: same stops, times after departure, prices and rules (the path
    between two stops is the same for every line of a timetable, so the stops stand for the sections)."""
    return (
        s.mode,
        s.stops,
        s.depart_h,
        s.arrive_h,
        s.boardable,
        s.rate_factor,
        s.accepts,
        s.dangerous_goods,
        s.winter_protection,
        tuple((sec.region, sec.sea_route) for sec in s.sections),
    )


class RouteIndex:
    """Gateways, routes, rides and departures of a timetable, prepared for the search.

    `emission_model` turns each ride's facts into g CO2e per tonne (one call per ride, made here once).
    Times are epochs in seconds (UTC); distances km; prices come from `tariffs` (one per period).
    """

    def __init__(
        self,
        network: Network,
        timetable: Timetable,
        tariffs: Tariffs,
        emission_model: RideEmissionModel,
        road_circuity: float,
        max_road_km: float,
    ):
        self.network = network
        self.timetable = timetable
        self.tariffs = tariffs
        self.circuity = road_circuity
        self.max_road_km = max_road_km
        places = network.places.values()
        self.gateways: list[str] = [p.id for p in places if p.kind in GATEWAY_KINDS]
        self.stop_of: dict[str, int] = {pid: k for k, pid in enumerate(self.gateways)}
        self._gateways_by_kind = {k: [p for p in places if p.kind == k] for k in GATEWAY_KINDS}
        self.routes: list[Route] = []
        self._section_facts: dict[tuple[str, str, str], RideFacts] = {}
        by_key: dict[tuple[object, ...], Route] = {}
        for s in timetable.services:
            key = _route_key(s)
            route = by_key.get(key)
            if route is None:
                route = Route(
                    len(self.routes),
                    s.mode,
                    MODE_CODES[s.mode],
                    [],
                    s.stops,
                    s.depart_h,
                    s.arrive_h,
                    s.accepts,
                    s.dangerous_goods,
                    s.winter_protection,
                )
                by_key[key] = route
                self.routes.append(route)
                self._add_rides(route, s, emission_model)
            route.services.append(s)
        self.colocated = self._build_colocated()
        self._road_index = self._build_road_index()
        self._access_cache: dict[tuple[str, bool], list[Access]] = {}
        self._boardings_cache: dict[tuple[str, frozenset[str]], list[tuple[Boarding, ...]]] = {}
        # USD of each ride of a boarding per (id of the boarding, tariff period, load price signature), from searches.
        self.ride_cost_cache: dict[tuple[int, int, tuple[int, float, bool]], tuple[float, ...]] = {}
        # Per destination and load: bounds towards it and boarding plans, shared by searches (planner.search).
        self.destination_cache: dict[tuple[object, ...], Any] = {}
        # Per boardings list (id; the lists live in the boardings cache): its rides in flat arrays (planner.search).
        self.flat_boardings: dict[int, Any] = {}
        # Per (gateway, gateway) of one city: the drayage step between them, made once (planner.search).
        self.dray_steps: dict[tuple[int, int], Any] = {}
        # Per (access or egress, gateway, km): the truck step of a journey, made once (planner.search).
        self.truck_steps: dict[tuple[bool, int, float], Any] = {}
        # Per tariff period index: the [start, end) epochs it covers (planner.search).
        self.period_spans: dict[int, tuple[float, float]] = {}

    # ---- rides -------------------------------------------------------------------------------
    def _add_rides(self, route: Route, s: Service, emission_model: RideEmissionModel) -> None:
        sections = rail_section_facts(self.network, s, self._section_facts) if s.mode == "rail" else []
        for i in range(len(s.stops) - 1):
            if not s.boardable[i]:
                continue
            rides: list[Ride] = []
            for j in range(i + 1, len(s.stops)):
                if not s.boardable[j] or s.stops[j] not in self.stop_of:
                    continue
                facts = combine(sections[i:j]) if sections else ride_facts(self.network, s, i, j)
                if facts.mode == "sea" and facts.sea_variant is None:
                    continue  # calls on one coast of a deep-sea loop are not sold as a voyage of their own
                rides.append(
                    Ride(
                        route,
                        i,
                        j,
                        s.stops[i],
                        s.stops[j],
                        self.stop_of[s.stops[j]],
                        s.depart_h[i] * 3600,
                        s.arrive_h[j] * 3600,
                        facts,
                        emission_model(facts),
                        tuple(period.ride_price(facts, s.rate_factor) for period in self.tariffs.periods),
                    )
                )
            if rides and s.stops[i] in self.stop_of:
                route.rides_from[i] = rides

    # ---- which routes a request may use --------------------------------------------------------
    def boardings(self, cargo_id: str, un_number: str | None, modes: frozenset[str]) -> list[tuple[Boarding, ...]]:
        """Per gateway index, the boardings of routes that carry this cargo by these modes (cached)."""
        key = (f"{cargo_id}|{un_number or ''}", modes)
        hit = self._boardings_cache.get(key)
        if hit is not None:
            return hit
        per_stop: list[list[Boarding]] = [[] for _ in self.gateways]
        for route in self.routes:
            if route.mode not in modes:
                continue
            if "*" not in route.accepts and cargo_id not in route.accepts:
                continue
            if un_number and un_number not in route.dangerous_goods:
                continue
            for i, rides in route.rides_from.items():
                per_stop[self.stop_of[route.stops[i]]].append(Boarding.of(route, i, rides))
        out = [tuple(b) for b in per_stop]
        self._boardings_cache[key] = out
        return out

    # ---- departures ----------------------------------------------------------------------------
    def cover(self, route: Route, start_epoch: float, end_epoch: float) -> None:
        """Make the route's departure list hold every run leaving its origin in [start_epoch, end_epoch)
        (and everything between that and what it held before: the list stays one interval)."""
        lo, hi = route.covered
        if hi > lo and lo <= start_epoch and end_epoch <= hi:
            return
        new_lo, new_hi = (start_epoch, end_epoch) if hi <= lo else (min(lo, start_epoch), max(hi, end_epoch))
        parts = [(new_lo, new_hi)] if hi <= lo else [(new_lo, lo), (hi, new_hi)]
        merged = list(zip(route.epochs, route.trips)) if hi > lo else []
        between = self.timetable.departure_epochs_between
        for a, b in parts:
            if b > a:
                for k, s in enumerate(route.services):
                    merged.extend((e, k) for e in between(s, a, b))
        merged.sort()
        route.epochs = [e for e, _ in merged]
        route.trips = [k for _, k in merged]
        route.covered = (new_lo, new_hi)

    def next_run(self, route: Route, earliest_origin_epoch: float) -> int:
        """Index into `route.epochs` of the first run leaving its origin at or after the epoch (looking up
        to two years ahead; len(route.epochs) when there is none)."""
        x = earliest_origin_epoch
        lo, hi = route.covered
        if not lo <= x < hi:
            self.cover(route, x, x + COVER_WINDOW_S)
        i = bisect.bisect_left(route.epochs, x)
        while i == len(route.epochs) and route.covered[1] < x + LOOKAHEAD_S:
            end = route.covered[1]
            self.cover(route, end, end + COVER_WINDOW_S)
            i = bisect.bisect_left(route.epochs, x)
        return i

    # ---- trucks --------------------------------------------------------------------------------
    def _build_road_index(self) -> dict[str, list[Access]]:
        idx: dict[str, dict[str, float]] = {}
        gateways = set(self.gateways)
        for (a, b), km in self.network.road_km.items():
            if b in gateways:
                idx.setdefault(a, {})[b] = km
            if a in gateways:
                idx.setdefault(b, {})[a] = km
        return {k: [Access(g, km) for g, km in sorted(v.items(), key=lambda x: x[1])] for k, v in idx.items()}

    def _build_colocated(self) -> list[tuple[tuple[int, float], ...]]:
        """Per gateway index, the other gateways serving the same city and the drayage km (at least 5)."""
        by_city: dict[str, list[Place]] = {}
        for pid in self.gateways:
            p = self.network.places[pid]
            if p.city:
                by_city.setdefault(p.city, []).append(p)
        out: list[list[tuple[int, float]]] = [[] for _ in self.gateways]
        for group in by_city.values():
            for a in group:
                for b in group:
                    if a.id != b.id:
                        km = self.network.road_distance_km(a.id, b.id) or self._estimated_road_km(a, b)
                        out[self.stop_of[a.id]].append((self.stop_of[b.id], max(km, 5.0)))
        return [tuple(x) for x in out]

    def _estimated_road_km(self, a: Place, b: Place) -> float:
        return haversine_km(a.lat, a.lon, b.lat, b.lon) * self.circuity

    def access_points(self, place: Place, wide: bool = False) -> list[Access]:
        """Gateways a truck can bring cargo to from `place` (the place itself first when it is one):
        the derived road distances up to the longest truck leg, plus for each kind of gateway the two
        nearest within a local radius (great circle x circuity), so that, say, a port always reaches the
        nearby airport; the nearest ones anyway when nothing else is in reach. `wide` adds every gateway
        within the longest truck leg (estimated where not derived). Cached per place."""
        cached = self._access_cache.get((place.id, wide))
        if cached is not None:
            return cached
        out: list[Access] = [Access(place.id, 0.0)] if place.kind in GATEWAY_KINDS else []
        seen = {a.place for a in out}
        for a in self._road_index.get(place.id, ()):
            if a.place not in seen and a.road_km <= self.max_road_km:
                out.append(a)
                seen.add(a.place)
        for kind in GATEWAY_KINDS:
            near = sorted(
                (haversine_km(place.lat, place.lon, g.lat, g.lon), g.id) for g in self._gateways_by_kind[kind]
            )
            for gc_km, gid in near[:2]:
                if gid not in seen and (gc_km <= LOCAL_RADIUS_KM or not out):
                    km = self.network.road_distance_km(place.id, gid) or gc_km * self.circuity
                    out.append(Access(gid, round(km, 1)))
                    seen.add(gid)
        if wide:
            for kind in GATEWAY_KINDS:
                for g in self._gateways_by_kind[kind]:
                    if g.id in seen:
                        continue
                    km = self.network.road_distance_km(place.id, g.id) or self._estimated_road_km(place, g)
                    if km <= self.max_road_km:
                        out.append(Access(g.id, round(km, 1)))
                        seen.add(g.id)
        self._access_cache[(place.id, wide)] = out
        return out
