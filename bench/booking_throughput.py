"""Booking throughput over HTTP on loopback, on SQLite and PostgreSQL, against two baselines measured in the
same run: a minimal endpoint running the same SQL without the framework, and the ceiling (the booking
transaction alone: pgbench on PostgreSQL, a bare sqlite3 loop on SQLite).

For each database: a fresh database (a temp SQLite file; a throw-away schema on PostgreSQL), `landbridge db
upgrade` and `db seed`, an operator key from `landbridge keys create`, a customer and shipper key over the API,
then quotes (rail, 1 x 40HC) for every ready date over the next seven weeks. Then, with the bookings emptied
before each run: `landbridge serve` ("service") and bench/booking_minimal.py ("minimal", the same uvicorn,
no FastAPI, pydantic, SQLAlchemy or middleware), each booked at by wrk (a Lua script, written to a temp file,
cycles through pre-built request bodies with a fresh Idempotency-Key each and counts 201/409), and last the
ceiling (bench/booking_ceiling.py). Reported: bookings/s (201 answers per second), requests/s, p50/p99 latency,
409s, errors, CPU per request of the server, PostgreSQL and wrk, and the whole machine; after each HTTP run a
check on the database that nothing is oversold (every section's booked FEU <= capacity, booked == sum of live
bookings, and the bookings in the database match the 201 answers; wrk may leave up to one request per
connection unanswered when it stops, which the server may still book).

    .venv/bin/python bench/booking_throughput.py                 # both databases, writes nothing
    .venv/bin/python bench/booking_throughput.py --write-docs    # and fills docs/benchmarks.md

PostgreSQL: LANDBRIDGE_BENCH_DATABASE_URL, else LANDBRIDGE_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test (a schema named lb_bench_<pid>_<hex> is created and dropped).
Needs wrk (Debian/Ubuntu: apt-get install wrk) and, for PostgreSQL, pgbench (PostgreSQL's client package).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LANDBRIDGE = [sys.executable, "-m", "landbridge.cli"]
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


def pg_url() -> str:
    """The PostgreSQL server to bench on (LANDBRIDGE_BENCH_DATABASE_URL, else LANDBRIDGE_TEST_DATABASE_URL)."""
    return (
        os.environ.get("LANDBRIDGE_BENCH_DATABASE_URL") or os.environ.get("LANDBRIDGE_TEST_DATABASE_URL") or PG_DEFAULT
    )


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq (psycopg, psql, pgbench) takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def make_schema(base_url: str) -> str:
    """A throw-away PostgreSQL schema (lb_bench_<pid>_<random>); returns its name."""
    import psycopg

    schema = f"lb_bench_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(libpq_url(base_url), autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    return schema


def schema_url(base_url: str, schema: str) -> str:
    """The database URL with `schema` first on the search path."""
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(libpq_url(base_url), autocommit=True) as c:
        c.execute(f"DROP SCHEMA {schema} CASCADE")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(args: list[str], env: dict) -> str:
    r = subprocess.run([*LANDBRIDGE, *args], env=env, capture_output=True, text=True, timeout=300, check=False)
    if r.returncode:
        raise SystemExit(f"landbridge {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


class Server:
    """`landbridge serve` (or, with `argv`, another server given its port: the minimal baseline)."""

    def __init__(
        self,
        env: dict,
        workers: int,
        extra: list[str] = (),
        command: list[str] | None = None,
        argv: list[str] | None = None,
    ):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [*argv, str(self.port), str(workers)]
            if argv
            else (command or LANDBRIDGE)
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
            check=False,
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


def proc_table() -> list[tuple[int, int, str, float]]:
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


_BACKEND = re.compile(r"^postgres: (?:\S+: )?(\S+) (\S+) (\S+\(\d+\)|\[local\])")  # "user db host(port) state"


def pg_database(url: str) -> str | None:
    """The database a PostgreSQL URL connects to (None for other URLs)."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return u.database if u.get_backend_name() == "postgresql" else None


