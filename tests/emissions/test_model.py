"""The ISO 14083 model: reference shipments calculated by hand, and properties that hold for any input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbridge.emissions import (
    Hub,
    LegSpec,
    Section,
    emission_factors,
    leg_emissions,
    leg_g_per_tonne,
    shipment_emissions,
    transfer_hubs,
)
from landbridge.errors import InvalidRequestError

F = emission_factors()

# Factors of the shipped set used by hand below (data/emission_factors.yaml):
#   road   HGV articulated >33 t, average laden (DESNZ 2025): TTW 77.03, WTT 17.99 g/tkm
#   sea    container ship 8000+ TEU (DESNZ 2025):              TTW 12.66, WTT 2.87 g/tkm
#   air    freight flight international, no RF (DESNZ 2025):   TTW 531.3, WTT 135.16 g/tkm, +0 km
#   ferry  RoRo ferry average (DESNZ 2025):                     TTW 51.58, WTT 11.7 g/tkm
#   rail electric: 0.0323 kWh/tkm x grid (Ember): TTW 0, WTT = 0.0323 x g/kWh
#       CN 557.5 -> 18.00725; RU 446.17 -> 14.411291; PL 614.98 -> 19.863854; GE 143.06 -> 4.620838
#   rail diesel: 0.005401 l/tkm x diesel 2.66155 TTW / 0.62409 WTT kg/l
#       -> TTW 14.37503155, WTT 3.37071009 g/tkm
#   hubs: rail terminal / gauge change 7 kg, sea or ferry port 10 kg per container (HHLA), TTW; airport none


def test_reference_rail_shipment_china_to_poland():
    """20 t in one container, truck 40 km to the terminal, then one train: CN electric 3,000 km,
    KZ diesel 2,000 km, RU electric 2,500 km, BY diesel 500 km, PL electric 600 km.

    road  20 t x 40 km = 800 tkm:       TTW 800 x 77.03 = 61.624 kg;  WTT 800 x 17.99 = 14.392 kg
    CN    60,000 tkm x 18.00725  = WTT 1,080.435 kg
    KZ    40,000 tkm: TTW x 14.37503155 = 575.001262; WTT x 3.37071009 = 134.8284036 kg
    RU    50,000 tkm x 14.411291 = WTT 720.56455 kg
    BY    10,000 tkm: TTW 143.7503155; WTT 33.7071009 kg
    PL    12,000 tkm x 19.863854 = WTT 238.366248 kg
    hubs  terminal at Xi'an, gauge changes at Khorgos and Brest, terminal at Małaszewicze: 4 x 7 = 28 kg TTW
    TTW = 61.624 + 575.001262 + 143.7503155 + 28 = 808.3755775 kg
    WTT = 14.392 + 1,080.435 + 134.8284036 + 720.56455 + 33.7071009 + 238.366248 = 2,222.2933025 kg
    WTW = 3,030.66888 kg
    """
    rail = LegSpec(
        "rail",
        "xian",
        "malaszewicze",
        9600,
        sections=(
            Section("rail", 3000, "CN", "electric"),
            Section("rail", 2000, "KZ", "diesel"),
            Section("rail", 2500, "RU", "electric"),
            Section("rail", 500, "BY", "diesel"),
            Section("rail", 600, "PL", "electric"),
        ),
        hubs=(Hub("gauge_change", "altynkol", country="KZ"), Hub("gauge_change", "malaszewicze", country="PL")),
    )
    legs = [LegSpec("road", "factory", "xian", 40), rail]
    r = shipment_emissions(legs, mass_kg=20_000, containers=1, factors=F)
    assert r.ttw_kg == pytest.approx(808.3755775, rel=1e-9)
    assert r.wtt_kg == pytest.approx(2222.2933025, rel=1e-9)
    assert r.wtw_kg == pytest.approx(3030.66888, rel=1e-9)
    assert [h.hub.kind for h in r.hubs] == ["rail_terminal", "gauge_change", "gauge_change", "rail_terminal"]
    assert r.legs[1].parts[0].intensity.factor_id == "rail-electric-CN"
    assert r.legs[1].parts[0].ttw_kg == 0  # an electric train emits nothing itself


def test_reference_air_shipment():
    """10 t by air, 8,800 km great circle (DESNZ factors include their distance uplift: +0 km), trucks of
    50 km at both ends.

    air   88,000 tkm: TTW x 531.3 = 46,754.4 kg; WTT x 135.16 = 11,894.08 kg
    road  2 x 500 tkm = 1,000 tkm: TTW 77.03 kg; WTT 17.99 kg
    hubs  airports at both ends: no factor in the set, not quantified (0)
    TTW = 46,831.43; WTT = 11,912.07; WTW = 58,743.5 kg
    """
    legs = [LegSpec("road", "a", "pvg", 50), LegSpec("air", "pvg", "fra", 8800), LegSpec("road", "fra", "b", 50)]
    r = shipment_emissions(legs, mass_kg=10_000, containers=1, factors=F)
    assert r.ttw_kg == pytest.approx(46831.43, rel=1e-9)
    assert r.wtt_kg == pytest.approx(11912.07, rel=1e-9)
    assert r.wtw_kg == pytest.approx(58743.5, rel=1e-9)
    assert [h.hub.kind for h in r.hubs] == ["airport", "airport"]
    assert not any(h.to_dict()["quantified"] for h in r.hubs)


def test_reference_sea_shipment():
    """15 t in two containers, 19,600 km by container ship, then 100 km by truck.

    sea   294,000 tkm: TTW x 12.66 = 3,722.04 kg; WTT x 2.87 = 843.78 kg
    road  1,500 tkm: TTW 115.545; WTT 26.985 kg
    hubs  two sea ports x 2 containers x 10 kg = 40 kg TTW
    TTW = 3,877.585; WTT = 870.765; WTW = 4,748.35 kg
    """
    legs = [LegSpec("sea", "cnsha", "nlrtm", 19_600), LegSpec("road", "nlrtm", "venlo", 100)]
    r = shipment_emissions(legs, mass_kg=15_000, containers=2, factors=F)
    assert r.ttw_kg == pytest.approx(3877.585, rel=1e-9)
    assert r.wtt_kg == pytest.approx(870.765, rel=1e-9)
    assert r.wtw_kg == pytest.approx(4748.35, rel=1e-9)


def test_reference_middle_corridor_with_ferry():
    """10 t in one container by rail with the Caspian ferry inside the leg: KZ diesel 1,000 km, ferry
    470 km, AZ diesel 500 km, GE electric 300 km.

    KZ    10,000 tkm: TTW 143.7503155; WTT 33.7071009 kg
    ferry 4,700 tkm: TTW x 51.58 = 242.426; WTT x 11.7 = 54.99 kg
    AZ    5,000 tkm: TTW 71.87515775; WTT 16.85355045 kg
    GE    3,000 tkm x 4.620838 = WTT 13.862514 kg
    hubs  terminal 7 + ferry ports 10 + 10 + terminal 7 = 34 kg TTW
    TTW = 492.05147325; WTT = 119.41316535; WTW = 611.4646386 kg
    """
    leg = LegSpec(
        "rail",
        "almaty",
        "tbilisi",
        2270,
        sections=(
            Section("rail", 1000, "KZ", "diesel"),
            Section("ferry", 470),
            Section("rail", 500, "AZ", "diesel"),
            Section("rail", 300, "GE", "electric"),
        ),
        hubs=(Hub("ferry_port", "aktau-port", country="KZ"), Hub("ferry_port", "alat-port", country="AZ")),
    )
    r = shipment_emissions([leg], mass_kg=10_000, containers=1, factors=F)
    assert r.ttw_kg == pytest.approx(492.05147325, rel=1e-9)
    assert r.wtt_kg == pytest.approx(119.41316535, rel=1e-9)
    assert r.by_mode()["ferry"] == pytest.approx(242.426 + 54.99)


# ---- properties -------------------------------------------------------------------------------------
COUNTRIES = [*sorted(F.grid), "XX"]  # XX: a country without a grid figure (falls back to 'average')
sections = st.builds(
    Section,
    mode=st.sampled_from(["rail", "rail", "ferry", "road", "sea"]),
    distance_km=st.floats(0, 5000, allow_nan=False),
    country=st.sampled_from(COUNTRIES),
    traction=st.sampled_from(["electric", "diesel", "average"]),
)
legs_st = st.builds(
    LegSpec,
    mode=st.sampled_from(["rail", "road", "sea", "air"]),
    frm=st.sampled_from(["a", "b", "c"]),
    to=st.sampled_from(["a", "b", "c"]),
    distance_km=st.floats(0, 12_000, allow_nan=False),
    sections=st.lists(sections, max_size=5).map(tuple),
)
mass = st.floats(1, 30_000, allow_nan=False)


@settings(max_examples=150, deadline=None)
@given(st.lists(legs_st, min_size=1, max_size=5), mass, st.integers(0, 5))
def test_totals_are_the_sums_of_legs_and_hubs_and_wtw_is_ttw_plus_wtt(legs, mass_kg, containers):
    r = shipment_emissions(legs, mass_kg, containers, F)
    assert r.ttw_kg == pytest.approx(sum(x.ttw_kg for x in r.legs) + sum(h.ttw_kg for h in r.hubs))
    assert r.wtw_kg == pytest.approx(r.ttw_kg + r.wtt_kg)
    assert r.wtw_kg == pytest.approx(sum(r.by_mode().values()))
    assert all(p.ttw_kg >= 0 and p.wtt_kg >= 0 for x in r.legs for p in x.parts)
    doc = r.to_dict()
    assert doc["totals"]["wtw_co2e_kg"] == pytest.approx(r.wtw_kg, abs=1e-3)
    assert len(doc["legs"]) == len(legs)


@settings(max_examples=100, deadline=None)
@given(st.lists(legs_st, min_size=1, max_size=5), mass, st.integers(0, 5))
def test_the_planners_memoised_shipment_is_the_model_s(legs, mass_kg, containers):
    """The planner's emission model reuses leg and hub results and a leg's end hubs (per object, mass and
    position): the shipment it returns, asked once or again, is the one the model computes afresh, to the bit."""
    from landbridge.planner.emission_model import FactorEmissions

    model = FactorEmissions(emission_factors())
    fresh = shipment_emissions(legs, mass_kg, containers, model.factors)
    first = model.shipment(legs, mass_kg, containers)
    again = model.shipment(legs, mass_kg, containers)
    assert first == fresh and again == fresh
    assert first.to_dict() == again.to_dict() == fresh.to_dict()
    assert (first.ttw_kg, first.wtt_kg, first.wtw_kg) == (fresh.ttw_kg, fresh.wtt_kg, fresh.wtw_kg)
    assert all(a is b for a, b in zip(first.hubs, again.hubs, strict=True))


@settings(max_examples=50, deadline=None)
@given(st.lists(legs_st, min_size=1, max_size=3), mass, st.integers(0, 5))
def test_the_memoised_shipment_of_one_leg_object_at_two_positions_is_the_model_s(legs, mass_kg, containers):
    """The planner's model reuses a leg's sections when the same LegSpec object comes at another position (a
    ride or truck leg in another itinerary): each leg's result still carries its own index, to the bit."""
    from landbridge.planner.emission_model import FactorEmissions

    model = FactorEmissions(emission_factors())
    model.shipment(legs, mass_kg, containers)
    moved = [*legs[1:], legs[0], legs[0]]  # the first leg object at two later positions
    fresh = shipment_emissions(moved, mass_kg, containers, model.factors)
    memoised = model.shipment(moved, mass_kg, containers)
    assert memoised == fresh and memoised.to_dict() == fresh.to_dict()
    assert [x.index for x in memoised.legs] == list(range(len(moved)))


