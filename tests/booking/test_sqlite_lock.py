"""On SQLite, a booking waiting for the write lock (held by another process) froze /health and /v1/me for as
long as the lock was held: the write waited on the event loop. Nothing that only reads may wait on a writer."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from tests.booking.helpers import booking_body, fresh_departure, make_option, set_capacity


def test_reads_answer_while_a_booking_waits_for_the_write_lock(db, client, world, shipper):
    if not db.is_sqlite:
        pytest.skip("SQLite's single write lock")
    dep = fresh_departure(world)
    set_capacity(db, world, dep, 5)
    opt = make_option(db, world, shipper.customer_id, [(dep, 0, 1)])
    other_process = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock, as another process's long write would
    booked: dict = {}
    reads: dict = {}
    booking = threading.Thread(
        target=lambda: booked.update(r=client.post("/v1/bookings", json=booking_body(opt), headers=shipper.headers))
    )
    try:
        booking.start()
        booking.join(1.0)  # let the booking reach the lock and wait there
        assert booking.is_alive() and not booked  # it is waiting for the lock

        def read_all():
            reads["health"] = client.get("/health").status_code
            reads["me"] = client.get("/v1/me", headers=shipper.headers).status_code
            reads["bookings"] = client.get("/v1/bookings", headers=shipper.headers).status_code

        reader = threading.Thread(target=read_all)
        reader.start()
        reader.join(20)  # the reads need no lock; before the fix they waited as long as it was held
        assert reads == {"health": 200, "me": 200, "bookings": 200} and not booked
    finally:
        other_process.execute("ROLLBACK")
        other_process.close()
    booking.join(60)
    assert booked["r"].status_code == 201, booked["r"].text
