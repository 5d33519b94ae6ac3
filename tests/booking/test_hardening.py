"""Defects found by trying the API as a new user and as an attacker would (issue 9): each test failed before
its fix. The property-based suite (test_api_properties.py) covers the classes these belong to."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest


def _cursor(doc) -> str:
    return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")


def test_departures_from_a_place_where_some_trains_end(client, shipper):
    """Chengdu is the last stop of return workings: listing them crashed with min() of an empty sequence."""
    start = date.today() + timedelta(days=7)
    r = client.get(
        "/v1/departures",
        params={"from": "Chengdu", "start_date": str(start), "end_date": str(start + timedelta(days=9))},
        headers=shipper.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["departures"] and all(d["sections"] for d in r.json()["departures"])


@pytest.mark.parametrize(
    "doc",
    [
        ["9999-12-31T23:59:59-05:00", "bk_0123456789abcdef"],  # past year 9999 once in UTC
        ["0001-01-01T00:00:00+05:00", "bk_0123456789abcdef"],  # before year 1 in UTC
        ["2026-01-01T00:00:00+00:00", "\ud800"],  # a lone surrogate no database can store
        ["2026-01-01T00:00:00+00:00", "bk_\x00"],  # NUL: PostgreSQL refused it (was 503)
        ["2026-01-01T00:00:00+00:00", 7],
        "not a list",
    ],
)
def test_tampered_cursors_are_422(client, shipper, doc):
    r = client.get("/v1/bookings", params={"cursor": _cursor(doc)}, headers=shipper.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "cursor"


def test_a_value_the_database_refuses_is_422_not_503(db):
    """psycopg's DataError (a bad value) is the client's fault, not an unavailable database."""
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's DataError (SQLite never sees text with NUL: the API refuses it first)")
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from landbridge.api.app import create_app

    app = create_app(db)

    @app.get("/test-bad-value")
    def bad_value():
        return db.read(lambda s: s.execute(text("SELECT CAST(:v AS text)"), {"v": "a\x00b"}).scalar())

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/test-bad-value")
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("start", ["9999-12-25", "9999-12-31", "0001-01-01"])
def test_utilisation_at_the_ends_of_the_calendar(client, op, start):
    r = client.get("/v1/operator/utilisation", params={"start_date": start}, headers=op)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "start_date"


@pytest.mark.parametrize(
    ("path", "max_days", "bounds"),
    [
        # today's window worked out when the test runs, not when it is collected (a run can cross midnight)
        ("/v1/departures", 62, lambda: (date.today() - timedelta(days=366), date.today() + timedelta(days=731))),
        ("/v1/operator/utilisation", 366, lambda: (date(2000, 1, 1), date(2100, 1, 1))),
    ],
    ids=["departures", "utilisation"],
)
def test_range_errors_name_dates_that_are_accepted(client, op, path, max_days, bounds):
    """The first and last dates an error message allows are accepted, and the day beyond each is refused
    (the messages were off by one)."""
    earliest, latest = bounds()

    def get(start, end=None):
        params = {"start_date": str(start), **({"end_date": str(end)} if end else {})}
        return client.get(path, params=params, headers=op)

    for ok in (earliest, latest):
        assert get(ok, ok + timedelta(days=1)).status_code == 200
    r = get(latest + timedelta(days=1))
    assert r.status_code == 422 and f"from {earliest} to {latest}" in r.json()["detail"]
    assert get(earliest - timedelta(days=1)).status_code == 422
    start = date.today()
    last = start + timedelta(days=max_days)
    assert get(start, last).status_code == 200
    r = get(start, last + timedelta(days=1))
    assert r.status_code == 422 and f"to {last} (both included)" in r.json()["detail"]
    r = get(start, start)
    assert r.status_code == 422 and f"from {start + timedelta(days=1)} to {last}" in r.json()["detail"]


def test_unknown_place_is_422_with_the_field(client, shipper):
    r = client.get("/v1/departures", params={"to": "Duisbrug"}, headers=shipper.headers)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "to" and "Duisburg" in err["suggestions"]


def test_api_tokens_are_never_stored_nor_replayed(client, db, op, shipper):
    """POST /v1/keys with an Idempotency-Key stored the whole answer, token included, for 24 h and replayed it."""
    from sqlalchemy import select

    from landbridge.idempotency.models import IdempotencyRecord

    body = {"name": "erp", "role": "shipper", "customer_id": shipper.customer_id}
    headers = {**op, "Idempotency-Key": "new-key-once"}
    first = client.post("/v1/keys", json=body, headers=headers)
    assert first.status_code == 201
    token = first.json()["token"]
    assert token.startswith("lb_") and "Idempotent-Replayed" not in first.headers
    stored = db.read(lambda s: [json.dumps(r.response) for r in s.scalars(select(IdempotencyRecord))])
    secret = token.split("_", 2)[2]  # lb_<prefix>_<secret>
    assert stored and not any(secret in r for r in stored)
    again = client.post("/v1/keys", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    replay = again.json()
    assert replay["id"] == first.json()["id"] and replay["token"] is None
    assert "never stored" in replay["withheld"] and token not in again.text
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("goods.hs_code", "８４７１３０", "hs_code"),  # full-width digits
        ("goods.hs_code", "٨٤٧١٣٠", "hs_code"),  # Arabic-Indic digits
        ("goods.hs_code", "8471\u00a030", "hs_code"),  # a no-break space
        (
            "goods.dangerous_goods",
            {"un_number": "UN３４８０", "hazard_class": "9", "proper_shipping_name": "X"},
            "un_number",
        ),
        ("goods.mass_kg", True, "mass_kg"),
        ("goods.mass_kg", "9000", "mass_kg"),
        ("goods.packages", 3.0, "packages"),
        ("goods.packages", False, "packages"),
        ("consignor.name", "Acme\x07 Export", "name"),  # BEL
        ("consignor.name", "Acme\nExport", "name"),  # one-line field
        ("consignor.name", "Acme \u202egpj.exe", "name"),  # right-to-left override
        ("consignor.address", "Hafen\x1b[31m 1", "address"),  # an escape sequence
        ("goods.description", "Lap\x85tops", "description"),  # C1 control (NEL)
    ],
)
def test_shipments_take_json_types_as_they_are_and_ascii_codes(client, shipper, path, value, field):
    """`"containers": true` booked one container, HS codes took any script's digits, names took control characters:
    each is 422 naming the field (checked before the option is looked up)."""
    from tests.booking.helpers import SHIPMENT

    shipment = json.loads(json.dumps(SHIPMENT))
    *parents, last = path.split(".")
    node = shipment
    for p in parents:
        node = node[p]
    node[last] = value
    r = client.post(
        "/v1/bookings", json={"option_id": "opt_0", "containers": 1, "shipment": shipment}, headers=shipper.headers
    )
    assert r.status_code == 422, r.text
    assert any(e["field"].endswith(field) for e in r.json()["errors"]), r.json()["errors"]


@pytest.mark.parametrize("containers", [True, 1.0, "1"])
def test_containers_must_be_a_json_integer(client, shipper, containers):
    from tests.booking.helpers import SHIPMENT

    body = {"option_id": "opt_0", "containers": containers, "shipment": SHIPMENT}
    r = client.post("/v1/bookings", json=body, headers=shipper.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.containers", r.text


def test_multiline_fields_keep_line_breaks(client, shipper):
    from tests.booking.helpers import SHIPMENT

    shipment = json.loads(json.dumps(SHIPMENT))
    shipment["consignee"]["address"] = "Hafenstraße 1\n47119 Duisburg"
    r = client.post(
        "/v1/bookings", json={"option_id": "opt_0", "containers": 1, "shipment": shipment}, headers=shipper.headers
    )
    assert r.status_code == 404, r.text  # valid body; the option does not exist


def test_the_last_operator_key_cannot_be_revoked_over_http(tmp_path):
    """An operator key could revoke every key, its own included, locking everyone out."""
    from fastapi.testclient import TestClient

    from landbridge.accounts.service import create_key
    from landbridge.api.app import create_app
    from landbridge.db.engine import Database
    from landbridge.migrations import upgrade

    db = Database(f"sqlite:///{tmp_path}/keys.sqlite3")
    upgrade(db)
    (a, token_a), (b, _token_b) = (db.write(lambda s, n=n: create_key(s, "operator", n)) for n in ("a", "b"))
    h = {"Authorization": f"Bearer {token_a}"}
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        assert c.delete(f"/v1/keys/{b.id}", headers=h).status_code == 200
        r = c.delete(f"/v1/keys/{a.id}", headers=h)
        assert r.status_code == 409 and "landbridge keys revoke" in r.json()["detail"]
        assert c.get("/v1/me", headers=h).status_code == 200
        k = c.post("/v1/keys", json={"name": "c", "role": "operator"}, headers=h).json()
        assert c.delete(f"/v1/keys/{a.id}", headers=h).status_code == 200  # another one works now
        assert c.get("/v1/me", headers={"Authorization": f"Bearer {k['token']}"}).status_code == 200
    db.dispose()


def test_the_command_line_may_revoke_the_last_operator_key(db, operator_token):
    """The rule binds the API; `landbridge keys revoke` (the service without keep_last_operator) may. Run in a
    transaction that is rolled back, so the session's other keys stay."""
    from sqlalchemy import select

    from landbridge.accounts.models import ApiKey
    from landbridge.accounts.service import principal_cache, revoke_key
    from landbridge.errors import ConflictError

    class Undo(Exception):
        pass

    def work(s):
        ops = list(s.scalars(select(ApiKey).where(ApiKey.role == "operator", ApiKey.revoked_at.is_(None))))
        for k in ops[1:]:
            revoke_key(s, k.id, keep_last_operator=True)
        with pytest.raises(ConflictError):
            revoke_key(s, ops[0].id, keep_last_operator=True)
        assert revoke_key(s, ops[0].id).revoked_at is not None
        raise Undo

    with pytest.raises(Undo):
        db.write(work)
    principal_cache.clear()


