"""CPU per booking of the service's ASGI application called in one process, no HTTP server and no load generator:
steadier than wrk on a shared machine for comparing builds (a change of 20 µs a booking is lost in wrk's noise).

The application (landbridge.api.app.create_app, every middleware) is called as uvicorn calls it, one request at a
time, on a SQLite database prepared by bench/booking_throughput.py's `prepare` (the same options, body and
capacity factor); optionally the framework-free endpoint (bench/booking_minimal.py) the same way. Builds are
compared by running this script with another checkout's `src` first on sys.path (--src), alternating rounds:

    .venv/bin/python bench/booking_inprocess.py --rounds 6 --n 1500 --src /tmp/main-src --minimal

prints the CPU (process time) per booking of each round for each build, and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def worker() -> None:
    """`--worker <kind> <db url> <token> <options json> <n> <rounds>`: one build's rounds, CPU per booking printed
    as JSON lines, each after a line on stdin (the parent alternates builds)."""
    import asyncio

    kind, url, token, options_file, n = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
    options = json.loads(Path(options_file).read_text())
    sys.path.insert(0, str(HERE))
    import booking_throughput as bt

    os.environ["LANDBRIDGE_DATABASE_URL"] = url
    if kind == "minimal":
        import booking_minimal as bm

        app = bm.app
    else:
        from landbridge.api.app import create_app
        from landbridge.db.engine import Database

        app = create_app(Database(url))
        import landbridge

        print(f"{kind}: {landbridge.__file__}", file=sys.stderr)

    auth = f"Bearer {token}".encode()
    bodies = [
        json.dumps({"option_id": o, "containers": 1, "shipment": bt.SHIPMENT}, separators=(",", ":")).encode()
        for o in options
    ]
    counter = [0]

    async def one(body: bytes) -> int:
        counter[0] += 1
        headers = [
            (b"host", b"127.0.0.1"),
            (b"authorization", auth),
            (b"content-type", b"application/json"),
            (b"idempotency-key", f"ip-{os.getpid()}-{counter[0]}".encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": "POST",
            "root_path": "",
            "path": "/v1/bookings",
            "raw_path": b"/v1/bookings",
            "query_string": b"",
            "headers": headers,
            "state": {},
            "app": app,
        }
        sent = {"status": 0}
        done = False

        async def receive() -> dict:
            nonlocal done
            if done:
                await asyncio.sleep(3600)
            done = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]

        scope.pop("app") if kind == "minimal" else None
        await app(scope, receive, send)
        return sent["status"]

    profile = os.environ.get("BOOKING_INPROCESS_PROFILE")  # a file: the rounds under cProfile (CPU time)
    if profile:
        import cProfile

        prof = cProfile.Profile(time.process_time)

    async def main() -> None:
        if kind != "minimal":
            from landbridge.accounts.service import principal_cache  # noqa: F401  (warmed by the first request)

            lifespan = app.router.lifespan_context(app)
            await lifespan.__aenter__()
        else:
            await bm.startup()
        for i in range(50):  # warm-up: caches, the principal cache (the route authenticates the first request)
            await one(bodies[i % len(bodies)])
        for line in sys.stdin:
            if line.strip() == "stop":
                break
            statuses: dict[int, int] = {}
            if profile:
                prof.enable()
            t0 = time.process_time()
            for i in range(n):
                s = await one(bodies[i % len(bodies)])
                statuses[s] = statuses.get(s, 0) + 1
            cpu = time.process_time() - t0
            if profile:
                prof.disable()
                prof.dump_stats(profile)
            print(json.dumps({"us": cpu / n * 1e6, "statuses": statuses}), flush=True)

    import uvloop

    uvloop.run(main())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--n", type=int, default=1500, help="bookings per round")
    ap.add_argument("--src", action="append", default=[], help="another build's src directory (repeatable)")
    ap.add_argument("--minimal", action="store_true", help="also the framework-free endpoint")
    ap.add_argument("--capacity-factor", type=int, default=1000)
    ap.add_argument("--reuse", help="the directory of a database prepared by an earlier run")
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import booking_throughput as bt

    if a.reuse:  # a database prepared by an earlier run (its directory)
        tmp = a.reuse
        env = {**os.environ, "LANDBRIDGE_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
        token = Path(tmp, "token").read_text()
    else:
        tmp = tempfile.mkdtemp(prefix="booking-inprocess-")
        env, _schema, token, options, _sample = bt.prepare("sqlite", "", tmp, a.capacity_factor)
        Path(tmp, "options.json").write_text(json.dumps(options))
        Path(tmp, "token").write_text(token)
        print(f"database: {tmp} (--reuse {tmp})")
    url = env["LANDBRIDGE_DATABASE_URL"]
    opts = Path(tmp, "options.json")
    builds: list[tuple[str, str, str | None]] = [("service", "service", None)]
    builds += [(f"service {s}", "service", s) for s in a.src]
    if a.minimal:
        builds.append(("minimal", "minimal", None))
    procs = []
    for _name, kind, src in builds:
        penv = dict(env)
        if src:
            penv["PYTHONPATH"] = src
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--worker", kind, url, token, str(opts), str(a.n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=penv,
                text=True,
            )
        )
    results: dict[str, list[float]] = {name: [] for name, _, _ in builds}
    try:
        for r in range(a.rounds):
            for (name, _, _), p in zip(builds, procs, strict=True):
                p.stdin.write("go\n")
                p.stdin.flush()
                out = json.loads(p.stdout.readline())
                results[name].append(out["us"])
                print(f"round {r + 1} {name}: {out['us']:.0f} µs/booking {out['statuses']}", flush=True)
    finally:
        for p in procs:
            try:
                p.stdin.write("stop\n")
                p.stdin.close()
            except OSError:
                pass
            p.wait(60)
    print(f"load average {os.getloadavg()}")
    for name, xs in results.items():
        print(f"{name}: median {statistics.median(xs):.0f} µs/booking (min {min(xs):.0f}, max {max(xs):.0f})")


if __name__ == "__main__":
    main()
