"""Every error as RFC 9457 problem details (`application/problem+json`):

    {"type": "about:blank", "title": "Unprocessable Content", "status": 422, "detail": "...",
     "instance": "/v1/bookings", "errors": [{"field": "shipment.goods.hs_code", "message": "..."}]}

`errors` is our extension: one entry per bad field (dotted path, or a header's name). Bad input is 4xx with
field-level messages, unknown ids 404, a busy, unreachable or slow database 503 with Retry-After; a bare 500
page never. docs/errors.md lists what each status means."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError as SQLDataError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from landbridge.errors import DataError, FieldError, FieldErrors, LandbridgeError, UnknownPlaceError

log = logging.getLogger("landbridge.api")
PROBLEM = "application/problem+json"
RETRY_AFTER_S = 2  # what a 503 or a 429 without a better estimate tells the client to wait


class FieldProblem(BaseModel):
    """One bad field of a request."""

    model_config = ConfigDict(extra="allow")
    field: str | None = Field(
        description="Dotted path of the field (`shipment.goods.hs_code`), a query "
        "parameter or a header name; null when the problem is not one field's."
    )
    message: str
    type: str | None = Field(None, description="Machine-readable kind of validation error, when known.")
    suggestions: list[str] | None = Field(None, description="Close matches (unknown places).")


class Problem(BaseModel):
    """RFC 9457 problem details, with `errors` (field-level problems) as an extension member; some answers add
    members of their own (an import report), as RFC 9457 allows."""

    model_config = ConfigDict(extra="allow")

    type: str = Field("about:blank", description="A URI naming the kind of problem; about:blank: see `status`.")
    title: str = Field(description="The HTTP status phrase, e.g. `Unprocessable Content`.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong and what to do, for people.")
    instance: str | None = Field(None, description="The request path.")
    errors: list[FieldProblem] = Field(default_factory=list, description="Field-level problems (may be empty).")


#: What each error status means, for the OpenAPI document (every operation lists the ones it can answer).
MEANINGS: dict[int, str] = {
    400: "Malformed request (e.g. body not JSON, a NUL character in the URL).",
    401: "Missing, unknown or revoked API key.",
    403: "The key's role may not do this (a shipper on an operator endpoint).",
    404: "Unknown id (another customer's resource is not found either).",
    406: "None of the formats the Accept header asks for is offered.",
    409: "Conflicts with the current state: no capacity left, a status change out of order, "
    "an Idempotency-Key reused with another body.",
    410: "No longer usable: the quote option expired or its train has left.",
    413: "Request body larger than 64 KiB.",
    422: "Invalid input; `errors` names each bad field.",
    431: "Request headers too large.",
    429: "Too many requests (failed authentications, quotes or documents); wait `Retry-After` seconds.",
    503: "The database is unavailable, busy or too slow; retry after `Retry-After` seconds.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries documenting `statuses` as problem details."""
    return {
        s: {
            "description": MEANINGS.get(s, HTTPStatus(s).phrase),
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = {
        **(extra or {}),
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "errors": errors or [],
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


def _field(loc: tuple | list) -> str:
    return ".".join(str(p) for p in loc)


def _retry(status: int) -> dict[str, str] | None:
    return {"Retry-After": str(RETRY_AFTER_S)} if status in (429, 503) else None


async def _landbridge(request: Request, exc: LandbridgeError) -> JSONResponse:
    errors: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    if isinstance(exc, FieldErrors):
        errors, extra = list(exc.errors), dict(exc.extra)
    elif isinstance(exc, FieldError):
        errors.append({"field": exc.field, "message": str(exc)})
    elif isinstance(exc, UnknownPlaceError):
        errors.append({"field": getattr(exc, "field", None), "message": str(exc), "suggestions": exc.suggestions})
    elif isinstance(exc, DataError):
        errors.append({"field": exc.field, "message": exc.detail, "file": exc.file, "entry": exc.entry})
    elif getattr(exc, "field", None):
        errors.append({"field": getattr(exc, "field", None), "message": str(exc)})
    # An unknown place in a request is bad input in a field (422), not a missing resource.
    status = 422 if isinstance(exc, UnknownPlaceError) else exc.status_code
    headers = _retry(status)
    if getattr(exc, "retry_after_s", None):
        headers = {"Retry-After": str(exc.retry_after_s)}  # type: ignore[attr-defined]
    return problem(status, str(exc), errors, request.url.path, headers, extra)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for e in exc.errors()[:50]:
        msg = str(e.get("msg", "invalid"))
        errors.append({"field": _field(e.get("loc", ())), "message": msg, "type": str(e.get("type", ""))})
    first = f"{errors[0]['field']}: {errors[0]['message']}" if errors else "invalid request"
    return problem(422, f"Invalid request ({first}).", errors, request.url.path)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = {**(_retry(exc.status_code) or {}), **(getattr(exc, "headers", None) or {})}
    return problem(exc.status_code, detail, None, request.url.path, headers or None)


async def _bad_value(request: Request, exc: SQLDataError) -> JSONResponse:
    """The database refused a value (PostgreSQL: invalid text, a number out of range): bad input, not an outage."""
    log.info("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem(
        422,
        "A value in the request cannot be stored or compared; check the text and numbers sent.",
        None,
        request.url.path,
    )


async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
    """A constraint refused the change (a reference to something that is not there, a duplicate): the request
    conflicts with the stored data; nothing was changed."""
    log.warning("constraint refused a change on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem(
        409,
        "The request conflicts with the stored data (it refers to something that does not exist, or repeats "
        "something unique); nothing was changed.",
        None,
        request.url.path,
    )


def _query_names(dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for d in dependant.dependencies:
        names |= _query_names(d)
    return names


def unknown_query_parameters(request: Request) -> None:
    """An app-wide dependency: a query parameter the operation does not take is 422 naming it (a typo such as
    `?stauts=` would otherwise be ignored silently and answer as if no filter had been asked for)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not request.query_params or not request.url.path.startswith("/v1"):
        return
    known = _query_names(dependant)
    unknown = [k for k in request.query_params if k not in known]
    if unknown:
        from landbridge.errors import FieldErrors, did_you_mean

        problems = []
        for k in unknown[:10]:
            hint = did_you_mean(k, known, 1)
            problems.append(
                {
                    "field": k,
                    "message": f"Unknown query parameter {k!r}"
                    + (
                        f"; did you mean {hint[0]!r}?"
                        if hint
                        else f"; this operation takes {', '.join(sorted(known)) or 'none'}."
                    ),
                }
            )
        raise FieldErrors(problems[0]["message"], problems)


async def _database(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return problem(503, "The database is unavailable or busy; retry in a moment.", None, request.url.path, _retry(503))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "Internal error; it has been logged.", None, request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LandbridgeError, _landbridge)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(SQLDataError, _bad_value)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _integrity)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)  # every connection of the pool stayed busy too long
    app.add_exception_handler(Exception, _unexpected)


async def send_problem(
    send,
    status: int,
    detail: str,
    instance: str | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    """Answer from ASGI middleware (before routing) with a problem body."""
    body = json.dumps(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            "instance": instance,
            "errors": errors or [],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _nul_fields(query_string: bytes) -> list[dict[str, Any]]:
    """The query parameters whose name or value holds a NUL, as field problems."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    names = dict.fromkeys(k.replace("\x00", "") for k, v in pairs if "\x00" in k or "\x00" in v)
    return [{"field": n, "message": "contains a NUL character", "type": "value_error"} for n in names]


class CleanInput:
    """Pure ASGI middleware: a path or query string with a NUL byte (raw or %00) is refused at the door
    (422 in the query string: a bad value, like any other; 400 in the path); neither database can store
    one, so it must never reach them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass")
            qs = scope.get("query_string", b"")
            if b"\x00" in raw or b"%00" in raw or "\x00" in scope.get("path", ""):
                await send_problem(send, 400, "The URL contains a NUL character; remove it.")  # no path: it holds NUL
                return
            if b"\x00" in qs or b"%00" in qs:
                await send_problem(
                    send, 422, "A query parameter contains a NUL character; remove it.", errors=_nul_fields(qs)
                )
                return
        await self.app(scope, receive, send)


# ---- the OpenAPI document: one error body, documented once -----------------------------------------------
ON_EVERY_CALL = (400, 431, 503)  # malformed request, headers too large, database unavailable or slow
AUTHENTICATED = (401, 429)  # every /v1 operation needs an API key; failed keys are rate limited
RETRY_AFTER_HEADER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}}
}


#: OpenAPI links: how the answer of one operation feeds the next (used by schemathesis' stateful tests and by
#: client generators). (operation, status) -> {link name: (target operationId, parameters, request body)}.
LINKS: dict[tuple[str, str], dict[str, tuple[str, dict[str, str], Any]]] = {
    ("create_customer", "201"): {
        "GetCustomer": ("get_customer", {"customer_id": "$response.body#/id"}, None),
        "CreateShipperKey": (
            "create_key",
            {},
            {"name": "shipper key", "role": "shipper", "customer_id": "$response.body#/id"},
        ),
    },
    ("create_key", "201"): {"RevokeKey": ("revoke_key", {"key_id": "$response.body#/id"}, None)},
    ("create_booking", "201"): {
        name: (target, {"booking_id": "$response.body#/id"}, None)
        for name, target in (
            ("GetBooking", "get_booking"),
            ("CancelBooking", "cancel_booking"),
            ("ChangeStatus", "change_status"),
            ("ConsignmentNote", "consignment_note"),
        )
    },
    ("get_booking", "200"): {
        "GetDeparture": ("get_departure", {"departure_id": "$response.body#/reservations/0/departure_id"}, None)
    },
}


def _link(doc: dict[str, Any]) -> None:
    ops = {op.get("operationId"): op for item in doc.get("paths", {}).values() for op in item.values()}
    for (source, status), links in LINKS.items():
        response = ops.get(source, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, (target, parameters, body) in links.items():
            if target in ops:
                link: dict[str, Any] = {"operationId": target}
                if parameters:
                    link["parameters"] = parameters
                if body is not None:
                    link["requestBody"] = body
                response.setdefault("links", {})[name] = link


def _takes_an_id(op: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """Whether an operation names a resource by id (in its path, its query or its JSON body)."""
    names = [p["name"] for p in op.get("parameters", []) if p.get("in") in ("path", "query")]
    if any(p.get("in") == "path" for p in op.get("parameters", [])):
        return True
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    ref = body.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        names += list(schemas.get(ref.rsplit("/", 1)[1], {}).get("properties", {}))
    return any(n.lower().endswith("id") for n in names)


def _uses(dependant, fn) -> bool:
    return any(d.call is fn or _uses(d, fn) for d in dependant.dependencies)


def _api_routes(routes) -> list:
    """Every APIRoute, also those of included routers (FastAPI keeps them as `_IncludedRouter` entries)."""
    from fastapi.routing import APIRoute

    out = []
    for r in routes:
        if isinstance(r, APIRoute):
            out.append(r)
        elif getattr(r, "original_router", None) is not None:
            out.extend(_api_routes(r.original_router.routes))
    return out


def document(app: FastAPI, routers: list | None = None) -> None:
    """Describe the errors the server answers in its OpenAPI document: the `Problem` schema once (in
    components), referenced by every operation for each status it can answer. FastAPI's own 422 body
    (`HTTPValidationError`), which the server never sends, is removed."""
    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    from landbridge.accounts.dependencies import operator

    operator_ops = {
        (r.path_format, m.lower())
        for r in _api_routes([*app.routes, *(r for router in routers or () for r in router.routes)])
        if isinstance(r, APIRoute) and _uses(r.dependant, operator)
        for m in r.methods or ()
    }

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem_schema.pop("$defs", {}))
        schemas["Problem"] = problem_schema
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        for path, item in doc.get("paths", {}).items():
            for method, op in item.items():
                responses = op.setdefault("responses", {})
                responses.pop("422", None)
                statuses = set(ON_EVERY_CALL) | {int(s) for s in responses if s.isdigit() and int(s) >= 400}
                if path.startswith("/v1"):
                    statuses |= set(AUTHENTICATED)
                if (path, method) in operator_ops:
                    statuses.add(403)
                if op.get("parameters") or op.get("requestBody"):
                    statuses.add(422)
                if path.startswith("/v1") and _takes_an_id(op, schemas):
                    statuses.add(404)  # an id that does not exist, or that the caller may not see
                if op.get("requestBody"):
                    statuses.add(413)
                for status in sorted(statuses):
                    entry = problem_responses(status)[status]
                    entry["description"] = responses.get(str(status), {}).get("description") or entry["description"]
                    if status in (429, 503):
                        entry["headers"] = RETRY_AFTER_HEADER
                    responses[str(status)] = entry
        _link(doc)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