@settings(max_examples=100, deadline=None)
@given(legs_st, mass, st.floats(1.5, 10, allow_nan=False))
def test_emissions_scale_with_mass(leg, mass_kg, k):
    a = leg_emissions(leg, mass_kg, F)
    b = leg_emissions(leg, mass_kg * k, F)
    assert b.wtw_kg == pytest.approx(a.wtw_kg * k, rel=1e-9, abs=1e-9)
    ttw, wtw = leg_g_per_tonne(leg, F)
    assert a.wtw_kg == pytest.approx(wtw * mass_kg / 1e6, rel=1e-9, abs=1e-9)
    assert a.ttw_kg == pytest.approx(ttw * mass_kg / 1e6, rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(sections, st.floats(0, 1), mass)
def test_splitting_a_section_changes_nothing(section, share, mass_kg):
    whole = LegSpec("rail", "a", "b", section.distance_km, sections=(section,))
    first = Section(section.mode, section.distance_km * share, section.country, section.traction)
    rest = Section(section.mode, section.distance_km - first.distance_km, section.country, section.traction)
    split = LegSpec("rail", "a", "b", section.distance_km, sections=(first, rest))
    assert leg_emissions(split, mass_kg, F).wtw_kg == pytest.approx(leg_emissions(whole, mass_kg, F).wtw_kg)


def test_electric_rail_follows_each_countrys_grid():
    cn = F.rail_intensity("CN", "electric")
    de = F.rail_intensity("DE", "electric")
    assert cn.wtw_g_per_tkm == pytest.approx(0.0323 * 557.5)
    assert de.wtw_g_per_tkm == pytest.approx(0.0323 * 342.06)
    unknown = F.rail_intensity("XX", "electric")
    assert unknown.factor_id == "freight-train-uk-average" and "no grid intensity for XX" in unknown.description


def test_transfer_hubs():
    rail1 = LegSpec("rail", "a", "b", 100)
    rail2 = LegSpec("rail", "b", "c", 100)
    road = LegSpec("road", "b", "d", 10)
    rail3 = LegSpec("rail", "d", "e", 100)
    # Two trains meeting at b: one transfer between them.
    assert [(h.kind, h.place) for h in transfer_hubs([rail1, rail2])] == [
        ("rail_terminal", "a"),
        ("rail_terminal", "b"),
        ("rail_terminal", "c"),
    ]
    # A truck in between: unloaded at b, loaded at d.
    assert [h.place for h in transfer_hubs([rail1, road, rail3])] == ["a", "b", "d", "e"]
    assert transfer_hubs([LegSpec("road", "a", "b", 5)]) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: shipment_emissions([LegSpec("rail", "a", "b", 10)], 0, 1, F),
        lambda: shipment_emissions([LegSpec("rail", "a", "b", 10)], 100, -1, F),
        lambda: leg_emissions(LegSpec("rail", "a", "b", -5), 100, F),
        lambda: leg_emissions(LegSpec("teleport", "a", "b", 5), 100, F),
        lambda: leg_emissions(LegSpec("rail", "a", "b", 5, sections=(Section("hovercraft", 5),)), 100, F),
        lambda: shipment_emissions([], 100, 1, F, hubs=[Hub("warehouse", "x")]),
    ],
)
def test_bad_input_is_a_clear_error(call):
    with pytest.raises(InvalidRequestError):
        call()
