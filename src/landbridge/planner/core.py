"""The planner: door-to-door options by rail, sea and air, with truck legs, over timetabled departures.

`Planner.quote` validates the request (planner.request), runs the multi-criteria search
(planner.search: McRAPTOR, any number of connections) and turns the itineraries it finds into
options: legs with times, cost lines (landbridge.pricing), CO2e (planner.emission_model), gauge
changes, borders and reliability bands. The options are the Pareto set over arrival, cost, CO2e and
the number of rides, without options that another beats on arrival while costing and emitting
practically the same (see `practical_front`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from landbridge.cargo import CargoCatalog
from landbridge.emissions import EmissionFactors, LegSpec
from landbridge.errors import NoRouteError
from landbridge.network.models import Network, Place
from landbridge.network.search import PlaceIndex
from landbridge.planner.bounds import LowerBounds
from landbridge.planner.emission_model import EmissionModel, FactorEmissions
from landbridge.planner.options import CostItem, Leg, Option, Quote, Reliability
from landbridge.planner.request import QuoteRequest, ValidRequest, validate_request
from landbridge.planner.routes import Access, Ride, RouteIndex
from landbridge.planner.search import (
    AccessStep,
    CapacityCheck,
    DrayStep,
    EarliestArrival,
    Journey,
    RideStep,
    Search,
    SearchRequest,
    Truck,
)
from landbridge.pricing import (
    Conversion,
    CostLine,
    ExchangeRates,
    Load,
    TariffPeriod,
    Tariffs,
    money,
    ride_lines,
    truck_line,
)
from landbridge.timetable.builder import Timetable, departure_id
from landbridge.timetable.models import Service

# An option that arrives no later, with no more rides, is practically as good as another when it costs at
# most 1 % more and emits at most 5 % more (emission factors are not more accurate than that).
PRACTICAL_COST_SHARE = 0.01
PRACTICAL_CO2E_SHARE = 0.05
TRUCK_CACHE_SIZE = 4096  # (place, load) pairs whose truck legs are kept
# Per ride (and service, tariff period, load) or truck leg: the emission model's leg and the cost lines, kept
# at most (shared by every option that uses them; emptied whole when full).
OPTION_PARTS_CACHE_SIZE = 10_000
# A cost line with its USD amount as money (rounded to cents once, when the line is made).
PricedLine = tuple[CostLine, Decimal]


@dataclass(frozen=True)
class PlannerSettings:
    """Operating rules from parameters.yaml (hours, km/h, km; see that file for sources)."""

    road_speed_kmh: float
    road_handling_hours: float
    road_circuity: float
    max_road_km: float
    connection_hours: float
    rail_cutoff_hours: float
    sea_cutoff_hours: float
    air_handling_hours: float
    p90_running_factor: float
    p90_border_extra_hours: float
    sea_p90_extra_days: float
    air_p90_extra_days: float

    @classmethod
    def from_timetable(cls, timetable: Timetable) -> PlannerSettings:
        """Read the rules from the timetable's parameters (defaults where a value is missing)."""
        p = timetable.parameters

        def num(default: float, *path: str) -> float:
            return float(p.get(*path, default=default))

        return cls(
            num(60, "road", "speed_kmh"),
            num(4, "road", "handling_hours"),
            num(1.3, "road", "circuity_factor"),
            num(1500, "road", "max_leg_km"),
            num(24, "rail", "connection_hours_min"),
            num(24, "rail", "first_mile_cutoff_hours"),
            num(48, "sea", "cutoff_hours"),
            num(24, "air", "handling_hours"),
            num(1.12, "rail", "p90_running_time_factor"),
            num(24, "rail", "p90_border_extra_hours"),
            num(4, "sea", "p90_extra_days"),
            num(1, "air", "p90_extra_days"),
        )

    def truck_hours(self, km: float) -> float:
        """Hours for a truck leg of `km` km: driving plus handling at the ends (0 for no distance)."""
        return km / self.road_speed_kmh + self.road_handling_hours if km > 0 else 0.0


