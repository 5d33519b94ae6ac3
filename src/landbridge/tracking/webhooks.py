"""Webhooks: subscriptions, their signing secrets, the outbox and its delivery.

Secrets. A subscription's signing secret is never stored. It is derived when needed:
`whsec_` + base64url(HMAC-SHA256(webhook key, "<subscription id>:<secret version>")), where the webhook key is
the server's (LANDBRIDGE_WEBHOOK_KEY, 32+ random bytes as hex or base64; on SQLite, when unset, a key file
beside the database, made on first use with mode 0600). The API shows the secret once, when the subscription is
made or its secret rotated; a copy of the database alone signs nothing. Each subscription keeps the key's
fingerprint, so a changed key is noticed (deliveries wait, with a clear error) instead of signing with a secret
the customer does not have.

Signature. Every delivery carries `Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
"<t>.<body>")>` (the body's exact bytes); receivers recompute it, compare in constant time and refuse
timestamps older than 5 minutes. `Webhook-Id` is the event id (the same on a retry: the receiver's
idempotency key), `Subscription-ID` the subscription. The body is a JSON list with one DCSA event.

Delivery. The outbox (`webhook_deliveries`) is written in the event's transaction. Workers claim due rows
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite) for a lease, but only the first pending row of
each (subscription, booking): a booking's events arrive in the order they were accepted. A 2xx response
delivers; anything else (an error status, a redirect, a timeout, an oversized answer) is retried with
exponential backoff (10 s doubling to an hour) until a day has passed, then the row is dead-lettered; the
customer can list dead deliveries and send them again. A worker that dies mid-delivery leaves its lease to
expire and another sends the row again: at least once, recognisable by `Webhook-Id`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.orm import Session

from landbridge.accounts.service import Principal
from landbridge.booking.models import Booking, BookingReservation
from landbridge.db.base import new_id, utcnow
from landbridge.db.bulk import among, insert_rows, parts, table_of
from landbridge.errors import ConflictError, FieldError, LandbridgeError, NotFoundError
from landbridge.timefmt import iso_utc
from landbridge.tracking.models import Delivery, Subscription, TrackingEvent

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from landbridge.db.engine import Database
    from landbridge.tracking.schemas import SubscriptionIn

log = logging.getLogger("landbridge.webhooks")

KEY_ENV = "LANDBRIDGE_WEBHOOK_KEY"
ALLOW_LOOPBACK_ENV = "LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK"  # 1: http(s) to 127.0.0.1/localhost/::1 allowed (dev, tests)
SIGNATURE_HEADER = "Webhook-Signature"
MAX_RESPONSE_BYTES = 64 * 1024
RELEASED = ("rejected", "declined", "cancelled")


@dataclass(frozen=True)
class Settings:
    """Delivery timing (seconds); from the environment so that tests and benchmarks can shorten them."""

    retry_base_s: float = 10.0
    retry_max_s: float = 3600.0
    retry_for_s: float = 86400.0  # then dead-lettered
    lease_s: float = 60.0
    timeout_s: float = 10.0
    batch: int = 32

    @classmethod
    def from_env(cls) -> Settings:
        def f(name: str, default: float) -> float:
            return float(os.environ.get(f"LANDBRIDGE_WEBHOOK_{name}", default))

        return cls(
            f("RETRY_BASE_S", 10), f("RETRY_MAX_S", 3600), f("RETRY_FOR_S", 86400), f("LEASE_S", 60), f("TIMEOUT_S", 10)
        )


class WebhookKeyError(LandbridgeError):
    status_code = 503


# ---- the server's webhook key and the derived secrets -------------------------------------------
def webhook_key(db_url: str | None = None) -> bytes:
    """The key secrets are derived from: LANDBRIDGE_WEBHOOK_KEY, else (SQLite) a key file beside the database."""
    raw = os.environ.get(KEY_ENV, "").strip()
    if raw:
        try:
            key = (
                bytes.fromhex(raw) if all(c in "0123456789abcdefABCDEF" for c in raw) else base64.b64decode(raw + "==")
            )
        except ValueError:
            raise WebhookKeyError(
                f"{KEY_ENV} is neither hex nor base64; make one with `openssl rand -hex 32`."
            ) from None
        if len(key) < 32:
            raise WebhookKeyError(f"{KEY_ENV} must hold at least 32 bytes (64 hex digits).")
        return key
    if db_url and db_url.startswith("sqlite:///") and ":memory:" not in db_url:
        path = Path(db_url[len("sqlite:///") :]).with_suffix(".webhook-key")
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
        return bytes.fromhex(path.read_text().strip())
    raise WebhookKeyError(
        f"Set {KEY_ENV} (32 random bytes as hex, the same on every server and worker, e.g. `openssl rand -hex 32`) "
        "to sign webhooks."
    )


def fingerprint(key: bytes) -> str:
    return hashlib.sha256(b"landbridge-webhook-key:" + key).hexdigest()[:16]


def derive_secret(key: bytes, subscription_id: str, version: int) -> str:
    mac = hmac.new(key, f"{subscription_id}:{version}".encode(), hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Webhook-Signature header value for a body sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: str, body: bytes, header: str, now: float | None = None, tolerance_s: int = 300) -> bool:
    """The receiver's check (the recipe of docs/tracking.md): a v1 signature of "<t>.<body>" and a fresh t."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        t = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - t) > tolerance_s:
        return False
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, parts.get("v1", ""))


