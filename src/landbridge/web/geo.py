"""What the map draws: the network with the services, corridors and capacity on each element, leg geometry
for an itinerary given as JSON, and where a train is by its schedule. Plain functions of the loaded world."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from landbridge.network.models import Network, haversine_km
from landbridge.planner.geometry import legs_geojson
from landbridge.planner.options import Leg
from landbridge.timefmt import iso_utc
from landbridge.timetable.builder import Timetable
from landbridge.timetable.export import network_geojson
from landbridge.timetable.models import Departure, Service


def _uses(timetable: Timetable) -> tuple[dict[tuple[str, str], set[str]], dict[str, set[str]]]:
    """Rail services per rail link (keyed by its two ends, sorted) and per border crossing id."""
    links: dict[tuple[str, str], set[str]] = defaultdict(set)
    crossings: dict[str, set[str]] = defaultdict(set)
    for s in timetable.services:
        if s.mode != "rail":
            continue
        for sec in s.sections:
            for st in sec.steps:
                if st.link is not None:
                    a, b = sorted((st.link.a, st.link.b))
                    links[a, b].add(s.id)
                elif st.crossing is not None:
                    crossings[st.crossing.id].add(s.id)
    return links, crossings


def trains_per_week(s: Service) -> int:
    return len(s.weekdays) * len(s.departure_times)


def network_features(network: Network, timetable: Timetable) -> dict[str, Any]:
    """The network as a GeoJSON FeatureCollection (as `landbridge network export --geojson`), each feature with
    `corridors` (sorted ids) and `services` (ids) that run on it and `trains_per_week` of those services; places
    also list `services_stopping`. Adds `corridors`: [{id, services, trains_per_week}] for the filter, and
    `services`: {id: {name, mode, corridor, operator, trains_per_week}}."""
    doc = network_geojson(network, timetable)
    links, crossings = _uses(timetable)
    by_id = timetable.by_id
    stopping: dict[str, set[str]] = defaultdict(set)
    for s in timetable.services:
        for p in s.stops:
            stopping[p].add(s.id)

    def describe(ids: set[str]) -> dict[str, Any]:
        svcs = sorted(ids)
        return {
            "services": svcs,
            "corridors": sorted({by_id[i].corridor for i in svcs}),
            "trains_per_week": sum(trains_per_week(by_id[i]) for i in svcs if by_id[i].mode == "rail"),
        }

    for f in doc["features"]:
        props = f["properties"]
        geom = f["geometry"]["type"]
        if geom == "Point":
            ids = stopping.get(props["id"], set())
            props.update(describe(ids))
            props["services_stopping"] = props.pop("services")
        elif props["mode"] == "rail":
            a, b = sorted((props["from"], props["to"]))
            props.update(describe(links.get((a, b), set())))
        elif props["mode"] in ("border_crossing", "ferry"):
            props.update(describe(crossings.get(props["id"], set())))
        elif props["mode"] == "air" and props.get("service") in by_id:
            props["corridors"] = [by_id[props["service"]].corridor]
    corridors: dict[str, list[Service]] = defaultdict(list)
    for s in timetable.services:
        corridors[s.corridor].append(s)
    doc["corridors"] = [
        {
            "id": c,
            "modes": sorted({s.mode for s in ss}),
            "services": len(ss),
            "trains_per_week": sum(trains_per_week(s) for s in ss if s.mode == "rail"),
        }
        for c, ss in sorted(corridors.items())
    ]
    doc["services"] = {
        s.id: {
            "name": s.name,
            "mode": s.mode,
            "corridor": s.corridor,
            "operator": s.operator,
            "direction": s.direction,
            "trains_per_week": trains_per_week(s),
            "capacity_feu": min((sec.capacity_feu for sec in s.sections), default=None),
            "transit_hours": round(s.transit_hours, 1),
        }
        for s in timetable.services
    }
    return doc


def leg_from_json(leg: dict[str, Any], network: Network) -> Leg:
    """A planner Leg from an option's JSON leg (only what geometry needs is read); KeyError for unknown places."""
    a, b = network.places[leg["from"]], network.places[leg["to"]]
    when = datetime.fromisoformat(str(leg.get("departure") or "2000-01-01T00:00:00+00:00").replace("Z", "+00:00"))
    return Leg(
        mode=str(leg["mode"]),
        frm=a.id,
        frm_name=a.name,
        to=b.id,
        to_name=b.name,
        departure=when,
        arrival=when,
        distance_km=0.0,
        co2e_kg=0.0,
        service=leg.get("service"),
        board_index=leg.get("board_stop"),
        alight_index=leg.get("alight_stop"),
    )


