"""The booking fast path (landbridge.booking.fast) answers exactly as the FastAPI route: the same requests are sent
with the fast path on and off (the route answering), and the answers compared (status, headers, body; ids and
times aside). Also: the fast path does answer the plain requests (a counter), and a booking it makes is stored as
the route stores it."""

from __future__ import annotations

import re

import pytest

from tests.booking.helpers import booked_mfeu, booking_body, fresh_departure, make_option, set_capacity

HEADERS = ("content-type", "content-length", "idempotent-replayed", "cache-control", "x-content-type-options")


@pytest.fixture
def fast_calls(monkeypatch):
    """How many requests the fast path answered itself."""
    from landbridge.booking.fast import BookingFastPath

    calls = []
    book = BookingFastPath._book

    async def counted(*args):
        calls.append(1)
        return await book(*args)

    monkeypatch.setattr(BookingFastPath, "_book", staticmethod(counted))
    return calls


@pytest.fixture
def route_only(monkeypatch):
    """Turn the fast path off: every request goes to the route."""
    from landbridge.booking.fast import BookingFastPath

    def off():
        async def passthrough(self, scope, receive, send):
            await self.app(scope, receive, send)

        monkeypatch.setattr(BookingFastPath, "__call__", passthrough)

    return off


def _normal(r, names: dict[str, str]) -> tuple:
    text = r.text
    for real, name in names.items():
        text = text.replace(real, name)
    text = re.sub(r"bk_[0-9a-f]{16}", "BK", text)
    text = re.sub(r"\"key\":\"[0-9a-f]{16}\"", '"key":"K"', text)  # the option's key (random here)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?", "TIME", text)
    headers = {k: r.headers.get(k) for k in HEADERS}
    if headers["content-length"] is not None:
        headers["content-length"] = "n"  # times and ids may differ in length
    return r.status_code, headers, text


def _script(client, db, world, shipper, op, service_id: str) -> list[tuple]:
    """Every kind of answer of POST /v1/bookings, in one sequence."""
    dep = fresh_departure(world, service_id)
    set_capacity(db, world, dep, 3)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], containers=2)
    gone = make_option(db, world, shipper.customer_id, [(dep, 0, 1)], minutes=-1)
    names = {oid: "OPT", gone: "GONE", dep.id: "DEP", shipper.customer_id: "CUS", shipper.key_id: "KEY"}
    h = shipper.headers
    key = {**h, "Idempotency-Key": "fast-1"}
    post = client.post
    out = [
        post("/v1/bookings", json=booking_body(oid), headers=key),  # 201
        post("/v1/bookings", json=booking_body(oid), headers=key),  # replay
        post("/v1/bookings", json=booking_body(oid, 2), headers=key),  # key reused: 409
        post("/v1/bookings", json=booking_body(oid, 2, reference="no room"), headers=h),  # 2 FEU, 2 free: 201
        post("/v1/bookings", json=booking_body(oid), headers=h),  # full: 409
        post("/v1/bookings", json=booking_body(gone), headers=h),  # expired: 410
        post("/v1/bookings", json=booking_body("opt_0000000000000000"), headers=h),  # 404
        post("/v1/bookings", json=booking_body(oid, 3), headers=h),  # more than quoted: 422 (service)
        post("/v1/bookings", json=booking_body(oid, customer_id="cus_other"), headers=h),  # 422 (service)
        post("/v1/bookings", json={**booking_body(oid), "extra": 1}, headers=h),  # 422 (validation)
        post("/v1/bookings", json=booking_body(oid, "1"), headers=h),  # 422 (JSON types)
        post("/v1/bookings", content=b"{not json", headers={**h, "Content-Type": "application/json"}),
        post("/v1/bookings", content=b"", headers={**h, "Content-Type": "application/json"}),
        post(
            "/v1/bookings", json=booking_body(oid), headers={**h, "Idempotency-Key": "tab\there"}
        ),  # 422 (not printable)
        post("/v1/bookings", json=booking_body(oid), headers={**h, "Idempotency-Key": "k" * 201}),  # 422
        post("/v1/bookings", json=booking_body(oid), headers={**h, "Content-Type": "text/plain"}),  # 422
        post("/v1/bookings?x=1", json=booking_body(oid), headers=h),  # unknown query parameter: 422
        post("/v1/bookings", json=booking_body(oid), headers={"Authorization": "Bearer lb_nope_nope"}),  # 401
        post("/v1/bookings", json=booking_body(oid), headers={}),  # 401
        post("/v1/bookings", json=booking_body(oid), headers=op),  # operator without customer_id: 422
        post("/v1/bookings", json=booking_body(oid, customer_id=shipper.customer_id), headers=op),  # 409: full
        post("/v1/bookings", content=b"x" * (65 * 1024), headers={**h, "Content-Type": "application/json"}),  # 413
    ]
    return [_normal(r, names) for r in out]


