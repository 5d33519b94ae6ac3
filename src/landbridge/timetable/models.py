"""Services (lines) with their stops and scheduled offsets, and the departures they generate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

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

    @property
    def origin(self) -> str:
        return self.stops[0]

    @property
    def destination(self) -> str:
        return self.stops[-1]

    @property
    def transit_hours(self) -> float:
        return self.arrive_h[-1]

    def stop_index(self, place_id: str) -> int:
        return self.stops.index(place_id)


@dataclass(frozen=True)
class Departure:
    """One run of a service, identified by service and local departure date-time at its origin."""

    id: str
    service: Service
    departure: datetime  # UTC, at the origin

    def time_at(self, stop_index: int, arriving: bool = False) -> datetime:
        from datetime import timedelta

        hours = (self.service.arrive_h if arriving else self.service.depart_h)[stop_index]
        return self.departure + timedelta(hours=hours)

    @property
    def arrival(self) -> datetime:
        return self.time_at(len(self.service.stops) - 1, arriving=True)