def itinerary_geojson(legs: list[dict[str, Any]], network: Network, timetable: Timetable) -> dict[str, Any]:
    """Line geometry of an option's legs (JSON as quotes and bookings give them): one LineString per leg."""
    return legs_geojson([leg_from_json(raw, network) for raw in legs], network, timetable)


def _along(coords: list[tuple[float, float]], fraction: float) -> tuple[float, float]:
    """The point a `fraction` (0..1) of the way along a polyline of (lon, lat), by great-circle length."""
    if len(coords) == 1:
        return coords[0]
    cum = [0.0]
    for (x1, y1), (x2, y2) in pairwise(coords):
        cum.append(cum[-1] + haversine_km(y1, x1, y2, x2))
    target = max(0.0, min(1.0, fraction)) * cum[-1]
    k = min(max(bisect_right(cum, target) - 1, 0), len(coords) - 2)
    seg = cum[k + 1] - cum[k]
    t = 0.0 if seg == 0 else (target - cum[k]) / seg
    (x1, y1), (x2, y2) = coords[k], coords[k + 1]
    return (round(x1 + (x2 - x1) * t, 4), round(y1 + (y2 - y1) * t, 4))


def _section_coords(network: Network, s: Service, i: int) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for st in s.sections[i].steps:
        if st.link is not None:
            seg = st.link.coordinates if st.frm == st.link.a else tuple(reversed(st.link.coordinates))
            pts.extend(seg)
        else:
            p, q = network.places[st.frm], network.places[st.to]
            pts.extend([(p.lon, p.lat), (q.lon, q.lat)])
    if not pts:
        p, q = network.places[s.stops[i]], network.places[s.stops[i + 1]]
        pts = [(p.lon, p.lat), (q.lon, q.lat)]
    return pts


def tracked_positions(s: Any, departure_ids: list[str], at: datetime) -> dict[str, dict[str, Any]]:
    """The latest actual transport event (tracking's train positions) of each departure, if it is not later
    than `at`: {departure_id: {place_id, stop_index, event, at}}. `s` is a database session."""
    from sqlalchemy import select

    from landbridge.tracking.models import TrainPosition

    out: dict[str, dict[str, Any]] = {}
    for k in range(0, len(departure_ids), 500):
        chunk = departure_ids[k : k + 500]
        for row in s.scalars(select(TrainPosition).where(TrainPosition.departure_id.in_(chunk))):
            event_at = row.event_at if row.event_at.tzinfo else row.event_at.replace(tzinfo=UTC)
            if event_at <= at:
                out[row.departure_id] = {
                    "place_id": row.place_id,
                    "stop_index": row.stop_index,
                    "event": row.type_code,
                    "at": iso_utc(event_at),
                }
    return out


def train_position(network: Network, dep: Departure, at: datetime) -> dict[str, Any]:
    """Where a departure's train is at `at` (UTC) by its schedule: `state` scheduled (at its origin, not left),
    `dwelling` (at a stop), `running` (between two stops, placed along the line by the share of the section's
    scheduled time gone) or `arrived`; `lon`/`lat` in degrees; `basis` is "schedule" (no tracking events)."""
    s = dep.service
    stops = s.stops
    last = len(stops) - 1
    out: dict[str, Any] = {"departure_id": dep.id, "service": s.id, "basis": "schedule", "at": iso_utc(at)}

    def at_stop(k: int, state: str) -> dict[str, Any]:
        p = network.places[stops[k]]
        return {**out, "state": state, "stop": k, "place": p.id, "place_name": p.name, "lon": p.lon, "lat": p.lat}

    if at < dep.departure:
        return at_stop(0, "scheduled")
    if at >= dep.arrival:
        return at_stop(last, "arrived")
    for k in range(last):
        leave, reach = dep.time_at(k), dep.time_at(k + 1, arriving=True)
        if at < leave:
            return at_stop(k, "dwelling")
        if at < reach:
            span = (reach - leave).total_seconds()
            f = 1.0 if span <= 0 else (at - leave).total_seconds() / span
            lon, lat = _along(_section_coords(network, s, k), f)
            nxt = network.places[stops[k + 1]]
            return {
                **out,
                "state": "running",
                "section": k,
                "from": stops[k],
                "to": stops[k + 1],
                "to_name": nxt.name,
                "lon": lon,
                "lat": lat,
                "progress": round(f, 4) if math.isfinite(f) else 0.0,
            }
    return at_stop(last, "arrived")
