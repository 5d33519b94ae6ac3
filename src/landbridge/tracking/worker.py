"""The webhook delivery worker: claims due outbox rows, sends them, records the outcome, until stopped.

Run any number (`landbridge worker`, on any machine that reaches the database); `landbridge serve` runs one
in its process by default. Workers share nothing but the database: PostgreSQL hands each row to one worker
(FOR UPDATE SKIP LOCKED), SQLite serializes them on its write lock.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from landbridge.db.engine import Database
from landbridge.tracking.webhooks import Settings, deliver_once

log = logging.getLogger("landbridge.worker")


def run(
    db: Database, stop: threading.Event, settings: Settings | None = None, idle_s: float = 0.5, senders: int = 8
) -> int:
    """Deliver until `stop` is set; returns how many deliveries were attempted. Sleeps `idle_s` when nothing
    is due. Errors of one round (a database restart) are logged and the loop goes on."""
    import httpx

    settings = settings or Settings.from_env()
    done = 0
    with (
        httpx.Client(follow_redirects=False, limits=httpx.Limits(max_connections=senders * 2)) as client,
        ThreadPoolExecutor(senders, thread_name_prefix="webhook") as pool,
    ):
        while not stop.is_set():
            try:
                n = deliver_once(db, client, settings, pool)
            except Exception:
                log.exception("webhook delivery round failed; retrying")
                n = 0
            done += n
            if n == 0:
                stop.wait(idle_s)
    return done


def start_in_thread(db: Database, settings: Settings | None = None) -> tuple[threading.Thread, threading.Event]:
    """One worker in a daemon thread of this process (what `landbridge serve` runs)."""
    stop = threading.Event()
    t = threading.Thread(target=run, args=(db, stop, settings), name="landbridge-webhooks", daemon=True)
    t.start()
    return t, stop
