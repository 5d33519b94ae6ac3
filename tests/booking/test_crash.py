"""A crash in the middle of a booking leaves nothing half-written; after a restart the booked counts equal
the sum of live bookings, and every booking that was acknowledged (201) is there."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap

import httpx

from tests.booking.helpers import Server, booked_mfeu, booking_body, fresh_departure, make_option, set_capacity

MID_BOOKING = textwrap.dedent("""
    import sys, time
    from landbridge.accounts.service import Principal
    from landbridge.booking import service
    from landbridge.booking.schemas import BookingIn
    from landbridge.db.engine import Database
    url, key_id, customer_id, body_json = sys.argv[1:5]
    db = Database(url)
    body = BookingIn.model_validate_json(body_json)
    p = Principal(key_id, "shipper", customer_id, "crash test")

    def unit(s):
        b = service.create_booking(s, p, body)   # capacity taken, booking, reservations and event written...
        s.flush()
        print("MID-BOOKING", b["id"], flush=True)
        time.sleep(120)                           # ...and the process dies here, before the commit

    db.write(unit)
""")


def test_sigkill_in_the_middle_of_a_booking(db, db_url, world, shipper, tmp_path):
    import json

    from landbridge.booking.capacity import reconcile
    from landbridge.booking.models import Booking

    dep = fresh_departure(world)
    n = len(dep.service.sections)
    set_capacity(db, world, dep, 10)
    oid = make_option(db, world, shipper.customer_id, [(dep, 0, n)], containers=4)
    script = tmp_path / "mid_booking.py"
    script.write_text(MID_BOOKING)
    proc = subprocess.Popen(
        [sys.executable, str(script), db_url, shipper.key_id, shipper.customer_id, json.dumps(booking_body(oid, 4))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("MID-BOOKING"), line
        half_written = line.split()[1]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    # Nothing of that booking survived: no booking row, no capacity taken, counts consistent.
    assert db.read(lambda s: s.get(Booking, half_written)) is None
    assert set(booked_mfeu(db, dep.id).values()) == {0}
    assert db.read(reconcile)["ok"]
    # And the database is usable at once (the dead writer's lock is gone).
    from landbridge.booking import service
    from landbridge.booking.schemas import BookingIn

    body = BookingIn.model_validate(booking_body(oid, 4))
    db.write(lambda s: service.create_booking(s, shipper.principal, body))
    assert set(booked_mfeu(db, dep.id).values()) == {4000}


def test_server_killed_under_load_then_restarted(db, db_url, world, shipper, op):
    deps = [fresh_departure(world) for _ in range(3)]
    options = []
    for d in deps:
        set_capacity(db, world, d, 30)
        options.append(make_option(db, world, shipper.customer_id, [(d, 0, len(d.service.sections))], containers=2))
    acknowledged: list[str] = []

    async def load(url: str, server: Server):
        async with httpx.AsyncClient(base_url=url, headers=shipper.headers, timeout=30) as c:

            async def one(k: int):
                try:
                    r = await c.post("/v1/bookings", json=booking_body(options[k % 3], 1 + k % 2))
                except httpx.HTTPError:
                    return
                if r.status_code == 201:
                    acknowledged.append(r.json()["id"])
                    if len(acknowledged) == 25:
                        server.kill(signal.SIGKILL)  # mid-stream: other bookings are in flight

            await asyncio.gather(*(one(k) for k in range(120)))

    server = Server(db_url, workers=1).wait_ready()
    try:
        asyncio.run(load(server.url, server))
    finally:
        server.kill()
    assert len(acknowledged) >= 25
    with Server(db_url, workers=1) as again:
        opk = {"Authorization": op["Authorization"]}
        rec = httpx.get(f"{again.url}/v1/operator/reconcile", headers=opk, timeout=60).json()
        assert rec["ok"], rec
        for bid in acknowledged:  # every acknowledged booking survived the crash
            assert httpx.get(f"{again.url}/v1/bookings/{bid}", headers=shipper.headers).status_code == 200
        for d in deps:  # booked = sum of the live bookings on the departure
            items = httpx.get(
                f"{again.url}/v1/bookings", params={"departure_id": d.id, "limit": 100}, headers=shipper.headers
            ).json()["items"]
            total = sum(int(x["feu"] * 1000) for x in items if x["status"] != "cancelled")
            assert set(booked_mfeu(db, d.id).values()) == {total}