# ---- callback URLs ----------------------------------------------------------------------------
def loopback_allowed() -> bool:
    return os.environ.get(ALLOW_LOOPBACK_ENV, "") in ("1", "true", "yes")


def check_url(url: str, field: str = "callbackUrl", resolve: bool = True) -> str:
    """https only, to public addresses (private, loopback, link-local and reserved ranges refused; loopback is
    allowed over http or https when LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK=1). Every address the host resolves to
    must pass."""
    parts = urlsplit(url)
    host = parts.hostname
    loop_ok = loopback_allowed()
    if parts.scheme != "https" and not (loop_ok and parts.scheme == "http"):
        raise FieldError(field, "The callback URL must use https.")
    if not host or parts.username or parts.password:
        raise FieldError(
            field, "Give a callback URL with a host name and no user or password, e.g. https://erp.example.com/hooks."
        )
    try:
        port = parts.port
    except ValueError:
        raise FieldError(field, "The callback URL has an invalid port.") from None
    addrs: list[str] = []
    try:
        addrs = [str(ipaddress.ip_address(host))]
    except ValueError:
        if host.lower() == "localhost":
            addrs = ["127.0.0.1"]
        elif resolve:
            try:
                infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
            except OSError:
                raise FieldError(field, f"The host {host!r} of the callback URL does not resolve.") from None
            addrs = sorted({str(i[4][0]) for i in infos})
    for a in addrs:
        ip = ipaddress.ip_address(a)
        if ip.is_loopback and loop_ok:
            continue
        if parts.scheme != "https":
            raise FieldError(field, "The callback URL must use https (http only to loopback in development).")
        if not ip.is_global or ip.is_multicast:
            raise FieldError(
                field, f"The callback URL resolves to {a}, a private, loopback or reserved address; use a public host."
            )
    return url


# ---- subscriptions -----------------------------------------------------------------------------
def _sub_doc(sub: Subscription, secret: str | None = None) -> dict[str, Any]:
    return {
        "subscriptionID": sub.id,
        "callbackUrl": sub.callback_url,
        "eventTypes": list(sub.event_types),
        "eventTypeCodes": list(sub.type_codes),
        "bookingID": sub.booking_id,
        "active": sub.active,
        "subscriptionCreatedDateTime": iso_utc(sub.created_at),
        "subscriptionUpdatedDateTime": iso_utc(sub.updated_at),
        "secret": secret,
        "secretVersion": sub.secret_version,
    }


def _key_for(s: Session) -> bytes:
    return webhook_key(s.get_bind().engine.url.render_as_string(hide_password=False))