def _serves(pid: int, database: str | None) -> bool:
    """Whether a PostgreSQL process counts for a benchmark on `database`: a backend connected to it, or a process
    serving every database (postmaster, WAL writer, checkpointer, background writer, autovacuum, parallel workers).
    Backends of other databases (other sessions' work on a shared machine) do not. `database` None: every process."""
    if database is None:
        return True
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
    except OSError:
        return False
    m = _BACKEND.match(title)
    return m is None or m.group(2) == database


class PostgresCpu:
    """CPU seconds used by PostgreSQL's processes over a period, backends that exit within it included (as far as
    the last sample every 0.2 s saw them): pgbench's backends end with the run. With `database`, only the backends
    connected to it and the processes serving every database count (_serves): another session's databases on the
    same server are not this benchmark's cost."""

    def __init__(self, database: str | None = None) -> None:
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._counted: dict[int, bool] = {}
        self._stop = threading.Event()
        self._sample(initial=True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self, initial: bool = False) -> None:
        for pid, _ppid, comm, cpu in proc_table():
            if comm.startswith("postgres"):
                counted = self._counted.get(pid)
                if counted is None:
                    counted = self._counted[pid] = _serves(pid, self.database)
                if not counted:
                    continue
                self.first.setdefault(pid, cpu if initial else 0.0)  # a process started within the period: all of it
                self.last[pid] = cpu

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self._sample()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._sample()
        return sum(self.last[p] - self.first[p] for p in self.last)


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
    table = proc_table()
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


def reconcile(url: str) -> dict:
    """The capacity check, run on the database directly (not through a server): sections oversold, sections
    whose booked FEU differ from the sum over live bookings, and the number of bookings."""
    from landbridge.booking import capacity
    from landbridge.db.engine import Database

    db = Database(url)
    try:
        rep = db.read(capacity.reconcile)
    finally:
        db.dispose()
    rep["bookings"] = count_bookings(url)
    return rep


def reset(url: str) -> None:
    """Empty the bookings between runs (same options, same departures, nothing booked), so every run starts alike."""
    from sqlalchemy import text

    from landbridge.db.engine import Database

    db = Database(url)
    try:

        def wipe(s) -> None:
            for t in (
                "booking_containers",
                "booking_events",
                "booking_reservations",
                "bookings",
                "idempotency_records",
            ):
                s.execute(text(f"DELETE FROM {t}"))
            s.execute(text("UPDATE departure_sections SET booked_mfeu = 0"))

        db.write(wipe)
    finally:
        db.dispose()
    if url.startswith("sqlite:///"):
        import sqlite3

        con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        con.execute("VACUUM")
        con.close()
    else:
        import psycopg

        with psycopg.connect(libpq_url(url), autocommit=True) as c:
            # these tables only: a bare VACUUM would go through every schema of the shared database
            c.execute(
                "VACUUM ANALYZE departure_sections, bookings, booking_reservations, booking_events, idempotency_records"
            )


def prepare(kind: str, base_url: str, tmp: str, capacity_factor: int) -> tuple[dict, str | None, str, list[str], dict]:
    """A fresh database (upgraded, seeded), a shipper key and the bookable options, made through the service;
    also one booking's answer (the ceiling stores one of the same size). Returns env, schema, token, options
    and that answer."""
    env = dict(os.environ)
    schema = None
    if kind == "sqlite":
        env["LANDBRIDGE_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    else:
        schema = make_schema(base_url)
        env["LANDBRIDGE_DATABASE_URL"] = schema_url(base_url, schema)
    cli(["db", "upgrade"], env)
    today = date.today()
    cli(["db", "seed", "--from", today.isoformat(), "--to", (today + timedelta(days=60)).isoformat()], env)
    server = Server(env, 1)
    try:
        token, options = setup(env, server.url)
        r = httpx.post(
            server.url + "/v1/bookings",
            json={"option_id": options[0], "containers": 1, "shipment": SHIPMENT},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "sample"},
            timeout=60,
        )
        sample = r.json()
    finally:
        server.stop()
    scale_capacity(env["LANDBRIDGE_DATABASE_URL"], capacity_factor)
    return env, schema, token, options, sample


