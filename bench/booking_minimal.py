"""The booking benchmark's framework-free baseline: `POST /v1/bookings` as a bare ASGI function on uvicorn (the
same uvloop, httptools and TCP_NODELAY protocol as `landbridge serve`), running the service's SQL on the raw
driver: psycopg's async connections (a small pool) on PostgreSQL, sqlite3 inline on the event loop (BEGIN
IMMEDIATE, WAL, synchronous=NORMAL) on SQLite. No FastAPI, no pydantic, no SQLAlchemy, no middleware.

What it keeps of a booking: the API key checked (SHA-256 of the token against the keys read at start, as the
service's principal cache does), the quote option and its rail legs (read at start; the service caches them on
first use), expiry and payload checks, the conditional UPDATE ... RETURNING per departure (409 and rollback when
a section is full), the booking row, its reservations, its first audit event, the Idempotency-Key record with
the stored answer (INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING), commit, and a JSON answer
with the booking and its itinerary. What it leaves out: request validation beyond that, problem-details
errors, replays, deadlines and the other middleware.

Run by bench/booking_throughput.py (`--serve`); not a product.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

UPDATE = (
    "UPDATE departure_sections SET booked_mfeu = booked_mfeu + {n} WHERE departure_id = {d} AND section_index >= {i} "
    "AND section_index < {j} AND booked_mfeu + {n} <= capacity_mfeu RETURNING section_index"
)
INSERT_BOOKING = (
    "INSERT INTO bookings (id, customer_id, option_id, status, transport_status, reference, containers, "
    "container_type, feu_mfeu, price_total, currency, origin, destination, departs_at, arrives_at, shipment, "
    "created_at, updated_at) VALUES ({p})"
)
INSERT_RESERVATION = (
    "INSERT INTO booking_reservations (booking_id, departure_id, board_stop, alight_stop, mfeu) VALUES ({p})"
)
INSERT_EVENT = (
    "INSERT INTO booking_events (booking_id, from_status, to_status, at, api_key_id, actor_role, note, field, "
    "tracking_event_id) VALUES ({p})"
)
CLAIM = (
    "INSERT INTO idempotency_records (owner, key, fingerprint, status_code, response, created_at) VALUES ({p}) "
    "ON CONFLICT (owner, key) DO UPDATE SET fingerprint = excluded.fingerprint, status_code = excluded.status_code, "
    "response = excluded.response, created_at = excluded.created_at WHERE idempotency_records.created_at < {cut} "
    "RETURNING owner"
)


class Full(Exception):
    pass


def _sql(template: str, mark: str, n: int = 0, **names: str) -> str:
    return template.format(p=", ".join([mark] * n), **names)


def parse_ts(v: Any) -> datetime:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(v)).replace(tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    """Keys and options read once at start, and the database connections."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, str | None, str, str]] = {}  # prefix -> (sha256, customer, key id, role)
        self.options: dict[str, dict[str, Any]] = {}
        self.sqlite: sqlite3.Connection | None = None
        self.pool: asyncio.Queue[Any] | None = None

    def load(self, rows_keys: list[tuple[Any, ...]], rows_options: list[tuple[Any, ...]]) -> None:
        for prefix, sha, customer, kid, role, revoked in rows_keys:
            if revoked is None:
                self.keys[prefix] = (sha, customer, kid, role)
        for oid, customer, containers, ctype, mfeu, payload, price, currency, expires, option in rows_options:
            doc = option if isinstance(option, dict) else json.loads(option)
            legs = doc["legs"]
            self.options[oid] = {
                "id": oid,
                "customer_id": customer,
                "containers": containers,
                "container_type": ctype,
                "mfeu": mfeu,
                "max_payload_kg": payload,
                "price_total": Decimal(str(price)),
                "currency": currency,
                "expires_at": parse_ts(expires),
                "departs_at": parse_ts(doc["departure"].replace("Z", "")),
                "arrives_at": parse_ts(doc["arrival"].replace("Z", "")),
                "origin": legs[0]["from"],
                "destination": legs[-1]["to"],
                "legs": sorted(
                    (l["departure_id"], int(l["board_stop"]), int(l["alight_stop"]))
                    for l in legs
                    if l["mode"] == "rail" and l.get("departure_id")
                ),
                "itinerary": doc,
            }