class Planner:
    """Quotes over a timetable: search and scheduling here, prices in landbridge.pricing, emissions in
    the emission model. Build once per timetable (about 20 ms); `quote` is then fast and thread-safe
    for reading (caches only grow, or are emptied whole; a search keeps what it took from them)."""

    def __init__(
        self,
        network: Network,
        timetable: Timetable,
        catalog: CargoCatalog,
        tariffs: Tariffs,
        factors: EmissionFactors,
        rates: ExchangeRates | None = None,
        emission_model: EmissionModel | None = None,
    ):
        self.network = network
        self.timetable = timetable
        self.catalog = catalog
        self.tariffs = tariffs
        self.factors = factors
        self.rates = rates
        self.emissions: EmissionModel = emission_model or FactorEmissions(factors)
        self.settings = PlannerSettings.from_timetable(timetable)
        s = self.settings
        self._cutoff_h = {"rail": s.rail_cutoff_hours, "sea": s.sea_cutoff_hours, "air": s.air_handling_hours}
        self.index = PlaceIndex(network)
        self.routes = RouteIndex(
            network,
            timetable,
            tariffs,
            self.emissions.ride_g_per_t,
            self.settings.road_circuity,
            self.settings.max_road_km,
        )
        self.bounds = LowerBounds(self.routes, self._min_gap_s(), self._dray_bound)
        # Emissions of changing vehicle at each gateway, per tonne (the model's one call per hub, made once).
        hub = [self.emissions.hub_kg(pid, 1000.0) for pid in self.routes.gateways]
        self._hub_kg_per_t: list[float] = hub if any(hub) else []
        # Rail boarding fees per container and tariff period: (first boarding, after a train).
        self._rail_board_usd = [
            (p.rail_board_usd_per_container(False), p.rail_board_usd_per_container(True)) for p in tariffs.periods
        ]
        # Transit-time bands from the digital twin, when available: service id -> (p50 h, p90 h).
        self.simulated_bands: dict[str, tuple[float, float]] = {}
        # ... and the baseline schedule (h) they were simulated on: a scenario's longer schedule adds to them
        self.simulated_schedule: dict[str, float] = {}
        # ... and by calendar month of departure, where the twin ran enough trains that month (a congested
        # season, the winter slow-down, shows in the quotes of its months)
        self.simulated_monthly_bands: dict[str, dict[int, tuple[float, float]]] = {}
        self.bands_source: dict[str, dict[str, Any]] = {}  # "simulated" / "fixed" -> the file they come from
        self._truck_cache: dict[tuple[object, ...], list[Truck]] = {}
        self._drayage_cache: dict[tuple[object, ...], dict[float, tuple[float, float, float]]] = {}
        self._truck_parts: dict[tuple[object, ...], tuple[LegSpec, PricedLine, timedelta, float]] = {}
        self._ride_specs: dict[tuple[Ride, int], tuple[Service, Place, Place, LegSpec]] = {}
        self._ride_lines: dict[tuple[object, ...], tuple[PricedLine, ...]] = {}

    def __reduce__(self) -> tuple[type[Planner], tuple[Any, ...], tuple[Any, ...]]:
        """Pickled (the world cache) as its inputs and the bands applied since (landbridge.reliability): the
        indexes are built again when it is read, which costs less than reading them (about 25 ms against 50)
        and needs no unpickling without `__init__`, which the compiled class (landbridge/native.py) lacks."""
        inputs = (self.network, self.timetable, self.catalog, self.tariffs, self.factors, self.rates, self.emissions)
        bands = (self.simulated_bands, self.simulated_schedule, self.simulated_monthly_bands, self.bands_source)
        return type(self), inputs, bands

    def __setstate__(self, bands: tuple[Any, ...]) -> None:
        self.simulated_bands, self.simulated_schedule, self.simulated_monthly_bands, self.bands_source = bands

    def _min_gap_s(self) -> float:
        s = self.settings
        return min(s.connection_hours, s.rail_cutoff_hours, s.sea_cutoff_hours) * 3600

    def _dray_bound(self, km: float) -> tuple[float, float, float]:
        least_usd = min(p.road.minimum_usd_per_container for p in self.tariffs.periods)
        return self.settings.truck_hours(km) * 3600, least_usd, self.emissions.road_kg(km, 1000.0) * 1000

    @property
    def currency(self) -> str:
        """The currency tariffs are written in."""
        return self.tariffs.currency

    def access_points(self, place: Place, wide: bool = False) -> list[Access]:
        """Gateways a truck reaches from `place` (see RouteIndex.access_points)."""
        return self.routes.access_points(place, wide)

    # ---- the query ----------------------------------------------------------------------------
    def quote(self, req: QuoteRequest, capacity: CapacityCheck | None = None, now: datetime | None = None) -> Quote:
        """Door-to-door options for a request, a Pareto set over arrival, cost, CO2e and rides.

        `capacity`, when given, is asked whether a rail departure has room (departure id, board and
        alight stop indexes, FEU); full departures are skipped. `now` (aware, default: the current
        time) decides what is in the past. Raises InvalidRequestError / UnknownPlaceError for a bad
        request (with the field at fault) and NoRouteError when nothing connects the two places.
        """
        v = validate_request(req, self.index, self.catalog, now)
        conversion = self._conversion(v)
        journeys, considered, first_sea = self._search(v, capacity, wide=False)
        if not journeys:
            # Nothing through the nearby gateways: widen to every gateway within a truck leg.
            journeys, more, first_sea = self._search(v, capacity, wide=True)
            considered += more
        journeys = drop_slower_than_sea(journeys, first_sea)
        chosen = practical_front(journeys)
        if not chosen:
            raise NoRouteError(self._no_route_message(v))
        period = self.tariffs.period_for(v.ready.date())
        load = self.load(v, period)
        options = [self._option(v, j, conversion, period, load) for j in chosen]
        label_best(options)
        return Quote(
            v.origin,
            v.destination,
            v.ready,
            v.containers,
            v.container,
            v.cargo,
            v.mass_kg,
            self.timetable.scenario,
            options,
            considered,
            conversion.to_currency if conversion else self.currency,
            self.factors.info.to_dict(),
        )

    def _conversion(self, v: ValidRequest) -> Conversion | None:
        if v.currency == self.currency:
            return None
        if self.rates is None:
            from landbridge.errors import InvalidRequestError

            raise InvalidRequestError(
                f"Prices are in {self.currency}; no exchange rates are loaded to convert them.", field="currency"
            )
        return self.rates.conversion(self.currency, v.currency, v.now.date())

    def load(self, v: ValidRequest, period: TariffPeriod) -> Load:
        """The load as pricing sees it (air chargeable weight: the greater of mass and volume x 167 kg/m3,
        counting 85 % of the containers' volume as usable)."""
        air = period.air
        chargeable = max(v.mass_kg, v.containers * v.container.volume_m3 * 0.85 * air.volumetric_kg_per_m3)
        return Load(
            v.containers, v.container.id, period.container_factor(v.container.id), chargeable, v.cargo.un_number
        )

    def _place_trucks(self, place: Place, wide: bool, v: ValidRequest, period: TariffPeriod, load: Load) -> list[Truck]:
        """The trucks between `place` and its gateways for this load (`_trucks`), kept per place, tariff
        period, container type, number and mass (emptied whole at TRUCK_CACHE_SIZE entries)."""
        key = (place.id, wide, id(period), load.container_id, load.containers, v.mass_kg)
        trucks = self._truck_cache.get(key)
        if trucks is None:
            trucks = self._trucks(self.access_points(place, wide), v, period, load)
            if len(self._truck_cache) >= TRUCK_CACHE_SIZE:
                self._truck_cache.clear()
            self._truck_cache[key] = trucks
        return trucks

    def _trucks(self, points: list[Access], v: ValidRequest, period: TariffPeriod, load: Load) -> list[Truck]:
        s = self.settings
        stop_of = self.routes.stop_of
        return [
            Truck(
                stop_of[a.place],
                a.road_km,
                s.truck_hours(a.road_km),
                period.road_usd_per_container(a.road_km, load.container_id) * load.containers,
                self.emissions.road_kg(a.road_km, v.mass_kg),
            )
            for a in points
            if a.place in stop_of
        ]

    def earliest_arrival(self, req: QuoteRequest, now: datetime | None = None) -> datetime | None:
        """The earliest arrival at the destination's door (aware, UTC) over any number of rides, with the
        quote's rules but no prices (a single-criterion RAPTOR); None when nothing connects the places."""
        v = validate_request(req, self.index, self.catalog, now)
        for wide in (False, True):
            best = EarliestArrival(self.routes, self._search_request(v, None, wide)).run()
            if best < float("inf"):
                return datetime.fromtimestamp(best, tz=UTC)
        return None

    def _search(self, v: ValidRequest, capacity: CapacityCheck | None, wide: bool) -> tuple[list[Journey], int, float]:
        """The Pareto journeys, the number of labels the search made, and the first sailing's arrival."""
        search = Search(self.routes, self._search_request(v, capacity, wide))
        journeys = search.run()
        return journeys, search.labels_created, search.first_sea_arrival

    def _search_request(self, v: ValidRequest, capacity: CapacityCheck | None, wide: bool) -> SearchRequest:
        """What the searches need for a validated request: trucks, boardings, load, rules and bounds."""
        s = self.settings
        period = self.tariffs.period_for(v.ready.date())
        load = self.load(v, period)
        access = self._place_trucks(v.origin, wide, v, period, load)
        egress = {t.stop: t for t in self._place_trucks(v.destination, wide, v, period, load)}
        n = v.containers

        # Drayage depends on the km, tariff period, container type and number and the mass only: kept per those,
        # per km under the others (looked up once here, not at every call; emptied whole at TRUCK_CACHE_SIZE
        # signatures), like the trucks to and from places.
        signature = (id(period), load.container_id, n, v.mass_kg)
        per_km = self._drayage_cache.get(signature)
        if per_km is None:
            if len(self._drayage_cache) >= TRUCK_CACHE_SIZE:
                self._drayage_cache.clear()
            per_km = self._drayage_cache[signature] = {}

        def drayage(km: float) -> tuple[float, float, float]:
            hit = per_km.get(km)
            if hit is None:
                usd = period.road_usd_per_container(km, load.container_id) * n
                hit = per_km[km] = (s.truck_hours(km), usd, self.emissions.road_kg(km, v.mass_kg))
            return hit

        winter = self.catalog.winter_months if v.cargo.winter_sensitive else frozenset()
        req = SearchRequest(
            v.ready.timestamp(),
            access,
            egress,
            drayage,
            self.routes.boardings(v.cargo.id, v.cargo.un_number, v.modes),
            load,
            v.feu,
            v.mass_kg / 1000,
            (s.rail_cutoff_hours * 3600, s.sea_cutoff_hours * 3600, s.air_handling_hours * 3600),
            s.connection_hours * 3600,
            self._rail_board_usd,
            frozenset(winter),
            self.bounds,
            self._hub_kg_per_t,
            PRACTICAL_COST_SHARE,
            PRACTICAL_CO2E_SHARE,
            capacity,
            (
                lambda route, run: (
                    self.timetable.departure_from_epoch(route.services[route.trips[run]], route.epochs[run]).id
                )
            )
            if capacity
            else None,
        )
        return req

    # ---- options ------------------------------------------------------------------------------
    def _option(
        self, v: ValidRequest, j: Journey, conversion: Conversion | None, period: TariffPeriod, load: Load
    ) -> Option:
        """The full option for a journey: legs, cost lines, borders and reliability (`period` and `load`:
        the request's, as `_search_request` prices it)."""
        legs, lines, specs, rides = self._legs_and_lines(v, j, period, load)
        pickup = legs[0].departure
        if conversion:
            items = [CostItem(line.kind, line.label, conversion.convert(line.usd)) for line, _ in lines]
        else:
            items = [CostItem(line.kind, line.label, usd) for line, usd in lines]
        main = max((l for l in legs if l.mode != "truck"), key=lambda l: l.distance_km).mode
        emissions = self.emissions.shipment(specs, v.mass_kg, v.containers)
        return Option(
            main,
            legs,
            pickup,
            datetime.fromtimestamp(j.arrive_epoch, tz=UTC),
            items,
            conversion.to_currency if conversion else self.currency,
            conversion,
            emissions.wtw_kg,  # the legs' (as searched) plus the handling at hubs
            [g for step in rides for g in step.ride.facts.gauge_changes],
            [b for step in rides for b in step.ride.facts.borders],
            self._reliability(rides, (j.arrive_epoch - pickup.timestamp()) / 86400),
            max(0, len(rides) - 1),
            j.cost_usd,
            emissions=emissions,
        )

    def _legs_and_lines(
        self, v: ValidRequest, j: Journey, period: TariffPeriod, load: Load
    ) -> tuple[list[Leg], list[PricedLine], list[LegSpec], list[RideStep]]:
        """Legs in time order with their cost lines (and each one's USD as money) and the emission model's legs;
        trucks are timed around the rides (the first truck leaves as late as the cut-off allows, never before
        the cargo is ready)."""
        places = self.network.places
        gateways = self.routes.gateways
        s = self.settings
        legs: list[Leg] = []
        lines: list[PricedLine] = []
        specs: list[LegSpec] = []
        rides = [step for step in j.steps if isinstance(step, RideStep)]
        first = rides[0]
        cutoff_h = self._cutoff_h
        at = datetime.fromtimestamp(first.run_epoch + first.ride.depart_offset_s, tz=UTC)
        out = (legs, lines, specs)
        for step in j.steps:
            if isinstance(step, RideStep):
                at = self._ride(out, v, step, load)
            elif isinstance(step, AccessStep):
                lead = timedelta(hours=s.truck_hours(step.road_km) + cutoff_h[first.ride.route.mode])
                at = max(v.ready, at - lead)
                if step.road_km > 0:
                    to = places[gateways[step.stop]]
                    at = self._truck(out, period, load, v, v.origin, to, step.road_km, at, "Truck")
            elif isinstance(step, DrayStep):
                a, b = places[gateways[step.frm]], places[gateways[step.to]]
                at = self._truck(out, period, load, v, a, b, step.road_km, at, "Drayage")
            elif step.road_km > 0:
                frm = places[gateways[step.stop]]
                self._truck(out, period, load, v, frm, v.destination, step.road_km, at, "Truck")
        return legs, lines, specs, rides

    def _truck(
        self,
        out: tuple[list[Leg], list[PricedLine], list[LegSpec]],
        period: TariffPeriod,
        load: Load,
        v: ValidRequest,
        frm: Place,
        to: Place,
        km: float,
        start: datetime,
        what: str,
    ) -> datetime:
        # The emission model's leg and the cost line depend on the places, km, tariff period and containers
        # only: made once (the same LegSpec object each time lets the emission model reuse its result).
        # (And with the mass, the leg's kg CO2e.)
        key = (what, frm.id, to.id, km, id(period), load.container_id, load.containers, v.mass_kg)
        parts = self._truck_parts.get(key)
        if parts is None:
            spec = LegSpec("road", frm.id, to.id, km, frm_name=frm.name, to_name=to.name)
            line = truck_line(period, load, km, f"{what} {frm.name} to {to.name}")
            hours = timedelta(hours=self.settings.truck_hours(km))
            parts = (spec, (line, money(line.usd)), hours, self.emissions.road_kg(km, v.mass_kg))
            if len(self._truck_parts) >= OPTION_PARTS_CACHE_SIZE:
                self._truck_parts.clear()
            self._truck_parts[key] = parts
        end = start + parts[2]
        out[0].append(Leg("truck", frm.id, frm.name, to.id, to.name, start, end, km, parts[3]))
        out[1].append(parts[1])
        out[2].append(parts[0])
        return end

    def _ride_spec(self, ride: Ride, service_index: int) -> tuple[Service, Place, Place, LegSpec]:
        """A ride on one service of its route: the service, the places it joins and the emission model's leg
        (made once per ride and service: the same LegSpec object lets the emission model reuse its result)."""
        key = (ride, service_index)
        parts = self._ride_specs.get(key)
        if parts is None:
            service = ride.route.services[service_index]
            board, alight = self.network.places[ride.board], self.network.places[ride.alight]
            f = ride.facts
            spec = LegSpec(
                service.mode,
                board.id,
                alight.id,
                f.distance_km,
                f.emission_sections,
                f.emission_hubs,
                board.name,
                alight.name,
                service.id,
            )
            parts = (service, board, alight, spec)
            if len(self._ride_specs) >= OPTION_PARTS_CACHE_SIZE:
                self._ride_specs.clear()
            self._ride_specs[key] = parts
        return parts

    def _ride(
        self, out: tuple[list[Leg], list[PricedLine], list[LegSpec]], v: ValidRequest, step: RideStep, load: Load
    ) -> datetime:
        ride = step.ride
        service, board, alight, spec = self._ride_spec(ride, step.service_index)
        board_t = datetime.fromtimestamp(step.run_epoch + ride.depart_offset_s, tz=UTC)
        arrive_t = datetime.fromtimestamp(step.run_epoch + ride.arrive_offset_s, tz=UTC)
        out[0].append(
            Leg(
                service.mode,
                board.id,
                board.name,
                alight.id,
                alight.name,
                board_t,
                arrive_t,
                ride.facts.distance_km,
                v.mass_kg * ride.co2e_g_per_t / 1e6,
                service.id,
                service.name,
                departure_id(service, step.run_epoch),
                ride.i,
                ride.j,
            )
        )
        # The ride's cost lines depend on the ride, service, tariff period, transfer and winter flags and the
        # load's containers, price factor and UN number (and, by air, its chargeable weight) only.
        air_kg = load.chargeable_kg if service.mode == "air" else None
        n, cf, un = load.containers, load.price_factor, load.un_number
        key = (ride, step.service_index, step.period, step.after_rail, step.winter, n, cf, un, air_kg)
        lines = self._ride_lines.get(key)
        if lines is None:
            lines = tuple(
                (line, money(line.usd))
                for line in ride_lines(
                    self.tariffs.periods[step.period],
                    ride.prices[step.period],
                    ride.facts,
                    load,
                    service.name,
                    board.name,
                    alight.name,
                    step.after_rail,
                    step.winter,
                )
            )
            if len(self._ride_lines) >= OPTION_PARTS_CACHE_SIZE:
                self._ride_lines.clear()
            self._ride_lines[key] = lines
        out[1].extend(lines)
        out[2].append(spec)
        return arrive_t

    def _reliability(self, rides: Sequence[RideStep], scheduled_days: float) -> Reliability:
        """p50/p90 door-to-door days: the schedule plus the twin's delays where it has simulated the
        service, else the fixed bands (p90 running-time factor, extra hours per busy crossing)."""
        s = self.settings
        p50_extra_h = p90_extra_h = 0.0
        simulated = False
        for step in rides:
            ride = step.ride
            service = ride.route.services[step.service_index]
            if service.mode == "air":
                p90_extra_h += s.air_p90_extra_days * 24
            elif service.mode == "sea":
                p90_extra_h += s.sea_p90_extra_days * 24
            else:
                band = self._band(service.id, step.run_epoch)
                if band:
                    # The twin's run times of this service, end to end, against the baseline schedule they
                    # were simulated on (a scenario's longer schedule, e.g. queues at a crossing at reduced
                    # capacity, is already in the scheduled days); a ride on part of the line takes its
                    # share of the delay.
                    simulated = True
                    share = (service.arrive_h[ride.j] - service.depart_h[ride.i]) / max(1e-9, service.arrive_h[-1])
                    base_h = self.simulated_schedule.get(service.id, service.arrive_h[-1])
                    p50_extra_h += max(0.0, band[0] - base_h) * share
                    p90_extra_h += max(0.0, band[1] - base_h) * share
                else:
                    p90_extra_h += ride.facts.running_hours * (s.p90_running_factor - 1)
                    p90_extra_h += ride.facts.busy_crossings * s.p90_border_extra_hours
        kind = "simulated" if simulated else "fixed"
        return Reliability(
            scheduled_days + p50_extra_h / 24,
            scheduled_days + max(p90_extra_h, p50_extra_h) / 24,
            kind,
            self.bands_source.get(kind),
        )

    def _band(self, service_id: str, run_epoch: float) -> tuple[float, float] | None:
        """The twin's band of a service for a run leaving at `run_epoch`: its month's, else the year's."""
        months = self.simulated_monthly_bands.get(service_id)
        if months:
            band = months.get(datetime.fromtimestamp(run_epoch, tz=UTC).month)
            if band:
                return band
        return self.simulated_bands.get(service_id)

    def _no_route_message(self, v: ValidRequest) -> str:
        sc = self.timetable.scenario
        why = f" under the scenario ({sc.describe()})" if not sc.is_baseline else ""
        return (
            f"No route from {v.origin.name} to {v.destination.name} for {v.cargo.name.lower()} by "
            f"{', '.join(sorted(v.modes))}{why}. Try another origin or destination terminal, a different cargo "
            "type, or a less restrictive scenario."
        )