def create_subscription(
    s: Session, principal: Principal, body: SubscriptionIn, now: datetime | None = None
) -> dict[str, Any]:
    """A subscription of the caller's customer (an operator's: every booking). Answers with the secret, once."""
    now = now or utcnow()
    check_url(body.callbackUrl)
    if body.bookingID:
        q = select(Booking.customer_id).where(Booking.id == body.bookingID)
        owner = s.scalar(q)
        if owner is None or (not principal.is_operator and owner != principal.customer_id):
            raise FieldError("bookingID", f"No booking {body.bookingID!r}.")
    key = _key_for(s)
    sub = Subscription(
        id=new_id("sub"),
        customer_id=None if principal.is_operator else principal.customer_id,
        api_key_id=principal.key_id,
        callback_url=body.callbackUrl,
        event_types=sorted(set(body.eventTypes)),
        type_codes=sorted(set(body.eventTypeCodes)),
        booking_id=body.bookingID,
        secret_version=1,
        key_fingerprint=fingerprint(key),
        active=True,
        created_at=now,
        updated_at=now,
    )
    s.add(sub)
    s.flush()
    return _sub_doc(sub, derive_secret(key, sub.id, 1))


def _own(s: Session, principal: Principal, sub_id: str, lock: bool = False) -> Subscription:
    q = select(Subscription).where(Subscription.id == sub_id[:32])
    if not principal.is_operator:
        q = q.where(Subscription.customer_id == principal.customer_id)
    if lock:
        q = q.with_for_update()
    sub = s.scalars(q).first()
    if sub is None:
        raise NotFoundError(f"No subscription {sub_id[:40]!r}.")
    return sub


def list_subscriptions(s: Session, principal: Principal) -> list[dict[str, Any]]:
    q = select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.created_at)
    if not principal.is_operator:
        q = q.where(Subscription.customer_id == principal.customer_id)
    return [_sub_doc(x) for x in s.scalars(q).all()]


def get_subscription(s: Session, principal: Principal, sub_id: str) -> dict[str, Any]:
    return _sub_doc(_own(s, principal, sub_id))


def delete_subscription(s: Session, principal: Principal, sub_id: str, now: datetime | None = None) -> None:
    """Stop a subscription: nothing more is queued for it; what is queued is dropped."""
    sub = _own(s, principal, sub_id, lock=True)
    sub.active = False
    sub.updated_at = now or utcnow()
    s.execute(
        update(Delivery)
        .where(Delivery.subscription_id == sub.id, Delivery.status == "pending")
        .values(status="dropped")
    )


def rotate_secret(s: Session, principal: Principal, sub_id: str, now: datetime | None = None) -> dict[str, Any]:
    """A new secret (shown once); the old one stops signing at once. Also re-binds the subscription to the
    server's current webhook key."""
    sub = _own(s, principal, sub_id, lock=True)
    key = _key_for(s)
    sub.secret_version += 1
    sub.key_fingerprint = fingerprint(key)
    sub.updated_at = now or utcnow()
    s.flush()
    return _sub_doc(sub, derive_secret(key, sub.id, sub.secret_version))


