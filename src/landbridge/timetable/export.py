"""Summaries and GeoJSON export of the network."""

from __future__ import annotations

from collections import Counter
from typing import Any

from landbridge.network.models import Network, great_circle_points, haversine_km
from landbridge.timetable.builder import Timetable

DAYS_PER_MONTH = 365.25 / 12


def served_cities(network: Network, max_road_km: float, circuity: float) -> list[str]:
    """European destination cities with a rail terminal within a truck leg (road distance)."""
    terminals = [p for p in network.places.values() if p.kind == "terminal"]
    served = []
    for city in network.european_cities():
        for t in terminals:
            km = network.road_distance_km(city.id, t.id)
            if km is None:
                km = haversine_km(city.lat, city.lon, t.lat, t.lon) * circuity
            if km <= max_road_km:
                served.append(city.id)
                break
    return served


def network_stats(network: Network, timetable: Timetable) -> dict[str, Any]:
    """Counts of the network and its timetable: places by kind, links by mode, rail km, gauge changes,
    destination cities and countries, CR Express trains per month and the westbound share."""
    params = timetable.parameters
    served = served_cities(
        network,
        float(params.get("road", "max_leg_km", default=1500)),
        float(params.get("road", "circuity_factor", default=1.3)),
    )
    places = Counter(p.kind for p in network.places.values())
    rail_services = [s for s in timetable.services if s.mode == "rail"]
    cr = [s for s in rail_services if s.cr_express]
    trains_per_week = sum(len(s.weekdays) * len(s.departure_times) for s in cr)
    ferries = sum(1 for c in network.crossings if c.mode == "ferry")
    links = {
        "rail": len(network.rail_links),
        "border_crossing": len(network.crossings) - ferries,
        "ferry": ferries,
        "road": len(network.road_km),
        "sea": len(network.sea_routes),
        "air": sum(1 for s in timetable.services if s.mode == "air" and s.direction == "westbound"),
    }
    return {
        "places": dict(sorted(places.items())),
        "links": links,
        "rail_km": round(sum(l.distance_km for l in network.rail_links)),
        "gauge_changes": sorted(c.name for c in network.crossings if c.is_gauge_change),
        "european_cities": len(served),
        "european_countries": len({network.places[c].country for c in served}),
        "chinese_hubs": places.get("hub", 0),
        "services": dict(Counter(s.mode for s in timetable.services)),
        "cr_express_trains_per_month": round(trains_per_week / 7 * DAYS_PER_MONTH),
        "westbound_share": round(
            sum(len(s.weekdays) * len(s.departure_times) for s in cr if s.direction == "westbound")
            / max(1, trains_per_week),
            3,
        ),
    }


def network_geojson(network: Network, timetable: Timetable) -> dict[str, Any]:
    """The network as a GeoJSON FeatureCollection (RFC 7946): places as points; rail links, crossings, sea
    routes and flights as lines ([lon, lat] degrees), each with its properties."""
    feats: list[dict[str, Any]] = []
    for p in network.places.values():
        props: dict[str, Any] = {"id": p.id, "name": p.name, "kind": p.kind, "country": p.country}
        if p.gauge_mm:
            props["gauge_mm"] = p.gauge_mm
        if p.unlocode:
            props["unlocode"] = p.unlocode
        feats.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]}, "properties": props}
        )
    feats.extend(
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in l.coordinates]},
            "properties": {
                "mode": "rail",
                "from": l.a,
                "to": l.b,
                "gauge_mm": l.gauge_mm,
                "distance_km": l.distance_km,
                "speed_kmh": l.speed_kmh,
                "traction": l.traction,
            },
        }
        for l in network.rail_links
    )
    for c in network.crossings:
        pa, pb = network.places[c.a], network.places[c.b]
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[pa.lon, pa.lat], [pb.lon, pb.lat]]},
                "properties": {
                    "mode": c.mode if c.mode == "ferry" else "border_crossing",
                    "id": c.id,
                    "name": c.name,
                    "from": c.a,
                    "to": c.b,
                    "gauge_change": c.is_gauge_change,
                    "gauges_mm": [c.gauge_a_mm, c.gauge_b_mm],
                    "processing_hours": c.processing_hours,
                    "trains_per_day": c.trains_per_day,
                },
            }
        )
    for (a, b), variants in network.sea_routes.items():
        for name, r in variants.items():
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": [list(c) for c in r.coordinates]},
                    "properties": {"mode": "sea", "from": a, "to": b, "route": name, "distance_km": r.distance_km},
                }
            )
    for s in timetable.services:
        if s.mode == "air" and s.direction == "westbound":
            fa, fb = network.places[s.stops[0]], network.places[s.stops[1]]
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": great_circle_points((fa.lon, fa.lat), (fb.lon, fb.lat)),
                    },
                    "properties": {
                        "mode": "air",
                        "service": s.id,
                        "name": s.name,
                        "from": fa.id,
                        "to": fb.id,
                        "distance_km": s.sections[0].distance_km,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": feats}