def scale_capacity(url: str, factor: int) -> None:
    """Every section holds `factor` times its timetabled capacity: the options quoted cover a few dozen departures,
    which a run fills within seconds, after which it would measure 409 answers (cheap) instead of bookings."""
    from sqlalchemy import text

    from landbridge.db.engine import Database

    db = Database(url)
    try:
        db.write(
            lambda s: s.execute(text("UPDATE departure_sections SET capacity_mfeu = capacity_mfeu * :f"), {"f": factor})
        )
    finally:
        db.dispose()


def run_http(
    kind: str,
    env: dict,
    config: str,
    workers: int,
    token: str,
    options: list[str],
    a: argparse.Namespace,
    src: Path | None = None,
) -> dict:
    """One measured run of `config` ("service": landbridge serve; "minimal": bench/booking_minimal.py) on the
    prepared database, emptied first; `src`: serve the landbridge package found there (an earlier commit)."""
    url = env["LANDBRIDGE_DATABASE_URL"]
    reset(url)
    argv = [sys.executable, str(ROOT / "bench" / "booking_minimal.py")] if config == "minimal" else None
    tag = secrets.token_hex(4)
    if src is not None:
        env = {**env, "PYTHONPATH": str(src)}
    server = Server(env, workers, argv=argv)
    try:
        _, _, warm = asyncio.run(fire(server.url, token, options[::-1], 200, a.concurrency, 30, f"warm{tag}"))
        s0, _ = cpu_seconds(server.proc.pid)
        m0 = machine_busy_seconds()
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        pg_cpu = PostgresCpu(pg_database(url))
        load = os.getloadavg()[0]
        elapsed, codes, st = fire_wrk(server.url, token, options, a.concurrency, a.seconds, a.wrk_threads, tag)
        time.sleep(1)  # wrk stops with requests in flight: let the server finish them before counting
        db_s = pg_cpu.stop()
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        m1 = machine_busy_seconds()
        s1, _ = cpu_seconds(server.proc.pid)
    finally:
        server.stop()
    rep = reconcile(url)
    in_db = rep["bookings"] - warm.get(201, 0)
    ok = codes.get(201, 0)
    nreq = max(1, st["requests"])
    return {
        "db": kind,
        "config": config,
        "workers": workers,
        "requests": st["requests"],
        "booked": ok,
        "booked_in_db": in_db,
        "full_409": codes.get(409, 0),
        "errors": sum(v for k, v in codes.items() if k not in (201, 409)),
        "seconds": elapsed,
        "bookings_per_s": ok / elapsed,
        "requests_per_s": st["requests"] / elapsed,
        "p50_ms": st["p50_ms"],
        "p99_ms": st["p99_ms"],
        "server_cpu_ms": 1000 * (s1 - s0) / nreq,
        "server_cpu_per_booking_ms": 1000 * (s1 - s0) / max(1, ok),
        "db_cpu_ms": 1000 * db_s / nreq if kind == "postgresql" else 0.0,
        "client_cpu_ms": 1000 * (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) / nreq,
        "machine_cpu_ms": 1000 * (m1 - m0) / nreq,
        "load": load,
        # wrk drops the requests in flight when it stops (at most one per connection); the server may book them
        "consistent": rep["ok"] and ok <= in_db <= ok + a.concurrency,
        "oversold": len(rep["oversold"]),
    }


def run_ceiling(kind: str, env: dict, base_url: str, options: list[str], sample: dict, a: argparse.Namespace) -> dict:
    """The booking transaction without HTTP or Python web code: pgbench on PostgreSQL, a bare sqlite3 loop on
    SQLite (bench/booking_ceiling.py). Capacity is raised first so that every transaction books."""
    import booking_ceiling

    url = env["LANDBRIDGE_DATABASE_URL"]
    reset(url)
    booking_ceiling.raise_capacity(url)
    load = os.getloadavg()[0]
    if kind == "postgresql":
        r = booking_ceiling.pgbench(url, libpq_url(base_url), options, sample, a.concurrency, a.seconds)
    else:
        r = booking_ceiling.sqlite_loop(url, options, sample, a.seconds)
    return {"db": kind, "config": "ceiling", "load": load, **r}


