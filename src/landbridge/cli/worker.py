"""`landbridge worker`: deliver webhooks from the outbox until stopped (run any number, on any machine)."""

from __future__ import annotations

from typing import Annotated

import typer

from landbridge.cli.common import DbOpt, database, db_errors, err


def worker_cmd(
    database_url: DbOpt = None,
    senders: Annotated[int, typer.Option(min=1, max=64, help="Deliveries sent at once by this worker.")] = 8,
    idle: Annotated[float, typer.Option(min=0.05, max=60, help="Seconds to wait when nothing is due.")] = 0.5,
) -> None:
    """Deliver webhook notifications (signed, in order per booking, retried for a day) until Ctrl-C or SIGTERM."""
    import signal
    import threading

    from landbridge.tracking.webhooks import Settings, webhook_key
    from landbridge.tracking.worker import run

    db = database(database_url)
    webhook_key(db.url)  # fail now, with the message, if there is no key to sign with
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    err.print(f"Delivering webhooks from {db.dialect} ({senders} at once); Ctrl-C stops.")
    with db_errors(db):
        n = run(db, stop, Settings.from_env(), idle_s=idle, senders=senders)
    err.print(f"Stopped after {n} delivery attempts.")
