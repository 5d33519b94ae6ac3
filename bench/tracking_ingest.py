"""Tracking throughput on PostgreSQL: a simulated month of events for every booked container of the network,
posted through the batch API, against the same events sent one by one (a sample, in the same run); then
webhook deliveries per second to a local receiver with two `landbridge worker` processes.

    LANDBRIDGE_BENCH_PG=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/tracking_ingest.py \
        [--days 31] [--batch 2000] [--streams 2] [--single 3000] [--deliveries 20000]

Setup (not timed): a twin run of `--days` (seed 7); every scheduled train gets bookings for its loaded FEU
(two 40' boxes a booking, each box numbered), then ANALYZE (a live database has planner statistics); ten
customers, each with a webhook subscription to every event of its bookings (so each event also writes an outbox
row). The feed is what `landbridge ops replay` sends:
departure and arrival at every stop, and per box gate-in, load, the transshipment at each gauge change,
discharge and gate-out. It is split into `--streams` concurrent streams by train.

Besides the times it reports the CPU the batches took in the client, the server's processes and the PostgreSQL
backends serving the database (Linux /proc), and the load average meanwhile: on a shared machine the CPU an event
is the figure that compares across runs.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def setup(db, days: int, rng: random.Random):
    from sqlalchemy import insert
    from stdnum import iso6346

    from landbridge.accounts.service import create_customer, create_key
    from landbridge.booking.models import Booking, BookingContainer, BookingReservation, Quote, QuoteOption
    from landbridge.simulation import RunSpec, run_one
    from landbridge.tracking.replay import departure_id
    from landbridge.world import load_world

    tt = load_world().timetable
    run = run_one(RunSpec(start=date(2026, 1, 1), days=days, seed=7))
    movements = run.tables["movements"]
    trains = {t["train"]: t for t in run.tables["trains"] if t["kind"] == "scheduled"}
    now = datetime.now(UTC)

    def work(s):
        customers = [create_customer(s, f"Bench {k}").id for k in range(10)]
        op_key = create_key(s, "operator", "bench")[1]
        s.add(Quote(id="qt_bench", customer_id=None, api_key_id="bench", request={}, created_at=now, expires_at=now))
        s.flush()
        s.add(
            QuoteOption(
                id="opt_bench",
                quote_id="qt_bench",
                customer_id=None,
                key="bench",
                containers=2,
                container_type="40HC",
                mfeu_per_container=1000,
                max_payload_kg=26500,
                cargo="general",
                price_total=1,
                currency="USD",
                option={"legs": []},
                expires_at=now,
            )
        )
        s.flush()
        return customers, op_key

    customers, op_key = db.write(work)
    booked: dict[str, list] = {}
    bookings, res, boxes = [], [], []
    seen = set()
    first = {}
    for r in movements:
        first.setdefault(r["train"], r)
    last_stop = {}
    for r in movements:
        last_stop[r["train"]] = max(last_stop.get(r["train"], 0), int(r["stop"]))
    for tid, r in first.items():
        svc = tt.by_id.get(r["service"])
        t = trains.get(tid)
        if svc is None or t is None or not t["arrival"]:
            continue
        dep = departure_id(svc, r["departure"])
        n_last = last_stop[tid]
        for _k in range(int(t["loaded_feu"]) // 2):
            bid = f"bk_{secrets.token_hex(8)}"
            refs = []
            for _ in range(2):
                while True:
                    owner = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
                    base = f"{owner}U{rng.randrange(10**6):06d}"
                    ref = base + iso6346.calc_check_digit(base)
                    if ref not in seen:
                        seen.add(ref)
                        break
                refs.append(ref)
            cus = rng.choice(customers)
            bookings.append(
                {
                    "id": bid,
                    "customer_id": cus,
                    "option_id": "opt_bench",
                    "status": "confirmed",
                    "transport_status": "planned",
                    "reference": None,
                    "containers": 2,
                    "container_type": "40HC",
                    "feu_mfeu": 2000,
                    "price_total": 1,
                    "currency": "USD",
                    "origin": svc.stops[0],
                    "destination": svc.stops[n_last],
                    "departs_at": now,
                    "arrives_at": now,
                    "shipment": {},
                    "created_at": now,
                    "updated_at": now,
                }
            )
            res.append({"booking_id": bid, "departure_id": dep, "board_stop": 0, "alight_stop": n_last, "mfeu": 2000})
            for q, ref in enumerate(refs):
                boxes.append(
                    {
                        "booking_id": bid,
                        "seq": q + 1,
                        "equipment_reference": ref,
                        "iso_equipment_code": "45G1",
                        "seals": [],
                        "vgm_kg": None,
                        "vgm_method": None,
                        "updated_at": now,
                    }
                )
            booked.setdefault(dep, []).append((bid, 0, n_last, refs))

    def load(s):
        for k in range(0, len(bookings), 5000):
            s.execute(insert(Booking), bookings[k : k + 5000])
        for k in range(0, len(res), 5000):
            s.execute(insert(BookingReservation), res[k : k + 5000])
        for k in range(0, len(boxes), 5000):
            s.execute(insert(BookingContainer), boxes[k : k + 5000])

    db.write(load)
    from sqlalchemy import text

    db.write(lambda s: s.execute(text("ANALYZE")))  # planner statistics, as autovacuum keeps them on a live database
    return movements, booked, customers, op_key, len(bookings), len(boxes)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc; 0 for one that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def process_tree(root: int) -> list[int]:
    """A process and its descendants (the server and its uvicorn workers)."""
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    parent[int(name)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(child for child, up in parent.items() if up == pid)
    return out


class Sink:
    """A local webhook receiver answering 204 as fast as it can."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        me = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with me.lock:
                    me.count += 1
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--streams", type=int, default=2)
    ap.add_argument("--single", type=int, default=3000, help="events sent one by one (a sample)")
    ap.add_argument("--deliveries", type=int, default=20000, help="webhook deliveries to time with 2 workers")
    ap.add_argument("--server-workers", type=int, default=2)
    a = ap.parse_args()
    base = os.environ.get("LANDBRIDGE_BENCH_PG") or os.environ.get("LANDBRIDGE_TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set LANDBRIDGE_BENCH_PG=postgresql+psycopg://user@host/db")
    import psycopg

    from landbridge.db.engine import Database
    from landbridge.migrations import upgrade
    from landbridge.tracking.replay import build_feed, read_movements  # noqa: F401

    schema = f"lbbench_{secrets.token_hex(4)}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    url = with_schema(base, schema)
    env = {
        **os.environ,
        "LANDBRIDGE_DATABASE_URL": url,
        "LANDBRIDGE_WEBHOOK_KEY": os.environ.get("LANDBRIDGE_WEBHOOK_KEY", "5a" * 32),
        "LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK": "1",
    }
    os.environ.update({k: env[k] for k in ("LANDBRIDGE_WEBHOOK_KEY", "LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK")})
    server = None
    workers: list[subprocess.Popen] = []
    try:
        db = Database(url)
        upgrade(db)
        rng = random.Random(7)
        t0 = time.perf_counter()
        movements, booked, customers, op_key, n_bookings, n_boxes = setup(db, a.days, rng)
        sink = Sink()
        from landbridge.accounts.service import Principal
        from landbridge.tracking import webhooks
        from landbridge.tracking.schemas import SubscriptionIn

        for cus in customers:
            db.write(
                lambda s, c=cus: webhooks.create_subscription(
                    s, Principal("bench", "shipper", c, "b"), SubscriptionIn(callbackUrl=sink.url)
                )
            )
        feed = build_feed(movements, booked)
        print(
            f"setup {time.perf_counter() - t0:.0f} s: {len(booked):,} trains with bookings, {n_bookings:,} bookings, "
            f"{n_boxes:,} containers, {len(feed):,} events"
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "landbridge.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(a.server_workers),
                "--no-access-log",
                "--log-level",
                "warning",
                "--no-migrate",
                "--no-webhooks",
            ],
            env=env,
            start_new_session=True,
        )
        api = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(api + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        head = {"Authorization": f"Bearer {op_key}"}
        # one by one: the first `single` events of the feed, in `streams` concurrent streams by train
        single, rest = feed[: a.single], feed[a.single :]

        def stream_of(e):
            return hash(e["payload"]["transportCall"]["departureID"]) % a.streams

        def one_by_one(k):
            with httpx.Client(base_url=api, headers=head, timeout=120) as c:
                for e in single:
                    if stream_of(e) == k:
                        r = c.post("/v1/events", json=e)
                        assert r.status_code in (200, 201), r.text

        t1 = time.perf_counter()
        with ThreadPoolExecutor(a.streams) as pool:
            list(pool.map(one_by_one, range(a.streams)))
        single_s = time.perf_counter() - t1

        def batched(k):
            mine = [e for e in rest if stream_of(e) == k]
            with httpx.Client(base_url=api, headers=head, timeout=600) as c:
                for i in range(0, len(mine), a.batch):
                    r = c.post("/v1/events/batch", json={"events": mine[i : i + a.batch]})
                    assert r.status_code == 200 and r.json()["rejected"] == 0, r.text[:500]

        from sqlalchemy import text

        def backends() -> list[int]:  # the PostgreSQL processes serving this database (the server's pools)
            q = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            return [int(p) for p in db.read(lambda s: s.execute(text(q)).scalars().all())]

        servers = process_tree(server.pid)
        pg0 = {p: cpu_seconds([p]) for p in backends()}
        cpu0 = (time.process_time(), cpu_seconds(servers))
        load: list[float] = []
        t2 = time.perf_counter()
        with ThreadPoolExecutor(a.streams + 1) as pool:
            done = threading.Event()

            def sample_load() -> None:
                while not done.wait(5):
                    load.append(os.getloadavg()[0])

            pool.submit(sample_load)
            list(pool.map(batched, range(a.streams)))
            done.set()
        batch_s = time.perf_counter() - t2
        pg_cpu = sum(cpu_seconds([p]) - pg0.get(p, 0.0) for p in backends())
        client_cpu, server_cpu = time.process_time() - cpu0[0], cpu_seconds(servers) - cpu0[1]

        counts = db.read(
            lambda s: {
                "events": s.execute(text("SELECT count(*) FROM tracking_events")).scalar(),
                "outbox": s.execute(text("SELECT count(*) FROM webhook_deliveries")).scalar(),
                "in_transit_or_delivered": s.execute(
                    text("SELECT count(*) FROM bookings WHERE transport_status <> 'planned'")
                ).scalar(),
                "delivered": s.execute(
                    text("SELECT count(*) FROM bookings WHERE transport_status = 'delivered'")
                ).scalar(),
                "etas": s.execute(text("SELECT count(*) FROM train_etas")).scalar(),
            }
        )
        month = len(feed) / a.days * 31  # the feed of `--days`, scaled to a month
        one_rate = len(single) / single_s
        batch_rate = len(rest) / batch_s
        print(f"one by one: {len(single):,} events in {single_s:.1f} s = {one_rate:,.0f} events/s")
        print(
            f"batches of {a.batch}: {len(rest):,} events in {batch_s:.1f} s = {batch_rate:,.0f} events/s "
            f"({batch_rate / one_rate:.1f}x); a month (31 days, ~{month:,.0f} events) at this rate: "
            f"{month / batch_rate:.0f} s"
        )
        median_load = sorted(load)[len(load) // 2] if load else 0.0
        print(
            f"CPU during the batches: client {client_cpu:.1f} s, server {server_cpu:.1f} s, PostgreSQL {pg_cpu:.1f} s "
            f"({(client_cpu + server_cpu + pg_cpu) / len(rest) * 1e6:.0f} µs an event); 1-minute load average "
            f"{min(load, default=0):.1f}-{max(load, default=0):.1f}, median {median_load:.1f}"
        )
        print(f"stored: {counts}")
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        server = None
        # webhook deliveries with two workers
        db.write(
            lambda s: s.execute(
                text(
                    "UPDATE webhook_deliveries SET status = 'skipped' WHERE id NOT IN "
                    "(SELECT id FROM webhook_deliveries ORDER BY id LIMIT :n)"
                ),
                {"n": a.deliveries},
            )
        )
        t3 = time.perf_counter()
        workers.extend(
            subprocess.Popen(
                [sys.executable, "-m", "landbridge.cli", "worker", "--idle", "0.05"],
                env=env,
                start_new_session=True,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        )
        while True:
            left = db.read(
                lambda s: s.execute(text("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")).scalar()
            )
            if not left or time.perf_counter() - t3 > 600:
                break
            time.sleep(0.2)
        dt = time.perf_counter() - t3
        print(
            f"webhooks: {sink.count:,} deliveries in {dt:.1f} s with 2 workers = {sink.count / dt:,.0f}/s "
            f"(includes the workers' start-up)"
        )
    finally:
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
        time.sleep(1)
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
