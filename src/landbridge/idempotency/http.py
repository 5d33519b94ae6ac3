"""`Idempotency-Key` on POST views: run the work once per key (landbridge.idempotency.service) and answer
with JSON; a replayed answer says so in the `Idempotent-Replayed` header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from landbridge.db.engine import Database
from landbridge.idempotency.service import HEADER, check_key, fingerprint, run, run_async

__all__ = ["HEADER", "respond", "respond_async"]


def respond(
    request: Request,
    db: Database,
    owner: str,
    key: str | None,
    payload: Any,
    work: Callable[[Session], Any],
    status: int = 201,
) -> JSONResponse:
    """Run a POST's work once per Idempotency-Key and `owner` (Principal.owner: keys are scoped per
    customer) and answer with JSON (replays say so in a header).
    `work(session)` returns the response body as plain JSON values (it is stored as such)."""
    key = check_key(key)
    fp = fingerprint(request.method, request.url.path, payload)
    return _response(*run(db, owner, key, fp, lambda s: (status, work(s))))


async def respond_async(
    request: Request,
    db: Database,
    owner: str,
    key: str | None,
    payload: Any,
    work: Callable[[Session], Any],
    status: int = 201,
) -> JSONResponse:
    """`respond` for async views: the transaction runs on the event loop (see Database.write_async)."""
    key = check_key(key)
    fp = fingerprint(request.method, request.url.path, payload)
    return _response(*await run_async(db, owner, key, fp, lambda s: (status, work(s))))


def _response(code: int, body: Any, replayed: bool) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(body, status_code=code, headers=headers)