def list_deliveries(
    s: Session, principal: Principal, sub_id: str, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    sub = _own(s, principal, sub_id)
    q = select(Delivery).where(Delivery.subscription_id == sub.id)
    if status:
        q = q.where(Delivery.status == status)
    rows = s.scalars(q.order_by(Delivery.id.desc()).limit(limit)).all()
    return [
        {
            "id": d.id,
            "eventID": d.event_id,
            "bookingID": d.order_key if d.order_key.startswith("bk_") else None,
            "status": d.status,
            "attempts": d.attempts,
            "createdDateTime": iso_utc(d.created_at),
            "nextAttemptDateTime": iso_utc(d.next_attempt_at) if d.status == "pending" else None,
            "deliveredDateTime": iso_utc(d.delivered_at) if d.delivered_at else None,
            "lastStatusCode": d.last_status_code,
            "lastError": d.last_error,
        }
        for d in rows
    ]


def replay_dead(s: Session, principal: Principal, sub_id: str, now: datetime | None = None) -> int:
    """Send the dead-lettered deliveries of a subscription again (as new attempts, in their original order
    among themselves, after anything already pending for the same booking)."""
    sub = _own(s, principal, sub_id)
    if not sub.active:
        raise ConflictError(f"Subscription {sub.id} was deleted; make a new one.")
    now = now or utcnow()
    dead = s.execute(
        select(Delivery.order_key, Delivery.event_seq, Delivery.event_id)
        .where(Delivery.subscription_id == sub.id, Delivery.status == "dead")
        .order_by(Delivery.id)
    ).all()
    if not dead:
        return 0
    s.execute(
        update(Delivery).where(Delivery.subscription_id == sub.id, Delivery.status == "dead").values(status="replayed")
    )
    insert_rows(s, table_of(Delivery), [_row(sub.id, k, seq, eid) for k, seq, eid in dead], shared=_pending(now))
    return len(dead)


# ---- the outbox -----------------------------------------------------------------------------------
def _row(sub_id: str, order_key: str, seq: int, event_id: str) -> dict[str, Any]:
    """An outbox row's own values; those of every new row are _pending(now)."""
    return {"subscription_id": sub_id, "order_key": order_key, "event_seq": seq, "event_id": event_id}


def _pending(now: datetime) -> dict[str, Any]:
    return {"status": "pending", "attempts": 0, "next_attempt_at": now, "locked_until": None, "created_at": now}


def _matches(sub: Subscription, event_type: str, code: str, booking_id: str | None) -> bool:
    if event_type not in sub.event_types:
        return False
    if sub.type_codes and code not in sub.type_codes:
        return False
    return not (sub.booking_id and sub.booking_id != booking_id)


Rider = tuple[str, int, int, str]  # a booking on a train: (booking id, board stop, alight stop, customer id)


def enqueue(s: Session, created: list[Any], now: datetime) -> int:
    """Outbox rows for newly stored events (tracking.service.Prepared, in event time), in the same transaction:
    for each matching subscription, one row per booking the event concerns (operators' subscriptions: one per
    event). Written in one statement (bulk.insert_rows), so their ids keep the events' order."""
    subs = list(s.scalars(select(Subscription).where(Subscription.active.is_(True))))
    if not subs:
        return 0
    ops = [x for x in subs if x.customer_id is None]
    by_customer: dict[str, list[Subscription]] = {}
    for x in subs:
        if x.customer_id is not None:
            by_customer.setdefault(x.customer_id, []).append(x)
    riders = _riders(s, created, list(by_customer)) if by_customer else {}
    rows: list[dict[str, Any]] = []
    for p in created:
        rows.extend(_operator_rows(ops, p))
        for bid, cus in _concerned(p, riders):
            rows.extend(
                _row(sub.id, bid, p.seq, p.event_id)
                for sub in by_customer.get(cus, ())
                if _matches(sub, p.event_type, p.type_code, bid)
            )
    insert_rows(s, table_of(Delivery), rows, shared=_pending(now))  # the values every new row has: sent once
    return len(rows)


def _riders(s: Session, created: list[Any], customers: list[str]) -> dict[str, list[Rider]]:
    """The live bookings of subscribed customers on the trains of the transport events; by departure."""
    deps = sorted({p.departure_id for p in created if p.event_type == "TRANSPORT" and p.departure_id})
    R, B = BookingReservation, Booking
    legs: list[tuple[str, str, int, int]] = []
    for part in parts(s, deps):  # index lookups, then bookings by key: a join would scan every booking
        q = select(R.booking_id, R.departure_id, R.board_stop, R.alight_stop).where(among(s, R.departure_id, part))
        legs.extend((bid, dep, i, j) for bid, dep, i, j in s.execute(q))
    owner: dict[str, str] = {}
    for part in parts(s, sorted({bid for bid, _d, _i, _j in legs})):
        q2 = select(B.id, B.customer_id).where(
            among(s, B.id, part), B.status.not_in(RELEASED), B.customer_id.in_(customers)
        )
        owner.update((bid, cus) for bid, cus in s.execute(q2))
    riders: dict[str, list[Rider]] = {}
    for bid, dep, i, j in legs:
        if bid in owner:
            riders.setdefault(dep, []).append((bid, i, j, owner[bid]))
    return riders


def _operator_rows(ops: list[Subscription], p: Any) -> list[dict[str, Any]]:
    """Operators' subscriptions: one row per matching event, ordered by its booking (else train, box, event)."""
    key = p.booking_id or p.departure_id or p.equipment_reference or p.event_id
    return [
        _row(sub.id, key, p.seq, p.event_id) for sub in ops if _matches(sub, p.event_type, p.type_code, p.booking_id)
    ]


def _concerned(p: Any, riders: dict[str, list[Rider]]) -> list[tuple[str, str]]:
    """(booking, customer) an event concerns: a train's event, each booking aboard between its boarding and
    alighting stops; an equipment or shipment event, its booking."""
    if p.event_type == "TRANSPORT":
        return [(bid, cus) for bid, i, j, cus in riders.get(p.departure_id, ()) if i <= p.stop_index <= j]
    if p.booking_id and p.customer_id:
        return [(p.booking_id, p.customer_id)]
    return []


# ---- delivery -------------------------------------------------------------------------------------
@dataclass
class Job:
    id: int
    subscription_id: str
    order_key: str
    event_id: str
    attempts: int
    created_at: datetime
    url: str = ""
    secret: str = ""
    body: bytes = b""
    error: str | None = None


CLAIM_PG = text(
    """
    WITH due AS (
        SELECT d.id FROM webhook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= :now AND (d.locked_until IS NULL OR d.locked_until < :now)
          AND NOT EXISTS (
              SELECT 1 FROM webhook_deliveries e
              WHERE e.subscription_id = d.subscription_id AND e.order_key = d.order_key
                AND e.status = 'pending' AND e.id < d.id)
        ORDER BY d.id
        LIMIT :n
        FOR UPDATE SKIP LOCKED)
    UPDATE webhook_deliveries w SET locked_until = :lease, attempts = w.attempts + 1
    FROM due WHERE w.id = due.id
    RETURNING w.id
    """
)


def claim(s: Session, now: datetime, settings: Settings, n: int | None = None) -> list[Job]:
    """Take up to n due deliveries for a lease (the caller commits); each is the first pending one of its
    (subscription, booking)."""
    n = n or settings.batch
    lease = now + timedelta(seconds=settings.lease_s)
    D = Delivery
    if s.get_bind().dialect.name == "postgresql":
        ids = [r[0] for r in s.execute(CLAIM_PG, {"now": now, "lease": lease, "n": n})]
    else:  # SQLite: the transaction holds the database's write lock (BEGIN IMMEDIATE), so no one else claims
        e = Delivery.__table__.alias("e")
        earlier = (
            select(e.c.id)
            .where(
                e.c.subscription_id == D.subscription_id,
                e.c.order_key == D.order_key,
                e.c.status == "pending",
                e.c.id < D.id,
            )
            .exists()
        )
        ids = list(
            s.scalars(
                select(D.id)
                .where(
                    D.status == "pending",
                    D.next_attempt_at <= now,
                    (D.locked_until.is_(None)) | (D.locked_until < now),
                    ~earlier,
                )
                .order_by(D.id)
                .limit(n)
            )
        )
        if ids:
            s.execute(update(D).where(D.id.in_(ids)).values(locked_until=lease, attempts=D.attempts + 1))
    if not ids:
        return []
    rows = s.execute(
        select(D.id, D.subscription_id, D.order_key, D.event_id, D.attempts, D.created_at, D.event_seq).where(
            D.id.in_(ids)
        )
    ).all()
    subs = {x.id: x for x in s.scalars(select(Subscription).where(Subscription.id.in_({r[1] for r in rows})))}
    docs: dict[int, dict[str, Any]] = {}
    q = select(TrackingEvent.seq, TrackingEvent.document).where(TrackingEvent.seq.in_({r[6] for r in rows}))
    docs.update((seq, doc) for seq, doc in s.execute(q))
    key = _key_for(s)
    fp = fingerprint(key)
    jobs = []
    for rid, sub_id, okey, eid, attempts, created, seq in sorted(rows):
        job = Job(rid, sub_id, okey, eid, attempts, created)
        sub = subs.get(sub_id)
        if sub is None or sub.key_fingerprint != fp:
            job.error = "the server's webhook key changed; rotate the subscription's secret (PUT .../secret)"
        else:
            doc = json.loads(json.dumps(docs[seq]))
            if okey.startswith("bk_"):
                refs = doc["payload"].setdefault("relatedDocumentReferences", [])
                refs.append({"type": "BKG", "value": okey})
            job.url = sub.callback_url
            job.secret = derive_secret(key, sub.id, sub.secret_version)
            job.body = json.dumps([doc], separators=(",", ":"), ensure_ascii=False).encode()
        jobs.append(job)
    return jobs


@dataclass
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def send(client: httpx.Client, job: Job, settings: Settings) -> Outcome:
    """POST one delivery: no redirects, a bounded answer, a deadline; 2xx is success."""
    import httpx

    if job.error:
        return Outcome(False, None, job.error)
    try:
        check_url(job.url, resolve=True)
    except FieldError as exc:
        return Outcome(False, None, str(exc))
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(job.secret, job.body, ts),
        "Webhook-Id": job.event_id,
        "Webhook-Attempt": str(job.attempts),
        "Subscription-ID": job.subscription_id,
        "API-Version": "3.0.0",
        "User-Agent": "landbridge-webhooks",
    }
    deadline = time.monotonic() + settings.timeout_s
    try:
        with client.stream("POST", job.url, content=job.body, headers=headers, timeout=settings.timeout_s) as r:
            got = 0
            for chunk in r.iter_bytes():
                got += len(chunk)
                if got > MAX_RESPONSE_BYTES:
                    return Outcome(False, r.status_code, "response larger than 64 KiB")
                if time.monotonic() > deadline:
                    return Outcome(False, r.status_code, f"response took longer than {settings.timeout_s:g} s")
            if 200 <= r.status_code < 300:
                return Outcome(True, r.status_code)
            kind = "redirect (not followed)" if 300 <= r.status_code < 400 else "error status"
            return Outcome(False, r.status_code, f"{kind} {r.status_code}")
    except httpx.TimeoutException:
        return Outcome(False, None, f"timed out after {settings.timeout_s:g} s")
    except httpx.HTTPError as exc:
        return Outcome(False, None, f"{type(exc).__name__}: {str(exc)[:200]}")


