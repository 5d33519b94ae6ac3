"""Database.write_async / read_async: the event-loop path of the booking hot path."""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, text


def test_async_units_commit_roll_back_and_survive_a_new_event_loop(db):
    from landbridge.accounts.models import Customer
    from landbridge.db.base import utcnow
    from landbridge.errors import ConflictError

    async def count() -> int:
        return await db.read_async(lambda s: s.execute(text("SELECT COUNT(*) FROM customers")).scalar())

    async def add(name: str, fail: bool = False) -> None:
        def unit(s):
            s.execute(insert(Customer).values(id=name, name=name, created_at=utcnow()))
            if fail:
                raise ConflictError("no")

        await db.write_async(unit)

    before = asyncio.run(count())
    asyncio.run(add("cus_async_1"))  # one event loop ...
    try:
        asyncio.run(add("cus_async_2", fail=True))  # ... another: the pool of the first is not reused
    except ConflictError:
        pass
    else:
        raise AssertionError("the unit's error must propagate")

    async def many(tag: str) -> None:  # more concurrent units than pooled connections: some wait for one
        await asyncio.gather(*(add(f"cus_async_{tag}{i}") for i in range(50)))

    asyncio.run(many("a"))
    asyncio.run(many("b"))  # waiting for a connection again, on a new loop
    assert asyncio.run(count()) == before + 101  # the failed unit left nothing


def test_core_units_commit_roll_back_and_retry(db, monkeypatch):
    """Database.write_core / write_core_async (the booking fast path's units): the unit gets a Connection, commits,
    rolls back on error, and on SQLite runs inline or on the writer thread (inline writes off) alike."""
    from sqlalchemy import Connection

    from landbridge.accounts.models import Customer
    from landbridge.db.base import utcnow
    from landbridge.errors import ConflictError

    def count() -> int:
        return db.read(lambda s: s.execute(text("SELECT COUNT(*) FROM customers")).scalar())

    def unit(name: str, fail: bool = False):
        def run(conn):
            assert isinstance(conn, Connection)
            conn.execute(insert(Customer).values(id=name, name=name, created_at=utcnow()))
            if fail:
                raise ConflictError("no")
            return name

        return run

    before = count()
    assert db.write_core(unit("cus_core_1")) == "cus_core_1"
    assert asyncio.run(db.write_core_async(unit("cus_core_2"))) == "cus_core_2"
    for fail in (
        lambda: db.write_core(unit("cus_core_x", True)),
        lambda: asyncio.run(db.write_core_async(unit("cus_core_y", True))),
    ):
        try:
            fail()
        except ConflictError:
            pass
        else:
            raise AssertionError("the unit's error must propagate")
    monkeypatch.setattr(db, "inline_writes", False)  # SQLite: the writer thread; PostgreSQL: unchanged

    async def many() -> None:
        await asyncio.gather(*(db.write_core_async(unit(f"cus_core_m{i}")) for i in range(30)))

    asyncio.run(many())
    assert count() == before + 32  # the failed units left nothing
