"""What riding a service between two of its stops involves, whatever the date (for prices and emissions)."""

from __future__ import annotations

from landbridge.emissions.itinerary import merge_sections, rail_sections
from landbridge.network.models import Network
from landbridge.timetable.builder import sea_distance_km
from landbridge.timetable.models import BorderPassage, GaugeChange, RideFacts, Service


def ride_facts(network: Network, service: Service, i: int, j: int) -> RideFacts:
    """Facts of riding `service` from stop index `i` to stop index `j` (i < j).

    Rail: the links and crossings of its sections; sea: the searoute distance between the two ports
    (ocean routing of the service when the ride crosses the ocean); air: the great-circle distance.
    """
    if not 0 <= i < j < len(service.stops):
        raise ValueError(f"stop indexes {i}, {j} do not make a ride of {service.id}")
    if service.mode == "rail":
        return _rail_facts(network, service, i, j)
    if service.mode == "sea":
        ocean = next((sec.sea_route for sec in service.sections if sec.sea_route), "suez")
        variant = ocean if any(sec.sea_route for sec in service.sections[i:j]) else None
        dist = sea_distance_km(network, service.stops[i], service.stops[j], variant or "suez")
        return RideFacts("sea", dist, sea_variant=variant)
    return RideFacts("air", service.sections[0].distance_km)


def rail_section_facts(
    network: Network, service: Service, known: dict[tuple[str, str, str], RideFacts] | None = None
) -> list[RideFacts]:
    """The facts of riding each section of a rail service (stop k to stop k + 1), for `combine`. `known`
    keeps sections already worked out, by (from, to, region): lines share them (the path between two stops
    is the same for every line of one timetable)."""
    out = []
    for k, sec in enumerate(service.sections):
        key = (sec.frm, sec.to, sec.region)
        facts = known.get(key) if known is not None else None
        if facts is None:
            facts = _rail_facts(network, service, k, k + 1)
            if known is not None:
                known[key] = facts
        out.append(facts)
    return out


def combine(parts: list[RideFacts]) -> RideFacts:
    """The facts of riding several consecutive rail sections in one go (sums and concatenations)."""
    if len(parts) == 1:
        return parts[0]
    traction: dict[str, float] = {}
    region: dict[str, float] = {}
    for f in parts:
        for k, km in f.rail_km_by_traction:
            traction[k] = traction.get(k, 0.0) + km
        for k, km in f.rail_km_by_region:
            region[k] = region.get(k, 0.0) + km
    return RideFacts(
        "rail",
        sum(f.distance_km for f in parts),
        rail_km_by_traction=tuple(sorted(traction.items())),
        rail_km_by_region=tuple(sorted(region.items())),
        crossing_km=sum(f.crossing_km for f in parts),
        ferry_km=sum(f.ferry_km for f in parts),
        gauge_changes=tuple(g for f in parts for g in f.gauge_changes),
        ferries=sum(f.ferries for f in parts),
        borders=tuple(b for f in parts for b in f.borders),
        broad_gauge=any(f.broad_gauge for f in parts),
        running_hours=sum(f.running_hours for f in parts),
        busy_crossings=sum(f.busy_crossings for f in parts),
        emission_sections=merge_sections(s for f in parts for s in f.emission_sections),
        emission_hubs=tuple(h for f in parts for h in f.emission_hubs),
    )


def _rail_facts(network: Network, service: Service, i: int, j: int) -> RideFacts:
    places = network.places
    dist = running = crossing_km = ferry_km = 0.0
    by_traction: dict[str, float] = {}
    by_region: dict[str, float] = {}
    gauge: list[GaugeChange] = []
    borders: list[BorderPassage] = []
    ferries = busy = 0
    broad = False
    for sec in service.sections[i:j]:
        broad = broad or sec.region == "broad_gauge"
        for step in sec.steps:
            dist += step.distance_km
            a, b = places[step.frm], places[step.to]
            if a.country != b.country:
                borders.append(BorderPassage(a.country, b.country, a.id, b.id))
            if step.link is not None:
                running += step.hours
                by_traction[step.link.traction] = by_traction.get(step.link.traction, 0.0) + step.distance_km
                by_region[sec.region] = by_region.get(sec.region, 0.0) + step.distance_km
                continue
            crossing = step.crossing
            if crossing is None:  # a step is a link or a crossing
                continue
            if crossing.mode == "ferry":
                ferries += 1
                ferry_km += step.distance_km
            else:
                crossing_km += step.distance_km
                by_region[sec.region] = by_region.get(sec.region, 0.0) + step.distance_km
            if crossing.is_gauge_change:
                yard = places[crossing.transshipment_place(b.id)]
                forward = step.frm == crossing.a
                gauge.append(
                    GaugeChange(
                        yard.id,
                        yard.name,
                        crossing.name,
                        crossing.gauge_a_mm if forward else crossing.gauge_b_mm,
                        crossing.gauge_b_mm if forward else crossing.gauge_a_mm,
                    )
                )
            if crossing.typical_utilisation >= 0.85:
                busy += 1
    sections, hubs = rail_sections(network, [step for sec in service.sections[i:j] for step in sec.steps])
    return RideFacts(
        "rail",
        dist,
        rail_km_by_traction=tuple(sorted(by_traction.items())),
        rail_km_by_region=tuple(sorted(by_region.items())),
        crossing_km=crossing_km,
        ferry_km=ferry_km,
        gauge_changes=tuple(gauge),
        ferries=ferries,
        borders=tuple(borders),
        broad_gauge=broad,
        running_hours=running,
        busy_crossings=busy,
        emission_sections=sections,
        emission_hubs=hubs,
    )
