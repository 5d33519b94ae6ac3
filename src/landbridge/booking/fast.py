"""`POST /v1/bookings` without the framework's per-request machinery: a pure ASGI layer in front of the FastAPI
route that answers the plain request itself, by the same rules and with the same answer.

The route (views.create_booking) spent about 2.4 times the server CPU of a bare ASGI function running the same SQL
(bench/booking_throughput.py, docs/benchmarks.md): FastAPI's dependency resolution and request parsing, an ORM
Session around the transaction, the answer encoded twice (stored for the Idempotency-Key, then sent). Here the
request is read once, validated by the same pydantic model (a plain body by its schema without the Python field
checks that cannot refuse it: landbridge.schemas.PlainJson), the caller taken from the same principal cache, the
booking made by the same service function on the Connection of a Core unit (Database.write_core_async: no ORM
Session), the Idempotency-Key handled by the same module (record in the same transaction, replays, 409 for
another request), and the answer encoded once: the bytes stored are the bytes sent.

Every request that is not plain goes to the application unchanged (its body replayed), which answers it as it
always did: a query string, no cached key (the first request of a key every PrincipalCache.TTL: the route
authenticates it, with its rate limits), a content type other than JSON, an Idempotency-Key over its length,
a body that is not JSON or fails validation (FastAPI's 422 with every field's problem). An error raised here
(404, 409, 410, 422 from the service, 503 from the database) goes to the application's own exception handlers,
so its problem-details body is the route's; an unexpected one is re-raised to the server-error handler (500).
The middleware around it (security headers, deadline, header limit, NUL check, body limit) is outside this layer
and applies as before. The OpenAPI document still comes from the route, which stays registered.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from landbridge.accounts.service import Principal, principal_cache
from landbridge.booking import capacity, service
from landbridge.booking.schemas import BookingIn
from landbridge.booking.views import linked
from landbridge.db.engine import Database
from landbridge.idempotency.service import check_key, fingerprint, run_core_async
from landbridge.schemas import PlainJson
from landbridge.world import load_world

PATH = "/v1/bookings"
MAX_KEY_HEADER_CHARS = 200  # the route's Header(max_length=200): longer keys get its 422
# The answer's JSON as Starlette's JSONResponse renders it (compact, UTF-8, no NaN).
_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode
_ITINERARIES_MAX = 20_000  # as service._OPTIONS_MAX: one entry per cached option
_itineraries: dict[int, tuple[Any, str]] = {}


def encode(body: Any) -> str:
    """`body` as JSONResponse encodes it, byte for byte. The itinerary, most of a booking's answer, is the booked
    option's document, the same object for every booking of that option (service.bookable_option keeps options in
    memory): its JSON is kept with it and spliced in, where the top-level members are `key:value` joined by commas."""
    itinerary = body.get("itinerary") if isinstance(body, dict) else None
    if not isinstance(itinerary, dict):
        return _dumps(body)
    hit = _itineraries.get(id(itinerary))
    if hit is None or hit[0] is not itinerary:  # an id can be reused once its object is gone
        if len(_itineraries) >= _ITINERARIES_MAX:
            _itineraries.clear()
        hit = _itineraries[id(itinerary)] = (itinerary, _dumps(itinerary))
    keys = list(body)
    at = keys.index("itinerary")
    parts = [_dumps({k: body[k] for k in keys[:at]})[1:-1], '"itinerary":' + hit[1]]
    parts.append(_dumps({k: body[k] for k in keys[at + 1 :]})[1:-1])
    return "{" + ",".join(p for p in parts if p) + "}"


def _bearer(value: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>`, parsed as FastAPI's HTTPBearer does (None: no token)."""
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    return token if scheme and token and scheme.lower() == "bearer" else None


def _headers(scope: Scope) -> tuple[str | None, str | None, str | None]:
    """Authorization, Content-Type and Idempotency-Key: the first of each, as Starlette's Headers.get gives it."""
    auth = ctype = key = None
    for name, value in scope["headers"]:
        if name == b"authorization" and auth is None:
            auth = value.decode("latin-1")
        elif name == b"content-type" and ctype is None:
            ctype = value.decode("latin-1")
        elif name == b"idempotency-key" and key is None:
            key = value.decode("latin-1")
    return auth, ctype, key


def _is_json(ctype: str | None) -> bool:
    return ctype is not None and ctype.partition(";")[0].strip().lower() == "application/json"


