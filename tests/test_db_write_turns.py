"""SQLite writes from an event loop: when one had to go to the writer thread (another thread held the process's
write lock for a moment), the next ones run inline again once it is free, instead of all following it there."""

from __future__ import annotations

import asyncio
import threading
import time

from sqlalchemy import text

from landbridge.db.engine import Database


def test_one_write_sent_to_the_writer_thread_does_not_take_the_others_with_it(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'turns.db'}")
    assert db.inline_writes
    db.write_core(lambda c: c.execute(text("CREATE TABLE t (x INTEGER)")))
    threads: list[str] = []

    def unit(c):
        threads.append(threading.current_thread().name)
        c.execute(text("INSERT INTO t VALUES (1)"))

    lock = db._write_lock
    assert lock is not None
    held = threading.Event()

    def hold() -> None:  # another thread of the process writes for a moment (as the webhook worker does)
        with lock:
            held.set()
            time.sleep(0.2)

    async def main() -> None:
        holder = threading.Thread(target=hold)
        holder.start()
        held.wait()
        await asyncio.gather(*(db.write_core_async(unit) for _ in range(20)))
        holder.join()

    try:
        asyncio.run(main())
        assert len(threads) == 20
        assert db.read(lambda s: s.execute(text("SELECT count(*) FROM t")).scalar()) == 20
        on_writer = [n for n in threads if n.startswith("landbridge-sqlite-writer")]
        assert len(on_writer) == 1, threads  # the first waited on the writer thread; the others ran inline
    finally:
        db.dispose()