STATE = State()
KEYS_SQL = "SELECT prefix, secret_sha256, customer_id, id, role, revoked_at FROM api_keys"
OPTIONS_SQL = (
    "SELECT id, customer_id, containers, container_type, mfeu_per_container, max_payload_kg, price_total, "
    "currency, expires_at, option FROM quote_options"
)


async def startup() -> None:
    url = os.environ["LANDBRIDGE_DATABASE_URL"]
    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("PRAGMA busy_timeout=30000")
        con.execute("PRAGMA foreign_keys=ON")
        STATE.load(con.execute(KEYS_SQL).fetchall(), con.execute(OPTIONS_SQL).fetchall())
        STATE.sqlite = con
        return
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    pool: asyncio.Queue[Any] = asyncio.Queue()
    for _ in range(int(os.environ.get("LB_MINIMAL_POOL", "10"))):
        pool.put_nowait(await psycopg.AsyncConnection.connect(conninfo))
    conn = await pool.get()
    async with conn.cursor() as cur:
        await cur.execute(KEYS_SQL)
        keys = await cur.fetchall()
        await cur.execute(OPTIONS_SQL)
        options = await cur.fetchall()
    await conn.commit()
    pool.put_nowait(conn)
    STATE.load(keys, options)
    STATE.pool = pool


def principal(headers: dict[bytes, bytes]) -> tuple[str | None, str, str] | None:
    auth = headers.get(b"authorization", b"").decode()
    token = auth.removeprefix("Bearer ")
    prefix, sep, _secret = token.removeprefix("lb_").partition("_")
    if not token.startswith("lb_") or not sep:
        return None
    key = STATE.keys.get(prefix)
    if key is None or key[0] != hashlib.sha256(token.encode()).hexdigest():
        return None
    return key[1], key[2], key[3]


