"""Events in (one, a batch, CSV, the CLI) and what they move: transport status with the event in the audit trail,
train position and predicted arrival; bad events 422 per event, duplicates ignored, out-of-order events applied
in event time. SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.booking.helpers import booking_body, make_option
from tests.tracking.helpers import booked_train, ev, train_events


def _post(client, op, events, **kw):
    r = client.post("/v1/events/batch", json={"events": events, **kw}, headers=op)
    assert r.status_code in (200, 422), r.text
    return r


def test_a_train_run_moves_the_booking(client, db, world, shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper)
    events = train_events(dep, refs, prefix=f"run-{bid}", delay_h=2)
    last = len(dep.service.stops) - 1
    first_part = [e for e in events if e["payload"]["eventDateTime"] < dep.time_at(2, True).isoformat()]
    r = _post(client, op, first_part)
    assert r.json()["created"] == len(first_part) and r.json()["rejected"] == 0
    t = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()
    assert t["transport_status"] == "in_transit" and t["position"]["departure_id"] == dep.id
    eta = t["eta"]
    assert eta["stop_index"] == last and eta["p10"] <= eta["p50"] <= eta["p90"]
    assert eta["scheduled"] < eta["p90"]  # the twin's trains run later than the timetable
    audit = client.get(f"/v1/bookings/{bid}", headers=shipper.headers).json()["events"]
    moved = [e for e in audit if e["field"] == "transport_status"]
    assert moved == [
        {
            **moved[0],
            "from_status": "planned",
            "to_status": "in_transit",
            "tracking_event_id": f"run-{bid}-0-DEPA",
            "actor_role": "tracking",
        }
    ]
    # the rest, shuffled: applied in event time
    rest = [e for e in events if e not in first_part]
    random.Random(1).shuffle(rest)
    r = _post(client, op, rest)
    assert r.json()["created"] == len(rest)
    t = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()
    assert t["transport_status"] == "delivered" and t["status"] == "received"
    assert t["position"]["stop_index"] == last and t["position"]["event"] == "ARRI"
    times = [e["payload"]["eventDateTime"] for e in t["events"]]
    assert times == sorted(times) and len(t["events"]) == len(events)
    gate_out = [e for e in t["events"] if e["payload"].get("equipmentEventTypeCode") == "GTOT"]
    audit = client.get(f"/v1/bookings/{bid}", headers=shipper.headers).json()["events"]
    assert audit[-1]["to_status"] == "delivered"
    assert (
        audit[-1]["tracking_event_id"]
        == max(gate_out, key=lambda e: e["payload"]["eventDateTime"])["metadata"]["eventID"]
    )
    loc = t["events"][0]["payload"]["transportCall"]["location"]
    assert loc["placeID"] in dep.service.stops and loc["locationType"] == "UNLO"


def test_a_whole_run_in_one_batch_completes_a_confirmed_booking(client, db, world, shipper, op):
    """planned -> in_transit -> delivered in one batch (booking.service.advance_transport's two steps), the
    delivery completing the confirmed booking, each audit row naming its event; a cancelled booking on the same
    train is not moved."""
    dep, bid, refs = booked_train(client, db, world, shipper, seed=11)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, len(dep.service.stops) - 1)])
    gone = client.post("/v1/bookings", json=booking_body(oid), headers=shipper.headers).json()["id"]
    assert client.post(f"/v1/bookings/{gone}/cancel", headers=shipper.headers).status_code == 200
    r = client.post(f"/v1/bookings/{bid}/status", json={"status": "confirmed"}, headers=op)
    assert r.status_code == 200
    events = train_events(dep, refs, prefix=f"one-{bid}")
    r = _post(client, op, events)
    assert r.json()["created"] == len(events)
    b = client.get(f"/v1/bookings/{bid}", headers=shipper.headers).json()
    assert b["status"] == "completed" and b["transport_status"] == "delivered"
    gate_outs = [e for e in events if e["payload"].get("equipmentEventTypeCode") == "GTOT"]
    last_out = max(gate_outs, key=lambda e: e["payload"]["eventDateTime"])["metadata"]["eventID"]
    moves = [(e["field"], e["from_status"], e["to_status"], e["tracking_event_id"]) for e in b["events"][-3:]]
    assert moves == [
        ("transport_status", "planned", "in_transit", f"one-{bid}-0-DEPA"),
        ("transport_status", "in_transit", "delivered", last_out),
        ("status", "confirmed", "completed", last_out),
    ]
    assert all(e["actor_role"] == "tracking" for e in b["events"][-3:])
    # sent again: duplicates, nothing moves and no audit row is added
    r = _post(client, op, events)
    assert r.json()["duplicates"] == len(events)
    assert client.get(f"/v1/bookings/{bid}", headers=shipper.headers).json()["events"] == b["events"]
    g = client.get(f"/v1/bookings/{gone}", headers=shipper.headers).json()
    assert g["transport_status"] == "planned" and all(e["field"] == "status" for e in g["events"])


def test_position_never_moves_back_and_delivery_waits_for_every_box(client, db, world, shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper)
    last = len(dep.service.stops) - 1
    end = dep.time_at(last, True)
    place = dep.service.stops[last]
    one = ev(
        f"{bid}-g1",
        "EQUIPMENT",
        "GTOT",
        end + timedelta(hours=3),
        dep,
        place,
        equipmentReference=refs[0],
        emptyIndicatorCode="LADEN",
    )
    _post(client, op, [one, ev(f"{bid}-arr", "TRANSPORT", "ARRI", end, dep, place)])
    t = client.get(f"/v1/bookings/{bid}/tracking", headers=op).json()
    assert t["transport_status"] == "in_transit"  # one box of two is out
    _post(client, op, [ev(f"{bid}-dep", "TRANSPORT", "DEPA", dep.departure, dep, dep.service.stops[0])])  # late, older
    t = client.get(f"/v1/bookings/{bid}/tracking", headers=op).json()
    assert t["position"]["stop_index"] == last  # not moved back by the older event
    two = ev(
        f"{bid}-g2",
        "EQUIPMENT",
        "GTOT",
        end + timedelta(hours=4),
        dep,
        place,
        equipmentReference=refs[1],
        emptyIndicatorCode="LADEN",
    )
    _post(client, op, [two])
    assert client.get(f"/v1/bookings/{bid}/tracking", headers=op).json()["transport_status"] == "delivered"


def test_bad_events_duplicates_and_atomic_batches(client, db, world, shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper)
    s0 = dep.service.stops[0]
    good = ev(f"{bid}-ok", "TRANSPORT", "DEPA", dep.departure, dep, s0)
    bad = [
        ({"metadata": {"eventID": f"{bid}-x1", "eventType": "TRANSPORT"}}, "payload"),
        (ev(f"{bid}-x2", "TRANSPORT", "DEPA", dep.departure, dep, "nowhere"), "payload.transportCall.location.placeID"),
        (ev(f"{bid}-x3", "TRANSPORT", "ARRI", dep.departure, dep, s0), "payload.transportCall"),
        (
            ev(
                f"{bid}-x4",
                "EQUIPMENT",
                "LOAD",
                dep.departure,
                dep,
                s0,
                equipmentReference="CSQU3054384",
                emptyIndicatorCode="LADEN",
            ),
            "payload.equipmentReference",
        ),
        (
            ev(f"{bid}-x5", "EQUIPMENT", "LOAD", dep.departure, dep, s0, equipmentReference=refs[0]),
            "payload.emptyIndicatorCode",
        ),
        ({**ev(f"{bid}-x6", "TRANSPORT", "DEPA", dep.departure, dep, s0), "extra": 1}, "extra"),
        (
            ev(f"{bid}-x7", "SHIPMENT", "CONF", dep.departure, documentTypeCode="BKG", documentReference="bk_missing"),
            "payload.documentReference",
        ),
        ("not an object", ""),
    ]
    r = _post(client, op, [b for b, _ in bad] + [good], atomic=True)
    assert r.status_code == 422 and "atomic" in r.json()["detail"]
    assert client.get(f"/v1/bookings/{bid}/tracking", headers=op).json()["events"] == []  # nothing applied
    r = _post(client, op, [b for b, _ in bad] + [good, good])
    doc = r.json()
    assert (doc["created"], doc["rejected"], doc["duplicates"]) == (1, len(bad), 1)
    for res, (_b, field) in zip(doc["results"], bad):
        assert res["status"] == "rejected" and res["errors"][0]["field"].startswith(field), res
    assert _post(client, op, [good]).json()["duplicates"] == 1
    one = client.post("/v1/events", json=good, headers=op)
    assert one.status_code == 200 and one.json()["status"] == "duplicate"
    one = client.post("/v1/events", json=bad[1][0], headers=op)
    assert one.status_code == 422 and "Unknown place 'nowhere'" in one.json()["detail"]
    shipper_try = client.post("/v1/events", json=good, headers=shipper.headers)
    assert shipper_try.status_code == 403


def test_csv_import_and_cli(client, db, db_url, world, shipper, op, tmp_path):
    from typer.testing import CliRunner

    from landbridge.cli import app

    dep, bid, refs = booked_train(client, db, world, shipper)
    s = dep.service
    csv_text = (
        "eventID,eventType,eventDateTime,eventTypeCode,departureID,placeID,equipmentReference,emptyIndicatorCode\n"
        f"{bid}-c1,TRANSPORT,{dep.departure.isoformat()},DEPA,{dep.id},{s.stops[0]},,\n"
        f"{bid}-c2,EQUIPMENT,{dep.departure.isoformat()},LOAD,{dep.id},{s.stops[0]},{refs[0]},LADEN\n"
        f"{bid}-c3,EQUIPMENT,{dep.departure.isoformat()},LOAD,{dep.id},{s.stops[0]},BADU1234567,LADEN\n"
    )
    r = client.post("/v1/events/import", content=csv_text.encode(), headers={**op, "content-type": "text/csv"})
    assert r.status_code == 200 and (r.json()["created"], r.json()["rejected"]) == (2, 1), r.text
    r = client.post("/v1/events/import", content=b"eventID,colour\nx,red\n", headers={**op, "content-type": "text/csv"})
    assert r.status_code == 422 and "colour" in r.json()["detail"]

    runner = CliRunner()
    f = tmp_path / "events.csv"
    f.write_text(csv_text.replace(f"{bid}-c", f"{bid}-f"))
    res = runner.invoke(app, ["ops", "import", str(f), "--database", db_url])
    assert res.exit_code == 2 and "2 created" in res.output and "BADU1234567" in res.output
    at = dep.time_at(1, True).isoformat()
    res = runner.invoke(
        app,
        [
            "ops",
            "event",
            "transport",
            "ARRI",
            "--at",
            at,
            "--departure",
            dep.id,
            "--place",
            s.stops[1],
            "--id",
            f"{bid}-cli",
            "--database",
            db_url,
        ],
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app,
        [
            "ops",
            "event",
            "transport",
            "ARRI",
            "--at",
            at,
            "--departure",
            dep.id,
            "--place",
            "nowhere",
            "--database",
            db_url,
        ],
    )
    assert res.exit_code == 2 and "Unknown place" in res.output
    t = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()
    assert t["position"]["stop_index"] == 1


def test_shippers_see_only_their_bookings(client, db, world, shipper, new_shipper, op):
    dep, bid, refs = booked_train(client, db, world, shipper)
    _post(client, op, train_events(dep, refs, prefix=f"vis-{bid}")[:3])
    other = new_shipper("Nosy")
    assert client.get(f"/v1/bookings/{bid}/tracking", headers=other.headers).status_code == 404
    mine = client.get("/v1/events", params={"bookingID": bid}, headers=shipper.headers).json()["events"]
    assert len(mine) == 3
    assert client.get("/v1/events", params={"bookingID": bid}, headers=other.headers).status_code == 404


events_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=12), kids, max_size=4),
    max_leaves=12,
)
metadata = st.fixed_dictionaries(
    {
        "eventID": st.text(min_size=1, max_size=12),
        "eventType": st.sampled_from(["TRANSPORT", "EQUIPMENT", "SHIPMENT", "X"]),
    }
)
payload = st.fixed_dictionaries(
    {
        "eventClassifierCode": st.sampled_from(["ACT", "EST", "PLN", "BAD"]),
        "eventDateTime": st.sampled_from(
            ["2026-12-07T08:00:00Z", "2026-12-07T08:00:00", "yesterday", "9999-12-31T23:59:59+14:00"]
        ),
    },
    optional={
        "transportEventTypeCode": st.sampled_from(["ARRI", "DEPA", "XX"]),
        "equipmentEventTypeCode": st.sampled_from(["LOAD", "GTOT"]),
        "equipmentReference": st.text(max_size=14),
        "emptyIndicatorCode": st.sampled_from(["LADEN", "EMPTY"]),
        "transportCall": st.fixed_dictionaries(
            {
                "departureID": st.text(max_size=40),
                "location": st.dictionaries(st.sampled_from(["placeID", "UNLocationCode"]), st.text(max_size=8)),
            }
        ),
        "documentReference": st.text(max_size=10),
        "documentTypeCode": st.sampled_from(["BKG", "SHI"]),
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    st.lists(st.fixed_dictionaries({"metadata": metadata, "payload": payload}) | events_json, min_size=1, max_size=4)
)
def test_the_event_api_never_fails_with_a_server_error(client, op, batch):
    r = client.post("/v1/events/batch", json={"events": batch}, headers=op)
    assert r.status_code < 500, r.text
    if r.status_code == 200:
        assert len([x for x in r.json()["results"] if x["status"] == "rejected"]) == r.json()["rejected"]
    r = client.post("/v1/events", json=batch[0], headers=op)
    assert r.status_code < 500, r.text


def test_the_served_arrival_knows_the_train_has_not_come_yet(client, db, world, shipper, op, monkeypatch):
    """Asked days after the train's latest event, with the feed having moved on (another train's later event), the
    predicted arrival is conditioned on the train not having reached its next stop: later than the one stored at
    the event, and neither it nor the schedule-only estimate is before the time of asking."""
    from landbridge.tracking import service

    dep, bid, _refs = booked_train(client, db, world, shipper)
    left = dep.departure
    r = _post(client, op, [ev(f"sv-{bid}-0-DEPA", "TRANSPORT", "DEPA", left, dep, dep.service.stops[0])])
    assert r.json()["created"] == 1
    stored = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()["eta"]
    # asked before the event (the clock of a replay): the stored prediction as it was made
    monkeypatch.setattr(service, "utcnow", lambda: left - timedelta(hours=1))
    before = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()["eta"]
    assert before == stored and before["as_of"] == before["predicted_at"]
    # long overdue at the next stop, and the feed has heard of later times (another train)
    overdue = dep.time_at(1, True) + (dep.time_at(1, True) - left)
    other, _b, _r = booked_train(client, db, world, shipper)
    late = overdue + timedelta(hours=1)
    r = _post(client, op, [ev(f"sv-{bid}-other", "TRANSPORT", "DEPA", late, other, other.service.stops[0])])
    assert r.json()["created"] == 1
    monkeypatch.setattr(service, "utcnow", lambda: overdue)
    now = client.get(f"/v1/bookings/{bid}/tracking", headers=shipper.headers).json()["eta"]
    as_of = now["as_of"]
    assert as_of > now["predicted_at"] == stored["predicted_at"]
    assert as_of <= now["p10"] <= now["p50"] <= now["p90"] and now["schedule_only"] >= as_of
    assert now["p50"] > stored["p50"]