class Checkout:
    """The code of a git ref in a temporary worktree (removed afterwards)."""

    def __init__(self, ref: str):
        self.ref = ref
        self.path = Path(tempfile.mkdtemp(prefix="lb-ref-"))

    def __enter__(self) -> Path:
        r = subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(self.path), self.ref],
            capture_output=True,
            text=True,
            check=False,
        )
        if r.returncode:
            shutil.rmtree(self.path, ignore_errors=True)
            raise SystemExit(f"cannot check out {self.ref!r}:\n{r.stderr.strip()}")
        return self.path / "src"

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(self.path)], capture_output=True, check=False
        )
        shutil.rmtree(self.path, ignore_errors=True)


def server_flavour() -> str:
    import importlib.util

    parts = [name for name in ("uvloop", "httptools") if importlib.util.find_spec(name)]
    return " + ".join(parts) if parts else "asyncio + h11"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--sqlite-workers", type=int, default=1, help="worker processes of the SQLite servers")
    ap.add_argument("--pg-workers", type=int, default=2, help="worker processes of the PostgreSQL servers")
    ap.add_argument("--seconds", type=float, default=15, help="length of each measured run")
    ap.add_argument("--repeat", type=int, default=1, help="service and minimal runs, alternating, per database")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (the connections are split over them)")
    ap.add_argument(
        "--capacity-factor",
        type=int,
        default=20,
        help="sections hold this many times their capacity, so that runs measure bookings rather than 409s",
    )
    ap.add_argument(
        "--service-ref",
        default=None,
        help="also serve the code of this git ref (same database, same runs): the service before a change",
    )
    ap.add_argument("--write-docs", action="store_true", help="replace the booking section of docs/benchmarks.md")
    ap.add_argument("--json", default=None, help="also write the rows (every measured figure) to this JSON file")
    a = ap.parse_args()
    if not have_wrk():
        raise SystemExit("wrk is not on PATH (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)")
    sys.path.insert(0, str(ROOT / "bench"))
    pg = pg_url()
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    rows = []
    earlier = Checkout(a.service_ref) if a.service_ref else None
    src = earlier.__enter__() if earlier else None
    try:
        for kind in kinds:
            rows += run_database(kind, pg, a, src)
    finally:
        if earlier:
            earlier.__exit__()
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    cmd = ("python bench/booking_throughput.py " + " ".join(sys.argv[1:])).strip()
    md = markdown(rows, a, cmd)
    print(md)
    if a.write_docs:
        write_docs(md)
    if any(r["config"] != "ceiling" and (not r["consistent"] or r["oversold"]) for r in rows):
        raise SystemExit("OVERSOLD or inconsistent capacity: see above")


def run_database(kind: str, pg: str, a: argparse.Namespace, src: Path | None) -> list[dict]:
    """The runs on one database: service and minimal (and the earlier service) alternating, then the ceiling."""
    rows: list[dict] = []
    workers = a.sqlite_workers if kind == "sqlite" else a.pg_workers
    tmp = tempfile.mkdtemp(prefix="lb-bench-")
    env, schema, token, options, sample = prepare(kind, pg, tmp, a.capacity_factor)
    try:
        for _ in range(a.repeat):
            runs = [("service", None), ("minimal", None)] + ([("service-ref", src)] if src else [])
            for config, code in runs:
                try:
                    r = run_http(kind, env, "service" if code else config, workers, token, options, a, code)
                except SystemExit as exc:
                    if config != "service-ref":
                        raise
                    # an older release may not start on a database migrated by this code (a later schema)
                    print(f"{kind:<10} service-ref skipped: {exc}", flush=True)
                    continue
                rows.append({**r, "config": config})
                print(fmt(rows[-1]), flush=True)
        rows.append(run_ceiling(kind, env, pg, options, sample, a))
        print(fmt(rows[-1]), flush=True)
    finally:
        if schema:
            drop_schema(pg, schema)
        shutil.rmtree(tmp, ignore_errors=True)
    return rows


