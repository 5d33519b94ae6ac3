"""Planner options traced back to the model's legs on the shipped network."""

from __future__ import annotations

import pytest

from landbridge.emissions import emission_factors, shipment_emissions
from landbridge.emissions.itinerary import legs_from_breakdown, legs_from_option, rail_sections
from landbridge.planner import QuoteRequest

F = emission_factors()


@pytest.fixture(scope="module")
def options(world, ready_date):
    out = []
    for origin, destination in (("Chongqing", "Duisburg"), ("Xi'an", "Istanbul"), ("Shanghai", "Rotterdam")):
        q = world.planner.quote(QuoteRequest(origin, destination, ready_date, modes=("rail", "sea", "air")))
        out += [(q, o) for o in q.options]
    return out


def test_legs_follow_the_options_distances_gauge_changes_and_ferries(world, options):
    ferries_seen = False
    for q, o in options:
        doc = o.to_dict()
        legs = legs_from_option(doc, world.network, world.timetable.by_id)
        assert [leg.distance_km for leg in legs] == pytest.approx([leg.distance_km for leg in o.legs], abs=0.5)
        for leg in legs:
            assert sum(s.distance_km for s in leg.parts()) == pytest.approx(leg.distance_km)
        # Every change of gauge is a handling: at a gauge-change yard, or where a ferry lands on the other gauge.
        handled = [h.place for leg in legs for h in leg.hubs if h.kind in ("gauge_change", "ferry_port")]
        assert {g.place for g in o.gauge_changes} <= set(handled)
        ferry_km = sum(s.distance_km for leg in legs for s in leg.parts() if s.mode == "ferry")
        ferry_ports = [h for leg in legs for h in leg.hubs if h.kind == "ferry_port"]
        assert len(ferry_ports) == 2 * sum(1 for leg in legs for s in leg.parts() if s.mode == "ferry")
        ferries_seen |= ferry_km > 0
        r = shipment_emissions(legs, q.mass_kg, q.containers, F)
        again = shipment_emissions(legs_from_breakdown(r.to_dict()), q.mass_kg, q.containers, F)
        assert again.wtw_kg == pytest.approx(r.wtw_kg, rel=1e-4)  # stored distances are rounded to 0.1 km
        assert [h.hub for h in again.hubs] == [h.hub for h in r.hubs]
    assert ferries_seen, "the Middle Corridor option should cross the Caspian"


def test_cross_border_links_split_between_countries(world):
    link = next(
        x for x in world.network.rail_links if world.network.places[x.a].country != world.network.places[x.b].country
    )
    step = next(s for s in world.network.rail_steps_from(link.a) if s.link is link)
    sections, hubs = rail_sections(world.network, [step])
    assert [s.country for s in sections] == [world.network.places[link.a].country, world.network.places[link.b].country]
    assert sections[0].distance_km == sections[1].distance_km == pytest.approx(link.distance_km / 2)
    assert hubs == ()
