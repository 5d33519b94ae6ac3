"""Booking throughput over HTTP against `landbridge serve` on loopback, on SQLite and PostgreSQL.

For each database: a fresh database (a temp SQLite file; a throw-away schema on PostgreSQL), `landbridge db
upgrade` and `db seed`, an operator key from `landbridge keys create`, a customer and shipper key over the
API, then quotes (rail, 1 x 40HC) for every ready date over the next seven weeks. Bookings (1 container each,
round-robin over the options, each with its own Idempotency-Key; departures that fill up answer 409) are fired
at a fixed concurrency for a fixed time by wrk (`--client wrk`, the default when wrk is on PATH: a Lua script,
written to a temp file, cycles through pre-built request bodies and counts 201/409) or by an httpx async client
(`--client httpx`, bounded by --bookings; it burns about as much CPU per request as the server, on the same
cores). Reported: bookings/s (201 answers per second of the measured phase), requests/s, p50/p99 latency,
409s, errors, CPU per request of the server, PostgreSQL and the client; and at the end a check that nothing is
oversold (every section's booked FEU <= capacity, booked == sum of live bookings, and the bookings in the
database match the 201 answers; wrk may leave up to one request per connection unanswered when it stops,
which the server may still book).

Baseline, in the same run and with the same client, workers and database setup: the code of an earlier
commit (--baseline-ref, default: the release before the throughput work), checked out into a temporary git
worktree and run with PYTHONPATH pointing at it. Ratio = measured / baseline.

    .venv/bin/python bench/booking_throughput.py                 # both databases, writes nothing
    .venv/bin/python bench/booking_throughput.py --write-docs    # and fills docs/benchmarks.md

PostgreSQL: LANDBRIDGE_BENCH_DATABASE_URL, else LANDBRIDGE_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema named lb_bench_<pid> is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LANDBRIDGE = [sys.executable, "-m", "landbridge.cli"]
# The release before the booking-throughput work (TCP_NODELAY, transactions on the event loop, one statement
# per idempotency key, uvloop + httptools).
BASELINE_REF = "21d4b38589e4cc7ce8d26c03b7084643f3ea7d88"
QUOTE_DAYS = range(2, 51)  # ready dates (days from today) quoted for bookable options: enough capacity for ~20 s
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ROUTES = [
    ("chongqing", "duisburg"),
    ("xian", "duisburg"),
    ("chengdu", "lodz"),
    ("xian", "hamburg"),
    ("wuhan", "duisburg"),
    ("yiwu", "madrid"),
    ("chongqing", "budapest"),
    ("zhengzhou", "hamburg"),
    ("suzhou", "warsaw"),
    ("hefei", "hamburg"),
    ("changsha", "duisburg"),
    ("harbin", "hamburg"),
    ("qingdao", "duisburg"),
    ("lanzhou", "hamburg"),
    ("urumqi", "duisburg"),
    ("shenyang", "duisburg"),
]
JSON = {"content-type": "application/json"}
SHIPMENT = {
    "consignor": {"name": "Bench Exporter Co.", "address": "1 Export Road, Chongqing", "country": "CN"},
    "consignee": {"name": "Bench Importer GmbH", "address": "Hafenstr. 1, Duisburg", "country": "DE"},
    "goods": {"description": "Laptop computers", "hs_code": "847130", "mass_kg": 9000, "packages": 300},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(args: list[str], env: dict) -> str:
    r = subprocess.run(LANDBRIDGE + args, env=env, capture_output=True, text=True, timeout=300)
    if r.returncode:
        raise SystemExit(f"landbridge {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


class Server:
    def __init__(self, env: dict, workers: int, extra: list[str] = ()):
        self.port = free_port()
        self.proc = subprocess.Popen(
            LANDBRIDGE
            + [
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
                "--no-migrate",
                *extra,
            ],
            env=env,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit("landbridge serve exited at start")
            time.sleep(0.2)
        self.stop()
        raise SystemExit("landbridge serve did not answer within 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def setup(env: dict, url: str) -> tuple[str, list[str]]:
    """Customer, shipper key and bookable options (rail, 1 x 40HC) over the next weeks."""
    op = cli(["keys", "create", "--role", "operator", "--name", "bench"], env).strip()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {op}"}, timeout=60) as c:
        cus = c.post("/v1/customers", json={"name": "Bench shipper"}).json()["id"]
        token = c.post("/v1/keys", json={"name": "bench", "role": "shipper", "customer_id": cus}).json()["token"]
    options = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        for day in QUOTE_DAYS:
            for o, d in ROUTES:
                r = c.post(
                    "/v1/quotes",
                    json={
                        "origin": o,
                        "destination": d,
                        "modes": ["rail"],
                        "containers": 1,
                        "ready_date": (date.today() + timedelta(days=day)).isoformat(),
                    },
                )
                if r.status_code == 201:
                    options += [
                        opt["id"]
                        for opt in r.json()["options"]
                        if any(l.get("departure_id") and l["mode"] == "rail" for l in opt["legs"])
                    ]
    return token, options


async def fire(url: str, token: str, options: list[str], n: int, concurrency: int, max_seconds: float, tag: str = "h"):
    lat: list[float] = []
    codes: dict[int, int] = {}
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    deadline = time.perf_counter() + max_seconds
    bodies = [json.dumps({"option_id": o, "containers": 1, "shipment": SHIPMENT}).encode() for o in options]
    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as c:

        async def one(k: int) -> None:
            async with sem:
                if time.perf_counter() > deadline:
                    return
                t = time.perf_counter()
                try:
                    r = await c.post(
                        "/v1/bookings",
                        content=bodies[k % len(bodies)],
                        headers={**JSON, "Idempotency-Key": f"{tag}-{k}"},
                    )
                    code = r.status_code
                except httpx.HTTPError:
                    code = 0
                lat.append(time.perf_counter() - t)
                codes[code] = codes.get(code, 0) + 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(k) for k in range(n)))
        elapsed = time.perf_counter() - t0
    return elapsed, lat, codes


WRK_LUA = r"""
-- written by bench/booking_throughput.py: POST /v1/bookings, cycling over pre-built bodies
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local auth = "Bearer %(token)s"
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  thread:set("tid", nthreads)
  threads[#threads + 1] = thread
end

function init(args)
  tid = tonumber(wrk.thread:get("tid")) or 1
  sent, got, c201, c409, cother = 0, 0, 0, 0, 0
  offset = math.floor((tid - 1) * #bodies / %(threads)d)
end

function request()
  sent = sent + 1
  local body = bodies[(offset + sent - 1) %% #bodies + 1]
  return wrk.format("POST", "/v1/bookings", {["Authorization"] = auth, ["Content-Type"] = "application/json",
                    ["Idempotency-Key"] = "w%(tag)s-" .. tid .. "-" .. sent}, body)
end

function response(status, headers, body)
  got = got + 1
  if status == 201 then c201 = c201 + 1 elseif status == 409 then c409 = c409 + 1 else cother = cother + 1 end
end

function done(summary, latency, requests)
  local a, b, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c201"); b = b + t:get("c409"); o = o + t:get("cother")
  end
  io.write(string.format("LB_RESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\n", a, b, o, summary.requests,
           summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.connect,
           summary.errors.read + summary.errors.write, summary.errors.timeout, summary.errors.status))
end
"""


def fire_wrk(
    url: str, token: str, options: list[str], concurrency: int, seconds: float, threads: int, tag: str
) -> tuple[float, dict, dict]:
    """Booking requests from wrk for `seconds`; returns seconds, counts and latency percentiles."""
    tmp = Path(tempfile.mkdtemp(prefix="lb-wrk-"))
    try:
        bodies = tmp / "bodies.jsonl"
        bodies.write_text(
            "".join(json.dumps({"option_id": o, "containers": 1, "shipment": SHIPMENT}) + "\n" for o in options),
            encoding="utf-8",
        )
        threads = max(1, min(threads, concurrency))
        script = tmp / "bookings.lua"
        script.write_text(
            WRK_LUA % {"bodies": bodies, "token": token, "threads": threads, "tag": tag}, encoding="utf-8"
        )
        r = subprocess.run(
            [
                "wrk",
                "-t",
                str(threads),
                "-c",
                str(concurrency),
                "-d",
                f"{seconds:g}s",
                "--timeout",
                "30s",
                "--latency",
                "-s",
                str(script),
                url + "/v1/bookings",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    line = next((l for l in r.stdout.splitlines() if l.startswith("LB_RESULT")), None)
    if r.returncode or line is None:
        raise SystemExit(f"wrk failed:\n{r.stdout}\n{r.stderr}")
    c201, c409, other, reqs, dur_us, p50, p99, econn, erw, etime, _status = map(int, line.split()[1:])
    codes = {201: c201, 409: c409}
    if other:
        codes[-1] = other
    transport = econn + erw + etime
    if transport:
        codes[0] = transport
    return (
        dur_us / 1e6,
        codes,
        {"requests": c201 + c409 + other, "p50_ms": p50 / 1000, "p99_ms": p99 / 1000, "sent": reqs},
    )


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def check(url: str, env: dict) -> dict:
    op = cli(["keys", "create", "--role", "operator", "--name", "bench-check"], env).strip()
    rep = httpx.get(url + "/v1/operator/reconcile", headers={"Authorization": f"Bearer {op}"}, timeout=120).json()
    return rep


def _proc_table() -> list[tuple[int, int, str, float]]:
    """(pid, ppid, command, CPU seconds) of every process (Linux /proc); empty elsewhere."""
    out = []
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for d in Path("/proc").glob("[0-9]*"):
        try:
            raw = (d / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        f = raw[raw.rindex(")") + 2 :].split()
        out.append((int(d.name), int(f[1]), comm, (int(f[11]) + int(f[12])) / tick))
    return out


def machine_busy_seconds() -> float:
    """CPU seconds used on the whole machine so far, all cores (Linux /proc/stat; 0 elsewhere)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(root_pid: int) -> tuple[float, float]:
    """CPU used so far by a process tree (the server and its workers) and by PostgreSQL's processes."""
    table = _proc_table()
    tree = {root_pid}
    grew = True
    while grew:
        grew = False
        for pid, ppid, _c, _s in table:
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    server = sum(s for pid, _pp, _c, s in table if pid in tree)
    pg = sum(s for _p, _pp, c, s in table if c.startswith("postgres"))
    return server, pg


def count_bookings(url: str) -> int:
    """Bookings in the database, counted directly (not through the API)."""
    from sqlalchemy import text

    from landbridge.db.engine import Database

    db = Database(url)
    try:
        return db.read(lambda s: s.execute(text("SELECT COUNT(*) FROM bookings")).scalar())
    finally:
        db.dispose()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000 if xs else float("nan")


def run_case(
    kind: str,
    base_url: str,
    workers: int,
    n: int,
    concurrency: int,
    max_seconds: float,
    client: str = "httpx",
    server_args: list[str] = (),
    wrk_threads: int = 1,
    src: Path | None = None,
) -> dict:
    """One run on a fresh database; `src`: run the landbridge package found there (a baseline checkout)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    tmp = tempfile.mkdtemp(prefix="lb-bench-")
    schema = None
    if kind == "sqlite":
        env["LANDBRIDGE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        schema = f"lb_bench_{os.getpid()}_{secrets.token_hex(3)}"
        import psycopg

        with psycopg.connect(base_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
            c.execute(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in base_url else "?"
        env["LANDBRIDGE_DATABASE_URL"] = f"{base_url}{sep}options=-csearch_path%3D{schema}"
    tag = secrets.token_hex(4)
    try:
        cli(["db", "upgrade"], env)
        today = date.today()
        cli(["db", "seed", "--from", today.isoformat(), "--to", (today + timedelta(days=60)).isoformat()], env)
        server = Server(env, workers, list(server_args))
        try:
            token, options = setup(env, server.url)
            _, _, warm = asyncio.run(fire(server.url, token, options[::-1], 200, concurrency, 30, f"warm{tag}"))
            s0, p0 = cpu_seconds(server.proc.pid)
            m0 = machine_busy_seconds()
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            if client == "wrk":
                elapsed, codes, st = fire_wrk(server.url, token, options, concurrency, max_seconds, wrk_threads, tag)
                time.sleep(1)  # wrk stops with requests in flight: let the server finish them before counting
            else:
                elapsed, lat, codes = asyncio.run(fire(server.url, token, options, n, concurrency, max_seconds, tag))
                st = {"requests": len(lat), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99)}
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            r1 = resource.getrusage(resource.RUSAGE_SELF)
            m1 = machine_busy_seconds()
            s1, p1 = cpu_seconds(server.proc.pid)
            rep = check(server.url, env)
            in_db = count_bookings(env["LANDBRIDGE_DATABASE_URL"]) - warm.get(201, 0)
            # httpx waits for every answer: the database holds exactly the 201s. wrk drops the requests still in
            # flight when it stops (at most one per connection), and the server may still book those.
            slack = concurrency if client == "wrk" else 0
            rep["bookings_match"] = codes.get(201, 0) <= in_db <= codes.get(201, 0) + slack
        finally:
            server.stop()
    finally:
        if schema:
            import psycopg

            with psycopg.connect(base_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                c.execute(f"DROP SCHEMA {schema} CASCADE")
        shutil.rmtree(tmp, ignore_errors=True)
    ok = codes.get(201, 0)
    nreq = st["requests"]
    client_cpu = (
        r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime + c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    )
    return {
        "db": kind,
        "workers": workers,
        "client": client,
        "requests": nreq,
        "booked": ok,
        "booked_in_db": in_db,
        "full_409": codes.get(409, 0),
        "errors": sum(v for k, v in codes.items() if k not in (201, 409)),
        "codes": codes,
        "seconds": elapsed,
        "bookings_per_s": ok / elapsed,
        "requests_per_s": nreq / elapsed,
        "p50_ms": st["p50_ms"],
        "p99_ms": st["p99_ms"],
        "options": len(options),
        "server_cpu_ms": 1000 * (s1 - s0) / max(1, nreq),
        "db_cpu_ms": 1000 * (p1 - p0) / max(1, nreq) if kind == "postgresql" else 0.0,
        "machine_cpu_ms": 1000 * (m1 - m0) / max(1, nreq),
        "client_cpu_ms": 1000 * client_cpu / max(1, nreq),
        "consistent": rep["ok"] and rep["bookings_match"],
        "sections_checked": rep["sections_checked"],
        "oversold": len(rep["oversold"]),
    }


# The baseline release did not depend on uvloop and httptools: its server ran on asyncio and h11.
BASELINE_SERVER = ("--loop", "asyncio", "--http", "h11")


class Checkout:
    """The code of a git ref in a temporary worktree (removed afterwards)."""

    def __init__(self, ref: str):
        self.ref = ref
        self.path = Path(tempfile.mkdtemp(prefix="lb-baseline-"))

    def __enter__(self) -> Path:
        r = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(self.path), self.ref],
            capture_output=True,
            text=True,
        )
        if r.returncode:
            shutil.rmtree(self.path, ignore_errors=True)
            raise SystemExit(
                f"cannot check out the baseline {self.ref!r} (a git clone of the repository is needed; "
                f"or pass --no-baseline):\n{r.stderr.strip()}"
            )
        return self.path / "src"

    def __exit__(self, *exc) -> None:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.path)], capture_output=True)
        shutil.rmtree(self.path, ignore_errors=True)


def server_flavour() -> str:
    import importlib.util

    parts = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name)]
    return " + ".join(parts) if parts else "asyncio + h11"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--bookings", type=int, default=3000, help="httpx client: booking requests per run (at most)")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--sqlite-workers", type=int, default=1, help="worker processes of the SQLite server")
    ap.add_argument("--pg-workers", type=int, default=2, help="worker processes of the PostgreSQL server")
    ap.add_argument("--max-seconds", type=float, default=15, help="length of each run (wrk), at most (httpx)")
    ap.add_argument(
        "--client",
        choices=["wrk", "httpx"],
        default=None,
        help="load generator (default: wrk when on PATH, else httpx)",
    )
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (the connections are split over them)")
    ap.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline code")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--write-docs", action="store_true", help="replace the booking section of docs/benchmarks.md")
    a = ap.parse_args()
    if a.client is None:
        a.client = "wrk" if have_wrk() else "httpx"
        if a.client == "httpx":
            print(
                "wrk is not installed, falling back to the httpx client, which uses about as much CPU per request "
                "as the server on the same cores. Install wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew "
                "install wrk) for a load generator that stays out of the way.",
                file=sys.stderr,
                flush=True,
            )
    elif a.client == "wrk" and not have_wrk():
        raise SystemExit(
            "--client wrk: wrk is not on PATH (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)"
        )
    pg = os.environ.get("LANDBRIDGE_BENCH_DATABASE_URL") or os.environ.get("LANDBRIDGE_TEST_DATABASE_URL") or PG_DEFAULT
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    rows = []
    baseline = None if a.no_baseline else Checkout(a.baseline_ref)
    src = baseline.__enter__() if baseline else None
    try:
        for kind in kinds:
            workers = a.sqlite_workers if kind == "sqlite" else a.pg_workers
            configs = (
                [("baseline", src, BASELINE_SERVER), ("measured", None, ())] if baseline else [("measured", None, ())]
            )
            for config, code, server_args in configs:
                rows.append(
                    {
                        **run_case(
                            kind,
                            pg,
                            workers,
                            a.bookings,
                            a.concurrency,
                            a.max_seconds,
                            a.client,
                            server_args,
                            a.wrk_threads,
                            code,
                        ),
                        "config": config,
                    }
                )
                print(fmt(rows[-1]), flush=True)
    finally:
        if baseline:
            baseline.__exit__()
    cmd = "python bench/booking_throughput.py " + " ".join(sys.argv[1:])
    md = markdown(rows, a, cmd.strip())
    print(md)
    if a.write_docs:
        write_docs(md)
    if any(not r["consistent"] or r["oversold"] for r in rows):
        raise SystemExit("OVERSOLD or inconsistent capacity: see above")


def fmt(r: dict) -> str:
    return (
        f"{r['db']:<10} {r['config']:<9} client={r['client']} workers={r['workers']} booked={r['booked']} "
        f"in_db={r['booked_in_db']} 409={r['full_409']} "
        f"errors={r['errors']} {r['bookings_per_s']:.0f} bookings/s ({r['requests_per_s']:.0f} req/s) "
        f"p50={r['p50_ms']:.1f} ms p99={r['p99_ms']:.1f} ms cpu/req server={r['server_cpu_ms']:.2f} "
        f"db={r['db_cpu_ms']:.2f} client={r['client_cpu_ms']:.2f} machine={r['machine_cpu_ms']:.2f} ms "
        f"consistent={r['consistent']}"
    )


TARGETS = {"sqlite": 300, "postgresql": 600}


def markdown(rows: list[dict], a, cmd: str) -> str:
    client = (
        "wrk (a Lua script cycling over the pre-built request bodies, a unique Idempotency-Key per request; "
        f"{a.wrk_threads} thread{'s' if a.wrk_threads > 1 else ''})"
        if a.client == "wrk"
        else "the httpx async client (wrk was not installed)"
    )
    length = (
        f"for {a.max_seconds:g} s"
        if a.client == "wrk"
        else f"up to {a.bookings} requests for at most {a.max_seconds:g} s"
    )
    lines = [
        f"Command: `{cmd}` (run on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {date.today().isoformat()}; server: {server_flavour()}).",
        "",
        f"Each run: a fresh database seeded with 61 days of departures, rail options quoted (1 x 40HC) for every "
        f"ready date {QUOTE_DAYS.start}–{QUOTE_DAYS.stop - 1} days ahead on {len(ROUTES)} routes, then `POST /v1/bookings` "
        f"(1 container, round-robin over the options, each with its own Idempotency-Key) from {client} at "
        f"concurrency {a.concurrency} {length}, against `landbridge serve` on 127.0.0.1 (load generator, server "
        "and PostgreSQL share the 2 cores). bookings/s counts 201 answers; 409 answers are departures that "
        "filled up. Baseline: the same run with the code of commit "
        f"`{a.baseline_ref[:10]}` (the release before this work), checked out into a temporary worktree, same "
        "client, workers and database setup, served as that release installed it (asyncio loop and h11 parser: "
        "`--loop asyncio --http h11`; it did not depend on uvloop or httptools). CPU columns: milliseconds of CPU per request used by the server "
        "processes, by PostgreSQL's processes and by the load generator (from /proc and getrusage; PostgreSQL "
        "backends that exit during a run are missed, so its column can be low), and by the whole machine "
        "(/proc/stat, every process, noise included). wrk stops "
        "with up to one request per connection in flight; the server may still book those, so the database may "
        "hold up to that many more bookings than 201 answers (checked).",
        "",
        "| database | code | client | booked | 409 full | errors | bookings/s | requests/s | p50 ms | p99 ms | CPU ms/request: server + db + client | whole machine | oversold | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        target = TARGETS[r["db"]]
        met = (
            "" if r["config"] == "baseline" else (f"{target}/s: {'met' if r['bookings_per_s'] >= target else 'MISSED'}")
        )
        lines.append(
            f"| {r['db']} | {r['config']} ({r['workers']} worker{'s' if r['workers'] > 1 else ''}) | "
            f"{r['client']} | {r['booked']} | {r['full_409']} | {r['errors']} | {r['bookings_per_s']:.0f} | "
            f"{r['requests_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['server_cpu_ms']:.2f} + {r['db_cpu_ms']:.2f} + {r['client_cpu_ms']:.2f} | "
            f"{r['machine_cpu_ms']:.2f} | "
            f"{'none' if r['consistent'] and not r['oversold'] else 'YES'} | {met} |"
        )
    lines.append("")
    for kind in ("sqlite", "postgresql"):
        b = [r for r in rows if r["db"] == kind and r["config"] == "baseline"]
        m = [r for r in rows if r["db"] == kind and r["config"] == "measured"]
        if b and m:
            lines.append(
                f"- {kind}: measured / baseline = {m[0]['bookings_per_s'] / b[0]['bookings_per_s']:.2f}x "
                f"bookings/s ({m[0]['requests_per_s'] / b[0]['requests_per_s']:.2f}x requests/s)."
            )
        for r in m:
            cpu = max(r["machine_cpu_ms"], r["server_cpu_ms"] + r["db_cpu_ms"] + r["client_cpu_ms"])
            cores = min(2, r["workers"])
            lines.append(
                f"- {kind}, measured: {cpu:.2f} ms of CPU per request on the whole machine and "
                f"{r['server_cpu_ms']:.2f} ms in the server's {r['workers']} worker process"
                f"{'es' if r['workers'] > 1 else ''}, so this setup tops out near "
                f"{min(2000 / cpu, 1000 * cores / r['server_cpu_ms']):.0f} requests/s on 2 cores."
            )
    return "\n".join(lines)


MARKER = "<!-- booking: filled by bench/booking_throughput.py -->"


def write_docs(md: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- booking:begin -->", "<!-- booking:end -->"
    block = f"{start}\n{md}\n{end}"
    if MARKER in text:
        text = text.replace(MARKER, block)
    elif start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        raise SystemExit("docs/benchmarks.md has no booking marker")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
