"""The default network checked against published figures (sources cited per test)."""

from __future__ import annotations

import statistics

import pytest

from landbridge.timetable.export import network_stats


def service_km(world, service_id: str) -> float:
    return sum(sec.distance_km for sec in world.timetable.by_id[service_id].sections)


def service_days(world, service_id: str) -> float:
    return world.timetable.by_id[service_id].transit_hours / 24


# --- scale --------------------------------------------------------------------------------
def test_network_scale_matches_cr_express_2024(world):
    """China State Railway Group via news reports: 1,724 trains in May 2024, more than 1,000 a
    month since 2020; 217 European cities in 25 countries (Jan-Nov 2024)."""
    s = network_stats(world.network, world.timetable)
    assert s["cr_express_trains_per_month"] > 1000
    assert 1700 * 0.85 <= s["cr_express_trains_per_month"] <= 1724 * 1.15
    assert s["european_cities"] >= 200
    assert s["european_countries"] >= 25
    assert s["chinese_hubs"] >= 20
    assert s["places"]["terminal"] >= 30
    # About two-thirds of the freight leaves China (DOMAIN.md); trains are less unbalanced than boxes: CRCT 2024,
    # 10,546 westbound of 19,392 trains (0.544; published_flows.yaml), within 15 %.
    assert 0.544 * 0.85 <= s["westbound_share"] <= 0.544 * 1.15


def test_train_capacities_follow_published_limits(world):
    """55 FEU on the Chinese section since 2023; EU trains limited to ~740 m, about 41-43 FEU."""
    for s in world.timetable.services:
        if s.mode != "rail":
            continue
        for sec in s.sections:
            if sec.region == "china":
                assert sec.capacity_feu <= 55
            if sec.region == "europe":
                assert 40 <= sec.capacity_feu <= 43


# --- rail distances (OSM-derived) against published route lengths --------------------------
# The links are OSM shortest paths, except where freight cannot take them: the Lanzhou-Urumqi and Xi'an-Lanzhou
# links carry the conventional lines' lengths (rail_links.yaml; the OSM shortest path took the passenger-only
# high-speed lines, 110 and 70 km shorter). What is left of the gap is the 2013 routings and the operators'
# tariff distances: Chengdu-Lodz went via Baoji (Baocheng line, about 370 km longer than today's way via
# Guangyuan), and the published figures are the railways' tariff kilometres, a few per cent above track length.
@pytest.mark.parametrize(
    "service_id, published_km, tolerance, source",
    [
        ("yuxinou-duisburg", 11179, 0.08, "China Daily 2013-09-13: Chongqing-Xinjiang-Europe railway, 11,179 km"),
        (
            "chengdu-lodz",
            9826,
            0.11,
            "Xinhua via Asian Shipper News 2013: Chengdu-Lodz, 9,826 km (2013 routing via Baoji)",
        ),
        ("yiwu-madrid", 13052, 0.05, "Xinhua 2014-12: Yiwu-Madrid, 13,052 km"),
        (
            "zhengzhou-hamburg",
            10214,
            0.05,
            "DW / AFP / dpa 2013-08-02: first Zhengzhou-Hamburg train, 10,214 km in 15 days",
        ),
        (
            "xian-tashkent",
            4486,
            0.05,
            "KTZ via The Astana Times 2024-08-05: Xi'an-Khorgos-Saryagash-Tashkent, 4,486 km",
        ),
        (
            "xian-almaty",
            3860,
            0.05,
            "Xinhua via watsupasia.com: Xi'an-Almaty China-Central Asia train, 3,860 km in six days",
        ),
    ],
)
def test_rail_distances_match_published_routes(world, service_id, published_km, tolerance, source):
    km = service_km(world, service_id)
    assert abs(km - published_km) / published_km <= tolerance, (km, source)


