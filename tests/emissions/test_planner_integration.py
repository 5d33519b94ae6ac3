"""The planner takes every ride's and leg's CO2e from the emissions model, and a quote names its factor set."""

from __future__ import annotations

import pytest

from landbridge.emissions import shipment_emissions
from landbridge.emissions.itinerary import legs_from_breakdown, legs_from_option
from landbridge.planner import QuoteRequest


@pytest.fixture(scope="module")
def quote(world, ready_date):
    return world.planner.quote(QuoteRequest("Chongqing", "Duisburg", ready_date, containers=2, mass_kg=30_000))


def test_quote_names_its_factor_set(world, quote):
    doc = quote.to_dict()
    assert doc["emission_factors"] == world.factors.info.to_dict()
    assert doc["emission_factors"]["licence"] and doc["emission_factors"]["version"]


def test_options_carry_the_models_breakdown(world, quote):
    modes = set()
    for o in quote.options:
        modes.add(o.mode)
        e = o.to_dict()["emissions"]
        assert o.co2e_kg == pytest.approx(e["totals"]["wtw_co2e_kg"], abs=1e-3)
        assert e["mass_kg"] == 30_000 and e["containers"] == 2
        # each leg's figure is the model's leg (the search used the same intensities), hubs come on top
        assert [leg.co2e_kg for leg in o.legs] == pytest.approx([x["wtw_co2e_kg"] for x in e["legs"]], abs=1e-3)
        hubs = sum(h["wtw_co2e_kg"] for h in e["hubs"])
        assert o.co2e_kg == pytest.approx(sum(leg.co2e_kg for leg in o.legs) + hubs, abs=1e-2)
        if o.mode == "rail":
            countries = {s["country"] for leg in e["legs"] for s in leg["sections"] if s["mode"] == "rail"}
            assert {"CN", "KZ", "PL", "DE"} <= countries
            assert sum(h["kind"] == "gauge_change" for h in e["hubs"]) == len(o.gauge_changes)
        factors = [s["factor"] for leg in e["legs"] for s in leg["sections"]] + [h["factor"] for h in e["hubs"]]
        assert not any("source" in f for f in factors if f)  # compact: the factor set holds the sources
        # the stored breakdown reproduces itself through the model, and matches a re-trace over the timetable
        stored = shipment_emissions(legs_from_breakdown(e), 30_000, 2, world.factors)
        assert stored.wtw_kg == pytest.approx(o.co2e_kg, rel=1e-4)
        doc = {k: v for k, v in o.to_dict().items() if k != "emissions"}
        traced = shipment_emissions(
            legs_from_option(doc, world.network, world.timetable.by_id), 30_000, 2, world.factors
        )
        assert traced.wtw_kg == pytest.approx(o.co2e_kg, rel=1e-4)
    assert "rail" in modes


def test_electric_rail_in_china_is_charged_at_chinas_grid(world, ready_date):
    """A ride entirely on China's electrified network costs 0.0323 kWh/tkm x China's grid, not an EU average."""
    q = world.planner.quote(QuoteRequest("Chongqing", "Xi'an", ready_date, modes=("rail",), mass_kg=10_000))
    rail = next(leg for o in q.options for leg in o.to_dict()["emissions"]["legs"] if leg["mode"] == "rail")
    cn = [s for s in rail["sections"] if s["country"] == "CN" and s["traction"] == "electric"]
    assert cn and all(s["factor"]["wtw"] == pytest.approx(0.0323 * 557.5, abs=1e-3) for s in cn)


def test_every_rail_ride_knows_its_sections(world):
    """Whatever way the planner builds a ride's facts (one section or several joined), the emission sections
    cover the ride's whole distance: no rail kilometre falls back to the traction-unknown factor unseen."""
    rides = [r for route in world.planner.routes.routes for rs in route.rides_from.values() for r in rs]
    rail = [r for r in rides if r.facts.mode == "rail"]
    assert rail
    for r in rail:
        f = r.facts
        assert sum(s.distance_km for s in f.emission_sections) == pytest.approx(f.distance_km, abs=0.01), r.board
        assert all(s.country for s in f.emission_sections if s.mode == "rail")
        # each change of gauge is a handling: at the yard, or where a ferry lands on the other gauge
        handled = [h.place for h in f.emission_hubs if h.kind in ("gauge_change", "ferry_port")]
        assert {g.place for g in f.gauge_changes} <= set(handled)
