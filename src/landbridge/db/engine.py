"""Engines and transactions. SQLite (WAL) in the user's data directory by default; PostgreSQL (psycopg 3)
when `LANDBRIDGE_DATABASE_URL` says so. The same code and migrations serve both.

Transactions are owned here: `Database.write(fn)` runs `fn(session)` in one write transaction and
commits it (retrying the whole unit when SQLite is busy or PostgreSQL reports a serialization failure or
deadlock); `Database.read(fn)` runs it in a read-only unit. Service functions take the session they are
given and never commit themselves, so an API call is exactly one transaction: all or nothing.

On SQLite every write transaction starts with BEGIN IMMEDIATE (the write lock is taken up front, so
concurrent writers queue instead of failing on upgrade), and writers of one process queue on a lock in
the process rather than in SQLite's sleeping busy handler; other processes wait up to busy_timeout.

`write_async` / `read_async` run the same units from the event loop. On PostgreSQL the unit runs in a
greenlet on an asyncio psycopg connection (SQLAlchemy's AsyncSession.run_sync): waiting on the database
never blocks the loop and no thread is involved. Threads would be worse here: a booking is about ten
short round trips, and every wake-up of a pool thread has to win the GIL back from the loop and the
other threads (measured: 8 threads on one process got a quarter of the transactions of 1).
On SQLite a write from the event loop runs inline only when it cannot wait: the process's write lock is free
and SQLite grants BEGIN IMMEDIATE at once (a connection with busy_timeout 0); otherwise it runs on the
process's one writer thread and waits there. Nothing waits for the write lock on the event loop, so reads
(GET requests, /health, key lookups) never wait on a writer: WAL readers do not block. The inline Core units
(`write_core_async`: bookings) run on one Connection the Database keeps for them, so a booking pays for a
transaction, not for a pool checkout, checkin and reset.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine import create_engine as sa_create_engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from landbridge.db.errors import DatabaseBusyError, DatabaseError
from landbridge.errors import require

if TYPE_CHECKING:  # imported when first used: the command line starts without the asyncio extension
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

T = TypeVar("T")
ENV_URL = "LANDBRIDGE_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_RETRIES = 8


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        raise DatabaseError(f"{name} must be a number of seconds.") from None
    if not 0 < value <= 3600:
        raise DatabaseError(f"{name} must be between 0 and 3600 seconds.")
    return value


def connect_timeout_s() -> float:
    """How long opening a PostgreSQL connection may take (LANDBRIDGE_DB_CONNECT_TIMEOUT_S, default 3)."""
    return _seconds("LANDBRIDGE_DB_CONNECT_TIMEOUT_S", 3)


def pool_timeout_s() -> float:
    """How long a request waits for a pooled connection (LANDBRIDGE_DB_POOL_TIMEOUT_S, default 5)."""
    return _seconds("LANDBRIDGE_DB_POOL_TIMEOUT_S", 5)


def transaction_timeout_s() -> float:
    """How long a served transaction may hold a PostgreSQL connection (LANDBRIDGE_DB_TRANSACTION_TIMEOUT_S,
    default 5): the server cancels its statements sooner (statement_timeout), and past the deadline the
    watchdog closes the connection's socket, so a database that stopped answering cannot hold a request."""
    return _seconds("LANDBRIDGE_DB_TRANSACTION_TIMEOUT_S", 5)


class Watchdog:
    """Closes the socket of a PostgreSQL connection checked out longer than its deadline.

    A database that stops answering (packets dropped, not refused) leaves a connection waiting in recv()
    forever: TCP keepalives and tcp_user_timeout do not fire when something on the way still acknowledges
    packets, and a blocked thread cannot be cancelled. Shutting the socket down wakes the wait with an error,
    psycopg raises OperationalError, SQLAlchemy drops the connection from the pool, and the request answers
    503. One thread per process checks the deadlines a few times a second; arming and disarming cost a dict
    operation per transaction (on pool checkout and checkin)."""

    def __init__(self) -> None:
        self._due: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, key: int, fd: int, seconds: float) -> None:
        with self._lock:
            self._due[key] = (time.monotonic() + seconds, fd)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="landbridge-db-watchdog", daemon=True)
                self._thread.start()

    def disarm(self, key: int) -> None:
        with self._lock:
            self._due.pop(key, None)

    def _run(self) -> None:
        import socket

        while True:
            time.sleep(0.2)
            now = time.monotonic()
            with self._lock:
                late = [(k, fd) for k, (due, fd) in self._due.items() if due <= now]
                for k, _fd in late:
                    del self._due[k]
            for _k, fd in late:
                try:
                    sock = socket.socket(fileno=os.dup(fd))
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    finally:
                        sock.close()
                except OSError:
                    pass  # already closed


