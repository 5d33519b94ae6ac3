"""Helpers for the booking tests: departures no other test uses, capacity set up, options stored."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text, update


class Shipper:
    def __init__(self, customer_id: str, key_id: str, token: str):
        self.customer_id, self.key_id, self.token = customer_id, key_id, token
        self.headers = {"Authorization": f"Bearer {token}"}

    @property
    def principal(self):
        from landbridge.accounts.service import Principal

        return Principal(self.key_id, "shipper", self.customer_id, "test")


_lock = threading.Lock()
_used: set[str] = set()
_streams: dict[tuple, Iterator] = {}


def fresh_departure(world, service_id: str | None = None, min_days: int = 20, mode: str = "rail"):
    """A departure (rail by default; some weeks ahead) that no other test in this process has used."""
    key = (service_id, min_days, mode)
    with _lock:
        if key not in _streams:
            start = date.today() + timedelta(days=min_days)
            _streams[key] = iter(
                d
                for d, _i, _j in world.timetable.departures(start, start + timedelta(days=300), None, None, mode)
                if service_id is None or d.service.id == service_id
            )
        for d in _streams[key]:
            if d.id not in _used:
                _used.add(d.id)
                return d
    raise RuntimeError("no unused departure left")


def set_capacity(db, world, dep, feu: float) -> None:
    """Create a departure's sections and give every section `feu` FEU of capacity (nothing booked)."""
    from landbridge.booking import capacity
    from landbridge.booking.models import DepartureSection as DS

    def work(s):
        capacity.insert_sections(s, capacity.section_rows(dep))
        s.execute(update(DS).where(DS.departure_id == dep.id).values(capacity_mfeu=int(feu * 1000), booked_mfeu=0))

    db.write(work)


def make_option(
    db,
    world,
    customer_id: str | None,
    legs: list[tuple],
    containers: int = 1,
    container_type: str = "40HC",
    cargo: str = "general",
    minutes: int = 30,
) -> str:
    """Store a bookable option whose rail legs are (departure, board, alight); like POST /v1/quotes makes."""
    from landbridge.booking.models import Quote, QuoteOption
    from landbridge.db.base import new_id
    from landbridge.timefmt import iso_utc

    now = datetime.now(UTC)
    net = world.network
    leg_docs = []
    for dep, i, j in legs:
        s = dep.service
        leg_docs.append(
            {
                "mode": s.mode,
                "from": s.stops[i],
                "from_name": net.places[s.stops[i]].name,
                "to": s.stops[j],
                "to_name": net.places[s.stops[j]].name,
                "departure": iso_utc(dep.time_at(i)),
                "arrival": iso_utc(dep.time_at(j, arriving=True)),
                "distance_km": 1000.0,
                "co2e_kg": 100.0,
                "service": s.id,
                "service_name": s.name,
                "departure_id": dep.id,
                "board_stop": i,
                "alight_stop": j,
            }
        )
    ct = world.catalog.container(container_type)
    oid, qid = new_id("opt"), new_id("qt")
    option = {
        "id": oid,
        "key": secrets.token_hex(8),
        "mode": leg_docs[0]["mode"],
        "labels": [],
        "legs": leg_docs,
        "departure": leg_docs[0]["departure"],
        "arrival": leg_docs[-1]["arrival"],
        "transit_days": 14.0,
        "distance_km": 10000.0,
        "cost": {"total": 5000.0 * containers, "currency": "USD", "breakdown": {}, "lines": []},
        "co2e_kg": 1000.0,
        "gauge_changes": [],
        "borders": [],
        "reliability": {"p50_transit_days": 14, "p90_transit_days": 16, "source": "fixed"},
    }

    def work(s):
        s.add(
            Quote(
                id=qid,
                customer_id=customer_id,
                api_key_id="key_test",
                request={},
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
        )
        s.flush()
        s.add(
            QuoteOption(
                id=oid,
                quote_id=qid,
                customer_id=customer_id,
                key=option["key"],
                containers=containers,
                container_type=ct.id,
                mfeu_per_container=round(ct.feu * 1000),
                max_payload_kg=int(ct.max_payload_kg),
                cargo=cargo,
                price_total=Decimal(str(option["cost"]["total"])),
                currency="USD",
                option=option,
                expires_at=now + timedelta(minutes=minutes),
            )
        )

    db.write(work)
    return oid


SHIPMENT = {
    "consignor": {"name": "Chongqing Laptop Export Co.", "address": "88 Keji Road, Chongqing", "country": "CN"},
    "consignee": {"name": "Rhein Elektronik GmbH", "address": "Hafenstraße 1, 47119 Duisburg", "country": "DE"},
    "goods": {"description": "Laptop computers", "hs_code": "8471.30", "mass_kg": 9000, "packages": 300},
}


def booking_body(option_id: str, containers: int = 1, **extra) -> dict:
    return {"option_id": option_id, "containers": containers, "shipment": SHIPMENT, **extra}


def booked_mfeu(db, dep_id: str) -> dict[int, int]:
    rows = db.read(
        lambda s: s.execute(
            text("SELECT section_index, booked_mfeu FROM departure_sections WHERE departure_id = :d"), {"d": dep_id}
        ).all()
    )
    return {r[0]: r[1] for r in rows}


def limit_free(db, world, dep, free_feu: float) -> None:
    """Leave `free_feu` free on every section of a departure, keeping what is booked there."""
    from landbridge.booking import capacity
    from landbridge.booking.models import DepartureSection as DS

    def work(s):
        capacity.insert_sections(s, capacity.section_rows(dep))
        s.execute(
            update(DS).where(DS.departure_id == dep.id).values(capacity_mfeu=DS.booked_mfeu + int(free_feu * 1000))
        )

    db.write(work)


class Server:
    """`landbridge serve` in a subprocess on a free loopback port, on the test database."""

    def __init__(self, db_url: str, workers: int = 1, env: dict | None = None):
        import os
        import socket
        import subprocess
        import sys

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "LANDBRIDGE_DATABASE_URL": db_url, **(env or {})}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "landbridge.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
                "--no-migrate",
            ],
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    def wait_ready(self, timeout: float = 60) -> Server:
        import time

        import httpx

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"landbridge serve exited: {self.proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError("landbridge serve did not start")

    def kill(self, sig=None) -> None:
        import os
        import signal

        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig or signal.SIGKILL)
        self.proc.wait(30)

    def __enter__(self) -> Server:
        return self.wait_ready()

    def __exit__(self, *exc) -> None:
        import signal

        self.kill(signal.SIGTERM)