def drop_slower_than_sea(journeys: list[Journey], first_sea_arrival: float) -> list[Journey]:
    """Itineraries without a sailing that arrive after the first sailing would (epoch s) are not options:
    a train stuck for months behind a congested border is slower than a ship."""
    return [
        j
        for j in journeys
        if j.arrive_epoch <= first_sea_arrival
        or any(isinstance(s, RideStep) and s.ride.route.mode == "sea" for s in j.steps)
    ]


def practical_front(
    journeys: list[Journey], cost_share: float = PRACTICAL_COST_SHARE, co2e_share: float = PRACTICAL_CO2E_SHARE
) -> list[Journey]:
    """The Pareto set over (arrival, cost, CO2e, rides) without journeys that another arriving no later
    beats on practically nothing: one that arrives no later, with no more rides, costing at most
    `cost_share` more and emitting at most `co2e_share` more is enough (a USD 1 saving is no reason to
    arrive a week later).
    The earliest arrival is always kept; ties go to the cheaper, then greener, then the one found first."""
    ordered = sorted(journeys, key=lambda j: (j.arrive_epoch, j.cost_usd, j.co2e_kg, j.rides))
    kept: list[Journey] = []
    for j in ordered:
        if any(
            k.arrive_epoch <= j.arrive_epoch
            and k.rides <= j.rides
            and k.cost_usd <= j.cost_usd * (1 + cost_share)
            and k.co2e_kg <= j.co2e_kg * (1 + co2e_share)
            for k in kept
        ):
            continue
        kept.append(j)
    return kept


def label_best(options: list[Option]) -> None:
    """Mark the fastest, cheapest and greenest options (ties: earlier, then cheaper)."""
    fastest = min(options, key=lambda o: (o.arrival, o.cost_usd))
    cheapest = min(options, key=lambda o: (o.cost_usd, o.arrival))
    greenest = min(options, key=lambda o: (o.co2e_kg, o.arrival))
    fastest.labels.append("fastest")
    cheapest.labels.append("cheapest")
    greenest.labels.append("greenest")