def test_freight_links_follow_the_conventional_lines(world):
    """Lanxin railway Lanzhou-Urumqi 1,904 km (the high-speed line, passenger-only, is 1,776 km); Baoji-Lanzhou
    conventional line 486 km (the Baolan high-speed line is 401 km)."""
    links = {frozenset((lk.a, lk.b)): lk for lk in world.network.rail_links}
    assert links[frozenset(("lanzhou", "urumqi"))].distance_km >= 1850
    assert links[frozenset(("xian", "lanzhou"))].distance_km >= 486 + 150


def test_rail_distances_are_network_not_great_circle(world):
    from landbridge.network.models import haversine_km

    for link in world.network.rail_links:
        a, b = world.network.places[link.a], world.network.places[link.b]
        gc = haversine_km(a.lat, a.lon, b.lat, b.lon)
        assert link.distance_km >= gc * 0.97, link
        assert len(link.coordinates) >= 2


# --- transit times ---------------------------------------------------------------------------
def _published_routes() -> list:
    import yaml

    from landbridge.datafiles import DEFAULT_DATA_DIR

    doc = yaml.safe_load((DEFAULT_DATA_DIR / "published_times.yaml").read_text(encoding="utf-8"))
    out = []
    for r in doc["routes"]:
        marks = [pytest.mark.xfail(strict=True, reason=r.get("note", ""))] if r["status"] == "gap" else []
        out.append(pytest.param(r["service"], r["days"], r["source"], id=r["service"], marks=marks))
    return out


@pytest.mark.parametrize("service_id, published_days, source", _published_routes())
def test_scheduled_transit_time_of_each_named_route_within_two_days_of_published(
    world, service_id, published_days, source
):
    """published_times.yaml: each named line's scheduled time within 2 days of its published time."""
    assert abs(service_days(world, service_id) - published_days) <= 2.0, source


def test_china_to_germany_and_poland_ranges(world):
    """2024 freight-market reports: China-Poland 13-15 days; China-Germany 18-21 days door to door. The
    schedules here are terminal to terminal, as operators publish them (UTLC ERA: 4.9 days on average
    over the 1520 mm section, 2020): at most the market's range, at least the fixed-schedule 10-11 days."""
    tt = world.timetable
    net = world.network
    de, pl = [], []
    for s in tt.services:
        if (
            s.mode == "rail"
            and s.cr_express
            and s.direction == "westbound"
            and "middle" not in s.corridor
            and not s.priority_crossing
        ):
            country = net.places[s.destination].country
            (de if country == "DE" else pl if country == "PL" else []).append(s.transit_hours / 24)
    assert 10 <= statistics.median(pl) <= 15.5
    assert 10.5 <= statistics.median(de) <= 21


# --- sea -------------------------------------------------------------------------------------
def test_sea_distance_shanghai_rotterdam_suez_and_cape(world):
    """Shanghai-Rotterdam about 19,600 km via Suez, about 25,000 km round the Cape (DOMAIN.md)."""
    routes = world.network.sea_routes[("shanghai-port", "rotterdam-port")]
    assert abs(routes["suez"].distance_km - 19600) / 19600 <= 0.05
    assert abs(routes["cape"].distance_km - 25000) / 25000 <= 0.06


def test_red_sea_closure_adds_about_ten_days_by_sea(ready_date):
    """With the Red Sea closed carriers go round the Cape: on average about 10 days more."""
    from tests.conftest import world_for

    base = world_for().timetable.by_id["ae-north-1"]
    cape = world_for("red-sea-closed").timetable.by_id["ae-north-1"]
    extra_days = (cape.transit_hours - base.transit_hours) / 24
    assert 7 <= extra_days <= 14


