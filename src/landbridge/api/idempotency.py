"""`Idempotency-Key` for POST requests: a retry returns the original result; the same key with a
different request is 409.

The record is written in the same transaction as the work it stands for, so either both exist or
neither does. Two concurrent requests with one key: the second's insert of the record collides with
the first's (a unique key), its whole transaction (capacity included) rolls back, and it answers with
the first's stored result. Only successful (2xx) results are stored: a request that failed changed
nothing, so retrying it with the same key runs it again. Records are kept for RETENTION.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Integer, String, delete, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from landbridge.db.base import Base, JSONDoc, UTCDateTime, utcnow
from landbridge.db.engine import Database

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
RETENTION = timedelta(hours=24)


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"

    owner: Mapped[str] = mapped_column(String(48), primary_key=True)  # customer id, or the operator key id
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def fingerprint(method: str, path: str, payload: Any) -> str:
    doc = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise HTTPException(422, detail=f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.")
    return key


class Conflict(HTTPException):
    def __init__(self) -> None:
        super().__init__(409, detail=f"This {HEADER} was already used with a different request; "
                                     "use a new key for a new request.")


def _stored(s: Session, owner: str, key: str) -> IdempotencyRecord | None:
    rec = s.get(IdempotencyRecord, (owner, key))
    if rec is not None and rec.created_at < utcnow() - RETENTION:
        return None
    return rec


def run(db: Database, owner: str, key: str | None, fp: str,
        work: Callable[[Session], tuple[int, Any]]) -> tuple[int, Any, bool]:
    """Run `work(session) -> (status, body)` in one write transaction, once per (owner, key).

    Returns (status, body, replayed)."""
    if key is None:
        status, body = db.write(work)
        return status, body, False

    def replay() -> tuple[int, Any, bool] | None:
        rec = db.read(lambda s: _stored(s, owner, key))
        if rec is None:
            return None
        if rec.fingerprint != fp:
            raise Conflict()
        return rec.status_code, rec.response, True

    def unit(s: Session) -> tuple[int, Any, bool]:
        if not db.is_sqlite:
            # Requests with one key queue here until the first commits (SQLite writers are serialised
            # already), so the stored result below is always seen by the retries.
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"{owner}\x1f{key}"})
        # the stored result is looked up in the write transaction itself (no separate read transaction first)
        rec = _stored(s, owner, key)
        if rec is not None:
            if rec.fingerprint != fp:
                raise Conflict()
            return rec.status_code, rec.response, True
        status, body = work(s)
        if 200 <= status < 300:
            s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.owner == owner, IdempotencyRecord.key == key,
                                                      IdempotencyRecord.created_at < utcnow() - RETENTION))
            s.add(IdempotencyRecord(owner=owner, key=key, fingerprint=fp, status_code=status, response=body,
                                    created_at=utcnow()))
            s.flush()
        return status, body, False

    try:
        return db.write(unit)
    except Exception:
        done = replay()  # a concurrent request with this key won: answer as it did
        if done:
            return done
        raise


def purge(db: Database) -> int:
    """Drop records older than RETENTION; returns how many."""
    return db.write(lambda s: s.execute(delete(IdempotencyRecord).where(
        IdempotencyRecord.created_at < utcnow() - RETENTION)).rowcount)


__all__ = ["HEADER", "IdempotencyRecord", "check_key", "fingerprint", "purge", "run"]


# ---- the adapter side: one helper per POST view --------------------------------------------------
def respond(request, db: Database, principal, key: str | None, payload: Any,
            work: Callable[[Session], Any], status: int = 201):
    """Run a POST's work once per Idempotency-Key and answer with JSON (replays say so in a header).
    `work(session)` returns the response body as plain JSON values (it is stored as such)."""
    from fastapi.responses import JSONResponse

    key = check_key(key)
    fp = fingerprint(request.method, request.url.path, payload)
    code, body, replayed = run(db, principal.owner, key, fp, lambda s: (status, work(s)))
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(body, status_code=code, headers=headers)
