"""Departure listings for people and tools (CLI `landbridge timetable`, API departures search)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from landbridge.network.models import Network, Place
from landbridge.timefmt import iso_utc
from landbridge.timetable.builder import Timetable
from landbridge.timetable.models import country_zone


class PlaceFinder(Protocol):
    """Finds a place from what a user typed (landbridge.network.search.PlaceIndex)."""

    def find(self, query: str) -> Place: ...


class _HasIndex(Protocol):
    @property
    def index(self) -> PlaceFinder: ...


class WorldView(Protocol):
    """What listings need of a loaded world (landbridge.world.World has it)."""

    @property
    def network(self) -> Network: ...
    @property
    def timetable(self) -> Timetable: ...
    @property
    def planner(self) -> _HasIndex: ...


def _local(dt: datetime, network: Network, place_id: str) -> str:
    return dt.astimezone(country_zone(network.places[place_id].country)).isoformat(timespec="minutes")


def rail_places_for(world: WorldView, query: str | None, mode: str = "rail") -> list[str] | None:
    """The timetabled places a user means: a terminal or hub itself, or the terminals serving a city."""
    if not query:
        return None
    p = world.planner.index.find(query)
    kinds = {"rail": ("hub", "terminal"), "sea": ("port",), "air": ("airport",)}[mode]
    if p.kind in kinds:
        return [p.id]
    ids = [q.id for q in world.network.places.values() if q.kind in kinds and (q.city == p.id)]
    if not ids:
        from landbridge.errors import InvalidRequestError
        from landbridge.network.models import place_distance_km

        near = sorted((place_distance_km(p, q), q.name) for q in world.network.places.values() if q.kind in kinds)[:3]
        raise InvalidRequestError(
            f"No {mode} services stop at {p.name}; the nearest are "
            f"{', '.join(name for _, name in near)} (see `landbridge network places`)."
        )
    return ids


def list_departures(
    world: WorldView,
    start: date,
    end: date,
    origin: str | None,
    destination: str | None,
    mode: str = "rail",
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Departures leaving `origin` (or anywhere) for `destination` (or their last stop) on local dates in
    [start, end), by `mode`, in time order, as JSON-ready rows (instants UTC, local times with offsets, capacity
    per section); at most `limit`. Raises UnknownPlaceError / InvalidRequestError for places without service."""
    tt = world.timetable
    net = world.network
    everywhere: list[str | None] = [None]
    froms: list[str | None] = [*(rail_places_for(world, origin, mode) or everywhere)]
    tos: list[str | None] = [*(rail_places_for(world, destination, mode) or everywhere)]
    rows = []
    for f in froms:
        for t in tos:
            for dep, i, j in tt.departures(start, end, f, t, mode):
                if j <= i:  # boarding at the last stop: nothing to ride
                    continue
                s = dep.service
                secs = s.sections[i:j]
                rows.append(
                    {
                        "id": dep.id,
                        "service": s.id,
                        "service_name": s.name,
                        "corridor": s.corridor,
                        "origin": s.stops[i],
                        "origin_name": net.places[s.stops[i]].name,
                        "destination": s.stops[j],
                        "destination_name": net.places[s.stops[j]].name,
                        "departure": iso_utc(dep.time_at(i)),
                        "arrival": iso_utc(dep.time_at(j, arriving=True)),
                        "departure_local": _local(dep.time_at(i), net, s.stops[i]),
                        "arrival_local": _local(dep.time_at(j, arriving=True), net, s.stops[j]),
                        "transit_days": round((s.arrive_h[j] - s.depart_h[i]) / 24, 2),
                        "capacity_feu": min(sec.capacity_feu for sec in secs),
                        "sections": [
                            {
                                "index": sec.index,
                                "from": sec.frm,
                                "to": sec.to,
                                "region": sec.region,
                                "capacity_feu": sec.capacity_feu,
                                "distance_km": sec.distance_km,
                            }
                            for sec in secs
                        ],
                    }
                )
    rows.sort(key=lambda r: (r["departure"], r["service"]))
    return rows[:limit] if limit else rows
