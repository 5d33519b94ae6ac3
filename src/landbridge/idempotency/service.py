"""`Idempotency-Key` for POST requests: a retry returns the original result; the same key with a
different request is 409.

The record is written in the same transaction as the work it stands for, so either both exist or
neither does. The work runs first and the record is inserted last (`INSERT ... ON CONFLICT DO NOTHING`,
or overwriting a record past its retention): a first request pays one statement for its key, no lookup
and no lock. When the key is already taken the insert returns nothing, the whole transaction (capacity
included) rolls back, and the request answers with the stored result (409 when it was stored for a
different request). On PostgreSQL a concurrent request with the same key waits on the unique index
until the first commits, then sees its record; SQLite writers are serialised anyway. A request whose
work fails (a full departure, an expired option) also looks for a stored result first: a retry of a
request that succeeded answers as it did. Only successful (2xx) results are stored: a request that
failed changed nothing, so retrying it with the same key runs it again. Records are kept for RETENTION.

Secrets are never stored: `run(..., secrets=("token",))` stores the answer without those top-level fields
(`redact`), so a replay cannot hand them out again (an API token is shown once, in the first answer only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, CursorResult, Table, Text, bindparam, delete
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from landbridge.db.base import JSONDoc, UTCDateTime, table, utcnow
from landbridge.db.direct import Batch, DirectStatement
from landbridge.db.engine import Database
from landbridge.errors import ConflictError, FieldError
from landbridge.idempotency.models import MAX_KEY_LENGTH, IdempotencyRecord

HEADER = "Idempotency-Key"
RETENTION = timedelta(hours=24)


# What json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str) does, without building an encoder per call.
_fingerprint_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def fingerprint(method: str, path: str, payload: Any) -> str:
    doc = _fingerprint_json([method, path, payload])
    return hashlib.sha256(doc.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise FieldError(HEADER, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.")
    return key


class KeyReusedError(ConflictError):
    """The key was used before with a different request (409)."""

    def __init__(self) -> None:
        super().__init__(f"This {HEADER} was already used with a different request; use a new key for a new request.")


class KeyTaken(Exception):
    """The key has a live record: roll this request's work back and answer with the stored result."""


_RECORDS = table(IdempotencyRecord)


def _claim_statement(
    insert: Callable[[Table], postgresql.Insert] | Callable[[Table], sqlite.Insert],
    body: ColumnElement[Any],
) -> ReturningInsert[tuple[str]]:
    ins = insert(_RECORDS).values(
        owner=bindparam("owner"),
        key=bindparam("key"),
        fingerprint=bindparam("fp"),
        status_code=bindparam("status"),
        response=body,
        created_at=bindparam("now", type_=UTCDateTime),
    )
    return ins.on_conflict_do_update(  # a record past its retention is overwritten, a live one is left alone
        index_elements=[_RECORDS.c.owner, _RECORDS.c.key],
        set_={
            "fingerprint": ins.excluded.fingerprint,
            "status_code": ins.excluded.status_code,
            "response": ins.excluded.response,
            "created_at": ins.excluded.created_at,
        },
        where=_RECORDS.c.created_at < bindparam("cutoff", type_=UTCDateTime),
    ).returning(_RECORDS.c.owner)


# Built once, run on the driver's cursor (landbridge.db.direct): one statement of every keyed request. The
# answer is given as a value (encoded by the column type), or as JSON text already encoded for the response
# (`_CLAIM_ENCODED`: the same bytes are stored and sent, encoded once).
_BODY = bindparam("body", type_=JSONDoc)
_CLAIM = {
    "postgresql": DirectStatement(_claim_statement(pg_insert, _BODY)),
    "sqlite": DirectStatement(_claim_statement(sqlite_insert, _BODY)),
}
_CLAIM_ENCODED = {
    "postgresql": DirectStatement(_claim_statement(pg_insert, sql_cast(bindparam("body", type_=Text), JSONB))),
    "sqlite": DirectStatement(_claim_statement(sqlite_insert, bindparam("body", type_=Text))),  # JSON is text there
}


def _claim_params(owner: str, key: str, fp: str, status: int, body: Any) -> dict[str, Any]:
    now = utcnow()
    return {"owner": owner, "key": key, "fp": fp, "status": status, "body": body, "now": now, "cutoff": now - RETENTION}


def _claim(s: Session | Connection, owner: str, key: str, fp: str, status: int, body: Any) -> bool:
    """Store the result under (owner, key) unless a live record holds the key; True when stored."""
    conn = s.connection() if isinstance(s, Session) else s
    return bool(_CLAIM[conn.dialect.name].rows(conn, _claim_params(owner, key, fp, status, body)))


def _stored(s: Session, owner: str, key: str) -> IdempotencyRecord | None:
    rec = s.get(IdempotencyRecord, (owner, key))
    if rec is not None and rec.created_at < utcnow() - RETENTION:
        return None
    return rec