def _replaying(messages: list[Message], error: BaseException | None, receive: Receive) -> Receive:
    """A receive that gives the messages already read, then what reading them raised (or the rest of the stream)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        if error is not None:
            raise error
        return await receive()

    return replayed


async def _read(receive: Receive) -> tuple[list[Message], bytes | None, BaseException | None]:
    """The request's messages and body (None when the stream did not end as a plain body: a disconnect, the body
    limit's refusal), and what reading raised."""
    messages: list[Message] = []
    try:
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, None, None
            if not message.get("more_body", False):
                break
    except Exception as exc:
        return messages, None, exc
    if len(messages) == 1:
        return messages, messages[0].get("body", b""), None
    return messages, b"".join(m.get("body", b"") for m in messages), None


def _handler(app: Any, exc: Exception) -> Callable[[Request, Exception], Awaitable[Any]] | None:
    """The application's handler for `exc` (as Starlette's ExceptionMiddleware looks it up); None for the catch-all
    (the server-error handler answers those)."""
    handlers = getattr(app, "exception_handlers", {})
    status = getattr(exc, "status_code", None)
    if status is not None and status != 500 and status in handlers:
        return handlers[status]  # type: ignore[no-any-return]
    for cls in type(exc).__mro__:
        if cls is Exception:
            return None
        if cls in handlers:
            return handlers[cls]  # type: ignore[no-any-return]
    return None


async def _send_json(send: Send, status: int, text: str, replayed: bool) -> None:
    """What JSONResponse(body, status, headers={"Idempotent-Replayed": "true"} on replays) sends."""
    body = text.encode("utf-8")
    headers = [(b"content-length", str(len(body)).encode("latin-1")), (b"content-type", b"application/json")]
    if replayed:
        headers.insert(0, (b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BookingFastPath:
    """Pure ASGI: plain `POST /v1/bookings` answered here; everything else passed to `app` unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != PATH
            or scope.get("root_path")
            or scope.get("query_string")
        ):
            await self.app(scope, receive, send)
            return
        auth, ctype, key = _headers(scope)
        token = _bearer(auth)
        p = principal_cache.get(token) if token is not None else None
        if p is None or not _is_json(ctype) or (key is not None and len(key) > MAX_KEY_HEADER_CHARS):
            await self.app(scope, receive, send)
            return
        messages, raw, error = await _read(receive)
        body = _validated(raw)
        if body is None:
            await self.app(scope, _replaying(messages, error, receive), send)
            return
        try:
            status, text, replayed = await self._book(scope["app"].state.db, p, key, body)
        except Exception as exc:
            handler = _handler(scope["app"], exc)
            if handler is None:
                raise  # the server-error handler answers 500, as for the route
            response = await handler(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        await _send_json(send, status, text, replayed)

    @staticmethod
    async def _book(db: Database, p: Principal, key: str | None, body: BookingIn) -> tuple[int, str, bool]:
        """What views.create_booking does, on a Core unit, the answer encoded once; the booking's statements and the
        Idempotency-Key record sent as one batch (db.direct.Batch: one round trip on PostgreSQL)."""
        key = check_key(key)
        fp = fingerprint("POST", PATH, body.model_dump(mode="json"))
        for _ in range(2):
            try:
                return await run_core_async(
                    db,
                    p.owner,
                    key,
                    fp,
                    lambda conn, batch: (201, linked(service.create_booking(conn, p, body, batch=batch))),
                    encode,
                )
            except capacity.SectionsMissing as missing:  # first use of a departure: its sections, then again
                create = partial(capacity.create_sections, world=load_world(), departure_ids=missing.departure_ids)
                await db.write_core_async(create)
        raise AssertionError("the sections of a departure were created but are still missing")


_PLAIN = PlainJson(BookingIn)


def _validated(raw: bytes | None) -> BookingIn | None:
    """The body as the route validates it (json.loads, then the model), or None when the route must answer. A
    plain body (no escapes, no refused characters, JSON types as declared) is validated without the Python field
    checks that cannot refuse it (landbridge.schemas.PlainJson: the same model, about 6 µs instead of 40)."""
    if not raw:
        return None
    plain: BookingIn | None = _PLAIN.validate(raw)
    if plain is not None:
        return plain
    try:
        return BookingIn.model_validate(json.loads(raw))
    except (ValueError, ValidationError, RecursionError):  # JSON, encoding, validation, nesting: the route's answer
        return None
