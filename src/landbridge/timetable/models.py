"""Services (lines) with their stops and scheduled offsets, and the departures they generate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from landbridge.emissions.model import Hub as EmissionHub
from landbridge.emissions.model import Section as EmissionSection
from landbridge.network.models import BROAD_GAUGE_COUNTRIES, RailStep

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Local time at a service's origin decides its weekly departures (DST handled by zoneinfo).
COUNTRY_TZ = {
    "CN": "Asia/Shanghai",
    "KZ": "Asia/Almaty",
    "RU": "Europe/Moscow",
    "BY": "Europe/Minsk",
    "MN": "Asia/Ulaanbaatar",
    "GE": "Asia/Tbilisi",
    "AZ": "Asia/Baku",
    "TR": "Europe/Istanbul",
    "PL": "Europe/Warsaw",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "LU": "Europe/Luxembourg",
    "FR": "Europe/Paris",
    "ES": "Europe/Madrid",
    "IT": "Europe/Rome",
    "AT": "Europe/Vienna",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "RS": "Europe/Belgrade",
    "RO": "Europe/Bucharest",
    "GR": "Europe/Athens",
    "LT": "Europe/Vilnius",
    "LV": "Europe/Riga",
    "FI": "Europe/Helsinki",
    "GB": "Europe/London",
}


_ZONES: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    """The time zone `name` (IANA), kept once loaded (zoneinfo's own cache holds only a few)."""
    z = _ZONES.get(name)
    if z is None:
        z = _ZONES[name] = ZoneInfo(name)
    return z


def country_zone(country: str) -> ZoneInfo:
    """The time zone used for places in a country (UTC for countries not listed)."""
    return zone(COUNTRY_TZ.get(country, "UTC"))


def rail_region(country: str) -> str:
    """Capacity and tariff region of a place: the Chinese network, the 1520 mm area, or Europe."""
    if country == "CN":
        return "china"
    if country in BROAD_GAUGE_COUNTRIES:
        return "broad_gauge"
    return "europe"


@dataclass(frozen=True)
class Section:
    """Part of a service between two consecutive stops; capacity is counted per section."""

    index: int
    frm: str
    to: str
    region: str
    capacity_feu: int
    distance_km: float
    steps: tuple[RailStep, ...] = ()
    sea_route: str | None = None  # "suez" / "cape" for ocean legs


@dataclass(frozen=True)
class Service:
    """A line in one direction: its stops, the hours after the origin departure when it arrives at and
    leaves each stop, its sections (capacity, km), boardable stops, weekly departures (local time at the
    origin, zone `tz`), the cargo and dangerous goods it accepts, and its tariff `rate_factor`."""

    id: str
    name: str
    mode: str  # rail | sea | air
    corridor: str
    operator: str
    stops: tuple[str, ...]
    arrive_h: tuple[float, ...]  # hours after the origin departure, per stop
    depart_h: tuple[float, ...]
    sections: tuple[Section, ...]
    boardable: tuple[bool, ...]
    weekdays: frozenset[int]
    departure_times: tuple[time, ...]
    tz: str
    accepts: frozenset[str]
    dangerous_goods: frozenset[str]
    winter_protection: bool
    cr_express: bool
    ecommerce: bool
    rate_factor: float
    priority_crossing: bool
    direction: str  # westbound | eastbound
    countries: frozenset[str]
    # rail: per border crossing on the way, (crossing id, hours after the origin departure when the train
    # reaches it, hours when it has cleared it), in order
    crossing_times: tuple[tuple[str, float, float], ...] = ()

    @property
    def origin(self) -> str:
        return self.stops[0]

    @property
    def destination(self) -> str:
        return self.stops[-1]

    @property
    def steps(self) -> tuple[RailStep, ...]:
        """Every link and crossing the service runs over, in order (empty for sea and air)."""
        return tuple(st for sec in self.sections for st in sec.steps)

    @property
    def transit_hours(self) -> float:
        return self.arrive_h[-1]

    def stop_index(self, place_id: str) -> int:
        """Index of a stop (ValueError when the service does not call there)."""
        return self.stops.index(place_id)


@dataclass(frozen=True)
class GaugeChange:
    """Containers change wagons at `place` (a yard of `crossing`) from one track gauge to another (mm)."""

    place: str
    place_name: str
    crossing: str
    from_gauge_mm: int
    to_gauge_mm: int

    def to_dict(self) -> dict[str, str | int]:
        """The gauge change as JSON."""
        return {
            "place": self.place,
            "place_name": self.place_name,
            "crossing": self.crossing,
            "from_gauge_mm": self.from_gauge_mm,
            "to_gauge_mm": self.to_gauge_mm,
        }


@dataclass(frozen=True)
class BorderPassage:
    """A state border passed between `exit_place` (last place in `from_country`) and `place` (first in
    `to_country`); countries as ISO 3166-1 alpha-2 codes."""

    from_country: str
    to_country: str
    exit_place: str
    place: str

    def to_dict(self) -> dict[str, str]:
        """The border passage as JSON."""
        return {
            "from_country": self.from_country,
            "to_country": self.to_country,
            "exit_place": self.exit_place,
            "place": self.place,
        }


@dataclass(frozen=True)
class RideFacts:
    """What riding a service from one stop to a later one involves, whatever the date: distance (km),
    rail km by traction and by tariff region, km through gauge-change yards and on ferries, gauge
    changes, ferries and borders on the way, hours running on links, busy crossings (utilisation of
    0.85 or more) and, at sea, the ocean routing ("suez" or "cape"; None between ports of one coast)."""

    mode: str
    distance_km: float
    rail_km_by_traction: tuple[tuple[str, float], ...] = ()
    rail_km_by_region: tuple[tuple[str, float], ...] = ()
    crossing_km: float = 0.0
    ferry_km: float = 0.0
    gauge_changes: tuple[GaugeChange, ...] = ()
    ferries: int = 0
    borders: tuple[BorderPassage, ...] = ()
    broad_gauge: bool = False
    running_hours: float = 0.0
    busy_crossings: int = 0
    sea_variant: str | None = None
    # For the emissions model (landbridge.emissions): rail km per country and traction and the ferries
    # (sections), and the gauge changes and ferry ports inside the ride (hubs).
    emission_sections: tuple[EmissionSection, ...] = ()
    emission_hubs: tuple[EmissionHub, ...] = ()


@dataclass(frozen=True)
class Departure:
    """One run of a service, identified by service and local departure date-time at its origin."""

    id: str
    service: Service
    departure: datetime  # UTC, at the origin

    def time_at(self, stop_index: int, arriving: bool = False) -> datetime:
        """When the run leaves (or, `arriving`, reaches) stop `stop_index`: aware, UTC."""
        hours = (self.service.arrive_h if arriving else self.service.depart_h)[stop_index]
        return self.departure + timedelta(hours=hours)

    @property
    def arrival(self) -> datetime:
        return self.time_at(len(self.service.stops) - 1, arriving=True)
