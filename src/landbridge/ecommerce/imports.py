"""Importing orders: validate in columns, compute what customs needs, then write the new orders in bulk (COPY on
PostgreSQL, executemany on SQLite) inside the caller's transaction, so an import is all or nothing.

Idempotent: `(seller_id, seller_order_id)` is the key. An order sent again unchanged is counted as unchanged;
one sent again with other content is reported as changed (with the fields that differ) and left as stored.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from landbridge.accounts.models import Customer
from landbridge.db.base import new_id, utcnow
from landbridge.ecommerce.models import IMPORTS, ORDERS, Order, Seller
from landbridge.ecommerce.queue import COLUMNS as QUEUE_COLUMNS
from landbridge.ecommerce.queue import COPY_SQL as QUEUE_COPY
from landbridge.ecommerce.queue import copy_payload, enqueue, utc_text
from landbridge.ecommerce.rules import Rules
from landbridge.ecommerce.rules import rules as load_rules
from landbridge.ecommerce.validate import Checked, RowError, check_columns, duplicates, validate
from landbridge.ecommerce_flow import OrderFlow, order_flow
from landbridge.errors import NotFoundError

# What the seller sent (normalised): the digest of these tells a changed order from a repeated one.
CONTENT = (
    "order_date",
    "regime",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "items",
    "hs_codes",
    "declared_value",
    "currency",
    "destination_country",
    "destination_city",
    "destination_postcode",
    "consignee_name",
    "consignee_type",
    "ioss_number",
    "bonded_account",
    "promised_by",
    "ready_at",
)
ORDER_COLUMNS = [c.name for c in ORDERS.columns]


@dataclass
class ImportReport:
    """What an import did. `imported` is False when bad rows stopped it (nothing was written)."""

    source: str
    rows: int
    valid: int
    imported: bool
    inserted: int = 0
    unchanged: int = 0
    changed: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    import_id: str | None = None
    inserted_ids: list[str] = field(default_factory=list)

    def to_dict(self, max_errors: int | None = None) -> dict[str, Any]:
        errs = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "source": self.source,
            "imported": self.imported,
            "import_id": self.import_id,
            "rows": self.rows,
            "valid": self.valid,
            "rejected": self.rows - self.valid,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "changed": self.changed,
            "errors": [e.to_dict() for e in errs],
            "errors_total": len(self.errors),
        }


def _iso_day(ts: np.ndarray) -> np.ndarray:
    return ts.astype("datetime64[s]").astype("datetime64[D]")


def prepare(
    checked: Checked, rules: Rules, flow: OrderFlow, allow: dict[str, bool], digest: bool = True
) -> dict[str, np.ndarray]:
    """The stored columns of the valid rows of `checked` (ids not yet assigned). `digest=False` leaves out
    `content_sha` (computed chunk by chunk, see _chunk_columns)."""
    ok = checked.ok
    every = bool(ok.all())  # the usual case: no copy of the columns
    c = {k: v if every else v[ok] for k, v in checked.cols.items() if len(v) == len(ok)}
    n = int(ok.sum())
    regime = c["regime"]
    lead = np.zeros(n)
    promise = np.zeros(n)
    for code, g in flow.regimes.items():
        m = regime == code
        lead[m] = g.lead_days * 86_400
        promise[m] = g.promised_days * 86_400
    order_ts = c["order_ts"]
    ready = np.where(np.isfinite(c["ready_at_ts"]), c["ready_at_ts"], order_ts + lead)
    promised = np.where(np.isfinite(c["promised_by_ts"]), c["promised_by_ts"], order_ts + promise)
    customs = rules.customs(
        regime=regime,
        consignee_type=c["consignee_type"],
        declared_value=c["declared_value"],
        currency=c["currency"],
        country=c["destination_country"],
        has_ioss=np.asarray(c["ioss_number"] != None, dtype=bool),  # noqa: E711 (element-wise on objects)
        tariff_lines=c["tariff_lines"],
        duty_rate=c["duty_rate"],
        days=c["days"],
    )
    out: dict[str, Any] = {
        "seller_id": c["seller_id"],
        "seller_order_id": c["seller_order_id"],
        "order_ts": order_ts,
        "ready_ts": ready,
        "promised_day": _iso_day(promised),
        "regime": regime,
        "weight_kg": c["weight_kg"],
        "length_cm": c["length_cm"],
        "width_cm": c["width_cm"],
        "height_cm": c["height_cm"],
        "volume_m3": c["volume_m3"],
        "items": c["items"].astype(np.int64),
        "hs_codes": c["hs_codes"],
        "tariff_lines": c["tariff_lines"].astype(np.int64),
        "declared_value": c["declared_value"],
        "currency": c["currency"],
        "destination_country": c["destination_country"],
        "destination_city": c["destination_city"],
        "destination_postcode": c["destination_postcode"],
        "hub": c["hub"],
        "consignee_name": c["consignee_name"],
        "consignee_type": c["consignee_type"],
        "ioss_number": c["ioss_number"],
        "bonded_account": c["bonded_account"],
        "allow_other_trains": np.array([allow.get(s, False) for s in c["seller_id"]], dtype=bool),
        "customs_day": c["days"],
        **customs,
        "ready_given": np.isfinite(c["ready_at_ts"]),
        "promised_given": np.isfinite(c["promised_by_ts"]),
    }
    if digest:
        out["content_sha"] = np.array(content_digest(out), dtype=object)
    return out


DIGESTED = (  # the prepared columns content_digest reads
    "order_ts",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "items",
    "declared_value",
    "ready_given",
    "ready_ts",
    "promised_given",
    "promised_day",
    "regime",
    "hs_codes",
    "currency",
    "destination_country",
    "destination_city",
    "destination_postcode",
    "consignee_name",
    "consignee_type",
    "ioss_number",
    "bonded_account",
)


def content_digest(c: dict[str, Any]) -> list[str]:
    """Digest of what the seller sent (normalised values: numbers as parsed and rounded, codes as cleaned), per
    row: the numbers as one row of float64 bytes, the texts joined in columns (pyarrow); only the hash runs per
    row."""
    import pyarrow.compute as pc

    def txt(x: Any) -> pa.Array:
        return pc.fill_null(pa.array(np.asarray(x, dtype=object), pa.string(), from_pandas=True), "")

    nums = np.ascontiguousarray(
        np.column_stack(
            [
                np.round(c["order_ts"], 0),
                np.round(c["weight_kg"], 3),
                np.round(c["length_cm"], 1),
                np.round(c["width_cm"], 1),
                np.round(c["height_cm"], 1),
                np.asarray(c["items"], dtype=float),
                np.round(c["declared_value"], 2),
                np.where(c["ready_given"], np.round(c["ready_ts"], 0), -1.0),
                np.where(c["promised_given"], c["promised_day"].astype("datetime64[D]").astype(np.int64), -1),
            ]
        ),
        dtype="<f8",
    )
    width = nums.shape[1] * 8 if nums.ndim == 2 else 0
    raw = nums.tobytes()
    keys = ["regime", "hs_codes", "currency", "destination_country", "destination_city", "destination_postcode"]
    keys += ["consignee_name", "consignee_type", "ioss_number", "bonded_account"]
    joined = pc.binary_join_element_wise(*(txt(c[k]) for k in keys), "\x1f").to_numpy(zero_copy_only=False)
    blake = hashlib.blake2b
    digests = b"".join(
        blake(raw[i * width : (i + 1) * width] + text.encode(), digest_size=16).digest()
        for i, text in enumerate(joined)
    ).hex()  # one hex conversion for all rows, then 32 characters each
    return [digests[k : k + 32] for k in range(0, len(digests), 32)]


def _existing(s: Session, sellers: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(seller, seller_order_id) -> (order id, content digest) for the sellers' stored orders."""
    O = ORDERS.c
    have = s.scalar(select(func.count()).select_from(ORDERS).where(O.seller_id.in_(sellers)))
    if not have:
        return {}
    rows = s.execute(select(O.seller_id, O.seller_order_id, O.id, O.content_sha).where(O.seller_id.in_(sellers)))
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