def record(s: Session, job: Job, out: Outcome, now: datetime, settings: Settings) -> None:
    """Store a delivery's outcome: delivered, or retried later with backoff, or dead after the retry period."""
    D = Delivery
    if out.ok:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_status_code": out.status_code}
        values["locked_until"] = None
        values["last_error"] = None
    else:
        backoff = min(settings.retry_max_s, settings.retry_base_s * 2 ** max(0, job.attempts - 1))
        backoff *= 1 + random.random() * 0.2
        dead = now - job.created_at >= timedelta(seconds=settings.retry_for_s)
        values = {
            "status": "dead" if dead else "pending",
            "next_attempt_at": now + timedelta(seconds=backoff),
            "locked_until": None,
            "last_status_code": out.status_code,
            "last_error": (out.error or "")[:300],
        }
    s.execute(update(D).where(D.id == job.id, D.status == "pending").values(**values))


def deliver_once(
    db: Database,
    client: httpx.Client,
    settings: Settings,
    pool: ThreadPoolExecutor | None = None,
    now_fn: Callable[[], datetime] = utcnow,
) -> int:
    """Claim a batch, send it (in parallel when a thread pool is given), record the outcomes. Returns how many
    were attempted (0: nothing due)."""
    jobs = db.write(lambda s: claim(s, now_fn(), settings))
    if not jobs:
        return 0
    if pool is not None and len(jobs) > 1:
        outcomes = list(pool.map(lambda j: send(client, j, settings), jobs))
    else:
        outcomes = [send(client, j, settings) for j in jobs]

    def save(s: Session) -> None:
        now = now_fn()
        for j, o in zip(jobs, outcomes):
            record(s, j, o, now, settings)

    db.write(save)
    return len(jobs)


def backlog(s: Session) -> dict[str, int]:
    rows = s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    return {k: int(v) for k, v in rows}


__all__ = [
    "Settings",
    "and_",
    "backlog",
    "check_url",
    "claim",
    "create_subscription",
    "deliver_once",
    "derive_secret",
    "enqueue",
    "record",
    "send",
    "sign",
    "verify",
]