def _book(client, db, world, shipper, mode="rail"):
    from tests.booking.helpers import booking_body, fresh_departure, make_option, set_capacity

    dep = fresh_departure(world, mode=mode)
    if mode == "rail":
        set_capacity(db, world, dep, 10)
    opt = make_option(db, world, shipper.customer_id, [(dep, 0, len(dep.service.stops) - 1)])
    r = client.post("/v1/bookings", json=booking_body(opt), headers=shipper.headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_shippers_do_not_see_operator_keys_or_internal_notes(client, db, world, shipper, op):
    b = _book(client, db, world, shipper)
    r = client.post(f"/v1/bookings/{b['id']}/status", json={"status": "confirmed", "note": "credit hold"}, headers=op)
    assert r.status_code == 200
    assert r.json()["events"][-1]["note"] == "credit hold" and r.json()["events"][-1]["api_key_id"]  # operators do
    mine = client.post(f"/v1/bookings/{b['id']}/cancel", json={"reason": "order withdrawn"}, headers=shipper.headers)
    for seen in (mine.json(), client.get(f"/v1/bookings/{b['id']}", headers=shipper.headers).json()):
        by_role = {e["actor_role"]: e for e in seen["events"] if e["actor_role"] != "shipper" or e["note"]}
        assert by_role["operator"]["api_key_id"] is None and by_role["operator"]["note"] is None
        assert by_role["shipper"]["note"] == "order withdrawn"  # their own reason stays
        assert "credit hold" not in json.dumps(seen)


@pytest.mark.parametrize("mode", ["sea", "air"])
def test_no_rail_consignment_note_for_sea_or_air(client, db, world, shipper, mode):
    """A CIM/SMGS rail note was issued for air and sea bookings."""
    b = _book(client, db, world, shipper, mode)
    assert b["consignment_note"] is None
    r = client.get(f"/v1/bookings/{b['id']}/consignment-note.pdf", headers=shipper.headers)
    assert r.status_code == 409, r.text
    detail = r.json()["detail"]
    assert f"travels by {mode}" in detail and "for rail" in detail
    assert ("bill of lading" if mode == "sea" else "air waybill") in detail


def test_rail_bookings_still_get_their_note(client, db, world, shipper):
    b = _book(client, db, world, shipper)
    r = client.get(b["consignment_note"], headers=shipper.headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_security_headers(client, shipper):
    for path, headers in (("/v1/me", shipper.headers), ("/v1/bookings", shipper.headers), ("/v1/me", {})):
        r = client.get(path, headers=headers)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store", (path, r.status_code)
    r = client.get("/docs")
    assert r.headers["x-content-type-options"] == "nosniff" and "no-store" not in r.headers.get("cache-control", "")


def test_docs_work_offline(client):
    """/docs loaded Swagger UI from a CDN; its assets now come from a package and are served here."""
    import re

    page = client.get("/docs").text
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page)
    assert urls and all(u.startswith("/") for u in urls), urls
    for u in urls:
        assert client.get(u).status_code == 200, u
    assert "https://" not in page and "http://" not in page


def test_health_is_unavailable_on_an_unmigrated_database(tmp_path, client):
    from fastapi.testclient import TestClient

    from landbridge.api.app import create_app

    with TestClient(create_app(f"sqlite:///{tmp_path}/empty.sqlite3"), raise_server_exceptions=False) as c:
        r = c.get("/health")
    assert r.status_code == 503 and "landbridge db upgrade" in r.json()["detail"] and r.headers["retry-after"]
    ok = client.get("/health")
    assert ok.status_code == 200 and ok.json() == {"status": "ok"}  # and it does not name the database


def test_unknown_query_parameters_are_422_with_a_suggestion(client, shipper):
    """`?stauts=confirmed` was ignored silently: the answer looked like a filtered list and was not."""
    r = client.get("/v1/bookings", params={"stauts": "confirmed"}, headers=shipper.headers)
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "stauts" and "'status'" in err["message"]
    assert client.get("/v1/bookings", params={"status": "confirmed"}, headers=shipper.headers).status_code == 200


def test_an_empty_customer_id_is_no_customer(client, op):
    """An operator key with customer_id "" reached the database and broke its foreign key (503)."""
    r = client.post("/v1/keys", json={"name": "x", "role": "operator", "customer_id": ""}, headers=op)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body.customer_id"


def test_a_constraint_refusal_is_409_not_503(db):
    from fastapi.testclient import TestClient
    from sqlalchemy import insert

    from landbridge.accounts.models import ApiKey
    from landbridge.api.app import create_app

    app = create_app(db)

    @app.get("/test-constraint")
    def constraint():
        row = {
            "id": "key_x",
            "prefix": "p",
            "secret_sha256": "0",
            "role": "shipper",
            "name": "n",
            "customer_id": "cus_missing",
        }
        return db.write(lambda s: s.execute(insert(ApiKey), [row]) and None)

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/test-constraint")
    assert r.status_code == 409 and "nothing was changed" in r.json()["detail"]


@pytest.mark.parametrize("raw", ["corridor=%00", "corridor=ab%00c&limit=1", "x%00y=1"])
def test_a_nul_in_a_query_parameter_is_422_naming_it(client, op, raw):
    # found by schemathesis: a NUL in a query value is a bad value (422), not a malformed request (400)
    r = client.get(f"/v1/operator/trains?{raw}", headers=op)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] in ("corridor", "xy")
    assert client.get("/v1/bookings/bk_%00", headers=op).status_code == 400  # in the path: malformed


def test_an_unreadable_csv_is_422_never_500(client, op):
    # found by schemathesis: csv.Error ("new-line character seen in unquoted field") escaped as a 500
    headers = {**op, "Content-Type": "text/csv"}
    body = "eventID,eventType,eventDateTime\na\rb,TRANSPORT,2026-01-01T00:00:00Z\n"
    r = client.post("/v1/events/import", content=body, headers=headers)
    assert r.status_code == 200 and len(r.json()["results"]) == 2, r.text  # a bare CR ends a row, as in a file
    huge = "eventID,eventType,eventDateTime\n" + "x" * 140_000 + ",TRANSPORT,2026-01-01T00:00:00Z\n"
    r = client.post("/v1/events/import", content=huge, headers=headers)  # past the csv module's field limit
    assert r.status_code == 422 and "cannot be read" in r.json()["errors"][0]["message"], r.text