def test_border_capacities_carry_the_timetable(world):
    """Each crossing's typical utilisation (all traffic) covers at least the CR Express trains the
    timetable sends through it, so queues are finite in the planner and the simulation alike."""
    from collections import Counter

    load: Counter = Counter()
    for s in world.timetable.services:
        if s.mode != "rail":
            continue
        per_day = len(s.weekdays) * len(s.departure_times) / 7
        for sec in s.sections:
            for st in sec.steps:
                if st.crossing is not None:
                    load[st.crossing.id] += per_day
    for c in world.network.crossings:
        assert load[c.id] / c.trains_per_day <= c.typical_utilisation + 0.02, (c.id, load[c.id])
    # Khorgos railway port: 8,541 trains by 24 December 2024, 23.8 a day (Xinhua 2024-12-24; published_flows.yaml),
    # more than the Khorgos Gateway dry port's own 19-20 a day: the port's capacity is that average over 0.92
    assert world.network.crossing_by_id["khorgos-altynkol"].trains_per_day == 26


def _sea_routes():
    import json

    from landbridge.datafiles import DEFAULT_DATA_DIR

    doc = json.loads((DEFAULT_DATA_DIR / "derived" / "sea_routes.json").read_text(encoding="utf-8"))
    return [pytest.param(key, name, r, id=f"{key}:{name}") for key, v in doc["routes"].items() for name, r in v.items()]


@pytest.mark.parametrize("pair, variant, route", _sea_routes())
def test_each_sea_route_stays_on_its_side_of_the_world(pair, variant, route):
    """Issue 9: no Europe-Asia route may cross the Pacific (Panama), longitudes stay within +-180 (RFC 7946);
    Suez routes pass the Red Sea, Cape routes round Africa south of 30 S and never enter the Red Sea."""
    pts = route["coordinates"]
    assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in pts)
    assert not any(-100 <= lon <= -70 and 0 <= lat <= 20 for lon, lat in pts), "via Panama / Caribbean"
    assert not any(lon < -40 for lon, lat in pts), "west of the mid-Atlantic: Pacific or Americas"
    red_sea = any(32 <= lon <= 44 and 12 <= lat <= 30 for lon, lat in pts)
    if variant == "cape":
        assert min(lat for _, lat in pts) < -30 and not red_sea
    else:
        assert red_sea


def test_import_time_at_a_crossing_falls_on_import_trains_only(world):
    """border_crossings.yaml import_hours: a train ending in Russia spends them at Zabaykalsk, a transit train
    through the same crossing to the EU does not (RZD runs transit container trains at about 1,058 km/day)."""
    tt, net = world.timetable, world.network
    zab = net.crossing_by_id["manzhouli-zabaykalsk"]
    assert zab.import_hours > 0 and "RU" in zab.import_countries
    for c in net.crossings:
        assert c.hours_for("DE") == c.processing_hours
    to_moscow = tt.by_id["shenyang-bely-rast"]
    to_hamburg = tt.by_id["shenyang-hamburg"]
    # Both cross at Zabaykalsk and run on to Moscow; only the train that ends in Russia spends the import time.
    assert to_moscow.transit_hours / 24 >= 14
    assert to_hamburg.transit_hours / 24 <= 21


@pytest.mark.parametrize("terminal", ["astana-rail", "karaganda-rail", "shymkent-rail", "samarkand-rail"])
def test_central_asian_terminals_are_served(world, terminal):
    """Issue 10: the Kazakh terminals beyond Almaty and Samarkand have China-Central Asia trains, both ways."""
    serving = [s for s in world.timetable.services if s.mode == "rail" and terminal in s.stops]
    assert {s.direction for s in serving} == {"westbound", "eastbound"}
    assert all(not s.cr_express for s in serving)  # China-Central Asia trains are not counted as CR Express


def test_every_crossing_on_a_service_ends_a_section(world):
    """Services list both sides of each crossing they pass as stops (services.yaml), so a section is either
    one crossing or links only: the twin's per-stop movements (tracking) rely on it."""
    for s in world.timetable.services:
        if s.mode != "rail":
            continue
        for sec in s.sections:
            if any(st.crossing is not None for st in sec.steps):
                assert len(sec.steps) == 1, (s.id, sec.frm, sec.to, [st.to for st in sec.steps])