def fmt(r: dict) -> str:
    if r["config"] == "ceiling":
        return (
            f"{r['db']:<10} ceiling   {r['tool']}: {r['tps']:.0f} bookings/s, {r['transactions']} transactions, "
            f"db CPU {r['db_cpu_ms']:.2f} ms, client CPU {r['client_cpu_ms']:.2f} ms per booking, load {r['load']:.1f}"
        )
    return (
        f"{r['db']:<10} {r['config']:<9} workers={r['workers']} booked={r['booked']} in_db={r['booked_in_db']} "
        f"409={r['full_409']} errors={r['errors']} {r['bookings_per_s']:.0f} bookings/s "
        f"({r['requests_per_s']:.0f} req/s) p50={r['p50_ms']:.1f} ms p99={r['p99_ms']:.1f} ms "
        f"cpu/req server={r['server_cpu_ms']:.2f} db={r['db_cpu_ms']:.2f} client={r['client_cpu_ms']:.2f} "
        f"machine={r['machine_cpu_ms']:.2f} ms consistent={r['consistent']} oversold={r['oversold']} "
        f"load={r['load']:.1f}"
    )


TARGET = 0.5  # issue 11: the service at least half the ceiling


def _mean(rows: list[dict], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows) if rows else float("nan")


def markdown(rows: list[dict], a: argparse.Namespace, cmd: str) -> str:
    loads = [r["load"] for r in rows]
    lines = [
        f"Command: `{cmd}` (x86_64, {os.cpu_count()} cores shared with other work, Python "
        f"{platform.python_version()}, {date.today().isoformat()}; servers: {server_flavour()}; 1-minute load "
        f"average {min(loads):.1f}–{max(loads):.1f} during the runs).",
        "",
        f"Each database is prepared once (migrations, 61 days of departures, a shipper key, rail options for 1 x 40HC "
        f"quoted for every ready date {QUOTE_DAYS.start}–{QUOTE_DAYS.stop - 1} days ahead on {len(ROUTES)} routes), "
        "and emptied of bookings before every run. HTTP runs: wrk posts bookings (1 container, round-robin over "
        f"the options, a fresh Idempotency-Key each) on {a.concurrency} connections for {a.seconds:g} s after a "
        f"warm-up; every section holds {a.capacity_factor} times its capacity (the options cover a few dozen "
        "departures, which would fill within seconds, and a run would then measure cheap 409 answers); bookings/s "
        "counts 201 answers, 409 answers are departures that filled up. **service**: "
        "`landbridge serve`. **minimal**: the same SQL on the raw driver in a bare ASGI function on the same "
        "uvicorn (bench/booking_minimal.py: key check, option, conditional UPDATE per departure, booking, "
        "reservations, audit event, Idempotency-Key record, commit, JSON answer; no FastAPI, pydantic, "
        "SQLAlchemy or middleware). **ceiling**: the booking transaction with no HTTP and no web code, all "
        "connections booking (capacity raised so none is refused): pgbench on PostgreSQL "
        "(bench/booking_ceiling.py writes one script per option: BEGIN, the conditional UPDATE ... RETURNING "
        "per departure, the four INSERTs with an answer of the service's size, COMMIT; `-M prepared`), a bare "
        "sqlite3 loop in one process on SQLite. CPU: milliseconds per request of the server processes, of "
        "PostgreSQL's processes, of the load generator (wrk), and of the whole machine (/proc/stat: every "
        "process, other work included). Oversold: sections over capacity, or booked FEU not equal to the live "
        "bookings' sum, or bookings in the database not matching the 201 answers (checked on the database after "
        "each run; wrk may leave one request per connection unanswered, which the server may still book).",
        "",
        "| database | run | workers | booked | 409 | errors | bookings/s | requests/s | p50 ms | p99 ms "
        "| CPU ms/request: server + db + wrk | whole machine | oversold |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["config"] == "ceiling":
            lines.append(
                f"| {r['db']} | ceiling ({r['tool']}) | {r['clients']} | {r['transactions']} | 0 | 0 | "
                f"{r['tps']:.0f} | {r['tps']:.0f} | | | 0 + {r['db_cpu_ms']:.2f} + {r['client_cpu_ms']:.2f} | "
                f"{r['machine_cpu_ms']:.2f} | |"
            )
            continue
        label = f"service at `{a.service_ref[:10]}`" if r["config"] == "service-ref" else r["config"]
        lines.append(
            f"| {r['db']} | {label} | {r['workers']} | {r['booked']} | {r['full_409']} | {r['errors']} | "
            f"{r['bookings_per_s']:.0f} | {r['requests_per_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['server_cpu_ms']:.2f} + {r['db_cpu_ms']:.2f} + {r['client_cpu_ms']:.2f} | "
            f"{r['machine_cpu_ms']:.2f} | {'none' if r['consistent'] and not r['oversold'] else 'YES'} |"
        )
    lines.append("")
    for kind in ("sqlite", "postgresql"):
        svc = [r for r in rows if r["db"] == kind and r["config"] == "service"]
        mini = [r for r in rows if r["db"] == kind and r["config"] == "minimal"]
        ceil = [r for r in rows if r["db"] == kind and r["config"] == "ceiling"]
        ref = [r for r in rows if r["db"] == kind and r["config"] == "service-ref"]
        if not svc:
            continue
        b = _mean(svc, "bookings_per_s")
        parts = [f"- {kind}: service {b:.0f} bookings/s ({_mean(svc, 'requests_per_s'):.0f} requests/s)"]
        if mini:
            parts.append(
                f"minimal endpoint {_mean(mini, 'bookings_per_s'):.0f} ({_mean(mini, 'requests_per_s'):.0f}): "
                f"service / minimal = {b / _mean(mini, 'bookings_per_s'):.2f} in bookings/s; server CPU per "
                f"request {_mean(svc, 'server_cpu_ms'):.2f} against {_mean(mini, 'server_cpu_ms'):.2f} ms"
            )
        if ref:
            parts.append(
                f"the service at `{a.service_ref[:10]}` {_mean(ref, 'bookings_per_s'):.0f}: now / then = "
                f"{b / _mean(ref, 'bookings_per_s'):.2f} in bookings/s, server CPU per request "
                f"{_mean(svc, 'server_cpu_ms'):.2f} against {_mean(ref, 'server_cpu_ms'):.2f} ms"
            )
        if ceil:
            c = ceil[0]
            ratio = b / c["tps"]
            if mini and c["tps"] < _mean(mini, "bookings_per_s"):
                parts.append(
                    f"ceiling {c['tps']:.0f} ({c['tool']}), below the minimal endpoint: the machine was too busy "
                    f"during that run for its rate to be a ceiling, so the rate ratio ({ratio:.0%}) means nothing"
                )
            else:
                parts.append(f"ceiling {c['tps']:.0f} ({c['tool']}): service / ceiling = {ratio:.0%} in bookings/s")
            svc_cpu = _mean(svc, "server_cpu_per_booking_ms") + _mean(svc, "db_cpu_ms")
            ceil_cpu = c["db_cpu_ms"] + c["client_cpu_ms"]
            by_cpu = ceil_cpu / svc_cpu
            parts.append(
                f"by CPU per booking (what limits every row on these 2 cores): service {svc_cpu:.2f} ms (server + "
                f"database), ceiling {ceil_cpu:.2f} ms, so a CPU-bound machine would run the service at about "
                f"{by_cpu:.0%} of the ceiling (target {TARGET:.0%}: {'met' if by_cpu >= TARGET else 'MISSED'})"
            )
        lines.append("; ".join(parts) + ".")
    return "\n".join(lines)


def write_docs(md: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    start, end = "<!-- booking:begin -->", "<!-- booking:end -->"
    if start not in text or end not in text:
        raise SystemExit("docs/benchmarks.md has no booking markers")
    text = text[: text.index(start)] + f"{start}\n{md}\n{end}" + text[text.index(end) + len(end) :]
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
