"""Build services from the data files for a scenario, and generate their departures for any dates."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from landbridge.datafiles import DataSource, require_known, validate_entries
from landbridge.errors import DataError, InvalidRequestError
from landbridge.network.models import Network, RailStep, haversine_km
from landbridge.scenarios import BASELINE, Scenario
from landbridge.timetable.models import COUNTRY_TZ, WEEKDAYS, Departure, Section, Service, rail_region, zone

if TYPE_CHECKING:  # the files' models load when the files are read (_load_entries), not with the timetable
    from landbridge.timetable.entries import FlightEntry, RailServiceEntry, SeaServiceEntry

SERVICES = "services.yaml"
SEA_SERVICES = "sea_services.yaml"
AIR_SERVICES = "air_services.yaml"
PARAMETERS = "parameters.yaml"
KNOT_KMH = 1.852


@dataclass(frozen=True)
class Parameters:
    """parameters.yaml as read: nested mappings of operating rules (see the file for units and sources)."""

    raw: dict[str, Any]

    def get(self, *path: str, default: Any = None) -> Any:
        """The value at `path` (e.g. get("rail", "connection_hours_min")), or `default` when absent."""
        node: Any = self.raw
        for p in path:
            if not isinstance(node, dict) or p not in node:
                return default
            node = node[p]
        return node


def border_wait_hours(
    utilisation: float, trains_per_day: float, capacity_factor: float = 1.0, overload_horizon_days: float = 14.0
) -> float:
    """Mean queueing wait at a crossing (M/D/1), before processing.

    Service time is one train slot (24 h / trains per day). Under a capacity cut the utilisation rises
    to u/f; past saturation the backlog grows for as long as the disruption lasts, and a train waits on
    average for half of what accumulates over the horizon.
    """
    trains = trains_per_day * max(capacity_factor, 1e-6)
    slot_h = 24.0 / trains
    rho = utilisation / max(capacity_factor, 1e-6)
    if rho < 0.97:
        return rho * slot_h / (2 * (1 - rho))
    base = 0.97 * slot_h / (2 * 0.03)
    return base + max(0.0, rho - 1.0) * overload_horizon_days * 24 / 2


class Timetable:
    """Services of the network under a scenario, and their departures for any date range."""

    def __init__(
        self,
        network: Network,
        services: list[Service],
        parameters: Parameters,
        scenario: Scenario,
        corridors: frozenset[str],
        closed_crossings: frozenset[str] = frozenset(),
    ):
        self.network = network
        self.closed_crossings = closed_crossings
        self.services = services
        self.by_id = {s.id: s for s in services}
        self.parameters = parameters
        self.scenario = scenario
        self.corridors = corridors
        self._epochs: dict[tuple[str, int], list[float]] = {}
        self.closed_departures = _closed_departure_windows(network, services, scenario)

    def _open(self, service: Service, epochs: list[float]) -> list[float]:
        """The departure epochs of `service` that do not meet a crossing while the scenario closes it."""
        windows = self.closed_departures.get(service.id)
        if not windows:
            return epochs
        return [e for e in epochs if not any(lo < e < hi for lo, hi in windows)]

    # ---- departures -----------------------------------------------------------------------
    def year_departure_epochs(self, service: Service, year: int) -> list[float]:
        """Sorted origin departure epochs (seconds) of a service in a local calendar year, cached; empty for
        years outside 1..9999 (the calendar `datetime` knows)."""
        key = (service.id, year)
        cached = self._epochs.get(key)
        if cached is not None:
            return cached
        out: list[float] = []
        if 1 <= year <= 9999:
            out = self._open(
                service, _epochs_on_days(service, date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal())
            )
        self._epochs[key] = out
        return out

    def departure_epochs_between(self, service: Service, start_epoch: float, end_epoch: float) -> list[float]:
        """Sorted origin departure epochs (s) of a service in [start_epoch, end_epoch), not cached (for callers
        that keep their own window of departures, like the planner)."""
        lo = max(start_epoch, _FIRST_EPOCH)
        hi = min(end_epoch, _LAST_EPOCH)
        if hi <= lo:
            return []
        # Local dates that can hold such departures: a day either side for zones east or west of UTC.
        first = max(int(lo // 86400) + _EPOCH_ORDINAL - 1, 1)
        last = min(int(hi // 86400) + _EPOCH_ORDINAL + 1, _LAST_ORDINAL)
        return [e for e in self._open(service, _epochs_on_days(service, first, last)) if lo <= e < hi]

    def next_departure_epoch(self, service: Service, earliest_epoch: float, skip: int = 0) -> float | None:
        """Epoch seconds of the first origin departure at or after `earliest_epoch` (skipping `skip`)."""
        year = datetime.fromtimestamp(earliest_epoch, tz=UTC).year
        # Local years may start before the UTC year (zones east of UTC), so look one year back too.
        for y in (year - 1, year, year + 1, year + 2):
            epochs = self.year_departure_epochs(service, y)
            i = bisect.bisect_left(epochs, earliest_epoch)
            if i + skip < len(epochs):
                return epochs[i + skip]
            skip -= max(0, len(epochs) - i)
        return None

    def departure_from_epoch(self, service: Service, epoch: float) -> Departure:
        """The run of `service` leaving its origin at `epoch` (s); its id names the local time there."""
        dep = datetime.fromtimestamp(epoch, tz=UTC)
        return Departure(departure_id(service, epoch), service, dep)

    def departures(
        self, start: date, end: date, origin: str | None = None, destination: str | None = None, mode: str | None = None
    ) -> Iterator[tuple[Departure, int, int]]:
        """Departures leaving `origin` (or their first stop) on local dates in [start, end), with the
        boarding and alighting stop indexes, in time order."""
        lo = datetime.combine(start, time(0), tzinfo=UTC).timestamp() - 86400
        hi = datetime.combine(end, time(0), tzinfo=UTC).timestamp() + 86400
        streams = []
        for s in self.services:
            if mode and s.mode != mode:
                continue
            if origin and origin not in s.stops:
                continue
            i = s.stops.index(origin) if origin else 0
            if destination:
                if destination not in s.stops[i + 1 :]:
                    continue
                j = s.stops.index(destination, i + 1)
            else:
                j = len(s.stops) - 1
            if j <= i or not s.boardable[i] or not s.boardable[j]:
                continue  # the service ends where the listing starts: nothing to ride
            offset = s.depart_h[i] * 3600
            items = []
            for y in range(start.year - 1, end.year + 1):
                for e in self.year_departure_epochs(s, y):
                    if lo - offset <= e < hi:
                        d = self.departure_from_epoch(s, e)
                        local_day = d.time_at(i).astimezone(zone(_tz_of(self.network, s.stops[i]))).date()
                        if start <= local_day < end:
                            items.append((e + offset, d.id, d, i, j))
            streams.append(items)
        for _e, _id, d, i, j in heapq.merge(*streams, key=lambda x: (x[0], x[1])):
            yield d, i, j

    def departure(self, departure_id: str) -> Departure:
        """Look a departure up by id (`SERVICE:YYYY-MM-DDTHHMM`, local time at the origin)."""
        sid, _, stamp = departure_id.partition(":")
        service = self.by_id.get(sid)
        if service is None:
            raise InvalidRequestError(f"Unknown service {sid!r} in departure id {departure_id!r}.")
        try:
            local = datetime.strptime(stamp, "%Y-%m-%dT%H%M").replace(tzinfo=zone(service.tz))
        except ValueError:
            raise InvalidRequestError(
                f"Malformed departure id {departure_id!r}; expected SERVICE:YYYY-MM-DDTHHMM."
            ) from None
        e = local.timestamp()
        epochs = self.year_departure_epochs(service, local.year)
        i = bisect.bisect_left(epochs, e)
        if i >= len(epochs) or abs(epochs[i] - e) > 1:
            raise InvalidRequestError(f"Service {sid} does not depart at {stamp} (local time).")
        return self.departure_from_epoch(service, e)


def _closed_departure_windows(
    network: Network, services: list[Service], scenario: Scenario
) -> dict[str, list[tuple[float, float]]]:
    """Per service: open intervals of origin departure epochs (s) whose trains would be at a crossing while
    the scenario closes it (`closure:CROSSING=FROM..TO`, UTC days FROM to TO inclusive): those departures do
    not run, so the planner routes around the closure or finds no route."""
    if not scenario.closures:
        return {}
    windows_at: dict[str, list[tuple[float, float]]] = {}
    for c in network.crossings:
        for first, last in scenario.closures_at(c.id, (c.a, c.b)):
            lo = datetime.combine(first, time(0), tzinfo=UTC).timestamp()
            hi = datetime.combine(last, time(0), tzinfo=UTC).timestamp() + 86400
            windows_at.setdefault(c.id, []).append((lo, hi))
    out: dict[str, list[tuple[float, float]]] = {}
    for s in services:
        for crossing_id, reach_h, clear_h in s.crossing_times:
            for lo, hi in windows_at.get(crossing_id, ()):
                # at the crossing from e + reach to e + clear: it meets the closure when that overlaps [lo, hi)
                out.setdefault(s.id, []).append((lo - clear_h * 3600, hi - reach_h * 3600))
    return out


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_LAST_ORDINAL = date(9999, 12, 31).toordinal()
_FIRST_EPOCH = (date(1, 1, 2).toordinal() - _EPOCH_ORDINAL) * 86400.0  # a day of margin for any zone
_LAST_EPOCH = (date(9999, 12, 30).toordinal() - _EPOCH_ORDINAL) * 86400.0
_OFFSETS: dict[tuple[str, int], float | None] = {}


def _epochs_on_days(service: Service, first: int, last: int) -> list[float]:
    """Sorted departure epochs (s) of a service on the local dates with ordinals first..last (inclusive)."""
    tz = zone(service.tz)
    seconds = sorted(t.hour * 3600 + t.minute * 60 + t.second for t in service.departure_times)
    out: list[float] = []
    for ordinal in range(first, last + 1):
        if (ordinal + 6) % 7 not in service.weekdays:  # date.fromordinal(n).weekday() == (n + 6) % 7
            continue
        offset = _day_offset_s(tz, ordinal)
        if offset is None:  # a day the clocks change: ask zoneinfo for each departure
            day = date.fromordinal(ordinal)
            out.extend(datetime.combine(day, t, tzinfo=tz).timestamp() for t in service.departure_times)
        else:
            base = (ordinal - _EPOCH_ORDINAL) * 86400 - offset
            out.extend(base + sec for sec in seconds)
    out.sort()
    return out


def _day_offset_s(tz: tzinfo, ordinal: int) -> float | None:
    """The UTC offset (s) of a zone for a whole local day, or None when it changes that day (cached)."""
    key = (str(tz), ordinal)
    if key in _OFFSETS:
        return _OFFSETS[key]
    day = date.fromordinal(ordinal)
    start = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
    end = datetime.combine(day, time(23, 59, 59), tzinfo=tz).utcoffset()
    out = start.total_seconds() if start is not None and start == end else None
    _OFFSETS[key] = out
    return out


def departure_id(service: Service, epoch: float) -> str:
    """`SERVICE:YYYY-MM-DDTHHMM`, the local date and time at the service's origin of a run leaving at `epoch`."""
    local = datetime.fromtimestamp(epoch, tz=zone(service.tz))
    return f"{service.id}:{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}{local.minute:02d}"


