"""The ceiling of the booking benchmark: the booking transaction with no HTTP and no web framework.

PostgreSQL: pgbench, one script per bookable option (chosen with equal weights), each one booking as the service
writes it: BEGIN; the conditional `UPDATE departure_sections ... RETURNING` for every rail departure of the
option; INSERT the booking (with the benchmark's shipment document), its reservations, its first audit event and
the Idempotency-Key record (`INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING`, storing an answer of
the size the service stores); COMMIT. `-M prepared`, as psycopg prepares the service's repeated statements.
SQLite: the same transaction in a bare Python loop on sqlite3 in one process (bench/booking_minimal.py's
function, without the HTTP server around it).

Capacity is raised before (`raise_capacity`) so that every transaction books: the ceiling is the rate of
successful booking transactions.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import booking_minimal as bm
from booking_throughput import SHIPMENT, PostgresCpu, machine_busy_seconds, pg_database


def raise_capacity(url: str) -> None:
    from sqlalchemy import text

    from landbridge.db.engine import Database

    db = Database(url)
    try:
        db.write(lambda s: s.execute(text("UPDATE departure_sections SET capacity_mfeu = 1000000000")))
    finally:
        db.dispose()


def _options(url: str, option_ids: list[str]) -> tuple[dict[str, dict[str, Any]], tuple[str | None, str, str]]:
    """The options as the minimal server reads them, and the shipper key's (customer, key id, role)."""
    import sqlite3

    if url.startswith("sqlite:///"):
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        keys, opts = con.execute(bm.KEYS_SQL).fetchall(), con.execute(bm.OPTIONS_SQL).fetchall()
        con.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as c:
            keys, opts = c.execute(bm.KEYS_SQL).fetchall(), c.execute(bm.OPTIONS_SQL).fetchall()
    state = bm.State()
    state.load(keys, opts)
    shipper = next((k[1], k[2], k[3]) for k in state.keys.values() if k[3] == "shipper")
    wanted = set(option_ids)
    return {k: v for k, v in state.options.items() if k in wanted}, shipper


def _literal(value: Any) -> str:
    """A SQL literal for pgbench: a JSON document or text, quoted; `:` before a name character written as a JSON
    escape so that pgbench does not read it as a variable."""
    if value is None:
        return "NULL"
    if isinstance(value, (dict, list)):
        text = re.sub(r":(?=[A-Za-z0-9_])", r"\\u003a", json.dumps(value))
        return "'" + text.replace("'", "''") + "'"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''").replace(":", "' || ':' || '") + "'"


