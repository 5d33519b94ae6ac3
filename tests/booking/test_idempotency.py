"""Idempotency-Key: a retry returns the original result; the same key with another body is 409; a race
of retries books once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.booking.helpers import booked_mfeu, booking_body, fresh_departure, make_option


def test_retry_returns_original(client, db, world, shipper):
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=3)
    h = {**shipper.headers, "Idempotency-Key": "order-4711"}
    first = client.post("/v1/bookings", json=booking_body(oid), headers=h)
    again = client.post("/v1/bookings", json=booking_body(oid), headers=h)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert booked_mfeu(db, dep.id)[0] == 1000  # booked once
    other = client.post("/v1/bookings", json=booking_body(oid, containers=2), headers=h)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    # Keys belong to their owner: another shipper's key of the same name is a different key.
    fresh = client.post("/v1/bookings", json=booking_body(oid), headers={**shipper.headers, "Idempotency-Key": "o-2"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]


def test_failed_requests_are_not_stored(client, db, world, shipper):
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=2)
    from tests.booking.helpers import set_capacity

    set_capacity(db, world, dep, 1)
    h = {**shipper.headers, "Idempotency-Key": "retry-after-409"}
    assert client.post("/v1/bookings", json=booking_body(oid, 2), headers=h).status_code == 409
    set_capacity(db, world, dep, 2)
    assert client.post("/v1/bookings", json=booking_body(oid, 2), headers=h).status_code == 201


def test_other_posts_are_idempotent(client, op):
    h = {**op, "Idempotency-Key": "create-customer-1"}
    a = client.post("/v1/customers", json={"name": "Once Only GmbH"}, headers=h)
    b = client.post("/v1/customers", json={"name": "Once Only GmbH"}, headers=h)
    assert a.status_code == b.status_code == 201 and a.json()["id"] == b.json()["id"]
    assert client.post("/v1/customers", json={"name": "Other"}, headers=h).status_code == 409
    assert client.post("/v1/customers", json={"name": "x"}, headers={**op, "Idempotency-Key": ""}).status_code == 422
    assert (
        client.post("/v1/customers", json={"name": "x"}, headers={**op, "Idempotency-Key": "k" * 300}).status_code
        == 422
    )


def test_concurrent_retries_book_once(client, db, world, shipper):
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)])
    h = {**shipper.headers, "Idempotency-Key": "burst-1"}
    with ThreadPoolExecutor(8) as ex:
        rs = list(ex.map(lambda _: client.post("/v1/bookings", json=booking_body(oid), headers=h), range(16)))
    # (on failure, say what the other answers were: a 503 under CI load was seen once and never reproduced)
    assert {r.status_code for r in rs} == {201}, [(r.status_code, r.text[:300]) for r in rs if r.status_code != 201]
    assert len({r.json()["id"] for r in rs}) == 1
    assert booked_mfeu(db, dep.id)[0] == 1000


def test_retry_after_the_departure_filled_up_still_answers_as_the_first_time(client, db, world, shipper):
    """The work of a retry fails (no room left), but the key's first request succeeded: its answer is replayed."""
    from tests.booking.helpers import set_capacity

    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=2)
    set_capacity(db, world, dep, 1)
    h = {**shipper.headers, "Idempotency-Key": "full-after-first"}
    first = client.post("/v1/bookings", json=booking_body(oid), headers=h)
    assert first.status_code == 201
    assert client.post("/v1/bookings", json=booking_body(oid), headers=shipper.headers).status_code == 409  # full
    again = client.post("/v1/bookings", json=booking_body(oid), headers=h)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"


def test_a_record_past_its_retention_no_longer_holds_the_key(client, db, world, shipper):
    from datetime import timedelta

    from sqlalchemy import update

    from landbridge.db.base import utcnow
    from landbridge.idempotency.models import IdempotencyRecord
    from landbridge.idempotency.service import RETENTION

    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=3)
    h = {**shipper.headers, "Idempotency-Key": "reused-next-week"}
    first = client.post("/v1/bookings", json=booking_body(oid), headers=h)
    assert first.status_code == 201
    db.write(
        lambda s: s.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "reused-next-week")
            .values(created_at=utcnow() - RETENTION - timedelta(minutes=1))
        )
    )
    # a different request with the old key is now a new request (not 409), and its result is stored in place
    later = client.post("/v1/bookings", json=booking_body(oid, containers=2), headers=h)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in later.headers
    assert booked_mfeu(db, dep.id)[0] == 3000
    replay = client.post("/v1/bookings", json=booking_body(oid, containers=2), headers=h)
    assert replay.json()["id"] == later.json()["id"] and replay.headers["idempotent-replayed"] == "true"


def test_records_past_retention_are_purged_at_start_and_then_periodically(db, monkeypatch):
    import time
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import insert, select

    from landbridge.api import app as app_module
    from landbridge.db.base import utcnow
    from landbridge.idempotency.models import IdempotencyRecord
    from landbridge.idempotency.service import RETENTION

    def put(key: str, age: timedelta) -> None:
        db.write(
            lambda s: s.execute(
                insert(IdempotencyRecord).values(
                    owner="op:purge-test",
                    key=key,
                    fingerprint="f" * 64,
                    status_code=201,
                    response={},
                    created_at=utcnow() - age,
                )
            )
        )

    def keys() -> set[str]:
        return set(
            db.read(
                lambda s: s.scalars(
                    select(IdempotencyRecord.key).where(IdempotencyRecord.owner == "op:purge-test")
                ).all()
            )
        )

    put("old-1", RETENTION + timedelta(hours=1))
    put("fresh", timedelta(minutes=5))
    monkeypatch.setattr(app_module, "PURGE_EVERY_S", 0.2)
    with TestClient(app_module.create_app(db)):
        assert keys() == {"fresh"}  # purged before the first request
        put("old-2", RETENTION + timedelta(minutes=1))
        deadline = time.monotonic() + 10
        while "old-2" in keys() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert keys() == {"fresh"}  # and again while serving
