"""The endpoints the web app's pages need, over HTTP (in-process): who may call them, what they promise about
the network, places, geometry and train positions, and simulation jobs from start to comparison."""

from __future__ import annotations

import gzip
import json
import os
import secrets
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    """A client on a fresh database (SQLite always; PostgreSQL in a throw-away schema when
    LANDBRIDGE_TEST_DATABASE_URL is set), seeded around today, with an operator's and a shipper's headers."""
    from fastapi.testclient import TestClient

    from landbridge.accounts.service import create_customer, create_key
    from landbridge.api.app import create_app
    from landbridge.booking import capacity
    from landbridge.db.engine import get_database
    from landbridge.migrations import upgrade
    from landbridge.world import load_world

    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('webapi')}/web.sqlite3"
    else:
        import psycopg

        from tests.booking.conftest import PG_ENV, _pg_url, with_schema

        base = _pg_url()
        if not base:
            pytest.skip(f"PostgreSQL tests need {PG_ENV}")
        schema = f"lbweb_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {schema}")
        url = with_schema(base, schema)
    db = get_database(url)
    upgrade(db)
    today = date.today()
    db.write(lambda s: capacity.seed(s, load_world(), today - timedelta(days=3), today + timedelta(days=3)))

    def keys(s):
        c = create_customer(s, "Acme")
        return create_key(s, "operator", "op")[1], create_key(s, "shipper", "acme", c.id)[1]

    op, shipper = db.write(keys)
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {op}"}, {"Authorization": f"Bearer {shipper}"}
    db.dispose()
    if schema:
        import psycopg

        from tests.booking.conftest import _pg_url

        with psycopg.connect(_pg_url().replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def test_every_endpoint_needs_a_key(env):
    client, _, _ = env
    for method, path in [
        ("GET", "/v1/network"),
        ("GET", "/v1/places?q=duis"),
        ("GET", "/v1/catalog"),
        ("POST", "/v1/geometry"),
        ("GET", "/v1/departures/x:2026-01-01T0000/position"),
        ("GET", "/v1/operator/trains"),
        ("POST", "/v1/operator/simulations"),
        ("GET", "/v1/simulations/latest"),
    ]:
        assert client.request(method, path, json={} if method == "POST" else None).status_code == 401, path


def test_operator_endpoints_refuse_shippers(env):
    client, _, shipper = env
    assert client.get("/v1/operator/trains", headers=shipper).status_code == 403
    assert client.post("/v1/operator/simulations", json={"days": 5}, headers=shipper).status_code == 403
    assert client.get("/v1/operator/simulations/sim_x", headers=shipper).status_code == 403


def test_network_geojson_carries_what_runs_on_each_element(env, world):
    from landbridge.timetable.export import network_geojson

    client, _, shipper = env
    r = client.get("/v1/network", headers={**shipper, "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    doc = r.json()
    plain = network_geojson(world.network, world.timetable)
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == len(plain["features"])
    corridors = {c["id"] for c in doc["corridors"]}
    assert corridors == {s.corridor for s in world.timetable.services}
    rail_services = {s.id for s in world.timetable.services if s.mode == "rail"}
    used = set()
    for f in doc["features"]:
        p = f["properties"]
        assert set(p.get("corridors", [])) <= corridors
        if p.get("mode") in ("rail", "border_crossing", "ferry"):
            assert set(p["services"]) <= rail_services
            assert p["trains_per_week"] == sum(doc["services"][s]["trains_per_week"] for s in p["services"])
            used |= set(p["services"])
    # every rail service runs over at least one rail link or crossing the map draws
    assert used == {s.id for s in world.timetable.services if s.mode == "rail" and any(sec.steps for sec in s.sections)}
    gauge = [f for f in doc["features"] if f["properties"].get("gauge_change")]
    assert len(gauge) == sum(1 for c in world.network.crossings if c.is_gauge_change)
    # Cached by ETag; the same body compressed or not.
    again = client.get("/v1/network", headers={**shipper, "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    raw = client.get("/v1/network", headers={**shipper, "Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and json.loads(raw.content) == doc
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content


def test_places_suggest_what_users_type(env, world):
    client, _, shipper = env
    hits = client.get("/v1/places", params={"q": "duis"}, headers=shipper).json()
    assert [h["id"] for h in hits[:2]] == ["duisburg", "duisburg-rail"]  # the city before its terminal
    assert client.get("/v1/places", params={"q": "DEDUI"}, headers=shipper).json()[0]["id"] == "duisburg"
    assert len(client.get("/v1/places", params={"q": "a", "limit": 3}, headers=shipper).json()) == 3
    assert client.get("/v1/places", params={"q": ""}, headers=shipper).status_code == 422


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(q=st.text(min_size=1, max_size=12))
def test_every_suggestion_matches_the_query(env, world, q):
    from landbridge.network.search import normalise

    client, _, shipper = env
    r = client.get("/v1/places", params={"q": q}, headers=shipper)
    assert r.status_code in (200, 400, 422)  # 400: text the API refuses outright (control characters)
    if r.status_code != 200:
        return
    needle = normalise(q)
    for hit in r.json():
        p = world.network.places[hit["id"]]
        keys = [normalise(k) for k in (p.name, p.id, *p.aliases, p.unlocode or "", p.iata or "") if k]
        assert any(needle in k for k in keys), (q, hit)
        assert p.kind in ("city", "hub", "terminal", "port", "airport")


def test_catalog_names_what_quotes_and_scenarios_take(env, world):
    client, _, shipper = env
    cat = client.get("/v1/catalog", headers=shipper).json()
    assert "40HC" in {c["id"] for c in cat["container_types"]}
    assert {c["id"] for c in cat["crossings"]} == {c.id for c in world.network.crossings}
    assert set(cat["corridors"]) == set(world.timetable.corridors)


def test_geometry_follows_the_option_legs(env, world, ready_date):
    client, _, shipper = env
    quote = client.post(
        "/v1/quotes",
        json={"origin": "Chongqing", "destination": "Duisburg", "ready_date": ready_date.isoformat()},
        headers=shipper,
    ).json()
    for option in quote["options"]:
        legs = [
            {k: leg.get(k) for k in ("mode", "from", "to", "service", "board_stop", "alight_stop")}
            for leg in option["legs"]
        ]
        geo = client.post("/v1/geometry", json={"legs": legs}, headers=shipper).json()
        assert len(geo["features"]) == len(legs)
        for leg, f in zip(legs, geo["features"]):
            a, b = world.network.places[leg["from"]], world.network.places[leg["to"]]
            first, last = f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]
            assert abs(first[0] - a.lon) < 0.5 and abs(first[1] - a.lat) < 0.5, leg
            assert abs(last[0] - b.lon) < 0.5 and abs(last[1] - b.lat) < 0.5, leg
    bad = client.post(
        "/v1/geometry", json={"legs": [{"mode": "rail", "from": "atlantis", "to": "duisburg"}]}, headers=shipper
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "legs.0.from"


@pytest.fixture(scope="module")
def a_departure(world):
    today = date.today()
    return next(d for d, _i, _j in world.timetable.departures(today, today + timedelta(days=7), mode="rail"))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(hours=st.floats(min_value=-48, max_value=24 * 40, allow_nan=False))
def test_a_train_is_where_its_schedule_puts_it(env, world, a_departure, hours):
    from landbridge.web.geo import train_position

    dep = a_departure
    at = dep.departure + timedelta(hours=hours)
    pos = train_position(world.network, dep, at)
    stops = dep.service.stops
    if at < dep.departure:
        assert pos["state"] == "scheduled" and pos["place"] == stops[0]
    elif at >= dep.arrival:
        assert pos["state"] == "arrived" and pos["place"] == stops[-1]
    elif pos["state"] == "dwelling":
        k = pos["stop"]
        assert dep.time_at(k, arriving=True) <= at < dep.time_at(k)
    else:
        assert pos["state"] == "running"
        k = pos["section"]
        assert dep.time_at(k) <= at < dep.time_at(k + 1, arriving=True)
        assert 0 <= pos["progress"] <= 1
        lons, lats = zip(
            *[c for st_ in dep.service.sections[k].steps for c in (st_.link.coordinates if st_.link else [])]
            or [(pos["lon"], pos["lat"])]
        )
        ends = [world.network.places[stops[k]], world.network.places[stops[k + 1]]]
        lons = (*lons, *(p.lon for p in ends))
        lats = (*lats, *(p.lat for p in ends))
        assert min(lons) - 1e-3 <= pos["lon"] <= max(lons) + 1e-3
        assert min(lats) - 1e-3 <= pos["lat"] <= max(lats) + 1e-3


def test_position_endpoint_and_trains_in_transit(env, a_departure):
    client, op, shipper = env
    dep = a_departure
    at = dep.departure + (dep.arrival - dep.departure) / 2
    r = client.get(f"/v1/departures/{dep.id}/position", params={"at": at.isoformat()}, headers=shipper)
    assert r.status_code == 200 and r.json()["state"] in ("running", "dwelling") and r.json()["basis"] == "schedule"
    assert client.get("/v1/departures/nope:2026-01-01T0000/position", headers=shipper).status_code == 404
    now = datetime.now(UTC)
    trains = client.get("/v1/operator/trains", headers=op).json()
    assert trains["count"] == len(trains["trains"]) > 0
    for t in trains["trains"]:
        assert t["departure"] <= trains["at"] < t["arrival"]
        assert t["state"] in ("running", "dwelling")
    seeded = [t for t in trains["trains"] if t["booked_feu"] is not None]
    assert seeded, "departures the booking service holds carry their booked FEU"
    assert abs(datetime.fromisoformat(trains["at"].replace("Z", "+00:00")) - now) < timedelta(minutes=1)
    assert client.get("/v1/operator/trains", params={"at": "1900-01-01T00:00:00Z"}, headers=op).status_code == 422


def test_simulation_job_runs_with_progress_and_compares_with_the_baseline(env):
    client, op, shipper = env
    bad = client.post("/v1/operator/simulations", json={"scenario": ["border:atlantis=50%"]}, headers=op)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scenario"
    assert client.post("/v1/operator/simulations", json={"days": 0}, headers=op).status_code == 422
    assert client.post("/v1/operator/simulations", json={"days": 367}, headers=op).status_code == 422
    r = client.post(
        "/v1/operator/simulations",
        json={"scenario": ["border:brest-malaszewicze=50%"], "days": 20, "seed": 3},
        headers=op,
    )
    assert r.status_code == 202, r.text
    job = r.json()
    assert client.post("/v1/operator/simulations", json={"days": 5}, headers=op).status_code == 409  # one at a time
    seen = []
    deadline = time.monotonic() + 180
    while job["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, "the simulation did not finish"
        seen.append(job["progress"])
        time.sleep(0.2)
        job = client.get(f"/v1/operator/simulations/{job['id']}", headers=op).json()
    assert job["status"] == "done", job["error"]
    assert seen == sorted(seen) and job["progress"] == 1.0
    assert [r["label"] for r in job["runs"]] == ["baseline", "border:brest-malaszewicze=50%"]
    rows = {row["kpi"]: row for row in job["comparison"]}
    cap = rows["Brest–Małaszewicze utilisation"]["values"]
    assert cap[1] > cap[0], "half the capacity must raise the crossing's utilisation"
    latest = client.get("/v1/simulations/latest", headers=shipper).json()
    assert latest["id"] == job["id"] and "brest-malaszewicze" in latest["runs"][-1]["kpis"]["borders"]
    assert client.get("/v1/operator/simulations/sim_nothing", headers=op).status_code == 404


def test_the_app_is_served_at_the_root_with_a_strict_policy(env, monkeypatch, tmp_path):
    from landbridge.web import static

    client, _, _ = env
    monkeypatch.setattr(static, "STATIC", tmp_path / "none")
    r = client.get("/")
    assert r.status_code == 503 and "npm run build" in r.text
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>Landbridge</title>")
    monkeypatch.setattr(static, "STATIC", site)
    r = client.get("/")
    assert r.status_code == 200 and "Landbridge" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp and "http" not in csp


def _orders_csv(rows: list[dict[str, str]]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


GOOD_ORDER = {
    "seller_order_id": "SO-1",
    "order_date": (date.today() - timedelta(days=1)).isoformat() + "T08:00:00Z",
    "regime": "9610",
    "weight_kg": "1.2",
    "length_cm": "30",
    "width_cm": "20",
    "height_cm": "10",
    "items": "2",
    "declared_value": "39.90",
    "currency": "EUR",
    "hs_codes": "6109100021",
    "destination_country": "DE",
    "destination_city": "Köln",
    "destination_postcode": "50667",
    "consignee_name": "Anna Müller",
    "ioss_number": "IM2760000001",
}


def test_an_order_file_with_bad_rows_imports_nothing_and_names_every_bad_row(env):
    client, op, shipper = env
    rows = [GOOD_ORDER, {**GOOD_ORDER, "seller_order_id": "SO-2", "weight_kg": "-1", "currency": "EURO"}]
    body = _orders_csv(rows)
    r = client.post(
        "/v1/ecommerce/order-files",
        params={"filename": "o.csv"},
        content=body,
        headers={**shipper, "Content-Type": "text/csv"},
    )
    assert r.status_code == 422, r.text
    report = r.json()["report"]
    assert report["imported"] is False and report["inserted"] == 0
    assert {(e["line"], e["field"]) for e in report["errors"]} == {(3, "weight_kg"), (3, "currency")}
    ok = client.post(
        "/v1/ecommerce/order-files",
        params={"filename": "o.csv", "skip_invalid": True},
        content=body,
        headers={**shipper, "Content-Type": "text/csv"},
    )
    assert ok.status_code == 201 and ok.json()["inserted"] == 1 and ok.json()["rejected"] == 1
    again = client.post(
        "/v1/ecommerce/order-files",
        params={"filename": "o.csv", "skip_invalid": True},
        content=body,
        headers={**shipper, "Content-Type": "text/csv"},
    ).json()
    assert again["inserted"] == 0 and again["unchanged"] == 1  # never duplicated
    mine = client.get("/v1/ecommerce/orders", params={"seller_order_id": "SO-1"}, headers=shipper).json()["items"]
    assert len(mine) == 1
    # operators must say for which seller; a wrong file type is refused
    assert (
        client.post(
            "/v1/ecommerce/order-files",
            params={"filename": "o.csv"},
            content=body,
            headers={**op, "Content-Type": "text/csv"},
        ).json()["errors"][0]["field"]
        == "seller_id"
    )
    bad_type = client.post("/v1/ecommerce/order-files", params={"filename": "o.xlsx"}, content=b"x", headers=shipper)
    assert bad_type.status_code == 422 and bad_type.json()["errors"][0]["field"] == "filename"


def test_quotes_price_in_the_chosen_currency(env, ready_date):
    client, _, shipper = env
    body = {"origin": "Chongqing", "destination": "Duisburg", "ready_date": ready_date.isoformat(), "modes": ["rail"]}
    usd = client.post("/v1/quotes", json=body, headers=shipper).json()["options"][0]
    eur = client.post("/v1/quotes", json={**body, "currency": "EUR"}, headers=shipper).json()["options"][0]
    assert usd["cost"]["currency"] == "USD" and eur["cost"]["currency"] == "EUR"
    assert float(eur["cost"]["total"]) != float(usd["cost"]["total"])
    bad = client.post("/v1/quotes", json={**body, "currency": "XXX"}, headers=shipper)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] in ("currency", "body.currency")
    assert "EUR" in client.get("/v1/catalog", headers=shipper).json()["currencies"]


def test_trains_in_transit_follow_tracking_events(env, world):
    client, op, _ = env
    trains = client.get("/v1/operator/trains", headers=op).json()["trains"]
    train = next(t for t in trains if t["basis"] == "schedule" and t["state"] == "running")
    dep = world.timetable.departure(train["departure_id"])
    origin = dep.service.stops[0]
    event = {
        "metadata": {"eventID": f"web-{dep.id}-depa", "eventType": "TRANSPORT"},
        "payload": {
            "eventClassifierCode": "ACT",
            "eventDateTime": dep.departure.isoformat(),
            "transportEventTypeCode": "DEPA",
            "transportCall": {"departureID": dep.id, "location": {"placeID": origin}},
        },
    }
    r = client.post("/v1/events", json=event, headers=op)
    assert r.status_code == 201, r.text
    after = client.get("/v1/operator/trains", headers=op).json()
    moved = next(t for t in after["trains"] if t["departure_id"] == dep.id)
    place = world.network.places[origin]
    assert moved["basis"] == "tracked" and moved["tracked_event"] == "DEPA" and moved["state"] == "left"
    assert (moved["lon"], moved["lat"]) == (place.lon, place.lat)
    assert after["tracked"] >= 1
    # before the event happened, the schedule still places it
    earlier = (dep.departure - timedelta(minutes=1)).isoformat()
    before = client.get("/v1/operator/trains", params={"at": earlier}, headers=op).json()
    assert all(t["basis"] == "schedule" for t in before["trains"] if t["departure_id"] == dep.id)


def test_hashed_bundles_are_cached_for_good(env):
    from landbridge.web.static import STATIC, built

    client, _, _ = env
    if not built():
        pytest.skip("the web app is not built (make setup)")
    name = next(p.name for p in (STATIC / "assets").iterdir() if p.suffix == ".js")
    r = client.get(f"/assets/{name}")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert client.get("/assets/nope.js").status_code == 404