watchdog = Watchdog()


def default_sqlite_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("landbridge", appauthor=False)) / "landbridge.sqlite3"


def database_url(url: str | None = None) -> str:
    """The URL in use: the argument, else LANDBRIDGE_DATABASE_URL, else the SQLite file in the data dir."""
    url = url or os.environ.get(ENV_URL) or ""
    if not url:
        path = default_sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is the driver we ship
    try:
        parsed = make_url(url)
    except Exception:
        raise DatabaseError(
            f"{ENV_URL}={url!r} is not a database URL; write e.g. "
            "postgresql+psycopg://user@host:5432/dbname or sqlite:////path/file.sqlite3."
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"Database {parsed.get_backend_name()!r} is not supported; use SQLite or PostgreSQL.")
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        if not folder.is_dir():  # only the default location is created; a typo in a URL must not make folders
            raise DatabaseError(
                f"The folder of the SQLite database {parsed.database} does not exist; create {folder} first "
                "or choose another path."
            )
    return url


def create_engine(url: str | None = None, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    url = database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = sa_create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            pool_size=8,
            max_overflow=32,
            **kwargs,
        )
        _sqlite_events(engine, busy_timeout_ms)
        return engine
    require("psycopg", "postgres", "A PostgreSQL database")
    return sa_create_engine(url, **_pg_pool(url), **kwargs)


def _pg_pool(url: str) -> dict[str, Any]:
    """Each process has two pools (threads, and the event loop: see write_async), each at most twice
    LANDBRIDGE_DB_POOL_SIZE connections: 40 per worker by default, within PostgreSQL's default
    max_connections (100) for two workers and the tools beside them. More connections would not book
    faster on a few cores; requests beyond them queue in the pool, at most pool_timeout_s(). Connecting
    gives up after connect_timeout_s() (unless the URL sets connect_timeout).

    All of them are kept once opened (no overflow): an overflow connection is closed when it is given back, so
    a worker that had more requests in flight than the kept part opened and closed a PostgreSQL connection (a
    backend process, its caches, the prepared statements) for many of its bookings (bench/booking_profile.py:
    155 connections opened in 550 bookings at 16 concurrent requests on one worker)."""
    size = int(os.environ.get("LANDBRIDGE_DB_POOL_SIZE", "10"))
    args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": max(1, round(connect_timeout_s()))}
    return {
        "pool_size": 2 * size,
        "max_overflow": 0,
        "pool_pre_ping": False,
        "pool_timeout": pool_timeout_s(),
        "connect_args": args,
    }


