"""Hot-path statements run on the driver's cursor: compiled once per dialect, executed without SQLAlchemy's
per-execution machinery.

A booking runs the same five or six statements every time (the conditional UPDATE of capacity, the booking, its
reservations, its first audit event, the Idempotency-Key record). Through `Connection.execute` each pays for
an execution context, event dispatch, cache lookups and result set-up: about a quarter of the server's CPU per
booking (bench/booking_profile.py, docs/benchmarks.md). A `DirectStatement` compiles its statement once for each
dialect (with the column keys it will be given), converts the parameters with the column types' own bind
processors (so the database receives exactly what SQLAlchemy would send: UTC datetimes, JSON documents, Decimal
amounts), and executes on the DBAPI cursor of the session's connection, inside the caller's transaction.

Errors are raised as SQLAlchemy raises them (`DBAPIError.instance`: IntegrityError, OperationalError, ...), and a
lost connection is invalidated, so the retry rules of `Database.write` and the API's error answers (503 for an
unreachable database) are unchanged.

A `Batch` sends several of them together: on psycopg in one pipeline (one round trip to PostgreSQL for the
whole batch, BEGIN included, instead of one per statement), on SQLite one after another on the same cursor. Whoever
needs a statement's answer (the rows a conditional UPDATE took, the record an INSERT ... ON CONFLICT stored)
registers a check that runs once the batch has run, still inside the transaction: a check that raises rolls the
whole transaction back, as raising right after the statement would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_Processor = Any  # Callable[[Any], Any] | None: a column type's bind processor for one dialect


class _Compiled:
    __slots__ = ("names", "plan", "positional", "processors", "sql")

    def __init__(self, stmt: ClauseElement, dialect: Dialect, columns: Sequence[str] | None) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(columns) if columns is not None else None)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"{type(stmt).__name__} does not compile to SQL")
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        self.names: list[str] = list(compiled.positiontup or ()) if self.positional else list(compiled.binds)
        self.processors: dict[str, _Processor] = {}
        for name in self.names:
            bind = compiled.binds[name]
            fast = getattr(bind.type, "direct_bind_processor", None)  # the same conversion in one call (UTCDateTime)
            proc = fast(dialect) if fast is not None else None
            if proc is None:
                proc = bind.type.dialect_impl(dialect).bind_processor(dialect)  # as Connection.execute converts it
            if proc is not None:
                self.processors[name] = proc
        self.plan = tuple((n, self.processors.get(n)) for n in self.names)  # (name, processor or None), in order

    def params(self, values: Mapping[str, Any]) -> Any:
        if self.positional:
            return tuple([values[n] if p is None else p(values[n]) for n, p in self.plan])
        return {n: values[n] if p is None else p(values[n]) for n, p in self.plan}


class DirectStatement:
    """A Core statement (insert, update ... returning) run on the DBAPI cursor of a SQLAlchemy Connection.

    `columns`: for an INSERT, the columns every parameter set gives (the statement is compiled for exactly those,
    as `Connection.execute` would compile it for the keys of its parameters). Column defaults are not applied:
    give every value."""

    def __init__(self, stmt: ClauseElement, columns: Sequence[str] | None = None) -> None:
        self.stmt = stmt
        self.columns = tuple(columns) if columns is not None else None
        self._compiled: dict[int, tuple[Dialect, _Compiled]] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        hit = self._compiled.get(id(dialect))
        if hit is None or hit[0] is not dialect:
            hit = self._compiled[id(dialect)] = (dialect, _Compiled(self.stmt, dialect, self.columns))
        return hit[1]

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[Any]:
        """Execute once with `values` and return the rows it returns (RETURNING)."""
        return self._run(conn, [values], fetch=True)

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> None:
        self._run(conn, [values], fetch=False)

    def executemany(self, conn: Connection, values: Sequence[Mapping[str, Any]]) -> None:
        if values:
            self._run(conn, values, fetch=False)

    def _run(self, conn: Connection, values: Sequence[Mapping[str, Any]], fetch: bool) -> list[Any]:
        dialect = conn.dialect
        c = self._for(dialect)
        params = [c.params(v) for v in values]
        raw = conn.connection  # the pooled DBAPI connection of this transaction
        cursor = raw.cursor()
        try:
            if len(params) == 1:
                cursor.execute(c.sql, params[0])
            else:
                cursor.executemany(c.sql, params)
            return list(cursor.fetchall()) if fetch else []
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, raw.dbapi_connection, cursor)
            if lost:
                conn.invalidate(exc)
            raise DBAPIError.instance(
                c.sql,
                params[0] if len(params) == 1 else params,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
                ismulti=len(params) > 1,
            ) from exc
        finally:
            cursor.close()


class Pending:
    """A statement queued in a Batch; `rows` holds what it returned (RETURNING) once the batch has run."""

    __slots__ = ("fetch", "many", "params", "rows", "sql")

    def __init__(self, sql: str, params: Any, many: bool, fetch: bool) -> None:
        self.sql, self.params, self.many, self.fetch = sql, params, many, fetch
        self.rows: list[Any] = []


class Batch:
    """Statements of one transaction sent together, and the checks of their answers (run after them, in order).

    `run(conn)` sends what is queued: on psycopg in one pipeline (BEGIN, every statement and a single sync: one
    round trip), elsewhere one statement after another on one cursor. The statements are those `execute`,
    `executemany` and `rows` would run, with the same parameters; an error is raised as theirs (DBAPIError.instance,
    a lost connection invalidated). The checks then run in the order they were added; one that raises ends the
    unit, and the caller's transaction rolls back."""

    __slots__ = ("_checks", "_pending")

    def __init__(self) -> None:
        self._pending: list[Pending] = []
        self._checks: list[Callable[[], None]] = []

    def add(
        self, conn: Connection, stmt: DirectStatement, values: Sequence[Mapping[str, Any]], fetch: bool = False
    ) -> Pending | None:
        """Queue `stmt` with one parameter set per mapping of `values` (several: executemany, which returns no
        rows); None when `values` is empty."""
        if not values:
            return None
        c = stmt._for(conn.dialect)
        params = [c.params(v) for v in values]
        many = len(params) > 1
        if many and fetch:
            raise ValueError("executemany returns no rows; fetch one statement at a time")
        p = Pending(c.sql, params if many else params[0], many, fetch)
        self._pending.append(p)
        return p

    def then(self, check: Callable[[], None]) -> None:
        """Run `check` after the statements queued so far (and any queued later in this batch) have run."""
        self._checks.append(check)

    def run(self, conn: Connection) -> None:
        """Send the queued statements, then run the checks; the batch is empty again after."""
        pending, checks = self._pending, self._checks
        self._pending, self._checks = [], []
        if pending:
            _send(conn, pending)
        for check in checks:
            check()