def redact(body: Any, secrets: tuple[str, ...]) -> Any:
    """The answer as it may be stored: without the top-level fields named in `secrets`."""
    if not secrets or not isinstance(body, dict):
        return body
    return {k: v for k, v in body.items() if k not in secrets}


def _unit(
    owner: str, key: str, fp: str, work: Callable[[Session], tuple[int, Any]], secrets: tuple[str, ...] = ()
) -> Callable[[Session], tuple[int, Any, bool]]:
    def unit(s: Session) -> tuple[int, Any, bool]:
        status, body = work(s)
        if 200 <= status < 300 and not _claim(s, owner, key, fp, status, redact(body, secrets)):
            raise KeyTaken()
        return status, body, False

    return unit


def _replayed(rec: IdempotencyRecord | None, fp: str) -> tuple[int, Any, bool] | None:
    if rec is None:
        return None
    if rec.fingerprint != fp:
        raise KeyReusedError()
    return rec.status_code, rec.response, True


def run(
    db: Database,
    owner: str,
    key: str | None,
    fp: str,
    work: Callable[[Session], tuple[int, Any]],
    secrets: tuple[str, ...] = (),
) -> tuple[int, Any, bool]:
    """Run `work(session) -> (status, body)` in one write transaction, once per (owner, key); the fields named
    in `secrets` are not stored (a replay answers without them).

    Returns (status, body, replayed)."""
    if key is None:
        status, body = db.write(work)
        return status, body, False
    try:
        return db.write(_unit(owner, key, fp, work, secrets))
    except Exception as exc:
        done = _replayed(db.read(lambda s: _stored(s, owner, key)), fp)  # the key's first request answered this
        if done:
            return done
        if isinstance(exc, KeyTaken):  # its record expired in between: run once more as a new request
            return db.write(_unit(owner, key, fp, work, secrets))
        raise


async def run_async(
    db: Database, owner: str, key: str | None, fp: str, work: Callable[[Session], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """`run` from the event loop (Database.write_async: no thread, the loop is never blocked on PostgreSQL)."""
    if key is None:
        status, body = await db.write_async(work)
        return status, body, False
    try:
        return await db.write_async(_unit(owner, key, fp, work))
    except Exception as exc:
        done = _replayed(await db.read_async(lambda s: _stored(s, owner, key)), fp)
        if done:
            return done
        if isinstance(exc, KeyTaken):
            return await db.write_async(_unit(owner, key, fp, work))
        raise


def _core_unit(
    owner: str,
    key: str | None,
    fp: str,
    work: Callable[[Connection, Batch], tuple[int, Any]],
    encode: Callable[[Any], str],
) -> Callable[[Connection], tuple[int, str, bool]]:
    def unit(conn: Connection) -> tuple[int, str, bool]:
        batch = Batch()
        status, body = work(conn, batch)
        text = encode(body)
        if key is not None and 200 <= status < 300:
            stmt = _CLAIM_ENCODED[conn.dialect.name]
            stored = batch.add(conn, stmt, [_claim_params(owner, key, fp, status, text)], fetch=True)

            def claimed() -> None:
                if stored is None or not stored.rows:
                    raise KeyTaken()

            batch.then(claimed)
        batch.run(conn)  # the work's statements and the record together, then their checks (theirs first)
        return status, text, False

    return unit


async def run_core_async(
    db: Database,
    owner: str,
    key: str | None,
    fp: str,
    work: Callable[[Connection, Batch], tuple[int, Any]],
    encode: Callable[[Any], str],
) -> tuple[int, str, bool]:
    """`run_async` for a unit of Core statements (Database.write_core_async: no ORM Session), answering JSON text:
    `encode(body)` is computed once, stored as the record's answer and returned to be sent (a replay encodes the
    stored answer the same way). Same rules as `run`: one transaction, the record inserted last, a taken key
    rolls the work back and answers with the stored result (409 for another request).

    `work(conn, batch)` may queue statements in `batch` (db.direct.Batch) instead of running them: the record's
    INSERT is queued after them and the batch sent at the end of the unit (on PostgreSQL one round trip for all of
    them); their checks run first, then the record's.

    Returns (status, JSON text, replayed)."""
    unit = _core_unit(owner, key, fp, work, encode)
    if key is None:
        return await db.write_core_async(unit)
    try:
        return await db.write_core_async(unit)
    except Exception as exc:
        done = _replayed(await db.read_async(lambda s: _stored(s, owner, key)), fp)
        if done:
            return done[0], encode(done[1]), True
        if isinstance(exc, KeyTaken):
            return await db.write_core_async(unit)
        raise


def purge(db: Database) -> int:
    """Drop records older than RETENTION; returns how many."""

    def unit(s: Session) -> int:
        stale = delete(IdempotencyRecord).where(IdempotencyRecord.created_at < utcnow() - RETENTION)
        return cast(CursorResult[Any], s.execute(stale)).rowcount

    return db.write(unit)
