"""The planner: door-to-door options by rail (through trains and connections), sea, air, and their
combinations with truck legs, over timetabled departures; the Pareto set in arrival, cost and CO2e.

Speed comes from work done once per timetable: every boarding stop knows the rides (service, board,
alight) that start there, with their distance, tariff and emission intensity precomputed. A query only
enumerates rides from the few places reachable by truck from the origin, joins at most one connection,
and finds each ride's next departure by bisection over the year's departures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from landbridge.cargo import CargoCatalog, CargoType, ContainerType
from landbridge.emissions import EmissionFactors
from landbridge.errors import InvalidRequestError, NoRouteError
from landbridge.network.models import Network, Place, haversine_km
from landbridge.network.search import PlaceIndex
from landbridge.planner.options import GaugeChange, Leg, Option
from landbridge.pricing import Tariff, money
from landbridge.scenarios import Scenario
from landbridge.timetable.builder import Timetable
from landbridge.timetable.models import Service

GATEWAY_KINDS = ("hub", "terminal", "port", "airport")
MAX_CAPACITY_TRIES = 12
LOCAL_RADIUS_KM = 150  # gateways this close are always offered by truck, derived road distance or not

# A capacity check: (departure id, board stop index, alight stop index, FEU needed) -> enough room?
CapacityCheck = Callable[[str, int, int, float], bool]


@dataclass(frozen=True)
class Ride:
    """Riding one service from stop i to stop j, with what does not depend on the date."""

    service: Service
    i: int
    j: int
    board: str
    alight: str
    distance_km: float
    freight_usd_per_feu: float  # rail/sea; air is priced per kg
    co2e_g_per_t: float  # g CO2e per tonne of goods over the ride
    gauge_changes: tuple[GaugeChange, ...]
    ferries: int
    borders: tuple[tuple[str, str, str], ...]  # (from country, to country, place where crossed)
    broad_gauge: bool
    running_hours: float
    busy_crossings: int
    sea_variant: str | None


@dataclass(frozen=True)
class Access:
    place: str  # the gateway (terminal, hub, port or airport)
    road_km: float


@dataclass
class QuoteRequest:
    origin: str
    destination: str
    ready: date | datetime
    containers: int = 1
    container_type: str = "40HC"
    cargo: str = "general"
    mass_kg: float | None = None
    modes: tuple[str, ...] = ("rail", "sea", "air")


@dataclass
class Quote:
    origin: Place
    destination: Place
    ready: datetime
    containers: int
    container: ContainerType
    cargo: CargoType
    mass_kg: float
    scenario: Scenario
    options: list[Option]
    considered: int

    def to_dict(self) -> dict:
        return {
            "origin": {"id": self.origin.id, "name": self.origin.name, "country": self.origin.country},
            "destination": {
                "id": self.destination.id,
                "name": self.destination.name,
                "country": self.destination.country,
            },
            "ready": self.ready.isoformat(),
            "containers": self.containers,
            "container_type": self.container.id,
            "cargo": self.cargo.id,
            "mass_kg": self.mass_kg,
            "scenario": {"name": self.scenario.name, "description": self.scenario.describe()},
            "itineraries_considered": self.considered,
            "options": [o.to_dict() for o in self.options],
        }


class Planner:
    def __init__(
        self, network: Network, timetable: Timetable, catalog: CargoCatalog, tariff: Tariff, factors: EmissionFactors
    ):
        self.network = network
        self.timetable = timetable
        self.catalog = catalog
        self.tariff = tariff
        self.factors = factors
        p = timetable.parameters
        self.road_speed = float(p.get("road", "speed_kmh", default=60))
        self.road_handling_h = float(p.get("road", "handling_hours", default=4))
        self.circuity = float(p.get("road", "circuity_factor", default=1.3))
        self.max_road_km = float(p.get("road", "max_leg_km", default=1500))
        self.connection_h = float(p.get("rail", "connection_hours_min", default=24))
        self.rail_cutoff_h = float(p.get("rail", "first_mile_cutoff_hours", default=24))
        self.sea_cutoff_h = float(p.get("sea", "cutoff_hours", default=48))
        self.air_handling_h = float(p.get("air", "handling_hours", default=24))
        self.p90_run = float(p.get("rail", "p90_running_time_factor", default=1.12))
        self.p90_border_h = float(p.get("rail", "p90_border_extra_hours", default=24))
        self.sea_p90_days = float(p.get("sea", "p90_extra_days", default=4))
        self.air_p90_days = float(p.get("air", "p90_extra_days", default=1))
        ef = p.get("emission_factor_ids", default={}) or {}
        self.ef_rail = ef.get("rail", {"electric": "rail-electric", "diesel": "rail-diesel", "average": "rail-average"})
        self.ef_ferry = ef.get("ferry", "sea-ferry")
        self.ef_sea = ef.get("sea", "sea-deep-sea-container")
        self.ef_road = ef.get("road", "road-truck-40t")
        self.ef_air = ef.get("air", "air-freighter-longhaul")
        self.index = PlaceIndex(network)
        self.rides_from: dict[str, list[Ride]] = {}
        for s in timetable.services:
            for i in range(len(s.stops) - 1):
                if not s.boardable[i]:
                    continue
                for j in range(i + 1, len(s.stops)):
                    if s.boardable[j]:
                        self.rides_from.setdefault(s.stops[i], []).append(self._ride(s, i, j))
        self._access = self._build_access_index()
        self._access_cache: dict[tuple[str, bool], list[Access]] = {}
        self._gateways = {k: [p for p in network.places.values() if p.kind == k] for k in GATEWAY_KINDS}
        self._colocated = self._build_colocated()
        # Transit-time distributions from the digital twin, when available: (service id) -> (p50 h, p90 h).
        self.simulated_bands: dict[str, tuple[float, float]] = {}

    # ---- precomputation ------------------------------------------------------------------
    def _ride(self, s: Service, i: int, j: int) -> Ride:
        net = self.network
        dist = 0.0
        usd = 0.0
        g_per_t = 0.0
        gauge: list[GaugeChange] = []
        ferries = 0
        borders: list[tuple[str, str, str]] = []
        broad = False
        running = 0.0
        busy = 0
        variant = None
        if s.mode == "rail":
            rates = self.tariff.rail.usd_per_feu_km
            for sec in s.sections[i:j]:
                broad = broad or sec.region == "broad_gauge"
                for st in sec.steps:
                    dist += st.distance_km
                    a, b = net.places[st.frm], net.places[st.to]
                    if a.country != b.country:
                        borders.append((a.country, b.country, b.id))
                    if st.link is not None:
                        running += st.hours
                        usd += st.distance_km * rates.get(sec.region, rates.get("europe", 1.0))
                        g_per_t += st.distance_km * self.factors.g_per_tkm(
                            self.ef_rail.get(st.link.traction, "rail-average")
                        )
                    else:
                        c = st.crossing
                        if c.mode == "ferry":
                            ferries += 1
                            g_per_t += st.distance_km * self.factors.g_per_tkm(self.ef_ferry)
                        else:
                            g_per_t += st.distance_km * self.factors.g_per_tkm(self.ef_rail["average"])
                            usd += st.distance_km * rates.get(sec.region, 1.0)
                        if c.is_gauge_change:
                            yard = net.places[c.transshipment_place(b.id)]
                            gauge.append(
                                GaugeChange(
                                    yard.id,
                                    yard.name,
                                    c.name,
                                    c.gauge_a_mm if st.frm == c.a else c.gauge_b_mm,
                                    c.gauge_b_mm if st.frm == c.a else c.gauge_a_mm,
                                )
                            )
                        if c.typical_utilisation >= 0.85:
                            busy += 1
            usd *= s.rate_factor
        elif s.mode == "sea":
            from landbridge.timetable.builder import sea_distance_km

            sea_variant = next((sec.sea_route for sec in s.sections if sec.sea_route), "suez")
            variant = sea_variant if any(sec.sea_route for sec in s.sections[i:j]) else None
            dist = sea_distance_km(net, s.stops[i], s.stops[j], variant or "suez")
            usd = dist * self.tariff.sea.usd_per_feu_km
            g_per_t = dist * self.factors.g_per_tkm(self.ef_sea)
        else:  # air
            dist = s.sections[0].distance_km
            g_per_t = self.factors.air_distance_km(dist) * self.factors.g_per_tkm(self.ef_air)
        return Ride(
            s,
            i,
            j,
            s.stops[i],
            s.stops[j],
            dist,
            usd,
            g_per_t,
            tuple(gauge),
            ferries,
            tuple(borders),
            broad,
            running,
            busy,
            variant,
        )

    def _build_access_index(self) -> dict[str, list[Access]]:
        idx: dict[str, dict[str, float]] = {}
        gateways = {p.id for p in self.network.places.values() if p.kind in GATEWAY_KINDS}
        for (a, b), km in self.network.road_km.items():
            if b in gateways:
                idx.setdefault(a, {})[b] = km
            if a in gateways:
                idx.setdefault(b, {})[a] = km
        return {k: [Access(g, km) for g, km in sorted(v.items(), key=lambda x: x[1])] for k, v in idx.items()}

    def _build_colocated(self) -> dict[str, list[tuple[str, float]]]:
        """Gateways serving the same city (a port and a rail terminal, say): a short drayage apart."""
        by_city: dict[str, list[Place]] = {}
        for p in self.network.places.values():
            if p.kind in GATEWAY_KINDS and p.city:
                by_city.setdefault(p.city, []).append(p)
        out: dict[str, list[tuple[str, float]]] = {}
        for group in by_city.values():
            for a in group:
                for b in group:
                    if a.id != b.id:
                        km = (
                            self.network.road_distance_km(a.id, b.id)
                            or haversine_km(a.lat, a.lon, b.lat, b.lon) * self.circuity
                        )
                        out.setdefault(a.id, []).append((b.id, max(km, 5.0)))
        return out

    def access_points(self, place: Place, wide: bool = False) -> list[Access]:
        """Gateways a truck can bring cargo to from `place` (the place itself first when it is one):
        the derived road distances, plus for each kind of gateway the nearest ones within a local
        radius (great circle x circuity), so that, say, a port always reaches the nearby airport.
        `wide` adds every gateway within the longest truck leg (estimated where not derived)."""
        cached = self._access_cache.get((place.id, wide))
        if cached is not None:
            return cached
        out: list[Access] = [Access(place.id, 0.0)] if place.kind in GATEWAY_KINDS else []
        seen = {a.place for a in out}
        for a in self._access.get(place.id, ()):
            if a.place not in seen and a.road_km <= self.max_road_km:
                out.append(a)
                seen.add(a.place)
        for kind in GATEWAY_KINDS:
            near = sorted((haversine_km(place.lat, place.lon, g.lat, g.lon), g.id) for g in self._gateways[kind])
            for gc_km, gid in near[:2]:
                if gid not in seen and (gc_km <= LOCAL_RADIUS_KM or not out):
                    km = self.network.road_distance_km(place.id, gid) or gc_km * self.circuity
                    out.append(Access(gid, round(km, 1)))
                    seen.add(gid)
        if wide:
            for kind in GATEWAY_KINDS:
                for g in self._gateways[kind]:
                    if g.id in seen:
                        continue
                    km = (
                        self.network.road_distance_km(place.id, g.id)
                        or haversine_km(place.lat, place.lon, g.lat, g.lon) * self.circuity
                    )
                    if km <= self.max_road_km:
                        out.append(Access(g.id, round(km, 1)))
                        seen.add(g.id)
        self._access_cache[(place.id, wide)] = out
        return out

    # ---- the query -----------------------------------------------------------------------
    def quote(self, req: QuoteRequest, capacity: CapacityCheck | None = None, now: datetime | None = None) -> Quote:
        """Door-to-door options for a request. `capacity`, when given, skips departures without room."""
        ctx = self._context(req, capacity, now)
        plans, considered = self._search(ctx, self.access_points(ctx.origin), self.access_points(ctx.destination))
        if not plans:
            # Nothing through the nearby gateways: widen to every gateway within a truck leg.
            plans, more = self._search(
                ctx, self.access_points(ctx.origin, wide=True), self.access_points(ctx.destination, wide=True)
            )
            considered += more
        front = pareto_front(plans, key=lambda p: (p.arrive_e, p.cost_usd, p.co2e_kg))
        options = [self._build(ctx, p) for p in front]
        if not options:
            raise NoRouteError(self._no_route_message(ctx.origin, ctx.destination, ctx.cargo, ctx.modes))
        _label(options)
        return Quote(
            ctx.origin,
            ctx.destination,
            datetime.fromtimestamp(ctx.ready_e, tz=UTC),
            req.containers,
            ctx.container,
            ctx.cargo,
            ctx.mass_kg,
            self.timetable.scenario,
            options,
            considered,
        )

    def _search(self, ctx: _Ctx, access: list[Access], egress_points: list[Access]) -> tuple[list[_Plan], int]:
        """Enumerate direct rides and one-connection itineraries from access to egress gateways, timed."""
        egress = {a.place: a.road_km for a in egress_points}
        plans: list[_Plan] = []
        considered = 0
        seen: set[tuple] = set()
        for acc in access:
            for r1 in self.rides_from.get(acc.place, ()):
                if r1.service.mode not in ctx.modes or not self._carries(r1, ctx.cargo):
                    continue
                if r1.alight in egress:
                    considered += 1
                    p = self._schedule(ctx, acc, (r1,), (), egress[r1.alight])
                    if p:
                        plans.append(p)
                if r1.service.mode == "air":
                    continue
                for x, dray_km in [(r1.alight, 0.0), *self._colocated.get(r1.alight, ())]:
                    for r2 in self.rides_from.get(x, ()):
                        s2 = r2.service
                        if r2.alight not in egress or s2 is r1.service or s2.mode == "air" or s2.mode not in ctx.modes:
                            continue
                        if s2.mode == "sea" and r1.service.mode == "sea":
                            continue  # transshipment between our own sailings is never worth offering
                        if s2.id.removesuffix("-return") == r1.service.id.removesuffix("-return"):
                            continue
                        if not self._carries(r2, ctx.cargo):
                            continue
                        sig = (acc.place, r1.service.id, r1.i, r1.j, s2.id, r2.i, r2.j)
                        if sig in seen:
                            continue
                        seen.add(sig)
                        considered += 1
                        p = self._schedule(ctx, acc, (r1, r2), (dray_km,), egress[r2.alight])
                        if p:
                            plans.append(p)
        return plans, considered

    def _context(self, req: QuoteRequest, capacity: CapacityCheck | None, now: datetime | None) -> _Ctx:
        origin = self.index.find(req.origin)
        destination = self.index.find(req.destination)
        if origin.id == destination.id:
            raise InvalidRequestError(f"Origin and destination are both {origin.name}; choose two different places.")
        container = self.catalog.container(req.container_type)
        cargo = self.catalog.cargo(req.cargo)
        if req.containers < 1 or req.containers > 500:
            raise InvalidRequestError(f"The number of containers must be between 1 and 500 (got {req.containers}).")
        capacity_kg = req.containers * container.max_payload_kg
        mass_kg = (
            req.mass_kg
            if req.mass_kg is not None
            else min(cargo.typical_mass_kg_per_feu * container.feu, container.max_payload_kg) * req.containers
        )
        if mass_kg <= 0:
            raise InvalidRequestError("The cargo mass must be positive.")
        if mass_kg > capacity_kg:
            need = -(-mass_kg // container.max_payload_kg)
            raise InvalidRequestError(
                f"{mass_kg:,.0f} kg of cargo is more than {req.containers} x {container.id} can carry "
                f"({container.max_payload_kg:,.0f} kg each, {capacity_kg:,.0f} kg in all). "
                f"Use at least {int(need)} containers or a lighter load."
            )
        ready = req.ready
        if isinstance(ready, str):
            try:
                ready = datetime.fromisoformat(ready) if "T" in ready else date.fromisoformat(ready)
            except ValueError:
                raise InvalidRequestError(f"Ready date {ready!r} is not a date; write YYYY-MM-DD.") from None
        if isinstance(ready, datetime):
            ready_dt = ready if ready.tzinfo else ready.replace(tzinfo=UTC)
        else:
            ready_dt = datetime.combine(ready, time(8, 0), tzinfo=UTC)
        now = now or datetime.now(UTC)
        if ready_dt.date() < now.date():
            raise InvalidRequestError(
                f"The ready date {ready_dt.date().isoformat()} is in the past; give today ({now.date().isoformat()}) or later."
            )
        if ready_dt.date() > now.date() + timedelta(days=730):
            raise InvalidRequestError(
                "The ready date is more than two years ahead; timetables are not published that far."
            )
        modes = frozenset(req.modes)
        bad_modes = modes - {"rail", "sea", "air"}
        if bad_modes or not modes:
            raise InvalidRequestError(
                f"Unknown mode {sorted(bad_modes)[0] if bad_modes else ''!r}; use rail, sea or air."
            )
        return _Ctx(
            origin,
            destination,
            container,
            cargo,
            req.containers,
            container.feu * req.containers,
            self.tariff.container_factor(container.id),
            mass_kg,
            capacity,
            ready_dt.timestamp(),
            modes,
        )

    def _no_route_message(self, origin: Place, destination: Place, cargo: CargoType, modes) -> str:
        sc = self.timetable.scenario
        why = f" under the scenario ({sc.describe()})" if not sc.is_baseline else ""
        return (
            f"No route from {origin.name} to {destination.name} for {cargo.name.lower()} by {', '.join(sorted(modes))}{why}. "
            "Try another origin or destination terminal, a different cargo type, or a less restrictive scenario."
        )

    @staticmethod
    def _carries(ride: Ride, cargo: CargoType) -> bool:
        s = ride.service
        if "*" not in s.accepts and cargo.id not in s.accepts:
            return False
        if cargo.un_number and cargo.un_number not in s.dangerous_goods:
            return False
        return True

    def _next_run(self, ctx: _Ctx, ride: Ride, earliest_e: float) -> float | None:
        """Origin departure epoch of the first run that reaches the boarding stop by `earliest_e` (with room)."""
        s = ride.service
        base = earliest_e - s.depart_h[ride.i] * 3600
        tries = MAX_CAPACITY_TRIES if (ctx.capacity and s.mode == "rail") else 1
        for skip in range(tries):
            e = self.timetable.next_departure_epoch(s, base, skip=skip)
            if e is None:
                return None
            if tries == 1 or ctx.capacity(self.timetable.departure_from_epoch(s, e).id, ride.i, ride.j, ctx.feu):
                return e
        return None

    def _cutoff_h(self, mode: str) -> float:
        return {"rail": self.rail_cutoff_h, "sea": self.sea_cutoff_h, "air": self.air_handling_h}[mode]

    def _truck_h(self, km: float) -> float:
        return km / self.road_speed + self.road_handling_h if km > 0 else 0.0

    def _schedule(
        self, ctx: _Ctx, acc: Access, rides: tuple[Ride, ...], dray_kms: tuple[float, ...], egress_km: float
    ) -> _Plan | None:
        """Time an itinerary on the next departures and price it (numbers only; options are built later)."""
        first = rides[0]
        lead_h = self._truck_h(acc.road_km) + self._cutoff_h(first.service.mode)
        earliest = ctx.ready_e + lead_h * 3600
        runs: list[float] = []
        arrive = 0.0
        for k, r in enumerate(rides):
            if k:
                earliest = arrive + (self.connection_h + self._truck_h(dray_kms[k - 1])) * 3600
            e = self._next_run(ctx, r, earliest)
            if e is None:
                return None
            runs.append(e)
            arrive = e + r.service.arrive_h[r.j] * 3600
        pickup = max(ctx.ready_e, runs[0] + first.service.depart_h[first.i] * 3600 - lead_h * 3600)
        arrive += self._truck_h(egress_km) * 3600
        lines = self._cost_lines(ctx, acc, rides, dray_kms, egress_km, runs)
        if lines is None:
            return None
        road_km = acc.road_km + sum(dray_kms) + egress_km
        co2 = self.factors.co2e_kg(self.ef_road, road_km, ctx.mass_kg) + sum(
            ctx.mass_kg * r.co2e_g_per_t / 1e6 for r in rides
        )
        return _Plan(
            acc, rides, dray_kms, egress_km, tuple(runs), pickup, arrive, sum(line[3] for line in lines), co2, lines
        )

    def _cost_lines(
        self,
        ctx: _Ctx,
        acc: Access,
        rides: tuple[Ride, ...],
        dray_kms: tuple[float, ...],
        egress_km: float,
        runs: list[float],
    ) -> list[tuple] | None:
        """Cost lines (kind, label template, label args, USD); None when a cargo rule forbids the itinerary."""
        t = self.tariff
        n = ctx.n
        cid = ctx.container.id
        cargo = ctx.cargo
        lines: list[tuple] = []
        if acc.road_km > 0:
            lines.append(
                (
                    "freight",
                    "Truck {} to {}",
                    (ctx.origin.id, acc.place),
                    t.road_usd_per_container(acc.road_km, cid) * n,
                )
            )
        for k, r in enumerate(rides):
            s = r.service
            prev = rides[k - 1] if k else None
            if prev is not None:
                if dray_kms[k - 1]:
                    lines.append(
                        (
                            "freight",
                            "Drayage {} to {}",
                            (prev.alight, r.board),
                            t.road_usd_per_container(dray_kms[k - 1], cid) * n,
                        )
                    )
                if s.mode == "rail" and prev.service.mode == "rail":
                    lines.append(
                        ("handling", "Transfer at {}", (r.board,), t.rail.transfer_handling_usd_per_container * n)
                    )
            if s.mode == "air":
                chargeable = max(ctx.mass_kg, n * ctx.container.volume_m3 * 0.85 * t.air.volumetric_kg_per_m3)
                freight = chargeable * t.air.usd_per_kg
                lines.append(("freight", "Air freight {} ({:,.0f} kg chargeable)", (s.id, chargeable), freight))
                lines.append(("handling", "Air handling at both airports", (), chargeable * t.air.handling_usd_per_kg))
                if cargo.is_dangerous:
                    lines.append(
                        (
                            "surcharge",
                            "Dangerous goods {} (IATA DGR)",
                            (cargo.un_number,),
                            freight * t.air.dangerous_goods_surcharge_share,
                        )
                    )
            elif s.mode == "sea":
                lines.append(("freight", "Ocean freight {}", (s.id,), r.freight_usd_per_feu * ctx.cf * n))
                lines.append(
                    (
                        "handling",
                        "Terminal handling at both ports",
                        (),
                        t.sea.terminal_handling_usd_per_container * 2 * n,
                    )
                )
                if r.sea_variant == "cape":
                    lines.append(
                        (
                            "surcharge",
                            "Cape of Good Hope routing surcharge",
                            (),
                            t.sea.cape_routing_surcharge_usd_per_feu * ctx.feu,
                        )
                    )
                if cargo.is_dangerous:
                    lines.append(
                        (
                            "surcharge",
                            "Dangerous goods {} (IMDG)",
                            (cargo.un_number,),
                            t.sea.dangerous_goods_usd_per_container * n,
                        )
                    )
            else:
                lines.append(("freight", "Rail freight {}", (s.id,), r.freight_usd_per_feu * ctx.cf * n))
                if prev is None or prev.service.mode != "rail":
                    lines.append(
                        (
                            "handling",
                            "Terminal handling at {}",
                            (r.board,),
                            t.rail.terminal_handling_usd_per_container * n,
                        )
                    )
                if k == len(rides) - 1 or rides[k + 1].service.mode != "rail":
                    lines.append(
                        (
                            "handling",
                            "Terminal handling at {}",
                            (r.alight,),
                            t.rail.terminal_handling_usd_per_container * n,
                        )
                    )
                for g in r.gauge_changes:
                    lines.append(
                        (
                            "border",
                            "Gauge change {}/{} mm at {}",
                            (g.from_gauge_mm, g.to_gauge_mm, g.place),
                            t.rail.gauge_change_usd_per_container * n,
                        )
                    )
                if r.ferries:
                    lines.append(
                        ("border", "Ferry crossings ({})", (r.ferries,), t.rail.ferry_usd_per_container * r.ferries * n)
                    )
                if cargo.is_dangerous:
                    lines.append(
                        (
                            "surcharge",
                            "Dangerous goods {} (RID / SMGS Annex 2)",
                            (cargo.un_number,),
                            t.rail.dangerous_goods_usd_per_container * n,
                        )
                    )
                if cargo.winter_sensitive and r.broad_gauge:
                    board_m = datetime.fromtimestamp(runs[k] + s.depart_h[r.i] * 3600, tz=UTC).month
                    alight_m = datetime.fromtimestamp(runs[k] + s.arrive_h[r.j] * 3600, tz=UTC).month
                    if board_m in self.catalog.winter_months or alight_m in self.catalog.winter_months:
                        if not s.winter_protection:
                            return None
                        lines.append(
                            (
                                "surcharge",
                                "Winter protection (insulated/heated container)",
                                (),
                                t.rail.winter_protection_usd_per_container * n,
                            )
                        )
        if egress_km > 0:
            lines.append(
                (
                    "freight",
                    "Truck {} to {}",
                    (rides[-1].alight, ctx.destination.id),
                    t.road_usd_per_container(egress_km, cid) * n,
                )
            )
        return lines

    def _label_text(self, template: str, args: tuple) -> str:
        names = tuple(
            self.network.places[a].name
            if isinstance(a, str) and a in self.network.places
            else (self.timetable.by_id[a].name if isinstance(a, str) and a in self.timetable.by_id else a)
            for a in args
        )
        return template.format(*names)

    def _build(self, ctx: _Ctx, p: _Plan) -> Option:
        """The full option for a plan that made the Pareto front: legs, cost lines, borders, reliability."""
        net = self.network
        legs: list[Leg] = []
        places = net.places
        pickup_dt = datetime.fromtimestamp(p.pickup_e, tz=UTC)
        if p.acc.road_km > 0:
            km = p.acc.road_km
            legs.append(
                Leg(
                    "truck",
                    ctx.origin.id,
                    ctx.origin.name,
                    p.acc.place,
                    places[p.acc.place].name,
                    pickup_dt,
                    pickup_dt + timedelta(hours=self._truck_h(km)),
                    km,
                    self.factors.co2e_kg(self.ef_road, km, ctx.mass_kg),
                )
            )
        p50_extra_h = 0.0  # expected delay over the schedule (simulated rail runs)
        p90_extra_h = 0.0
        simulated = False
        arrive_dt = pickup_dt
        for k, (r, e) in enumerate(zip(p.rides, p.runs)):
            s = r.service
            dep = self.timetable.departure_from_epoch(s, e)
            if k and p.dray_kms[k - 1]:
                prev = p.rides[k - 1]
                km = p.dray_kms[k - 1]
                legs.append(
                    Leg(
                        "truck",
                        prev.alight,
                        places[prev.alight].name,
                        r.board,
                        places[r.board].name,
                        arrive_dt,
                        arrive_dt + timedelta(hours=self._truck_h(km)),
                        km,
                        self.factors.co2e_kg(self.ef_road, km, ctx.mass_kg),
                    )
                )
            board_t, arrive_dt = dep.time_at(r.i), dep.time_at(r.j, arriving=True)
            legs.append(
                Leg(
                    s.mode,
                    r.board,
                    places[r.board].name,
                    r.alight,
                    places[r.alight].name,
                    board_t,
                    arrive_dt,
                    r.distance_km,
                    ctx.mass_kg * r.co2e_g_per_t / 1e6,
                    s.id,
                    s.name,
                    dep.id,
                    r.i,
                    r.j,
                )
            )
            if s.mode == "air":
                p90_extra_h += self.air_p90_days * 24
            elif s.mode == "sea":
                p90_extra_h += self.sea_p90_days * 24
            else:
                band = self.simulated_bands.get(s.id)
                if band:
                    # The twin's run times of this service, end to end, against its schedule; a ride on
                    # part of the line takes its share of the delay.
                    simulated = True
                    share = (s.arrive_h[r.j] - s.depart_h[r.i]) / max(1e-9, s.arrive_h[-1])
                    p50_extra_h += max(0.0, band[0] - s.arrive_h[-1]) * share
                    p90_extra_h += max(0.0, band[1] - s.arrive_h[-1]) * share
                else:
                    p90_extra_h += r.running_hours * (self.p90_run - 1) + r.busy_crossings * self.p90_border_h
        if p.egress_km > 0:
            last = p.rides[-1]
            legs.append(
                Leg(
                    "truck",
                    last.alight,
                    places[last.alight].name,
                    ctx.destination.id,
                    ctx.destination.name,
                    arrive_dt,
                    arrive_dt + timedelta(hours=self._truck_h(p.egress_km)),
                    p.egress_km,
                    self.factors.co2e_kg(self.ef_road, p.egress_km, ctx.mass_kg),
                )
            )
        arrive = datetime.fromtimestamp(p.arrive_e, tz=UTC)
        cost = [(kind, self._label_text(tmpl, args), money(usd)) for kind, tmpl, args, usd in p.lines]
        main = max((l for l in legs if l.mode != "truck"), key=lambda l: l.distance_km).mode
        gauge = [g for r in p.rides for g in r.gauge_changes]
        borders = [{"from_country": a, "to_country": b, "place": pl} for r in p.rides for a, b, pl in r.borders]
        p50 = (p.arrive_e - p.pickup_e) / 86400  # as scheduled
        return Option(
            main,
            legs,
            pickup_dt,
            arrive,
            cost,
            self.tariff.currency,
            p.co2e_kg,
            gauge,
            borders,
            p50 + p50_extra_h / 24,
            p50 + max(p90_extra_h, p50_extra_h) / 24,
            "simulated" if simulated else "fixed",
        )


@dataclass(frozen=True)
class _Ctx:
    origin: Place
    destination: Place
    container: ContainerType
    cargo: CargoType
    n: int
    feu: float
    cf: float
    mass_kg: float
    capacity: CapacityCheck | None
    ready_e: float
    modes: frozenset[str]


@dataclass(frozen=True)
class _Plan:
    acc: Access
    rides: tuple[Ride, ...]
    dray_kms: tuple[float, ...]
    egress_km: float
    runs: tuple[float, ...]  # origin departure epoch of each ride's run
    pickup_e: float
    arrive_e: float
    cost_usd: float
    co2e_kg: float
    lines: list[tuple]


def pareto_front(items: list, key) -> list:
    """Items not dominated in all of key(item)'s components (minimised); among equals the first is kept."""
    scored = sorted(((key(x), k, x) for k, x in enumerate(items)), key=lambda t: (t[0], t[1]))
    front: list[tuple] = []
    for sc, _, x in scored:
        if not any(all(f <= v for f, v in zip(fs, sc)) for fs, _ in front):
            front.append((sc, x))
    return [x for _, x in front]


def pareto(options: list[Option]) -> list[Option]:
    """Options not dominated in (arrival, cost, CO2e)."""
    return pareto_front(options, key=lambda o: (o.arrival.timestamp(), float(o.cost_total), o.co2e_kg))


def _label(options: list[Option]) -> None:
    fastest = min(options, key=lambda o: (o.arrival, o.cost_total))
    cheapest = min(options, key=lambda o: (o.cost_total, o.arrival))
    greenest = min(options, key=lambda o: (o.co2e_kg, o.arrival))
    fastest.labels.append("fastest")
    cheapest.labels.append("cheapest")
    greenest.labels.append("greenest")