def _send(conn: Connection, pending: list[Pending]) -> None:
    dialect = conn.dialect
    raw = conn.connection  # the pooled DBAPI connection of this transaction
    driver = raw.driver_connection
    try:
        if dialect.driver == "psycopg":
            import psycopg

            if isinstance(driver, psycopg.AsyncConnection):
                from sqlalchemy.util import await_only

                await_only(_pipeline_async(driver, pending))  # in the unit's greenlet (Database.write_core_async)
            else:
                _pipeline(driver, pending)
            return
        cursor = raw.cursor()
        try:
            for p in pending:
                if p.many:
                    cursor.executemany(p.sql, p.params)
                else:
                    cursor.execute(p.sql, p.params)
                    if p.fetch:
                        p.rows = list(cursor.fetchall())
        finally:
            cursor.close()
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, raw.dbapi_connection, None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            "; ".join(p.sql for p in pending),
            None,
            exc,
            dialect.loaded_dbapi.Error,
            connection_invalidated=lost,
            dialect=dialect,
        ) from exc


async def _pipeline_async(driver: Any, pending: list[Pending]) -> None:
    cursors = []
    async with driver.pipeline():
        for p in pending:
            cur = driver.cursor()
            if p.many:
                await cur.executemany(p.sql, p.params)
            else:
                await cur.execute(p.sql, p.params)
            cursors.append(cur)
    for p, cur in zip(pending, cursors, strict=True):
        if p.fetch:
            p.rows = list(await cur.fetchall())
        await cur.close()


def _pipeline(driver: Any, pending: list[Pending]) -> None:
    cursors = []
    with driver.pipeline():
        for p in pending:
            cur = driver.cursor()
            if p.many:
                cur.executemany(p.sql, p.params)
            else:
                cur.execute(p.sql, p.params)
            cursors.append(cur)
    for p, cur in zip(pending, cursors, strict=True):
        if p.fetch:
            p.rows = list(cur.fetchall())
        cur.close()
