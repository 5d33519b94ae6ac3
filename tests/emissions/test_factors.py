"""The shipped factor set against its published sources, and user profiles (a GLEC-shaped one included)."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from landbridge.datafiles import DEFAULT_DATA_DIR, DataSource
from landbridge.emissions import emission_factors, load_factor_set
from landbridge.errors import DataError

F = emission_factors()
DOC = yaml.safe_load((DEFAULT_DATA_DIR / "emission_factors.yaml").read_text(encoding="utf-8"))


def test_shipped_set_is_redistributable_and_names_itself():
    assert F.info.version and F.info.licence
    assert "Open Government Licence v3.0" in F.info.licence and "CC BY 4.0" in F.info.licence
    licences = {s.get("licence", "") for s in DOC["sources"].values()}
    assert not any("GLEC" in text or "Smart Freight" in text for text in map(str, DOC["factors"]))
    assert all(licences)
    for f in DOC["factors"] + DOC["hubs"]:
        assert f["source"] in DOC["sources"], f["id"]
    assert F.info.to_dict()["licence"] == F.info.licence


@pytest.mark.parametrize(
    ("factor_id", "ttw", "wtt"),
    [
        # UK Government GHG conversion factors 2025 (DESNZ), flat file, rows by ID (kg CO2e per tonne.km):
        ("hgv-articulated-33t-average-laden", 0.07703, 0.01799),  # 27_304_3132_14_1 / 28_907_3132_14_1
        ("container-ship-8000-teu", 0.01266, 0.00287),  # 27_320_3229_14_1 / 28_916_3229_14_1
        ("container-ship-average", 0.01612, 0.00365),  # 27_320_3235_14_1 / 28_916_3235_14_1
        ("roro-ferry-average", 0.05158, 0.0117),  # 27_320_3241_14_1 / 28_916_3241_14_1
        ("freight-flight-international", 0.5313, 0.13516),  # 27_317_3159_14_1 / 28_913_3159_14_1
        ("freight-train-uk-average", 0.02779, 0.00691),  # 27_315_3151_14_1 / 28_911_3151_14_1
    ],
)
def test_desnz_2025_factors(factor_id, ttw, wtt):
    f = F.factor(factor_id)
    assert f.ttw_g_per_tkm == pytest.approx(ttw * 1000)
    assert f.wtt_g_per_tkm == pytest.approx(wtt * 1000)


def test_fuel_train_energy_and_hub_figures():
    # DESNZ 2025 Fuels / WTT- fuels: Diesel (100% mineral diesel), kg CO2e per litre.
    assert F.diesel_fuel is not None
    assert (F.diesel_fuel.ttw_kg_per_l, F.diesel_fuel.wtt_kg_per_l) == (2.66155, 0.62409)
    # US BTS NTS Table 4-25M, Class I railroads 2009: 12,083 million litres / 2,236,990 million tonne-km.
    assert F.diesel_l_per_tkm == pytest.approx(12_083 / 2_236_990, rel=1e-3)
    # EcoTransIT World 2010, Table 23: large (1,500 t) electric train, volume goods, 32.3 Wh per net tkm.
    assert F.electric_kwh_per_tkm == pytest.approx(0.0323)
    # ... and within 25 % of VTT LIPASTO's Finnish electric freight train (2016): 0.027 kWh/tkm.
    assert F.electric_kwh_per_tkm == pytest.approx(0.027, rel=0.25)
    # HHLA: handling at a rail terminal 7 kg, in the Port of Hamburg 10 kg CO2 per container.
    assert F.hub_factor("gauge_change").wtw_kg_per_container == 7.0
    assert F.hub_factor("rail_terminal") is F.hub_factor("gauge_change")
    assert F.hub_factor("sea_port").wtw_kg_per_container == 10.0
    assert F.hub_factor("airport") is None  # no open figure found: reported as not quantified


@pytest.mark.parametrize(
    ("country", "g_per_kwh", "year"),
    [
        # Ember yearly electricity data, emissions intensity (g CO2e/kWh), latest year per country.
        ("CN", 557.5, 2024),
        ("KZ", 801.79, 2024),
        ("RU", 446.17, 2024),
        ("BY", 323.63, 2024),
        ("PL", 614.98, 2024),
        ("DE", 342.06, 2024),
        ("MN", 784.01, 2024),
        ("UZ", 1121.18, 2023),
        ("KG", 152.65, 2024),
    ],
)
def test_grid_intensities_are_embers(country, g_per_kwh, year):
    g = F.grid[country]
    assert (g.g_per_kwh, g.year) == (g_per_kwh, year)


def test_grid_cross_check_with_our_world_in_data_2024():
    """OWID's 2024 carbon intensity of electricity (from Ember), quoted in another public repository:
    France 44, Finland 72, Czechia 414, Austria 103, Belgium 118, Netherlands 253, Germany 344."""
    owid = {"FR": 44, "FI": 72, "CZ": 414, "AT": 103, "BE": 118, "NL": 253, "DE": 344}
    for country, value in owid.items():
        assert F.grid[country].g_per_kwh == pytest.approx(value, rel=0.01), country


def test_every_country_of_the_network_has_a_grid_figure(world):
    """Electric sections never fall back to the traction-unknown factor on the shipped network."""
    countries = {p.country for p in world.network.places.values() if p.is_rail}
    assert countries <= set(F.grid), sorted(countries - set(F.grid))


GLEC_SHAPED = textwrap.dedent(
    """
    source: "My licensed GLEC profile"
    licence: "Used under our own licence from Smart Freight Centre"
    factors:
      - {id: rail-electric, mode: rail, description: e, wtw_gco2e_per_tkm: 10.0, ttw_gco2e_per_tkm: 0.0, source: test}
      - {id: rail-diesel, mode: rail, description: d, wtw_gco2e_per_tkm: 30.0, ttw_gco2e_per_tkm: 24.0, source: test}
      - {id: rail-average, mode: rail, description: a, wtw_gco2e_per_tkm: 20.0, ttw_gco2e_per_tkm: 9.0, source: test}
      - {id: sea-deep-sea-container, mode: sea, description: s, wtw_gco2e_per_tkm: 5.0, ttw_gco2e_per_tkm: 4.0,
         source: test, data_quality: specific}
      - {id: sea-ferry, mode: ferry, description: f, wtw_gco2e_per_tkm: 100.0, ttw_gco2e_per_tkm: 80.0, source: test}
      - {id: road-truck-40t, mode: road, description: r, wtw_gco2e_per_tkm: 90.0, ttw_gco2e_per_tkm: 70.0, source: test}
      - {id: air-freighter-longhaul, mode: air, description: x, wtw_gco2e_per_tkm: 600.0, ttw_gco2e_per_tkm: 500.0,
         source: test}
    air_distance_rule: {add_km: 95}
    """
)


def test_a_glec_shaped_profile_loads_from_the_users_folder(tmp_path):
    (tmp_path / "emission_factors.yaml").write_text(GLEC_SHAPED)
    f = load_factor_set(DataSource(tmp_path))
    assert f.info.name == "My licensed GLEC profile" and "Smart Freight" in f.info.licence
    assert f.rail_intensity("CN", "electric").wtw_g_per_tkm == 10.0  # by factor: no grid in this profile
    diesel = f.rail_intensity("KZ", "diesel")
    assert (diesel.ttw_g_per_tkm, diesel.wtt_g_per_tkm) == (24.0, 6.0)
    assert f.mode_intensity("sea").data_quality == "specific"
    assert f.air_distance_km(1000) == 1095


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GLEC_SHAPED.replace(", ttw_gco2e_per_tkm: 0.0", ""), "ttw_gco2e_per_tkm"),
        (GLEC_SHAPED.replace("id: sea-ferry", "id: sea-fery"), "did you mean sea-fery"),
        (GLEC_SHAPED + "modes: {road: truck}\n", "no factor 'truck'"),
        (GLEC_SHAPED + "rail: {steam: rail-average}\n", "unknown traction"),
        (GLEC_SHAPED.replace("ttw_gco2e_per_tkm: 24.0", "ttw_gco2e_per_tkm: 40.0"), "exceeds"),
    ],
)
def test_bad_profiles_name_file_entry_and_field(tmp_path, text, expected):
    (tmp_path / "emission_factors.yaml").write_text(text)
    with pytest.raises(DataError) as err:
        load_factor_set(DataSource(tmp_path))
    assert expected in str(err.value) and "emission_factors.yaml" in str(err.value)
