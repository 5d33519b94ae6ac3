"""Line geometry of option legs, for maps: rail along the network, sea along searoute, air on the
great circle, truck as a straight line between its ends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from landbridge.network.models import Network, great_circle_points
from landbridge.planner.options import Leg
from landbridge.timetable.builder import Timetable


def leg_coordinates(leg: Leg, network: Network, timetable: Timetable) -> list[list[float]]:
    """The line a leg follows, [lon, lat] pairs: rail along its links, sea along the searoute path of its
    routing, air on the great circle, trucks straight."""
    a, b = network.places[leg.frm], network.places[leg.to]
    if leg.mode == "air":
        return great_circle_points((a.lon, a.lat), (b.lon, b.lat))
    if leg.mode == "rail" and leg.service in timetable.by_id:
        s = timetable.by_id[leg.service]
        coords: list[list[float]] = []
        for sec in s.sections[leg.board_index : leg.alight_index]:
            for st in sec.steps:
                if st.link is not None:
                    pts = st.link.coordinates if st.frm == st.link.a else tuple(reversed(st.link.coordinates))
                else:
                    p, q = network.places[st.frm], network.places[st.to]
                    pts = ((p.lon, p.lat), (q.lon, q.lat))
                coords.extend([list(x) for x in pts])
        return coords or [[a.lon, a.lat], [b.lon, b.lat]]
    if leg.mode == "sea" and leg.service in timetable.by_id:
        s = timetable.by_id[leg.service]
        variant = next((sec.sea_route for sec in s.sections if sec.sea_route), "suez")
        routes = network.sea_routes.get((leg.frm, leg.to))
        if routes:
            return [list(p) for p in routes[variant].coordinates]
        routes = network.sea_routes.get((leg.to, leg.frm))
        if routes:
            return [list(p) for p in reversed(routes[variant].coordinates)]
    return [[a.lon, a.lat], [b.lon, b.lat]]


def legs_geojson(legs: Sequence[Leg], network: Network, timetable: Timetable) -> dict[str, Any]:
    """An itinerary as a GeoJSON FeatureCollection (RFC 7946): one LineString per leg, in order, with its mode,
    ends and service; coordinates [lon, lat] in degrees (what the web app's map draws)."""
    feats: list[dict[str, Any]] = []
    for n, leg in enumerate(legs):
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": leg_coordinates(leg, network, timetable)},
                "properties": {"leg": n, "mode": leg.mode, "from": leg.frm, "to": leg.to, "service": leg.service},
            }
        )
    return {"type": "FeatureCollection", "features": feats}
