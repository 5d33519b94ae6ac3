"""Every error as JSON `{"detail": "...", "errors": [{"field": ..., "message": ...}]}`: bad input 4xx with
field-level messages, unknown ids 404, a busy or unreachable database 503; never a bare 500 page."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from landbridge.errors import DataError, FieldError, LandbridgeError, UnknownPlaceError

log = logging.getLogger("landbridge.api")


def _field(loc: tuple | list) -> str:
    return ".".join(str(p) for p in loc)


def error_body(detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "errors": errors or []}


async def _landbridge(request: Request, exc: LandbridgeError) -> JSONResponse:
    errors: list[dict[str, Any]] = []
    if isinstance(exc, FieldError):
        errors.append({"field": exc.field, "message": str(exc)})
    elif isinstance(exc, UnknownPlaceError):
        errors.append({"field": getattr(exc, "field", None), "message": str(exc), "suggestions": exc.suggestions})
    elif isinstance(exc, DataError):
        errors.append({"field": exc.field, "message": exc.detail, "file": exc.file, "entry": exc.entry})
    elif getattr(exc, "field", None):
        errors.append({"field": exc.field, "message": str(exc)})
    headers = {"Retry-After": "1"} if exc.status_code == 503 else None
    return JSONResponse(error_body(str(exc), errors), status_code=exc.status_code, headers=headers)


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for e in exc.errors()[:50]:
        msg = str(e.get("msg", "invalid"))
        errors.append({"field": _field(e.get("loc", ())), "message": msg, "type": str(e.get("type", ""))})
    first = f"{errors[0]['field']}: {errors[0]['message']}" if errors else "invalid request"
    return JSONResponse(error_body(f"Invalid request ({first}).", errors), status_code=422)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return JSONResponse(error_body(detail), status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
    log.exception("database error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body("The database is unavailable or busy; retry in a moment."),
        status_code=503,
        headers={"Retry-After": "1"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("Internal error; it has been logged."), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(LandbridgeError, _landbridge)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(PoolTimeout, _database)  # every connection of the pool stayed busy too long
    app.add_exception_handler(Exception, _unexpected)


class CleanInput:
    """Pure ASGI middleware: a path or query string with a NUL byte (raw or %00) is 400 at the door;
    neither database can store one, so it must never reach them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogatepass")
            qs = scope.get("query_string", b"")
            if b"\x00" in raw or b"%00" in raw or b"\x00" in qs or b"%00" in qs or "\x00" in scope.get("path", ""):
                import json

                body = json.dumps(error_body("The URL contains a NUL character; remove it.")).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