def _script(opt: dict[str, Any], shipper: tuple[str | None, str, str], answer: dict[str, Any]) -> str:
    customer, key_id, role = shipper
    mfeu = opt["mfeu"]
    lines = ["\\set r random(1, 1000000000000000)", "BEGIN;"]
    for d, i, j in opt["legs"]:
        lines.append(
            f"UPDATE departure_sections SET booked_mfeu = booked_mfeu + {mfeu} WHERE departure_id = {_literal(d)} "
            f"AND section_index >= {i} AND section_index < {j} AND booked_mfeu + {mfeu} <= capacity_mfeu "
            "RETURNING section_index;"
        )
    bid = "'bk_' || :r"
    lines.append(
        "INSERT INTO bookings (id, customer_id, option_id, status, transport_status, reference, containers, "
        "container_type, feu_mfeu, price_total, currency, origin, destination, departs_at, arrives_at, shipment, "
        f"created_at, updated_at) VALUES ({bid}, {_literal(customer)}, {_literal(opt['id'])}, 'received', 'planned', "
        f"NULL, 1, {_literal(opt['container_type'])}, {mfeu}, {opt['price_total']}, {_literal(opt['currency'])}, "
        f"{_literal(opt['origin'])}, {_literal(opt['destination'])}, now(), now(), {_literal(SHIPMENT)}, now(), "
        "now());"
    )
    for d, i, j in opt["legs"]:
        lines.append(
            "INSERT INTO booking_reservations (booking_id, departure_id, board_stop, alight_stop, mfeu) VALUES "
            f"({bid}, {_literal(d)}, {i}, {j}, {mfeu});"
        )
    lines.append(
        "INSERT INTO booking_events (booking_id, from_status, to_status, at, api_key_id, actor_role, note, field, "
        f"tracking_event_id) VALUES ({bid}, NULL, 'received', now(), {_literal(key_id)}, {_literal(role)}, NULL, "
        "'status', NULL);"
    )
    lines.append(
        "INSERT INTO idempotency_records (owner, key, fingerprint, status_code, response, created_at) VALUES "
        f"({_literal(customer)}, 'pgbench-' || :client_id || '-' || :r, "
        f"'{'0' * 64}', 201, {_literal(answer)}, now()) ON CONFLICT (owner, key) DO UPDATE SET "
        "fingerprint = excluded.fingerprint, status_code = excluded.status_code, response = excluded.response, "
        "created_at = excluded.created_at WHERE idempotency_records.created_at < now() - interval '24 hours' "
        "RETURNING owner;"
    )
    lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def pgbench(
    url: str, conninfo: str, option_ids: list[str], answer: dict[str, Any], clients: int, seconds: float
) -> dict[str, Any]:
    """pgbench over the options (at most 32 scripts); bookings per second, and CPU per booking."""
    exe = shutil.which("pgbench") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))), None)
    if exe is None:
        raise SystemExit("pgbench not found (it comes with the PostgreSQL client package)")
    opts, shipper = _options(url, option_ids[:32])
    tmp = Path(tempfile.mkdtemp(prefix="lb-pgbench-"))
    try:
        args = []
        for k, opt in enumerate(opts.values()):
            f = tmp / f"booking{k}.sql"
            f.write_text(_script(opt, shipper, answer), encoding="utf-8")
            args += ["-f", str(f)]
        schema = re.search(r"search_path%3D(\w+)", url)
        env = dict(os.environ)
        if schema:
            env["PGOPTIONS"] = f"-csearch_path={schema.group(1)}"
        base = [exe, "-n", "-M", "prepared", "-c", str(clients), "-j", "2"]
        warm = subprocess.run([*base, "-T", "3", *args, conninfo], env=env, capture_output=True, text=True, check=False)
        if warm.returncode:
            raise SystemExit(f"pgbench failed:\n{warm.stdout}\n{warm.stderr}")
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        m0 = machine_busy_seconds()
        pg_cpu = PostgresCpu(pg_database(url))
        r = subprocess.run(
            [*base, "-T", f"{seconds:.0f}", *args, conninfo], env=env, capture_output=True, text=True, check=False
        )
        db_s = pg_cpu.stop()
        m1 = machine_busy_seconds()
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if r.returncode:
        raise SystemExit(f"pgbench failed:\n{r.stdout}\n{r.stderr}")
    tps = float(re.search(r"tps = ([0-9.]+)", r.stdout).group(1))
    done = int(re.search(r"number of transactions actually processed: (\d+)", r.stdout).group(1))
    return {
        "tool": f"pgbench, {len(opts)} scripts",
        "clients": clients,
        "tps": tps,
        "transactions": done,
        "db_cpu_ms": 1000 * db_s / max(1, done),
        "client_cpu_ms": 1000 * (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) / max(1, done),
        "machine_cpu_ms": 1000 * (m1 - m0) / max(1, done),
    }


def sqlite_loop(url: str, option_ids: list[str], answer: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The minimal endpoint's SQLite transaction in a loop, one process, no HTTP; bookings per second."""
    import sqlite3

    opts, shipper = _options(url, option_ids)
    customer, key_id, role = shipper
    con = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    bm.STATE.sqlite = con
    body = {"option_id": "", "containers": 1, "shipment": SHIPMENT}
    order = list(opts.values())
    n = ok = 0
    c0, m0 = time.process_time(), machine_busy_seconds()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        opt = order[n % len(order)]
        body["option_id"] = opt["id"]
        rows = bm.booking_rows(opt, body, customer or "", key_id, role)
        fp = "0" * 64
        ok += bm.book_sqlite(opt, rows, customer or "", f"loop-{n}", fp)
        n += 1
    elapsed = time.perf_counter() - t0
    c1, m1 = time.process_time(), machine_busy_seconds()
    con.close()
    return {
        "tool": "sqlite3 loop, 1 process",
        "clients": 1,
        "tps": ok / elapsed,
        "transactions": ok,
        "db_cpu_ms": 1000 * (c1 - c0) / max(1, ok),  # SQLite runs in the process: its CPU is the loop's
        "client_cpu_ms": 0.0,
        "machine_cpu_ms": 1000 * (m1 - m0) / max(1, ok),
    }
