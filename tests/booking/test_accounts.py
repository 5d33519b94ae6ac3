"""Customers and API keys: keys stored hashed, bearer authentication, roles, tenant isolation."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from tests.booking.helpers import booking_body, fresh_departure, make_option


def test_keys_are_stored_hashed(db, client, op):
    from landbridge.accounts.models import ApiKey

    cus = client.post("/v1/customers", json={"name": "Hash Check Ltd", "email": "ops@hash.example"}, headers=op).json()
    r = client.post("/v1/keys", json={"name": "erp", "role": "shipper", "customer_id": cus["id"]}, headers=op)
    assert r.status_code == 201
    token = r.json()["token"]
    row = db.read(lambda s: s.scalars(select(ApiKey).where(ApiKey.id == r.json()["id"])).one())
    assert row.secret_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.secret_sha256, row.prefix, row.name) and row.prefix in token
    listed = client.get("/v1/keys", params={"customer_id": cus["id"]}, headers=op).json()
    assert [k["id"] for k in listed] == [r.json()["id"]] and "token" not in listed[0]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"key_id": r.json()["id"], "role": "shipper", "customer_id": cus["id"], "name": "erp"}


def test_authentication_errors(client, op):
    assert client.get("/v1/bookings").status_code == 401
    assert client.get("/v1/bookings").headers["www-authenticate"] == "Bearer"
    for bad in ("Bearer nope", "Bearer lb_000000000000_wrongsecret", "Basic dXNlcjpwYXNz", "Bearer "):
        assert client.get("/v1/bookings", headers={"Authorization": bad}).status_code == 401, bad
    cus = client.post("/v1/customers", json={"name": "Revoked Co"}, headers=op).json()
    k = client.post("/v1/keys", json={"name": "old", "customer_id": cus["id"]}, headers=op).json()
    h = {"Authorization": f"Bearer {k['token']}"}
    assert client.get("/v1/me", headers=h).status_code == 200
    tampered = {"Authorization": f"Bearer {k['token'][:-2]}xx"}
    assert client.get("/v1/me", headers=tampered).status_code == 401
    assert client.delete(f"/v1/keys/{k['id']}", headers=op).json()["revoked_at"]
    assert client.get("/v1/me", headers=h).status_code == 401


def test_key_rules(client, op):
    r = client.post("/v1/keys", json={"name": "x", "role": "shipper"}, headers=op)
    assert r.status_code == 422 and "customer_id" in r.json()["detail"]
    r = client.post("/v1/keys", json={"name": "x", "role": "shipper", "customer_id": "cus_missing"}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"  # a bad field, not a bad URL
    r = client.post("/v1/keys", json={"name": "x", "role": "admin"}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.role"
    r = client.post("/v1/keys", json={"name": "second operator", "role": "operator"}, headers=op)
    assert r.status_code == 201 and r.json()["role"] == "operator"
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()["role"] == "operator"
    r = client.post("/v1/customers", json={"name": "x", "email": "not-an-email"}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.email"


def test_shipper_cannot_reach_operator_endpoints(client, shipper):
    h = shipper.headers
    assert client.post("/v1/customers", json={"name": "Sneaky"}, headers=h).status_code == 403
    assert client.get("/v1/customers", headers=h).status_code == 403
    assert client.get(f"/v1/customers/{shipper.customer_id}", headers=h).status_code == 403
    assert client.post("/v1/keys", json={"name": "x", "role": "operator"}, headers=h).status_code == 403
    assert client.get("/v1/keys", headers=h).status_code == 403
    assert client.delete(f"/v1/keys/{shipper.key_id}", headers=h).status_code == 403
    assert client.get("/v1/operator/utilisation", headers=h).status_code == 403
    assert client.get("/v1/operator/reconcile", headers=h).status_code == 403
    assert client.post("/v1/bookings/bk_x/status", json={"status": "confirmed"}, headers=h).status_code == 403


def test_tenant_isolation(client, db, world, new_shipper, op):
    a, b = new_shipper("Alpha Trading"), new_shipper("Beta Logistics")
    dep = fresh_departure(world)
    opt_a = make_option(db, world, a.customer_id, [(dep, 0, 1)], containers=2)
    bid = client.post("/v1/bookings", json=booking_body(opt_a), headers=a.headers).json()["id"]
    # B cannot see, list, cancel, print or book on A's booking and option: 404, as if they did not exist.
    for path in (f"/v1/bookings/{bid}", f"/v1/bookings/{bid}/consignment-note.pdf"):
        assert client.get(path, headers=b.headers).status_code == 404
    assert client.post(f"/v1/bookings/{bid}/cancel", headers=b.headers).status_code == 404
    assert client.post("/v1/bookings", json=booking_body(opt_a), headers=b.headers).status_code == 404
    assert client.get("/v1/bookings", headers=b.headers).json()["items"] == []
    assert client.get("/v1/bookings", params={"customer_id": a.customer_id}, headers=b.headers).json()["items"] == []
    r = client.post("/v1/bookings", json=booking_body(opt_a, customer_id=a.customer_id), headers=b.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"
    # A sees its own; operators see everyone's and can book for a customer.
    assert [x["id"] for x in client.get("/v1/bookings", headers=a.headers).json()["items"]] == [bid]
    assert client.get(f"/v1/bookings/{bid}", headers=op).status_code == 200
    listed = client.get("/v1/bookings", params={"customer_id": a.customer_id}, headers=op).json()["items"]
    assert [x["id"] for x in listed] == [bid]
    r = client.post("/v1/bookings", json=booking_body(opt_a), headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "customer_id"
    r = client.post("/v1/bookings", json=booking_body(opt_a, customer_id=a.customer_id), headers=op)
    assert r.status_code == 201 and r.json()["customer_id"] == a.customer_id
    # An operator's own quote option can be booked for any customer.
    opt_op = make_option(db, world, None, [(dep, 0, 1)])
    r = client.post("/v1/bookings", json=booking_body(opt_op, customer_id=b.customer_id), headers=op)
    assert r.status_code == 201 and r.json()["customer_id"] == b.customer_id
    assert client.post("/v1/bookings", json=booking_body(opt_op), headers=b.headers).status_code == 201