def _pg_deadlines(engine: Engine, db: Database) -> None:
    """While `db.deadline_s` is set (the API sets it), a checked-out connection is watched (Watchdog) and its
    statements are cancelled by the server a little before the deadline (statement_timeout)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        if db.deadline_s:
            cur = dbapi_conn.cursor()
            cur.execute(f"SET statement_timeout = {int(db.deadline_s * 800)}")  # ms: 80 % of the deadline
            cur.close()
            dbapi_conn.commit()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if db.deadline_s:
            watchdog.arm(id(record), record.driver_connection.pgconn.socket, db.deadline_s)

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        watchdog.disarm(id(record))


def _sqlite_events(engine: Engine, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    import sqlite3

    driver_errors = sqlite3.Error

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # On the driver's connection: through exec_driver_sql the BEGIN of every transaction paid for an execution
        # context and its events. Errors are raised as SQLAlchemy raises them ("database is locked" is an
        # OperationalError, which the write retries and the inline writer's fallback look for).
        sql = "BEGIN " + conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        driver = conn.connection.driver_connection
        try:
            driver.execute(sql).close()
        except driver_errors as exc:
            raise DBAPIError.instance(sql, None, exc, driver_errors, dialect=conn.dialect) from exc


def _retryable(exc: DBAPIError) -> bool:
    orig = exc.orig
    code = getattr(orig, "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock detected
        return True
    text = str(orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in text or "database is busy" in text)


class Database:
    """One database: its engine, sessions and transaction helpers."""

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self.engine = create_engine(self.url)
        self.dialect = self.engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(writer, expire_on_commit=False, autoflush=False)
        self._writer_engine = writer
        self._write_lock = threading.Lock() if self.is_sqlite else None
        # SQLite transactions are short, in-process and serialized: the API runs the hot ones (bookings) on
        # its event loop instead of paying two thread switches each, when the write lock is free at once
        # (`_try_write`: busy_timeout 0); else on the writer thread. LANDBRIDGE_SQLITE_INLINE=0: always the thread.
        self.inline_writes = self.is_sqlite and os.environ.get("LANDBRIDGE_SQLITE_INLINE", "1") != "0"
        self._try_write: sessionmaker[Session] | None = None
        self._nowait_engine: Engine | None = None
        self._nowait_writer: Engine | None = None
        self._inline: Connection | None = None  # the inline writer's Connection, kept (see _write_inline)
        self._writer: ThreadPoolExecutor | None = None
        # SQLite writes from an event loop wait their turn on this loop's own lock (see _write_async)
        self._loop_writes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        if self.is_sqlite:
            self._nowait_engine = create_engine(self.url, busy_timeout_ms=0)
            nowait = self._nowait_writer = self._nowait_engine.execution_options(sqlite_begin="IMMEDIATE")
            self._try_write = sessionmaker(nowait, expire_on_commit=False, autoflush=False)
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="landbridge-sqlite-writer")
        # PostgreSQL from the event loop: an async engine, made on first use in the process that uses it
        self._async_engine: AsyncEngine | None = None
        self._async_sessions: async_sessionmaker[AsyncSession] | None = None
        self._async_loop: Callable[[], asyncio.AbstractEventLoop | None] = lambda: None
        # The API serves under deadlines (serve_with_deadlines); the command line's long jobs run without.
        self.deadline_s: float | None = None
        if not self.is_sqlite:
            _pg_deadlines(self.engine, self)

    def serve_with_deadlines(self) -> None:
        """Bound every transaction by transaction_timeout_s() (PostgreSQL; SQLite is a local file)."""
        self.deadline_s = transaction_timeout_s()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"

    def session(self) -> Session:
        return self._read()

    def read(self, fn: Callable[[Session], T]) -> T:
        """Run `fn(session)` in a transaction that ends with the session (reads only; nothing is committed).
        Objects it returns stay loaded (detached), so they can be read after."""
        with self._read() as s:
            return fn(s)

    def write(self, fn: Callable[[Session], T]) -> T:
        """Run `fn(session)` in one write transaction and commit; all or nothing, retried when busy."""
        return self._retrying(lambda: self._write_once(fn))

    def write_core(self, fn: Callable[[Connection], T]) -> T:
        """`write` for a unit of Core statements: `fn(connection)` gets the transaction's Connection and no ORM
        Session (whose set-up, transaction and close cost about a seventh of a booking's server CPU)."""
        return self._retrying(lambda: self._write_core_once(fn))

    def _retrying(self, once: Callable[[], T]) -> T:
        delay = 0.005
        for attempt in range(WRITE_RETRIES):
            try:
                if self._write_lock is not None:
                    with self._write_lock:
                        return once()
                return once()
            except DBAPIError as exc:
                if not _retryable(exc):
                    raise
                if attempt == WRITE_RETRIES - 1:
                    raise DatabaseBusyError("The database is busy; retry the request in a moment.") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    def _write_once(self, fn: Callable[[Session], T]) -> T:
        with self._write() as s, s.begin():
            return fn(s)

    def _write_core_once(self, fn: Callable[[Connection], T]) -> T:
        return self._core_unit(self._writer_engine, fn)

    @staticmethod
    def _core_unit(engine: Engine, fn: Callable[[Connection], T]) -> T:
        with engine.begin() as conn:
            return fn(conn)

    def _async(self) -> async_sessionmaker[AsyncSession]:
        """The async sessions of the running event loop. A server has one loop per process; test clients
        may start several in turn, and pooled asyncio connections must not cross loops."""
        loop = asyncio.get_running_loop()
        if self._async_sessions is None or self._async_loop() is not loop:
            from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

            stale = self._async_engine
            engine = self._async_engine = create_async_engine(self.url, **_pg_pool(self.url))
            _pg_deadlines(engine.sync_engine, self)
            sessions = self._async_sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
            self._async_loop = weakref.ref(loop)
            if stale is not None:
                stale.sync_engine.dispose(close=False)  # its connections belong to another loop: let them go
            return sessions
        return self._async_sessions

    async def write_async(self, fn: Callable[[Session], T]) -> T:
        """`write` from the event loop: the same unit, transaction and retries, without blocking the loop on
        PostgreSQL (SQLite: inline, or in a thread when inline_writes is off)."""
        return await self._write_async(fn, core=False)

    async def write_core_async(self, fn: Callable[[Connection], T]) -> T:
        """`write_core` from the event loop (as write_async)."""
        return await self._write_async(fn, core=True)

    async def _write_async(self, fn: Callable[[Any], T], core: bool) -> T:
        if self.is_sqlite:
            # One write of this loop at a time: the others wait here, on the loop, and then try inline again. Without
            # it, a write sent to the writer thread (the webhook worker held the process's write lock for a moment)
            # kept the lock busy for the next ones, which went to the thread too: under load the server stayed in
            # that mode, each booking paying two thread switches (1.2 instead of 0.8 ms of CPU on SQLite).
            loop = asyncio.get_running_loop()
            turn = self._loop_writes.get(loop)
            if turn is None:
                turn = self._loop_writes[loop] = asyncio.Lock()
            async with turn:
                done, result = self._write_inline(fn, core)
                if done:
                    return result  # type: ignore[return-value]
                sync = self.write_core if core else self.write
                return await loop.run_in_executor(self._writer, sync, fn)
        from sqlalchemy.util import greenlet_spawn

        sessions = self._async()
        engine = self._async_engine
        assert engine is not None
        delay = 0.005
        for attempt in range(WRITE_RETRIES):
            try:
                if core:
                    # The whole unit (checkout, BEGIN, statements, COMMIT, checkin) in one greenlet on the async
                    # engine's connections: AsyncConnection would spawn one for each of those steps.
                    return await greenlet_spawn(self._core_unit, engine.sync_engine, fn)
                async with sessions() as session, session.begin():
                    return await session.run_sync(fn)
            except DBAPIError as exc:
                if not _retryable(exc):
                    raise
                if attempt == WRITE_RETRIES - 1:
                    raise DatabaseBusyError("The database is busy; retry the request in a moment.") from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    def _write_inline(self, fn: Callable[[Any], T], core: bool) -> tuple[bool, T | None]:
        """SQLite: run the unit on the calling thread when nothing has to wait (the process's write lock is free and
        SQLite grants BEGIN IMMEDIATE at once); (False, None) when it must run on the writer thread instead."""
        try_write, nowait = self._try_write, self._nowait_writer
        if not (self.inline_writes and try_write is not None and nowait is not None and self._write_lock is not None):
            return False, None
        if not self._write_lock.acquire(blocking=False):
            return False, None
        try:
            if core:
                # One Connection kept for the inline Core units (they run one at a time, under the write lock): a
                # transaction on it, without a pool checkout, checkin and reset around every booking.
                conn = self._inline
                if conn is None or conn.closed or conn.invalidated:
                    conn = self._inline = nowait.connect()
                with conn.begin():
                    return True, fn(conn)
            with try_write() as s, s.begin():
                return True, fn(s)
        except OperationalError as exc:
            if not _retryable(exc):  # "database is locked": another process writes; wait off the loop
                raise
            return False, None
        finally:
            self._write_lock.release()

    async def read_async(self, fn: Callable[[Session], T]) -> T:
        """`read` from the event loop (see write_async)."""
        if self.is_sqlite:
            return self.read(fn) if self.inline_writes else await asyncio.to_thread(self.read, fn)
        async with self._async()() as session:
            return await session.run_sync(fn)

    def dispose(self) -> None:
        if self._inline is not None:
            inline, self._inline = self._inline, None
            inline.close()
        self.engine.dispose()
        if self._nowait_engine is not None:
            self._nowait_engine.dispose()
        if self._async_engine is not None:
            engine, self._async_engine, self._async_sessions = self._async_engine, None, None
            try:
                asyncio.get_running_loop().create_task(engine.dispose())
            except RuntimeError:  # no loop running: connections are closed when the process ends
                engine.sync_engine.dispose(close=False)


_databases: dict[str, Database] = {}
_lock = threading.Lock()


def get_database(url: str | None = None) -> Database:
    """The process-wide Database for a URL (the configured one by default)."""
    key = database_url(url)
    with _lock:
        db = _databases.get(key)
        if db is None:
            db = _databases[key] = Database(key)
        return db
