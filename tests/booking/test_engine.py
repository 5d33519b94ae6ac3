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
