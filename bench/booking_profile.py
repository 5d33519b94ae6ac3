"""Where a booking's server CPU goes: `landbridge serve` (one worker) under cProfile, booked at by wrk.

The same setup as bench/booking_throughput.py (fresh database, seed, keys, quotes, a warm-up), then the
profiler of the server process is switched on (SIGUSR1) while wrk books for --seconds and off again
(SIGUSR2, which writes the file), so setup and quotes stay out of it. The functions with the most own and
cumulative time are printed. cProfile roughly doubles the cost of Python calls: read the shares, not the
milliseconds.

    .venv/bin/python bench/booking_profile.py --db postgresql --seconds 10
    .venv/bin/python bench/booking_profile.py --db sqlite --out /tmp/booking.prof
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import secrets
import shutil
import signal
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import booking_throughput as bt  # the sibling script: same setup, client and server wrapper


def serve_profiled(out: str, args: list[str]) -> None:
    """`landbridge <args>` in this process, profiled between SIGUSR1 and SIGUSR2."""
    prof = cProfile.Profile(time.process_time)  # CPU time: waiting on the database or the scheduler is not cost

    def on(_sig: int, _frame: object) -> None:
        prof.enable()

    def off(_sig: int, _frame: object) -> None:
        prof.disable()
        prof.dump_stats(out)

    signal.signal(signal.SIGUSR1, on)
    signal.signal(signal.SIGUSR2, off)
    from landbridge.cli import main as landbridge

    sys.argv = ["landbridge", *args]
    landbridge()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-profiled":
        serve_profiled(sys.argv[2], sys.argv[3:])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--concurrency", type=int, default=8, help="wrk connections (8: what each of 2 workers gets at 16)")
    ap.add_argument("--out", default=None, help="keep the cProfile file here")
    ap.add_argument("--top", type=int, default=35)
    ap.add_argument(
        "--capacity-factor",
        type=int,
        default=1,
        help="sections hold this many times their capacity (booking_throughput.py uses 20: bookings, not 409s)",
    )
    a = ap.parse_args()
    if not bt.have_wrk():
        raise SystemExit("wrk is not on PATH (Debian/Ubuntu: apt-get install wrk)")
    pg = (
        os.environ.get("LANDBRIDGE_BENCH_DATABASE_URL")
        or os.environ.get("LANDBRIDGE_TEST_DATABASE_URL")
        or bt.PG_DEFAULT
    )
    tmp = Path(tempfile.mkdtemp(prefix="lb-prof-"))
    prof = Path(a.out) if a.out else tmp / "server.prof"
    env, schema = dict(os.environ), None
    if a.db == "sqlite":
        env["LANDBRIDGE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        schema = bt.make_schema(pg)
        env["LANDBRIDGE_DATABASE_URL"] = bt.schema_url(pg, schema)
    try:
        bt.cli(["db", "upgrade"], env)
        today = date.today()
        bt.cli(["db", "seed", "--from", today.isoformat(), "--to", (today + timedelta(days=60)).isoformat()], env)
        if a.capacity_factor != 1:
            bt.scale_capacity(env["LANDBRIDGE_DATABASE_URL"], a.capacity_factor)
        server = bt.Server(env, 1, command=[sys.executable, __file__, "--serve-profiled", str(prof)])
        try:
            token, options = bt.setup(env, server.url)
            asyncio.run(bt.fire(server.url, token, options[::-1], 200, a.concurrency, 30, "warm"))
            os.kill(server.proc.pid, signal.SIGUSR1)
            t0 = time.perf_counter()
            _, codes, st = bt.fire_wrk(server.url, token, options, a.concurrency, a.seconds, 1, secrets.token_hex(3))
            time.sleep(0.5)
            os.kill(server.proc.pid, signal.SIGUSR2)
            wall = time.perf_counter() - t0
            time.sleep(1)
        finally:
            server.stop()
    finally:
        if schema:
            bt.drop_schema(pg, schema)
    n = st["requests"]
    print(f"{a.db}: {n} booking requests in {wall:.1f} s under cProfile ({codes})", flush=True)
    stats = pstats.Stats(str(prof))
    for key in ("tottime", "cumulative"):
        stats.sort_stats(key).print_stats(a.top)
    shutil.rmtree(tmp, ignore_errors=True)  # the profile itself is there only without --out


if __name__ == "__main__":
    main()