def test_fast_path_answers_as_the_route(client, db, world, new_shipper, op, fast_calls, route_only):
    from landbridge.accounts.service import principal_cache

    service_id = fresh_departure(world).service.id
    warm = new_shipper("Fast Path GmbH")
    client.get("/v1/bookings", headers=warm.headers)  # the key is cached: the fast path may answer
    client.get("/v1/bookings", headers=op)
    fast = _script(client, db, world, warm, op, service_id)
    assert len(fast_calls) >= 8, "the fast path answered too few of the plain requests"
    route_only()
    principal_cache.clear()
    slow_shipper = new_shipper("Fast Path GmbH")
    slow = _script(client, db, world, slow_shipper, op, service_id)
    for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
        assert a == b, f"request {i}: the fast path answered {a}, the route {b}"


def test_fast_path_stores_what_the_route_stores(client, db, world, shipper, fast_calls):
    """The booking, its reservations, its audit event and the stored Idempotency-Key answer (replayed by the
    route, which reads the record)."""
    dep = fresh_departure(world)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, 2)])
    h = {**shipper.headers, "Idempotency-Key": "stored-1"}
    client.get("/v1/bookings", headers=shipper.headers)
    made = client.post("/v1/bookings", json=booking_body(oid, reference="ÄÖÜ 中文"), headers=h)
    assert made.status_code == 201 and fast_calls
    assert {i: m for i, m in booked_mfeu(db, dep.id).items() if m} == {0: 1000, 1: 1000}
    got = client.get(f"/v1/bookings/{made.json()['id']}", headers=shipper.headers).json()
    body = made.json()
    for k in ("id", "status", "reservations", "events", "shipment", "reference", "price", "created_at"):
        assert got[k] == body[k], k
    from landbridge.idempotency.service import _stored

    rec = db.read(lambda s: _stored(s, shipper.customer_id, "stored-1"))
    assert rec is not None and rec.response == body and rec.status_code == 201


def test_encode_is_jsonresponse_byte_for_byte():
    """The answer's encoding, with the itinerary's JSON kept per option, is what JSONResponse renders."""
    from fastapi.responses import JSONResponse
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from landbridge.booking.fast import encode

    leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
    value = st.recursive(leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(), c, max_size=3))
    itinerary = st.dictionaries(st.text(), value, max_size=4)

    @settings(max_examples=150, deadline=None)
    @given(st.dictionaries(st.text(), value, max_size=4), itinerary, st.dictionaries(st.text(), value, max_size=4))
    def check(before, it, after):
        body = {**{k: v for k, v in before.items() if k != "itinerary"}, "itinerary": it}
        body.update({k: v for k, v in after.items() if k not in body})
        assert encode(body).encode() == JSONResponse(body).body
        assert encode(body) == encode(body)  # the kept itinerary gives the same text
        assert encode(before).encode() == JSONResponse(before).body

    check()


def test_a_full_leg_leaves_nothing_written(client, db, world, new_shipper, fast_calls, route_only):
    """An option over two departures whose second is full: the fast path sends every statement of the booking in
    one batch and checks the capacity UPDATEs' answers after it (db.direct.Batch); the 409 must still leave nothing
    behind (the first departure's FEU, the booking, its rows, the Idempotency-Key record), and answer as the route."""
    from sqlalchemy import func, select

    from landbridge.booking.models import Booking
    from landbridge.idempotency.service import _stored

    services = fresh_departure(world).service.id, fresh_departure(world).service.id

    def attempt(who, key: str) -> tuple:
        first, second = fresh_departure(world, services[0]), fresh_departure(world, services[1])
        set_capacity(db, world, first, 5)
        set_capacity(db, world, second, 0.5)  # less than one 40HC
        oid = make_option(db, world, who.customer_id, [(first, 0, 1), (second, 0, 1)])
        r = client.post("/v1/bookings", json=booking_body(oid), headers={**who.headers, "Idempotency-Key": key})
        assert booked_mfeu(db, first.id)[0] == 0 and booked_mfeu(db, second.id)[0] == 0
        n = db.read(lambda s: s.scalar(select(func.count()).select_from(Booking).where(Booking.option_id == oid)))
        assert n == 0 and db.read(lambda s: _stored(s, who.customer_id, key)) is None
        names = {oid: "OPT", first.id: "DEP1", second.id: "DEP2"}
        return _normal(r, names)

    fast_shipper = new_shipper("Full Leg GmbH")
    client.get("/v1/bookings", headers=fast_shipper.headers)
    fast = attempt(fast_shipper, "full-leg")
    assert fast_calls and fast[0] == 409
    route_only()
    assert attempt(new_shipper("Full Leg GmbH"), "full-leg") == fast
