"""POST /v1/quotes runs the CLI's planner, returns the same options with bookable ids, and offers only
departures with room."""

from __future__ import annotations

from datetime import date, timedelta

from tests.booking.helpers import SHIPMENT, booked_mfeu, limit_free


def _rail_dep(option):
    return next(
        (l["departure_id"], l["board_stop"], l["alight_stop"])
        for l in option["legs"]
        if l["mode"] == "rail" and l.get("departure_id")
    )


def test_same_options_as_the_cli(client, world, shipper):
    from landbridge.planner import QuoteRequest

    ready = date.today() + timedelta(days=30)
    body = {
        "origin": "Chengdu",
        "destination": "Lodz",
        "ready_date": str(ready),
        "containers": 2,
        "container_type": "40HC",
        "cargo": "electronics",
    }
    r = client.post("/v1/quotes", json=body, headers=shipper.headers)
    assert r.status_code == 201, r.text
    q = r.json()
    cli = world.planner.quote(QuoteRequest("Chengdu", "Lodz", ready, 2, "40HC", "electronics", None)).to_dict()
    got = [{k: v for k, v in o.items() if k not in ("id", "expires_at")} for o in q["options"]]
    assert got == cli["options"]  # exactly what `landbridge quote --json` prints
    assert {k: q[k] for k in ("origin", "destination", "containers", "cargo")} == {
        k: cli[k] for k in ("origin", "destination", "containers", "cargo")
    }
    assert q["valid_minutes"] == 30 and all(o["id"].startswith("opt_") for o in q["options"])
    assert len({o["id"] for o in q["options"]}) == len(q["options"])


def test_quote_then_book(client, db, world, shipper):
    ready = date.today() + timedelta(days=33)
    q = client.post(
        "/v1/quotes",
        json={
            "origin": "Xian",
            "destination": "Duisburg",
            "ready_date": str(ready),
            "containers": 2,
            "modes": ["rail"],
        },
        headers=shipper.headers,
    ).json()
    opt = q["options"][0]
    dep_id, i, j = _rail_dep(opt)
    before = booked_mfeu(db, dep_id)
    r = client.post(
        "/v1/bookings", json={"option_id": opt["id"], "containers": 2, "shipment": SHIPMENT}, headers=shipper.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["itinerary"]["key"] == opt["key"]
    after = booked_mfeu(db, dep_id)
    assert all(after[k] - before.get(k, 0) == 2000 for k in range(i, j))


def test_quotes_offer_only_departures_with_room(client, db, world, shipper):
    ready = date.today() + timedelta(days=36)
    body = {
        "origin": "Chongqing",
        "destination": "Duisburg",
        "ready_date": str(ready),
        "modes": ["rail"],
        "containers": 5,
    }
    first = client.post("/v1/quotes", json=body, headers=shipper.headers).json()
    full = {_rail_dep(o)[0] for o in first["options"]}
    for dep_id in full:
        limit_free(db, world, world.timetable.departure(dep_id), 4)  # less than the 5 FEU asked for
    second = client.post("/v1/quotes", json=body, headers=shipper.headers).json()
    assert second["options"] and not ({_rail_dep(o)[0] for o in second["options"]} & full)


def test_quote_errors_name_the_field(client, shipper):
    ready = str(date.today() + timedelta(days=10))
    h = shipper.headers
    r = client.post(
        "/v1/quotes", json={"origin": "Chongqin", "destination": "Duisburg", "ready_date": ready}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "origin"  # bad input, as documented
    assert "Chongqing" in r.json()["errors"][0]["suggestions"]
    past = str(date.today() - timedelta(days=1))
    r = client.post("/v1/quotes", json={"origin": "Xian", "destination": "Duisburg", "ready_date": past}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ready_date"
    for field, value in (("container_type", "50XL"), ("cargo", "unicorns"), ("scenario", ["moon-closed"])):
        r = client.post(
            "/v1/quotes",
            json={"origin": "Xian", "destination": "Duisburg", "ready_date": ready, field: value},
            headers=h,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, (field, r.text)
    r = client.post(
        "/v1/quotes",
        json={"origin": "Xian", "destination": "Duisburg", "ready_date": ready, "containers": 501, "modes": ["boat"]},
        headers=h,
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} >= {"body.containers", "body.modes.0"}


def test_quote_under_a_scenario(client, shipper):
    ready = str(date.today() + timedelta(days=20))
    r = client.post(
        "/v1/quotes",
        json={"origin": "Xian", "destination": "Hamburg", "ready_date": ready, "scenario": ["avoid:RU"]},
        headers=shipper.headers,
    )
    assert r.status_code == 201, r.text
    assert "RU" in r.json()["scenario"]["description"]
    for o in r.json()["options"]:
        assert all(b["from_country"] != "RU" and b["to_country"] != "RU" for b in o["borders"])


def test_quote_under_a_dated_closure(client, shipper):
    """Issue 10: closure:CROSSING=FROM..TO is accepted wherever scenarios are; a malformed one is a 422 on the
    scenario field that says what to write."""
    first = date.today() + timedelta(days=25)
    closure = f"closure:brest-malaszewicze={first}..{first + timedelta(days=14)}"
    body = {"origin": "Chongqing", "destination": "Duisburg", "ready_date": str(first - timedelta(days=3))}
    r = client.post("/v1/quotes", json={**body, "scenario": [closure]}, headers=shipper.headers)
    assert r.status_code == 201, r.text
    assert "brest-malaszewicze closed" in r.json()["scenario"]["description"]
    for bad, says in (
        (f"closure:brest-malaszewicze={first}..{first - timedelta(days=1)}", "after it ends"),
        ("closure:brest-malaszewicze=2026-02-30..2026-03-01", "not a date"),
        ("closure:atlantis=2026-01-01..2026-01-02", "unknown border crossing"),
    ):
        r = client.post("/v1/quotes", json={**body, "scenario": [bad]}, headers=shipper.headers)
        assert r.status_code == 422, r.text
        err = r.json()["errors"][0]
        assert err["field"] == "scenario" and says in err["message"], err
