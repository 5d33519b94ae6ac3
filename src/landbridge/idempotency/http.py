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
    secrets: tuple[str, ...] = (),
) -> JSONResponse:
    """Run a POST's work once per Idempotency-Key and `owner` (Principal.owner: keys are scoped per
    customer) and answer with JSON (replays say so in a header).
    `work(session)` returns the response body as plain JSON values (it is stored as such, less the top-level
    fields named in `secrets`: a replay answers them as null and says why in `withheld`)."""
    key = check_key(key)
    fp = fingerprint(request.method, request.url.path, payload)
    return _response(*run(db, owner, key, fp, lambda s: (status, work(s)), secrets), secrets=secrets)


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


WITHHELD = (
    "This answer replays an earlier request with the same Idempotency-Key; secrets are shown once and never "
    "stored, so {fields} cannot be shown again. If it was lost, revoke the key and create a new one."
)


def _response(code: int, body: Any, replayed: bool, secrets: tuple[str, ...] = ()) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    if replayed and secrets and isinstance(body, dict):
        body = {**body, **dict.fromkeys(secrets), "withheld": WITHHELD.format(fields=", ".join(secrets))}
    return JSONResponse(body, status_code=code, headers=headers)