def booking_rows(opt: dict[str, Any], body: dict[str, Any], customer: str, key_id: str, role: str) -> Any:
    now = datetime.now(UTC)
    n = int(body["containers"])
    mfeu = n * opt["mfeu"]
    bid = f"bk_{secrets.token_hex(8)}"
    price = (opt["price_total"] * n / opt["containers"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    booking = (
        bid,
        customer,
        opt["id"],
        "received",
        "planned",
        body.get("reference"),
        n,
        opt["container_type"],
        mfeu,
        price,
        opt["currency"],
        opt["origin"],
        opt["destination"],
        opt["departs_at"],
        opt["arrives_at"],
        body["shipment"],
        now,
        now,
    )
    res = [(bid, d, i, j, mfeu) for d, i, j in opt["legs"]]
    event = (bid, None, "received", now, key_id, role, None, "status", None)
    answer = {
        "id": bid,
        "status": "received",
        "transport_status": "planned",
        "customer_id": customer,
        "option_id": opt["id"],
        "reference": body.get("reference"),
        "containers": n,
        "container_type": opt["container_type"],
        "feu": mfeu / 1000,
        "price": {"total": str(price), "currency": opt["currency"]},
        "origin": opt["origin"],
        "destination": opt["destination"],
        "departure": iso(opt["departs_at"]),
        "arrival": iso(opt["arrives_at"]),
        "created_at": iso(now),
        "updated_at": iso(now),
        "shipment": body["shipment"],
        "equipment": [],
        "itinerary": opt["itinerary"],
        "reservations": [
            {"departure_id": d, "board_stop": i, "alight_stop": j, "feu": mfeu / 1000} for d, i, j in opt["legs"]
        ],
        "events": [
            {
                "from_status": None,
                "to_status": "received",
                "at": iso(now),
                "actor_role": role,
                "api_key_id": key_id,
                "note": None,
                "field": "status",
                "tracking_event_id": None,
            }
        ],
    }
    return now, mfeu, booking, res, event, answer


PG = {
    "update": UPDATE.format(n="%(n)s", d="%(d)s", i="%(i)s", j="%(j)s"),
    "booking": _sql(INSERT_BOOKING, "%s", 18),
    "reservation": _sql(INSERT_RESERVATION, "%s", 5),
    "event": _sql(INSERT_EVENT, "%s", 9),
    "claim": CLAIM.format(p="%s, %s, %s, %s, %s, %s", cut="%s"),
}
LITE = {
    "update": UPDATE.format(n=":n", d=":d", i=":i", j=":j"),
    "booking": _sql(INSERT_BOOKING, "?", 18),
    "reservation": _sql(INSERT_RESERVATION, "?", 5),
    "event": _sql(INSERT_EVENT, "?", 9),
    "claim": CLAIM.format(p="?, ?, ?, ?, ?, ?", cut="?"),
}


async def book_pg(opt: dict[str, Any], rows: Any, owner: str, key: str, fp: str) -> bool:
    from psycopg.types.json import Jsonb

    now, mfeu, booking, res, event, answer = rows
    assert STATE.pool is not None
    conn = await STATE.pool.get()
    try:
        async with conn.transaction():
            cur = conn.cursor()
            for d, i, j in opt["legs"]:
                await cur.execute(PG["update"], {"n": mfeu, "d": d, "i": i, "j": j})
                if len(await cur.fetchall()) != j - i:
                    raise Full()
            await cur.execute(PG["booking"], (*booking[:15], Jsonb(booking[15]), *booking[16:]))
            await cur.executemany(PG["reservation"], res)
            await cur.execute(PG["event"], event)
            await cur.execute(PG["claim"], (owner, key, fp, 201, Jsonb(answer), now, now - timedelta(hours=24)))
            if await cur.fetchone() is None:
                raise Full()  # the key is taken (the service would replay); never in the benchmark
        return True
    except Full:
        return False
    finally:
        STATE.pool.put_nowait(conn)


def book_sqlite(opt: dict[str, Any], rows: Any, owner: str, key: str, fp: str) -> bool:
    now, mfeu, booking, res, event, answer = rows
    con = STATE.sqlite
    assert con is not None

    def ts(dt: datetime) -> str:
        return dt.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")

    con.execute("BEGIN IMMEDIATE")
    try:
        for d, i, j in opt["legs"]:
            if len(con.execute(LITE["update"], {"n": mfeu, "d": d, "i": i, "j": j}).fetchall()) != j - i:
                raise Full()
        b = list(booking)
        b[9], b[13], b[14], b[15], b[16], b[17] = str(b[9]), ts(b[13]), ts(b[14]), json.dumps(b[15]), ts(now), ts(now)
        con.execute(LITE["booking"], b)
        con.executemany(LITE["reservation"], res)
        con.execute(LITE["event"], (*event[:3], ts(now), *event[4:]))
        got = con.execute(
            LITE["claim"], (owner, key, fp, 201, json.dumps(answer), ts(now), ts(now - timedelta(hours=24)))
        ).fetchone()
        if got is None:
            raise Full()
        con.execute("COMMIT")
        return True
    except BaseException:
        con.execute("ROLLBACK")
        return False


async def reply(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await startup()
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/health":
        await reply(send, 200, b'{"status":"ok"}')
        return
    if scope["method"] != "POST" or scope["path"] != "/v1/bookings":
        await reply(send, 404, b"{}")
        return
    raw = b""
    while True:
        msg = await receive()
        raw += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    headers = dict(scope["headers"])
    who = principal(headers)
    if who is None:
        await reply(send, 401, b"{}")
        return
    customer, key_id, role = who
    body = json.loads(raw)
    opt = STATE.options.get(body.get("option_id", ""))
    if opt is None or customer is None or (opt["customer_id"] not in (None, customer)):
        await reply(send, 404, b"{}")
        return
    now = datetime.now(UTC)
    if opt["expires_at"] <= now or not 1 <= int(body["containers"]) <= opt["containers"]:
        await reply(send, 410, b"{}")
        return
    if body["shipment"]["goods"]["mass_kg"] > int(body["containers"]) * opt["max_payload_kg"]:
        await reply(send, 422, b"{}")
        return
    key = headers.get(b"idempotency-key", b"").decode()
    fp = hashlib.sha256(json.dumps(["POST", "/v1/bookings", body], sort_keys=True).encode()).hexdigest()
    rows = booking_rows(opt, body, customer, key_id, role)
    ok = (
        await book_pg(opt, rows, customer, key, fp)
        if STATE.sqlite is None
        else book_sqlite(opt, rows, customer, key, fp)
    )
    if not ok:
        await reply(send, 409, b'{"status":409}')
        return
    await reply(send, 201, json.dumps(rows[-1]).encode())


def main() -> None:
    import uvicorn

    from landbridge.api.server import http_protocol

    port, workers = int(sys.argv[1]), int(sys.argv[2])
    uvicorn.run(
        "booking_minimal:app",
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
        http=http_protocol("auto"),
        lifespan="on",
    )


if __name__ == "__main__":
    main()