CHANGED_FIELDS = (
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "items",
    "hs_codes",
    "currency",
    "regime",
    "destination_country",
    "destination_city",
    "destination_postcode",
    "consignee_name",
    "consignee_type",
)


def _changed_fields(s: Session, ids: list[str], new: dict[str, Any], index: list[int]) -> list[list[str]]:
    """For each changed order, the stored fields that differ from the new row."""
    O = ORDERS.c
    names = CHANGED_FIELDS
    stored = {r.id: r for r in s.execute(select(ORDERS).where(O.id.in_(ids[:1000])))}
    out: list[list[str]] = []
    for oid, i in zip(ids, index):
        r = stored.get(oid)
        if r is None:
            out.append([])
            continue
        diff = [f for f in names if str(getattr(r, f)) != str(new[f][i]) and not _same_number(getattr(r, f), new[f][i])]
        if float(r.declared_value) != round(float(new["declared_value"][i]), 2):
            diff.append("declared_value")
        if int(r.order_date.timestamp()) != int(new["order_ts"][i]):
            diff.append("order_date")
        out.append(diff or ["ioss_number / bonded_account / dates"])
    return out


def _same_number(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return False


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


SQLITE_IMPORT_CACHE_KIB = 1_048_576  # page cache of the connection during a bulk insert
SQLITE_CACHE_KIB = 262_144  # and after it
CHUNK = 50_000  # rows per bulk write: bounds the memory of the Python rows, not the transaction


def insert_orders(
    s: Session, rows: dict[str, Any], idx: np.ndarray, ids: list[str], import_id: str, now: datetime
) -> None:
    """SQLite: write rows `idx` of prepared columns as new orders (ids `ids`), all inside the caller's
    transaction, CHUNK rows at a time with executemany, one chunk after the other (a builder thread would compete
    for the GIL with the binding of every row, which takes it back after each sqlite3_step: measured slower).
    PostgreSQL imports in parts instead (see _import_in_parts)."""
    if not len(idx):
        return
    raw: Any = s.connection().connection.driver_connection
    parts = [(idx[k : k + CHUNK], ids[k : k + CHUNK]) for k in range(0, len(idx), CHUNK)]
    sql = _sqlite_insert(import_id, now)
    # a page cache that holds the whole batch (a year of orders: about 700 MB of rows and index pages) while it
    # goes in: with 256 MB, SQLite spilled pages to the WAL during the insert and wrote them again (2.5-3 s more
    # CPU per million rows). Allocated as pages are used; the connection is left with 256 MB afterwards.
    raw.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    cur = raw.cursor()
    try:
        for part in parts:
            cols = _chunk_columns(rows, part[0], part[1], import_id, now)
            cur.executemany(sql, _sqlite_rows(cols))
            enqueue(s, cols)  # the new orders wait for a consolidation
    finally:
        cur.close()
        raw.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


ORDERS_COPY = f"COPY {Order.__tablename__} ({', '.join(ORDER_COLUMNS)}) FROM STDIN WITH (FORMAT csv)"


TEXTS = (
    "seller_id",
    "seller_order_id",
    "regime",
    "hs_codes",
    "currency",
    "destination_country",
    "destination_city",
    "destination_postcode",
    "hub",
    "consignee_name",
    "consignee_type",
    "ioss_number",
    "bonded_account",
    "export_declaration",
    "import_declaration",
    "vat_via",
    "content_sha",
)
MEASURES = ("weight_kg", "length_cm", "width_cm", "height_cm", "volume_m3")  # rounded to 6 decimals
AMOUNTS = ("declared_value", "value_eur", "duty_eur", "vat_eur")  # rounded to cents
TIMES = {"order_date": "order_ts", "ready_at": "ready_ts"}  # stored column: prepared column (epoch seconds)
DAYS = {"promised_by": "promised_day", "customs_date": "customs_day"}
# the same for every row of an import (by construction, _chunk_columns): SQL literals on SQLite, not bound per row
SAME = ("import_id", "created_at")


def _chunk_columns(
    rows: dict[str, Any], idx: np.ndarray, ids: list[str], import_id: str, now: datetime
) -> dict[str, np.ndarray]:
    """The stored columns of rows `idx` as numpy arrays (times as datetime64[s], days as datetime64[D])."""
    n = len(idx)
    out: dict[str, np.ndarray] = {
        "id": np.array(ids, dtype=object),
        "import_id": np.full(n, import_id, dtype=object),
        "created_at": np.full(n, np.datetime64(now.astimezone(UTC).replace(tzinfo=None), "us")),
    }
    if "content_sha" not in rows:  # computed here, chunk by chunk (on PostgreSQL in the CSV worker thread)
        out["content_sha"] = np.array(content_digest({k: np.asarray(rows[k])[idx] for k in DIGESTED}), dtype=object)
    for name in TEXTS:
        if name in out:
            continue
        v = rows[name]
        v = v[idx] if isinstance(v, np.ndarray) else np.asarray(v, dtype=object)[idx]  # take the rows, then convert
        out[name] = v if v.dtype == object else v.astype(object)
    for name in MEASURES:
        out[name] = np.round(np.asarray(rows[name], dtype=float)[idx], 6)
    for name in AMOUNTS:
        out[name] = np.round(np.asarray(rows[name], dtype=float)[idx], 2)
    for name in ("items", "tariff_lines"):
        out[name] = np.asarray(rows[name], dtype=np.int64)[idx]
    out["allow_other_trains"] = np.asarray(rows["allow_other_trains"], dtype=bool)[idx]
    for name, src in TIMES.items():
        out[name] = np.asarray(rows[src])[idx].astype("datetime64[s]")
    for name, src in DAYS.items():
        out[name] = np.asarray(rows[src])[idx].astype("datetime64[D]")
    missing = set(ORDER_COLUMNS) - set(out)
    if missing:
        raise AssertionError(f"columns not filled: {missing}")
    return out


def _csv_payload(cols: dict[str, np.ndarray]) -> bytes:
    """The rows as CSV for COPY, written by pyarrow straight from the numpy columns: nulls as empty fields, texts
    quoted when needed, times in UTC with a zone (see utc_text)."""
    import pyarrow.csv as pcsv

    def arrow(name: str) -> pa.Array:
        v = cols[name]
        if name in TIMES or name == "created_at":
            return utc_text(v)
        if v.dtype == object:
            return pa.array(v, pa.string(), from_pandas=True)
        return pa.array(v)

    table = pa.table({c: arrow(c) for c in ORDER_COLUMNS})
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    out: bytes = sink.getvalue().to_pybytes()
    return out


def _sqlite_insert(import_id: str, now: datetime) -> str:
    """The INSERT of an import's rows on SQLite: the columns in SAME as literals, the others bound."""
    same = {
        "import_id": import_id,
        "created_at": now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"),
    }

    def literal(v: str | None) -> str:
        return "NULL" if v is None else "'" + v.replace("'", "''") + "'"

    values = ", ".join(literal(same[c]) if c in same else "?" for c in ORDER_COLUMNS)
    return f"INSERT INTO {Order.__tablename__} ({', '.join(ORDER_COLUMNS)}) VALUES ({values})"


def _sqlite_rows(cols: dict[str, np.ndarray]) -> Iterator[tuple[Any, ...]]:
    """The bound values of each row as plain tuples, times as the text SQLAlchemy stores
    (`YYYY-MM-DD HH:MM:SS.ffffff`)."""
    data: dict[str, list[Any]] = {}
    for name, v in cols.items():
        if name in SAME:
            continue
        if name in TIMES:
            data[name] = _sqlite_times(v)
        elif name in DAYS:
            data[name] = _sqlite_days(v)
        else:
            data[name] = v.tolist()
    return zip(*(data[c] for c in ORDER_COLUMNS if c not in SAME))  # tuples made as executemany takes them


MAX_DAY_SPAN = 100_000  # days between the first and the last value for the table look-ups below


def _day_table(days: np.ndarray) -> tuple[int, np.ndarray] | None:
    """(first day, 'YYYY-MM-DD' of every day from it to the last of `days`) as epoch days and objects; None when
    the span is too wide for a table."""
    if not len(days):
        return None
    first, last = int(days.min()), int(days.max())
    if last - first >= MAX_DAY_SPAN:
        return None
    span = np.arange(first, last + 1).astype("datetime64[D]")
    return first, np.asarray(np.datetime_as_string(span), dtype=object)


@cache
def _times_of_day() -> np.ndarray:
    """'HH:MM:SS.000000' of every second of a day (86,400 texts, made once)."""
    texts = [f"{h:02d}:{m:02d}:{sec:02d}.000000" for h in range(24) for m in range(60) for sec in range(60)]
    return np.array(texts, dtype=object)


def _sqlite_times(v: np.ndarray) -> list[str]:
    """datetime64[s] values as the text SQLAlchemy stores (`YYYY-MM-DD HH:MM:SS.000000`): the day and the time of
    day looked up in tables (a row's text is one concatenation, not a formatting)."""
    secs = v.astype("datetime64[s]").astype(np.int64)
    day, second = np.divmod(secs, 86_400)
    table = _day_table(day)
    if table is None:
        return [t.replace("T", " ") + ".000000" for t in np.datetime_as_string(v, unit="s").tolist()]
    first, days = table
    out: list[str] = ((days + " ")[day - first] + _times_of_day()[second]).tolist()
    return out


def _sqlite_days(v: np.ndarray) -> list[str]:
    """datetime64[D] values as 'YYYY-MM-DD' (looked up in a table of the days they span)."""
    day = v.astype("datetime64[D]").astype(np.int64)
    table = _day_table(day)
    if table is None:
        out: list[str] = np.datetime_as_string(v).tolist()
        return out
    first, days = table
    looked_up: list[str] = days[day - first].tolist()
    return looked_up


def new_order_ids(n: int) -> list[str]:
    """`n` random order ids in ascending order (fixed-width hex: the numbers sort as the texts do)."""
    raw = np.sort(np.frombuffer(os.urandom(8 * n), dtype=np.uint64)) if n else np.zeros(0, np.uint64)
    return [f"eo_{x:016x}" for x in raw.tolist()]


def import_table(
    s: Session,
    table: pa.Table,
    *,
    lines: np.ndarray | None = None,
    first_line: int = 2,
    seller_id: str | None,
    source: str,
    actor: str,
    skip_invalid: bool = False,
    read_errors: list[RowError] | None = None,
    now: datetime | None = None,
    rules: Rules | None = None,
    flow: OrderFlow | None = None,
) -> ImportReport:
    """Validate and import the rows of `table` in the caller's transaction. With errors (read or row errors)
    and not `skip_invalid`, nothing is written and the report lists every error; with `skip_invalid`, the
    valid rows are imported and the errors listed. Re-imported orders are never duplicated."""
    now = now or utcnow()
    rules = rules or load_rules()
    flow = flow or order_flow()
    if seller_id is not None and s.get(Customer, seller_id) is None:
        raise NotFoundError(
            f"No seller {seller_id!r}: sellers are customers (cus_...); see `landbridge keys` / POST /v1/customers."
        )
    candidates = _named_sellers(table) | ({seller_id} if seller_id else set())
    known = set(s.scalars(select(Customer.id).where(Customer.id.in_(sorted(candidates))))) if candidates else set()
    if s.get_bind().dialect.name == "postgresql" and not check_columns(table.column_names)[1]:
        return _import_in_parts(
            s,
            table,
            _Context(seller_id, source, actor, skip_invalid, list(read_errors or []), now, rules, flow, known),
            lines=np.arange(first_line, first_line + table.num_rows) if lines is None else np.asarray(lines),
        )
    checked = validate(
        table, rules, flow, lines=lines, first_line=first_line, seller_id=seller_id, known_sellers=known, now=now
    )
    errors = sorted([*(read_errors or []), *checked.all_errors], key=lambda e: e.line)
    rows = checked.rows + len(read_errors or [])
    report = ImportReport(source, rows, checked.valid if not checked.file_errors else 0, False, errors=errors)
    if checked.file_errors or (errors and not skip_invalid):
        return report
    allow = _allow_other_trains(s, known)
    prepared = prepare(checked, rules, flow, allow, digest=False)
    sellers = sorted(set(prepared["seller_id"].tolist()))
    existing = _existing(s, sellers) if sellers else {}
    if existing:  # the digests tell changed orders from repeated ones; on a first import, they are only stored
        prepared["content_sha"] = np.array(content_digest(prepared), dtype=object)
    # (seller, order id) of each row: only needed to look up stored orders (none on a first import)
    keys = list(zip(prepared["seller_id"].tolist(), prepared["seller_order_id"].tolist())) if existing else []
    sorting = _sort_out(len(prepared["seller_id"]), keys, prepared.get("content_sha", []), existing)
    import_id = new_id("imp")
    # insert in time order (ready at the warehouse) with ids ascending: the indexes then grow at a few points
    # (per hub, per seller) instead of at random places, which is what makes big batches fast
    new_rows = np.array(sorting.new, dtype=np.int64)
    new_rows = new_rows[np.argsort(prepared["ready_ts"][new_rows], kind="stable")]  # ties: in file order
    ids = new_order_ids(len(new_rows))
    insert_orders(s, prepared, new_rows, ids, import_id, now)
    report.changed = _changed_report(s, _changes(sorting, prepared, checked.lines[checked.ok], keys))
    report.inserted = len(new_rows)
    report.unchanged = sorting.unchanged
    one_seller = seller_id if seller_id else (sellers[0] if len(sellers) == 1 else None)
    _record_import(s, report, import_id, one_seller, actor, now)
    report.imported = True
    report.import_id = import_id
    report.inserted_ids = np.array(ids, dtype=object)[np.argsort(new_rows)].tolist()  # in the input rows' order
    return report


def _allow_other_trains(s: Session, sellers: set[str]) -> dict[str, bool]:
    """Whether each of the sellers allows other trains (sellers without settings: absent)."""
    return {
        r.customer_id: r.allow_other_trains
        for r in s.scalars(select(Seller).where(Seller.customer_id.in_(sorted(sellers))))
    }


def _record_import(
    s: Session, report: ImportReport, import_id: str, seller_id: str | None, actor: str, now: datetime
) -> None:
    """The import's own row (what came in and what became of it)."""
    s.execute(
        insert(IMPORTS),
        [
            {
                "id": import_id,
                "seller_id": seller_id,
                "source": report.source[:300],
                "rows": report.rows,
                "inserted": report.inserted,
                "unchanged": report.unchanged,
                "changed": len(report.changed),
                "rejected": report.rows - report.valid,
                "actor": actor[:64],
                "created_at": now,
            }
        ],
    )


PART = 50_000  # rows validated, prepared and sent at a time on PostgreSQL


@dataclass
class _Context:
    """What an import was asked to do (import_table's arguments) and the sellers it may name."""

    seller_id: str | None
    source: str
    actor: str
    skip_invalid: bool
    read_errors: list[RowError]
    now: datetime
    rules: Rules
    flow: OrderFlow
    known: set[str]


def _import_in_parts(s: Session, table: pa.Table, cx: _Context, lines: np.ndarray) -> ImportReport:
    """PostgreSQL: validate, prepare and write the rows PART at a time, so that the server stores the rows of a
    part (a COPY of the orders, then one of their queue rows, in a thread of their own) while this thread checks
    the next: before, the COPY started only once the whole file was validated and prepared, and the server was
    idle until then. Same contract: a bad row anywhere (and not `skip_invalid`) and nothing is imported, the
    parts already written are rolled back (a savepoint, inside the caller's transaction), and the rest of the
    file is still validated so that every bad row is reported. Duplicates inside the file are found over the
    whole file (once the first part is sent, which needs only its own); stored orders of the sellers the file
    names are looked up before anything is sent."""
    n = table.num_rows
    dups: tuple[np.ndarray, np.ndarray] | None = None  # over the whole file, found once the first part is sent
    allow = _allow_other_trains(s, cx.known)
    existing = _existing(s, sorted(cx.known)) if cx.known else {}
    import_id = new_id("imp")
    ids = new_order_ids(n)  # ascending, taken in the order the rows are written
    report = ImportReport(cx.source, n + len(cx.read_errors), 0, False)
    errors = list(cx.read_errors)
    changes = _Changes()
    sellers: set[str] = set()
    inserted_ids: list[np.ndarray] = []
    taken = 0
    savepoint = s.begin_nested()
    sender = _Sender(s.connection().connection.driver_connection) if cx.skip_invalid or not errors else None
    try:
        for a in range(0, n, PART):
            b = min(a + PART, n)
            if a and dups is None:
                dups = duplicates(table, lines=lines, seller_id=cx.seller_id)
            checked = validate(
                table.slice(a, b - a),
                cx.rules,
                cx.flow,
                lines=lines[a:b],
                seller_id=cx.seller_id,
                known_sellers=cx.known,
                now=cx.now,
                # the first part's rows can only repeat rows of the first part: found in it, as for a whole file
                duplicates=None if dups is None else (dups[0][a:b], dups[1][a:b]),
            )
            errors += checked.errors
            report.valid += checked.valid
            if checked.errors and not cx.skip_invalid and sender is not None:
                sender.close(drop=True)  # nothing will be imported: stop writing, go on validating
                sender = None
            if sender is None:
                continue
            prepared = prepare(checked, cx.rules, cx.flow, allow, digest=bool(existing))
            sellers.update(prepared["seller_id"].tolist())
            keys = list(zip(prepared["seller_id"].tolist(), prepared["seller_order_id"].tolist())) if existing else []
            sorting = _sort_out(len(prepared["seller_id"]), keys, prepared.get("content_sha", []), existing)
            report.unchanged += sorting.unchanged
            changes.extend(_changes(sorting, prepared, checked.lines[checked.ok], keys))
            # in time order within the part, ids ascending (as on SQLite; the file is usually in time order)
            new_rows = np.array(sorting.new, dtype=np.int64)
            new_rows = new_rows[np.argsort(prepared["ready_ts"][new_rows], kind="stable")]
            part_ids = ids[taken : taken + len(new_rows)]
            taken += len(new_rows)
            inserted_ids.append(np.array(part_ids, dtype=object)[np.argsort(new_rows)])
            if len(new_rows):
                cols = _chunk_columns(prepared, new_rows, part_ids, import_id, cx.now)
                sender.send((_csv_payload(cols), copy_payload({c: cols[c] for c in QUEUE_COLUMNS.values()})))
        if sender is not None:
            sender.close()
            sender = None
    except BaseException:
        if sender is not None:
            sender.close(drop=True, raising=False)
        savepoint.rollback()
        raise
    report.errors = sorted(errors, key=lambda e: e.line)
    if errors and not cx.skip_invalid:
        savepoint.rollback()  # the parts written before the first bad row
        report.unchanged = 0  # nothing was imported (as when the whole file is validated first)
        return report
    savepoint.commit()
    report.changed = _changed_report(s, changes)
    report.inserted = taken
    one_seller = cx.seller_id if cx.seller_id else (next(iter(sellers)) if len(sellers) == 1 else None)
    _record_import(s, report, import_id, one_seller, cx.actor, cx.now)
    report.imported = True
    report.import_id = import_id
    report.inserted_ids = np.concatenate(inserted_ids).tolist() if inserted_ids else []
    return report


class _Sender:
    """A thread that writes each part it is given (the orders' CSV, then their queue rows' CSV) with two COPY
    statements on the session's connection, while the caller prepares the next part; at most two parts wait.
    The caller must not use the connection until `close` returns."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.parts: queue.Queue[tuple[bytes, bytes] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="lb-import-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.raw.cursor() as cur:
                while (part := self.parts.get()) is not None:
                    with cur.copy(ORDERS_COPY) as cp:
                        cp.write(part[0])
                    with cur.copy(QUEUE_COPY) as cp:
                        cp.write(part[1])
        except BaseException as exc:  # handed to the caller by send / close
            self.error = exc

    def _put(self, item: tuple[bytes, bytes] | None) -> None:
        while self.thread.is_alive():
            try:
                self.parts.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def send(self, part: tuple[bytes, bytes]) -> None:
        self._put(part)
        if self.error is not None:
            raise self.error

    def close(self, drop: bool = False, raising: bool = True) -> None:
        """Wait until the parts sent are written (`drop`: the parts not yet started are not written)."""
        while drop:
            try:
                self.parts.get_nowait()
            except queue.Empty:
                break
        self._put(None)
        self.thread.join()
        if raising and self.error is not None:
            raise self.error


def _named_sellers(table: pa.Table) -> set[str]:
    """The sellers a file's seller_id column names (empty without the column)."""
    import pyarrow.compute as pc

    col = next((c for c in table.column_names if c.strip().lower() == "seller_id"), None)
    if col is None:
        return set()
    return {x for x in pc.unique(table.column(col)).to_pylist() if isinstance(x, str)}


@dataclass
class _Sorted:
    """Rows of an import by what they are: new, unchanged (count), changed (row, stored order id)."""

    new: list[int]
    unchanged: int
    changed: list[tuple[int, str]]


def _sort_out(
    n: int,
    keys: list[tuple[str, str]],
    shas: np.ndarray | list[str],
    existing: dict[tuple[str, str], tuple[str, str]],
) -> _Sorted:
    if not existing:  # a first import: every row is new
        return _Sorted(list(range(n)), 0, [])
    out = _Sorted([], 0, [])
    for i, k in enumerate(keys):
        hit = existing.get(k)
        if hit is None:
            out.new.append(i)
        elif hit[1] == shas[i]:
            out.unchanged += 1
        else:
            out.changed.append((i, hit[0]))
    return out


@dataclass
class _Changes:
    """The changed orders of an import: line, seller's order id and stored order id of each, and the new values
    of the fields `_changed_fields` compares (one entry per changed order)."""

    lines: list[int] = field(default_factory=list)
    seller_order_ids: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)

    def extend(self, other: _Changes) -> None:
        self.lines += other.lines
        self.seller_order_ids += other.seller_order_ids
        self.ids += other.ids
        for k, v in other.values.items():
            self.values.setdefault(k, []).extend(v)


COMPARED = (*CHANGED_FIELDS, "declared_value", "order_ts")  # the prepared columns _changed_fields reads


def _changes(sorting: _Sorted, prepared: dict[str, Any], ok_lines: np.ndarray, keys: list[tuple[str, str]]) -> _Changes:
    """The changed orders among `prepared` (rows of the valid lines `ok_lines`), as `sorting` found them."""
    idx = [i for i, _oid in sorting.changed]
    return _Changes(
        [int(ok_lines[i]) for i in idx],
        [keys[i][1] for i in idx],
        [oid for _i, oid in sorting.changed],
        {f: [prepared[f][i] for i in idx] for f in COMPARED} if idx else {},
    )


def _changed_report(s: Session, ch: _Changes) -> list[dict[str, Any]]:
    """Each changed order: its line, the seller's id, the stored order and the fields that differ."""
    if not ch.ids:
        return []
    diffs = _changed_fields(s, ch.ids, ch.values, list(range(len(ch.ids))))
    return [
        {
            "line": line,
            "seller_order_id": soid,
            "id": oid,
            "fields": d,
            "note": "differs from the stored order; not updated",
        }
        for line, soid, oid, d in zip(ch.lines, ch.seller_order_ids, ch.ids, diffs)
    ]