def _tz_of(network: Network, place_id: str) -> str:
    return COUNTRY_TZ.get(network.places[place_id].country, "UTC")


def rail_path(network: Network, a: str, b: str) -> list[RailStep]:
    """Shortest rail path by distance from a to b (links and crossings)."""
    if a == b:
        return []
    dist = {a: 0.0}
    prev: dict[str, RailStep] = {}
    heap = [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            break
        if d > dist[u]:
            continue
        for step in network.rail_steps_from(u):
            nd = d + step.distance_km
            if nd < dist.get(step.to, float("inf")):
                dist[step.to] = nd
                prev[step.to] = step
                heapq.heappush(heap, (nd, step.to))
    if b not in prev:
        raise ValueError(f"no rail path from {a} to {b}")
    steps = []
    node = b
    while node != a:
        step = prev[node]
        steps.append(step)
        node = step.frm
    return list(reversed(steps))


def _load_entries(
    src: DataSource,
) -> tuple[dict[str, Any], list[RailServiceEntry], list[SeaServiceEntry], list[FlightEntry], Parameters]:
    from landbridge.timetable.entries import FlightEntry, RailServiceEntry, SeaServiceEntry

    doc = src.yaml(SERVICES)
    defaults = doc.get("defaults") or {}
    rail = validate_entries(src.display(SERVICES), doc.get("services"), RailServiceEntry, section="services")
    sea_doc = src.yaml(SEA_SERVICES, optional=True)
    sea = validate_entries(src.display(SEA_SERVICES), sea_doc.get("services", []), SeaServiceEntry, section="services")
    air_doc = src.yaml(AIR_SERVICES, optional=True)
    air = validate_entries(src.display(AIR_SERVICES), air_doc.get("flights", []), FlightEntry, section="flights")
    params = Parameters(src.yaml(PARAMETERS))
    return defaults, rail, sea, air, params


def build_timetable(network: Network, src: DataSource, scenario: Scenario = BASELINE) -> Timetable:
    """Services of the data files under a scenario: rail lines (both directions, paths, running and border
    times), sea loops and flights. Trains through a crossing the scenario closes do not run; suspended lines
    run only when the scenario reopens them. Raises DataError naming file, entry and field."""
    defaults, rail_entries, sea_entries, air_entries, params = _load_entries(src)
    services: list[Service] = []
    file = src.display(SERVICES)
    rail_ids = frozenset(p.id for p in network.places.values() if p.is_rail)
    corridors = frozenset(e.corridor for e in rail_entries)
    dflt_dwell = float(defaults.get("dwell_hours", params.get("rail", "dwell_hours_default", default=6)))
    closed = closed_crossings(network, scenario, float(params.get("rail", "max_border_wait_hours", default=480)))
    paths: dict[tuple[str, str], list[RailStep]] = {}  # stop to stop, shared by the lines that run it
    for e in rail_entries:
        for k, stop in enumerate(e.stops):
            require_known(file, e.id, f"stops.{k}", stop, rail_ids)
        if e.suspended is not None and not scenario.reopens(e.suspended.tag):
            continue  # suspended (e.g. the routes through Ukraine since 2022) unless the scenario reopens it
        for direction, stops, days in (
            ("westbound", e.stops, e.weekdays),
            ("eastbound", list(reversed(e.stops)), e.return_weekdays),
        ):
            if not days:
                continue
            sid = e.id if direction == "westbound" else f"{e.id}-return"
            name = e.name if direction == "westbound" else f"{e.name} (return)"
            svc = _build_rail_service(
                network, e, defaults, sid, name, stops, days, direction, dflt_dwell, scenario, file, paths
            )
            if svc is None or any(st.crossing is not None and st.crossing.id in closed for st in svc.steps):
                continue  # a closed crossing on the way: the train does not run under this scenario
            if svc.countries & scenario.avoid_countries or e.corridor in scenario.avoid_corridors:
                continue
            services.append(svc)
    services.extend(_build_sea_services(network, sea_entries, params, scenario, src))
    services.extend(_build_air_services(network, air_entries, params, src))
    return Timetable(network, services, params, scenario, corridors, closed)


def closed_crossings(network: Network, scenario: Scenario, max_wait_hours: float) -> frozenset[str]:
    """Crossings no train uses under a scenario: those at 0 % capacity, and those where the modelled queue
    (border_wait_hours) would exceed `max_wait_hours` (operators send trains another way long before)."""
    out = set()
    for c in network.crossings:
        f = scenario.capacity_factor(c.id, (c.a, c.b))
        if f <= 0 or border_wait_hours(c.typical_utilisation, c.trains_per_day, f) > max_wait_hours:
            out.add(c.id)
    return frozenset(out)


def _build_rail_service(
    network: Network,
    e: RailServiceEntry,
    defaults: dict[str, Any],
    sid: str,
    name: str,
    stops: list[str],
    days: list[str],
    direction: str,
    dflt_dwell: float,
    scenario: Scenario,
    file: str,
    paths: dict[tuple[str, str], list[RailStep]],
) -> Service | None:
    speed_factor = e.speed_factor or float(defaults.get("speed_factor", 1.0))
    caps = {**(defaults.get("capacity_feu") or {}), **(e.capacity_feu or {})}
    dwell = e.dwell_hours if e.dwell_hours is not None else dflt_dwell
    arrive, depart = [0.0], [0.0]
    sections: list[Section] = []
    boardable: list[bool] = []
    countries: set[str] = set()
    crossing_times: list[tuple[str, float, float]] = []
    t = 0.0
    for k in range(len(stops) - 1):
        a, b = stops[k], stops[k + 1]
        try:
            steps = paths.get((a, b)) or paths.setdefault((a, b), rail_path(network, a, b))
        except ValueError:
            raise DataError(file, f"no rail path between stops {a} and {b}", entry=e.id, field="stops") from None
        hours = 0.0
        dist = 0.0
        for st in steps:
            dist += st.distance_km
            countries.add(network.places[st.frm].country)
            countries.add(network.places[st.to].country)
            if st.link is not None:
                hours += st.distance_km / (st.link.speed_kmh * speed_factor)
            elif (c := st.crossing) is not None:
                f = scenario.capacity_factor(c.id, (c.a, c.b))
                wait = border_wait_hours(c.typical_utilisation, c.trains_per_day, f)
                if e.priority_crossing:
                    wait *= 0.25  # speed trains get reserved transshipment slots
                reach = t + hours
                hours += c.hours_for(network.places[stops[-1]].country) + wait
                crossing_times.append((c.id, reach, t + hours))
        region = rail_region(network.places[a].country)
        cap = int(caps.get(region, 43))
        sections.append(Section(k, a, b, region, cap, round(dist, 1), tuple(steps)))
        t += hours
        arrive.append(t)
        kind = network.places[b].kind
        stop_dwell = 0.0 if kind in ("border", "port", "junction") or k + 1 == len(stops) - 1 else dwell
        t += stop_dwell
        depart.append(t)
    countries.add(network.places[stops[0]].country)
    boardable.extend(network.places[stop].kind in ("hub", "terminal") for stop in stops)
    times = e.departure_times or [e.departure_time or defaults.get("departure_time", "09:00")]
    tz = COUNTRY_TZ.get(network.places[stops[0]].country, "UTC")
    return Service(
        id=sid,
        name=name,
        mode="rail",
        corridor=e.corridor,
        operator=e.operator,
        stops=tuple(stops),
        arrive_h=tuple(arrive),
        depart_h=tuple(depart),
        sections=tuple(sections),
        boardable=tuple(boardable),
        weekdays=frozenset(WEEKDAYS.index(d) for d in days),
        departure_times=tuple(time.fromisoformat(x) for x in times),
        tz=tz,
        accepts=frozenset(e.accepts if e.accepts is not None else defaults.get("accepts", [])),
        dangerous_goods=frozenset(
            e.dangerous_goods if e.dangerous_goods is not None else defaults.get("dangerous_goods", [])
        ),
        winter_protection=e.winter_protection
        if e.winter_protection is not None
        else bool(defaults.get("winter_protection", True)),
        cr_express=e.cr_express if e.cr_express is not None else bool(defaults.get("cr_express", True)),
        ecommerce=e.ecommerce,
        rate_factor=e.rate_factor,
        priority_crossing=e.priority_crossing,
        direction=direction,
        countries=frozenset(countries),
        crossing_times=tuple(crossing_times),
    )


def sea_distance_km(network: Network, a: str, b: str, variant: str) -> float:
    """Ocean distance between two ports: searoute path where derived, else 1.2 x great circle (coastal)."""
    routes = network.sea_routes.get((a, b)) or network.sea_routes.get((b, a))
    if routes:
        r = routes.get(variant) or routes.get("suez") or next(iter(routes.values()))
        return r.distance_km
    pa, pb = network.places[a], network.places[b]
    return haversine_km(pa.lat, pa.lon, pb.lat, pb.lon) * 1.2


def _build_sea_services(
    network: Network, entries: list[SeaServiceEntry], params: Parameters, scenario: Scenario, src: DataSource
) -> list[Service]:
    file = src.display(SEA_SERVICES)
    port_ids = frozenset(p.id for p in network.places.values() if p.kind == "port")
    speed_kmh = float(params.get("sea", "speed_knots", default=16.5)) * KNOT_KMH
    call_h = float(params.get("sea", "port_call_hours", default=24))
    variant = "cape" if scenario.red_sea_closed else "suez"
    out = []
    for e in entries:
        for p in e.calls_asia + e.calls_europe:
            require_known(file, e.id, "calls", p, port_ids)
        for direction, first, second in (
            ("westbound", e.calls_asia, e.calls_europe),
            ("eastbound", list(reversed(e.calls_europe)), list(reversed(e.calls_asia))),
        ):
            stops = first + second
            arrive, depart, sections = [0.0], [0.0], []
            t = 0.0
            for k in range(len(stops) - 1):
                a, b = stops[k], stops[k + 1]
                ocean = k == len(first) - 1
                if ocean:
                    dist = sea_distance_km(network, first[-1], b, variant)
                else:
                    dist = sea_distance_km(network, a, b, variant)
                t += dist / speed_kmh
                arrive.append(t)
                t += call_h
                depart.append(t)
                sections.append(Section(k, a, b, "sea", e.capacity_feu, round(dist, 1), (), variant if ocean else None))
            sid = e.id if direction == "westbound" else f"{e.id}-return"
            tz = COUNTRY_TZ.get(network.places[stops[0]].country, "UTC")
            out.append(
                Service(
                    id=sid,
                    name=e.name if direction == "westbound" else f"{e.name} (return)",
                    mode="sea",
                    corridor="suez" if variant == "suez" else "cape",
                    operator=e.carrier,
                    stops=tuple(stops),
                    arrive_h=tuple(arrive),
                    depart_h=tuple(depart),
                    sections=tuple(sections),
                    boardable=tuple(True for _ in stops),
                    weekdays=frozenset(WEEKDAYS.index(d) for d in e.weekdays),
                    departure_times=(time.fromisoformat(e.departure_time),),
                    tz=tz,
                    accepts=frozenset({"*"}),
                    dangerous_goods=frozenset({"UN3171", "UN3480", "UN3481"}),
                    winter_protection=True,
                    cr_express=False,
                    ecommerce=False,
                    rate_factor=1.0,
                    priority_crossing=False,
                    direction=direction,
                    countries=frozenset(),
                )
            )
    return out


def _build_air_services(
    network: Network, entries: list[FlightEntry], params: Parameters, src: DataSource
) -> list[Service]:
    file = src.display(AIR_SERVICES)
    airport_ids = frozenset(p.id for p in network.places.values() if p.kind == "airport")
    cruise = float(params.get("air", "cruise_kmh", default=850))
    out = []
    for e in entries:
        require_known(file, e.id, "from", e.from_, airport_ids)
        require_known(file, e.id, "to", e.to, airport_ids)
        a, b = network.places[e.from_], network.places[e.to]
        gcd = haversine_km(a.lat, a.lon, b.lat, b.lon)
        block_h = gcd / cruise + 1.0  # taxi, climb and approach
        for direction, x, y in (("westbound", a, b), ("eastbound", b, a)):
            sid = e.id if direction == "westbound" else f"{e.id}-return"
            out.append(
                Service(
                    id=sid,
                    name=e.name if direction == "westbound" else f"{e.name} (return)",
                    mode="air",
                    corridor="air",
                    operator=e.operator,
                    stops=(x.id, y.id),
                    arrive_h=(0.0, block_h),
                    depart_h=(0.0, block_h),
                    sections=(Section(0, x.id, y.id, "air", max(1, e.capacity_kg // 10000), round(gcd, 1)),),
                    boardable=(True, True),
                    weekdays=frozenset(WEEKDAYS.index(d) for d in e.weekdays),
                    departure_times=(time.fromisoformat(e.departure_time),),
                    tz=COUNTRY_TZ.get(x.country, "UTC"),
                    accepts=frozenset({"*"}),
                    dangerous_goods=frozenset({"UN3171", "UN3480", "UN3481"}),
                    winter_protection=True,
                    cr_express=False,
                    ecommerce=False,
                    rate_factor=1.0,
                    priority_crossing=False,
                    direction=direction,
                    countries=frozenset(),
                )
            )
    return out


@lru_cache(maxsize=16)
def _cached_timetable(user_dir: str | None, scenario: Scenario) -> Timetable:
    from landbridge.network.loader import default_network

    return build_timetable(default_network(user_dir), DataSource(user_dir), scenario)


def timetable_for(scenario: Scenario = BASELINE, user_dir: str | None = None) -> Timetable:
    """The timetable of a data folder (shipped data when None) under a scenario, built once and kept."""
    return _cached_timetable(str(user_dir) if user_dir else None, scenario)
