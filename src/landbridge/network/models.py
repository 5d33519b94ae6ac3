"""The network: places, rail links, border crossings, road, sea and air connections. Plain data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PlaceKind = Literal["hub", "border", "junction", "terminal", "port", "airport", "city"]
GAUGES_MM = (1435, 1520, 1668)
BROAD_GAUGE_COUNTRIES = {"KZ", "RU", "BY", "MN", "GE", "AZ", "UZ", "KG", "LT", "LV", "EE", "FI", "UA"}


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    kind: PlaceKind
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    gauge_mm: int | None = None
    city: str | None = None  # the European destination city a terminal/port/airport serves
    terminal: str | None = None
    unlocode: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z0-9]{3}$")
    # Where the code was checked (the code list entry) or, with no code, why there is none (unlocodes.yaml).
    unlocode_note: str | None = None
    iata: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    aliases: tuple[str, ...] = ()
    region: Literal["europe", "eurasia"] | None = None  # cities: which destination-city file lists them

    @field_validator("gauge_mm")
    @classmethod
    def _known_gauge(cls, v: int | None) -> int | None:
        if v is not None and v not in GAUGES_MM:
            raise ValueError(f"gauge_mm must be one of {GAUGES_MM}")
        return v

    @property
    def is_rail(self) -> bool:
        return self.gauge_mm is not None


# Places that must have a UN/LOCODE or a stated reason why none exists (unlocodes.yaml).
LOCODE_KINDS = ("hub", "terminal", "border", "port", "airport")


@dataclass(frozen=True)
class RailLink:
    """A rail line between two places of the same gauge (both directions)."""

    a: str
    b: str
    distance_km: float
    speed_kmh: float
    traction: str
    gauge_mm: int
    coordinates: tuple[tuple[float, float], ...]  # (lon, lat), from a to b

    @property
    def running_hours(self) -> float:
        return self.distance_km / self.speed_kmh


@dataclass(frozen=True)
class BorderCrossing:
    """A handover between two places: a gauge-change yard or a ferry crossing."""

    id: str
    name: str
    a: str
    b: str
    mode: str
    distance_km: float
    processing_hours: float
    trains_per_day: float
    typical_utilisation: float
    gauge_a_mm: int
    gauge_b_mm: int
    source: str
    transshipment_at: str | None = None
    capacity_basis: str = "assumption"  # "published" or "assumption" (see border_crossings.yaml)
    capacity_source: str = ""
    import_hours: float = 0.0  # more for trains that end in one of import_countries (border_crossings.yaml)
    import_countries: frozenset[str] = frozenset()

    def hours_for(self, destination_country: str) -> float:
        """Scheduled hours at the crossing, before queueing: processing, plus import_hours for a train that
        ends in one of import_countries (import clearance; transit trains do not spend them)."""
        extra = self.import_hours if destination_country in self.import_countries else 0.0
        return self.processing_hours + extra

    def transshipment_place(self, arriving_at: str) -> str:
        """Where containers change wagons: the crossing's fixed yard, else the receiving side."""
        return self.transshipment_at or arriving_at

    @property
    def is_gauge_change(self) -> bool:
        return self.gauge_a_mm != self.gauge_b_mm


@dataclass(frozen=True)
class SeaRoute:
    distance_km: float
    coordinates: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class RailStep:
    """One step of a rail path: a link or a crossing, traversed from `frm` to `to`."""

    frm: str
    to: str
    distance_km: float
    hours: float
    link: RailLink | None = None
    crossing: BorderCrossing | None = None


@dataclass
class Network:
    places: dict[str, Place]
    rail_links: list[RailLink]
    crossings: list[BorderCrossing]
    road_km: dict[tuple[str, str], float]
    sea_routes: dict[tuple[str, str], dict[str, SeaRoute]]
    sources: dict[str, str] = field(default_factory=dict)
    _adjacency: dict[str, list[RailStep]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        adj: dict[str, list[RailStep]] = {}
        for link in self.rail_links:
            h = link.running_hours
            adj.setdefault(link.a, []).append(RailStep(link.a, link.b, link.distance_km, h, link=link))
            adj.setdefault(link.b, []).append(RailStep(link.b, link.a, link.distance_km, h, link=link))
        for c in self.crossings:
            adj.setdefault(c.a, []).append(RailStep(c.a, c.b, c.distance_km, c.processing_hours, crossing=c))
            adj.setdefault(c.b, []).append(RailStep(c.b, c.a, c.distance_km, c.processing_hours, crossing=c))
        self._adjacency = adj
        self.crossing_by_id = {c.id: c for c in self.crossings}

    # --- queries -------------------------------------------------------------------------
    def place(self, place_id: str) -> Place:
        return self.places[place_id]

    def rail_steps_from(self, place_id: str) -> list[RailStep]:
        return self._adjacency.get(place_id, [])

    def road_distance_km(self, a: str, b: str) -> float | None:
        """Road distance from the derived OSM table; None when the pair was not derived."""
        if a == b:
            return 0.0
        d = self.road_km.get((a, b))
        if d is None:
            d = self.road_km.get((b, a))
        return d

    def european_cities(self) -> list[Place]:
        """Destination cities of european_cities.csv (Europe, Turkey and Ukraine included)."""
        return [p for p in self.places.values() if p.kind == "city" and p.region == "europe"]

    def cities(self) -> list[Place]:
        """Every destination city, European and Eurasian (1520 mm area, Central Asia, Mongolia)."""
        return [p for p in self.places.values() if p.kind == "city"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088  # mean Earth radius (IUGG)
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def place_distance_km(a: Place, b: Place) -> float:
    return haversine_km(a.lat, a.lon, b.lat, b.lon)


def great_circle_points(a: tuple[float, float], b: tuple[float, float], n: int = 32) -> list[list[float]]:
    """`n` + 1 points along the great circle from `a` to `b` (each `(lon, lat)` in degrees), as [lon, lat] lists."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    d = 2 * math.asin(
        math.sqrt(math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    )
    if d == 0:
        return [list(a), list(b)]
    pts = []
    for k in range(n + 1):
        f = k / n
        A, B = math.sin((1 - f) * d) / math.sin(d), math.sin(f * d) / math.sin(d)
        x = A * math.cos(lat1) * math.cos(lon1) + B * math.cos(lat2) * math.cos(lon2)
        y = A * math.cos(lat1) * math.sin(lon1) + B * math.cos(lat2) * math.sin(lon2)
        z = A * math.sin(lat1) + B * math.sin(lat2)
        pts.append([round(math.degrees(math.atan2(y, x)), 4), round(math.degrees(math.atan2(z, math.hypot(x, y))), 4)])
    return pts
