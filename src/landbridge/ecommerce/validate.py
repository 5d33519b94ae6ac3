"""Validation of order rows, in columns: every rule runs over a whole column at once (pyarrow compute and numpy),
so a million rows take seconds, and every failure is reported as (line, field, value, reason).

Input: a pyarrow Table as read from a file (CSV, Parquet or JSON Lines) or built from an API batch. Output:
`Checked`: each row's parsed values, which rows are valid, and the list of errors in line order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from landbridge.ecommerce.rules import EU27, Rules
from landbridge.ecommerce_flow import OrderFlow
from landbridge.errors import did_you_mean

REQUIRED = (
    "seller_order_id",
    "order_date",
    "regime",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "items",
    "declared_value",
    "currency",
    "hs_codes",
    "destination_country",
    "destination_city",
    "destination_postcode",
    "consignee_name",
)
OPTIONAL = ("consignee_type", "ioss_number", "bonded_account", "promised_by", "ready_at", "seller_id")
COLUMNS = REQUIRED + OPTIONAL
ALIASES = {"hs_code": "hs_codes", "order_id": "seller_order_id", "country": "destination_country"}
MAX_LINES = 10
MAX_ITEMS = 100_000
MAX_VALUE = 1_000_000
FUTURE_DAYS = 730  # orders announced ahead (pre-alerts, simulated years): as far ahead as timetables go

NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
MONEY = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"
INTEGER = r"^[0-9]{1,9}(\.0*)?$"
DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:?[0-9]{2}))?$"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ORDER_ID = r"^[\x21-\x7e]{1,64}$"  # printable ASCII, no spaces
HS = r"^[0-9]{6}([0-9]{2}){0,2}$"  # 6, 8 or 10 ASCII digits
POSTCODE = r"^[A-Za-z0-9][A-Za-z0-9 -]{0,11}$"


@dataclass
class RowError:
    """One problem with one row: its line in the file, the field, the value as given and why it is refused."""

    line: int
    field: str
    value: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason}


@dataclass
class Checked:
    """Parsed columns (numpy, one entry per row), which rows are valid, and the errors (line order)."""

    rows: int
    lines: np.ndarray
    ok: np.ndarray
    errors: list[RowError]
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    file_errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> int:
        return int(self.ok.sum())

    @property
    def all_errors(self) -> list[RowError]:
        return self.file_errors + self.errors


class _Errors:
    def __init__(self, n: int, text: dict[str, pa.Array]):
        self.n = n
        self.text = text
        self.bad = np.zeros(n, dtype=bool)
        self.parts: list[tuple[np.ndarray, str, np.ndarray | str]] = []
        self._field_bad: dict[str, np.ndarray] = {}

    def add(self, mask: np.ndarray, fld: str, reason: np.ndarray | str) -> None:
        mask = np.asarray(mask, dtype=bool) & ~self._already(fld)
        idx = np.flatnonzero(mask)
        if len(idx):
            self.bad[idx] = True
            self.parts.append((idx, fld, reason[idx] if isinstance(reason, np.ndarray) else reason))
            self._field_bad.setdefault(fld, np.zeros(self.n, dtype=bool))[idx] = True

    def _already(self, fld: str) -> np.ndarray:
        return self._field_bad.get(fld, np.zeros(self.n, dtype=bool))

    def field_ok(self, fld: str) -> np.ndarray:
        return ~self._already(fld)

    def collect(self, lines: np.ndarray) -> list[RowError]:
        out: list[RowError] = []
        for idx, fld, reason in self.parts:
            arr = self.text.get(fld)
            vals = arr.take(pa.array(idx)).to_pylist() if arr is not None else [None] * len(idx)
            for k, i in enumerate(idx.tolist()):
                v = vals[k]
                shown = "" if v is None else str(v)
                if len(shown) > 80:
                    shown = shown[:77] + "..."
                out.append(RowError(int(lines[i]), fld, shown, str(reason if isinstance(reason, str) else reason[k])))
        out.sort(key=lambda e: (e.line, COLUMNS.index(e.field) if e.field in COLUMNS else 99))
        return out


def as_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Any column as UTF-8 text with nulls for missing values: lists joined with ';', timestamps in ISO 8601 with
    'Z' (naive ones without, so they are refused as lacking a time zone), empty or blank strings as null."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.dictionary_decode()
        t = arr.type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        arr = pc.binary_join(pc.cast(arr, pa.list_(pa.string())), ";")
    elif pa.types.is_timestamp(t):
        if t.tz is None:
            arr = pc.strftime(arr, format="%Y-%m-%dT%H:%M:%S")
        else:
            arr = pc.strftime(pc.cast(arr, pa.timestamp("s", tz="UTC")), format="%Y-%m-%dT%H:%M:%SZ")
    elif pa.types.is_null(t):
        arr = pa.nulls(len(arr), pa.string())
    elif not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        arr = pc.cast(arr, pa.string())
    arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _match(arr: pa.Array, pattern: str) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.match_substring_regex(arr, pattern), False), dtype=bool)


def _present(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.is_valid(arr), dtype=bool)


def _floats(arr: pa.Array, ok: np.ndarray) -> np.ndarray:
    masked = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string()))
    return np.asarray(pc.cast(masked, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)


def _epoch_seconds(arr: pa.Array, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since the epoch (UTC) of ISO 8601 dates/date-times that passed the pattern; (values, parsed)."""
    txt = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.string()))
    date_only = _match(txt, DATE)
    full = pc.if_else(pa.array(date_only), pc.binary_join_element_wise(txt, "T00:00:00Z", ""), txt)
    try:
        ts = pc.cast(full, pa.timestamp("ms", tz="UTC"))
        vals = np.asarray(ts.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=float) / 1000.0
        return vals, ok.copy()
    except pa.ArrowInvalid:  # an impossible calendar date (2026-02-30): parse one by one
        vals = np.full(len(ok), np.nan)
        good = ok.copy()
        for i, s in enumerate(full.to_pylist()):
            if s is None:
                continue
            try:
                vals[i] = datetime.fromisoformat(s.replace("Z", "+00:00").replace(" ", "T")).timestamp()
            except ValueError:
                good[i] = False
        return vals, good


def _np_text(arr: pa.Array) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)


def check_columns(names: list[str]) -> tuple[dict[str, str], list[RowError]]:
    """Map the file's column names to ours (known aliases; case and surrounding spaces ignored); errors for
    unknown, duplicate or missing columns (reported on line 1, the header)."""
    mapping: dict[str, str] = {}
    errors: list[RowError] = []
    for name in names:
        key = str(name).strip().lower()
        key = ALIASES.get(key, key)
        if key not in COLUMNS:
            hint = did_you_mean(key, COLUMNS)
            extra = f"; did you mean {hint[0]!r}?" if hint else f"; known columns: {', '.join(COLUMNS)}"
            errors.append(RowError(1, str(name)[:80], "", f"unknown column{extra}"))
        elif key in mapping.values():
            errors.append(RowError(1, str(name)[:80], "", f"column {key!r} appears twice"))
        else:
            mapping[str(name)] = key
    errors.extend(RowError(1, req, "", "required column missing") for req in REQUIRED if req not in mapping.values())
    return mapping, errors


def _in(arr: pa.Array, values: list[str] | set[str]) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.is_in(arr, value_set=pa.array(sorted(values), pa.string())), False), dtype=bool)


def _map(arr: pa.Array, fn: Any, default: Any = None) -> np.ndarray:
    """fn applied to each distinct value only (dictionary encoding); nulls give `default`."""
    enc = pc.dictionary_encode(arr)
    mapped = np.array([fn(v) for v in enc.dictionary.to_pylist()] + [default], dtype=object)
    idx = np.asarray(pc.fill_null(enc.indices, len(enc.dictionary)).to_numpy(zero_copy_only=False))
    out: np.ndarray = mapped[idx]
    return out


@dataclass
class _Rows:
    """What the validation steps share: the columns as text, which are present, the errors so far, the parsed
    columns, the rules and the order flow."""

    n: int
    lines: np.ndarray
    text: dict[str, pa.Array]
    present: dict[str, np.ndarray]
    e: _Errors
    cols: dict[str, np.ndarray]
    rules: Rules
    flow: OrderFlow


def validate(
    table: pa.Table,
    rules: Rules,
    flow: OrderFlow,
    *,
    first_line: int = 2,
    lines: np.ndarray | None = None,
    seller_id: str | None = None,
    known_sellers: set[str] | None = None,
    now: datetime | None = None,
    duplicates: tuple[np.ndarray, np.ndarray] | None = None,
) -> Checked:
    """Check every row of `table` against the field rules, the regime's rules (ecommerce_regimes.yaml) and the
    EU import rules; a row is valid only when every check passes. `lines` gives each row's line in the file
    (default: first_line, first_line + 1, ...). `seller_id`: the seller of rows without a seller_id value;
    `known_sellers`: the sellers rows may name (others are refused). `duplicates`: which rows repeat an earlier
    (seller, order id), and why, when `table` is a part of a file (see `duplicates`); by default found in `table`.
    Never raises on bad data."""
    now = now or datetime.now(UTC)
    n = table.num_rows
    lines = np.arange(first_line, first_line + n) if lines is None else np.asarray(lines)
    mapping, file_errors = check_columns(table.column_names)
    if file_errors:
        return Checked(n, lines, np.zeros(n, dtype=bool), [], {}, file_errors)
    text: dict[str, pa.Array] = {}
    for src_name, key in mapping.items():
        text[key] = as_text(table.column(src_name))
    for key in OPTIONAL:
        text.setdefault(key, pa.nulls(n, pa.string()))
    e = _Errors(n, text)
    present = {k: _present(v) for k, v in text.items()}
    for req in REQUIRED:
        e.add(~present[req], req, "required; the value is missing")
    r = _Rows(n, lines, text, present, e, {}, rules, flow)
    _check_identifiers(r, seller_id, known_sellers, duplicates)
    _check_texts(r)
    known_regime = _check_regime(r)
    _check_sizes(r)
    _check_items_and_value(r)
    is_iso = _check_codes(r)
    _check_dates(r, now)
    _check_hs_codes(r)
    _check_regime_rules(r)
    _check_ioss_and_rates(r, is_iso, known_regime)
    cols = r.cols
    cols["ioss_number"] = _np_text(text["ioss_number"])
    cols["bonded_account"] = _np_text(text["bonded_account"])
    cols["seller_order_id"] = _np_text(text["seller_order_id"])
    for fld in ("destination_city", "destination_postcode", "consignee_name"):
        cols[fld] = _np_text(text[fld])
    errors = e.collect(lines)
    return Checked(n, lines, ~e.bad, errors, cols, [])


def _check_identifiers(
    r: _Rows,
    seller_id: str | None,
    known_sellers: set[str] | None,
    duplicates: tuple[np.ndarray, np.ndarray] | None = None,
) -> None:
    """The seller's order id, the seller, and duplicates of (seller, order id) inside the file (`duplicates`:
    found beforehand, see `duplicates`)."""
    e, present = r.e, r.present
    sid = r.text["seller_order_id"]
    e.add(
        present["seller_order_id"] & ~_match(sid, ORDER_ID),
        "seller_order_id",
        "1 to 64 printable ASCII characters, no spaces",
    )
    sellers = r.text["seller_id"]
    if seller_id is not None:
        conflict = present["seller_id"] & ~np.asarray(pc.fill_null(pc.equal(sellers, seller_id), False), dtype=bool)
        e.add(conflict, "seller_id", f"differs from the seller of this import ({seller_id})")
        sellers = pc.fill_null(sellers, seller_id)
    else:
        e.add(~present["seller_id"], "seller_id", "give the seller (a seller_id column, or --seller / seller_id)")
    if known_sellers is not None:
        e.add(present["seller_id"] & ~_in(sellers, known_sellers), "seller_id", "no such seller (customer id cus_...)")
    r.cols["seller_id"] = _np_text(sellers)
    # duplicates of (seller, order id) inside the file: the later rows are refused
    dup, reason = _duplicates(sellers, sid, r.lines) if duplicates is None else duplicates
    if dup.any():
        e.add(dup & present["seller_order_id"], "seller_order_id", reason)


def _duplicates(sellers: pa.Array, sid: pa.Array, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows repeat an earlier row's (seller, order id), and why (the first row's line)."""
    n = len(sid)
    key = pc.binary_join_element_wise(pc.fill_null(sellers, ""), pc.fill_null(sid, ""), "\x1f")
    counts_by_key = pc.value_counts(key)
    dup_keys = pc.filter(counts_by_key.field("values"), pc.greater(counts_by_key.field("counts"), 1))
    reason = np.empty(n, dtype=object)
    dup = np.zeros(n, dtype=bool)
    if not len(dup_keys):
        return dup, reason
    in_dup = np.flatnonzero(_in(key, set(dup_keys.to_pylist())))
    first_at: dict[str, int] = {}
    for i, k in zip(in_dup.tolist(), key.take(pa.array(in_dup)).to_pylist()):
        if k in first_at:
            dup[i] = True
            reason[i] = f"duplicate seller_order_id; first at line {lines[first_at[k]]}"
        else:
            first_at[k] = i
    return dup, reason


def duplicates(
    table: pa.Table, *, first_line: int = 2, lines: np.ndarray | None = None, seller_id: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `table` that repeat an earlier row's (seller, order id), and why, as `validate` finds them:
    for validating a file in parts (`validate(part, duplicates=...)` with the rows of the part), since a
    duplicate can be in another part. A file whose columns are refused has none."""
    n = table.num_rows
    lines = np.arange(first_line, first_line + n) if lines is None else np.asarray(lines)
    mapping, file_errors = check_columns(table.column_names)
    by_key = {key: src for src, key in mapping.items()}
    if file_errors or "seller_order_id" not in by_key:
        return np.zeros(n, dtype=bool), np.empty(n, dtype=object)
    sid = as_text(table.column(by_key["seller_order_id"]))
    sellers = as_text(table.column(by_key["seller_id"])) if "seller_id" in by_key else pa.nulls(n, pa.string())
    if seller_id is not None:
        sellers = pc.fill_null(sellers, seller_id)
    return _duplicates(sellers, sid, lines)


def _check_texts(r: _Rows) -> None:
    """Lengths and control characters of the free texts; the postcode's characters."""
    e, present, text = r.e, r.present, r.text
    for fld, lo, hi in (("destination_city", 1, 100), ("consignee_name", 1, 200), ("bonded_account", 1, 40)):
        length = np.asarray(pc.fill_null(pc.utf8_length(text[fld]), 0).to_numpy(zero_copy_only=False))
        e.add(present[fld] & ((length < lo) | (length > hi)), fld, f"{lo} to {hi} characters")
        e.add(present[fld] & _match(text[fld], r"[\x00-\x1f\x7f]"), fld, "control characters are not allowed")
    e.add(
        present["destination_postcode"] & ~_match(text["destination_postcode"], POSTCODE),
        "destination_postcode",
        "1 to 12 letters, digits, spaces or hyphens",
    )


def _check_regime(r: _Rows) -> np.ndarray:
    """The export regime code (9610.0 from a float column accepted); returns which rows name a known one."""
    regime_arr = pc.replace_substring_regex(r.text["regime"], r"\.0+$", "")
    codes = sorted(r.rules.regimes)
    known_regime = _in(regime_arr, codes)
    r.e.add(r.present["regime"] & ~known_regime, "regime", f"unknown export regime; use one of {', '.join(codes)}")
    r.cols["regime"] = _np_text(pc.fill_null(regime_arr, ""))
    return known_regime


def _check_sizes(r: _Rows) -> None:
    """Weight and dimensions: positive finite numbers, the parcel through the container's door and within its
    length, the regime's weight limit."""
    e, present, text, cols, n = r.e, r.present, r.text, r.cols, r.n
    for fld in ("weight_kg", "length_cm", "width_cm", "height_cm"):
        ok = _match(text[fld], NUMBER)
        e.add(present[fld] & ~ok, fld, "not a number")
        v = _floats(text[fld], ok)
        e.add(ok & ~(v > 0), fld, "must be greater than 0")
        e.add(ok & (v > 0) & ~np.isfinite(v), fld, "must be finite")
        cols[fld] = v
    cont = r.rules.ops
    inner = cont.inner_cm
    dims = np.stack([cols["length_cm"], cols["width_cm"], cols["height_cm"]], axis=1)
    dims_ok = np.all(np.isfinite(dims) & (dims > 0), axis=1)
    srt = np.sort(np.where(dims_ok[:, None], dims, 0.0), axis=1)  # smallest first
    door = sorted(cont.door_cm.values())
    fits = (srt[:, 2] <= inner["length"]) & (srt[:, 1] <= door[1]) & (srt[:, 0] <= door[0])
    e.add(
        dims_ok & ~fits,
        "length_cm",
        f"the parcel does not fit a {r.flow.container_type} container (inner {inner['length']:g} cm long, door "
        f"{cont.door_cm['width']:g} x {cont.door_cm['height']:g} cm)",
    )
    cols["volume_m3"] = np.where(dims_ok, dims.prod(axis=1) / 1e6, np.nan)
    regime = cols["regime"]
    max_w = np.full(n, np.inf)
    for code, reg in r.rules.regimes.items():
        max_w[regime == code] = reg.max_parcel_weight_kg
    w = cols["weight_kg"]
    heavy = np.isfinite(w) & (w > max_w)
    if heavy.any():
        why = np.empty(n, dtype=object)
        why[heavy] = [f"at most {m:g} kg for regime {c}" for m, c in zip(max_w[heavy], regime[heavy])]
        e.add(heavy, "weight_kg", why)


def _check_items_and_value(r: _Rows) -> None:
    """The number of items (whole, 1 to MAX_ITEMS) and the declared value (at most 2 decimals, in range)."""
    e, present, text = r.e, r.present, r.text
    ok = _match(text["items"], INTEGER)
    e.add(present["items"] & ~ok, "items", "a whole number of items")
    items = _floats(text["items"], ok)
    e.add(ok & ((items < 1) | (items > MAX_ITEMS)), "items", f"1 to {MAX_ITEMS:,}")
    r.cols["items"] = items
    ok = _match(text["declared_value"], MONEY)
    e.add(present["declared_value"] & ~ok, "declared_value", "an amount with at most 2 decimals, e.g. 24.90")
    value = _floats(text["declared_value"], ok)
    e.add(ok & ((value <= 0) | (value > MAX_VALUE)), "declared_value", f"greater than 0 and at most {MAX_VALUE:,}")
    r.cols["declared_value"] = value


def _iso_codes(arr: pa.Array, length: int, lookup: Any) -> set[str]:
    """The distinct values of `arr` that are ISO codes of `length` letters (pycountry `lookup`)."""
    return {
        c
        for c in pc.unique(arr).to_pylist()
        if c and len(c) == length and c.isascii() and c.isalpha() and lookup(c) is not None
    }


def _check_codes(r: _Rows) -> np.ndarray:
    """Currency and country: ISO codes (pycountry), then the rules' coverage (EU member states served by a hub).
    Returns which rows have an ISO currency code."""
    import pycountry

    e, present = r.e, r.present
    cur_arr = pc.utf8_upper(r.text["currency"])
    is_iso = _in(cur_arr, _iso_codes(cur_arr, 3, lambda c: pycountry.currencies.get(alpha_3=c)))
    e.add(present["currency"] & ~is_iso, "currency", "not an ISO 4217 currency code (e.g. EUR, USD, CNY)")
    r.cols["currency"] = _np_text(pc.fill_null(cur_arr, ""))
    cty_arr = pc.utf8_upper(r.text["destination_country"])
    is_cty = _in(cty_arr, _iso_codes(cty_arr, 2, lambda c: pycountry.countries.get(alpha_2=c)))
    e.add(present["destination_country"] & ~is_cty, "destination_country", "not an ISO 3166-1 alpha-2 country code")
    in_eu = _in(cty_arr, set(EU27))
    e.add(
        is_cty & ~in_eu,
        "destination_country",
        "outside the EU: the regimes' destinations and the import rules cover EU member states only",
    )
    hubs = _map(cty_arr, lambda c: r.flow.hub_of(c) or "", "")
    e.add(in_eu & (hubs == ""), "destination_country", "no European hub serves this country (ecommerce_flow.yaml)")
    r.cols["destination_country"] = _np_text(pc.fill_null(cty_arr, ""))
    r.cols["hub"] = hubs
    return is_iso


def _check_dates(r: _Rows, now: datetime) -> None:
    """The order date (within the rules on file and FUTURE_DAYS ahead), ready and promised dates after it."""
    e, present, text, rules = r.e, r.present, r.text, r.rules
    ok = _match(text["order_date"], DATETIME)
    e.add(
        present["order_date"] & ~ok,
        "order_date",
        "an ISO 8601 date (2026-11-11) or date-time with a time zone (2026-11-11T08:30:00Z)",
    )
    od, parsed = _epoch_seconds(text["order_date"], ok)
    e.add(ok & ~parsed, "order_date", "not a calendar date")
    first = datetime.combine(rules.first_rules_day, datetime.min.time(), tzinfo=UTC).timestamp()
    last = (now + timedelta(days=FUTURE_DAYS)).timestamp()
    e.add(
        parsed & (od < first),
        "order_date",
        f"before {rules.first_rules_day}, the first day of the import rules on file",
    )
    e.add(parsed & (od > last), "order_date", f"more than {FUTURE_DAYS} days ahead")
    r.cols["order_ts"] = np.where(parsed, od, np.nan)
    for fld, pattern, what in (
        ("ready_at", DATETIME, "an ISO 8601 date-time with a time zone"),
        ("promised_by", DATE, "an ISO 8601 date (YYYY-MM-DD)"),
    ):
        ok = _match(text[fld], pattern)
        e.add(present[fld] & ~ok, fld, what)
        v, parsed_f = _epoch_seconds(text[fld], ok)
        e.add(ok & ~parsed_f, fld, "not a calendar date")
        e.add(parsed_f & np.isfinite(od) & (v < od - 86_400), fld, "before the order date")
        r.cols[fld + "_ts"] = np.where(parsed_f, v, np.nan)
    r.cols["days"] = np.where(np.isfinite(od), od, 0).astype("datetime64[s]").astype("datetime64[D]")


def _check_hs_codes(r: _Rows) -> None:
    """HS codes per line: digits, count, chapter, goods the train refuses; then the distinct 6-digit subheadings
    and the mean indicative duty rate per order, and the normalised codes."""
    e, n, rules = r.e, r.n, r.rules
    hs_txt = pc.fill_null(r.text["hs_codes"], "")
    parts = pc.split_pattern(hs_txt, ";")
    offsets = np.asarray(parts.offsets.to_numpy(zero_copy_only=False))
    flat = pc.utf8_trim_whitespace(parts.flatten())
    counts = np.diff(offsets)
    parent = np.repeat(np.arange(n), counts)
    flat_ok = _match(flat, HS)
    has_hs = r.present["hs_codes"]

    def per_order(mask: np.ndarray) -> np.ndarray:
        return np.bincount(parent[mask], minlength=n) > 0

    e.add(has_hs & per_order(~flat_ok), "hs_codes", "each HS code is 6, 8 or 10 ASCII digits, codes separated by ';'")
    e.add(has_hs & (counts > MAX_LINES), "hs_codes", f"at most {MAX_LINES} lines (HS codes) per order")
    chapter = pc.utf8_slice_codeunits(flat, 0, 2)
    chap_int = _map(chapter, lambda c: int(c) if c and c.isascii() and c.isdigit() else 0, 0).astype(int)
    e.add(
        has_hs & per_order(flat_ok & ((chap_int < 1) | (chap_int > 97) | (chap_int == 77))),
        "hs_codes",
        "chapter (first 2 digits) must be 01-97, not 77",
    )
    for prefix, refused_why in rules.ops.refused_hs.items():
        hit = flat_ok & np.asarray(pc.starts_with(flat, prefix), dtype=bool)
        if hit.any():
            e.add(per_order(hit), "hs_codes", f"HS {prefix}: {refused_why}")
    # distinct 6-digit subheadings per order (the EU flat duty counts them); mean indicative duty rate
    hs6 = pc.dictionary_encode(pc.utf8_slice_codeunits(flat, 0, 6))
    hs6_idx = np.asarray(hs6.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    # distinct (order, subheading) pairs: sorted, then the first of each run (np.unique hashes int64 keys in numpy
    # 2.x, several times slower than this sort)
    pairs = np.sort(parent[flat_ok].astype(np.int64) * (len(hs6.dictionary) + 1) + hs6_idx[flat_ok])
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    cols = r.cols
    cols["tariff_lines"] = np.bincount(pairs // (len(hs6.dictionary) + 1), minlength=n)
    rate = _map(chapter, lambda c: float(rules.duty_rate_of_chapter(np.array([c or ""]))[0]), 0.0).astype(float)
    rate_sum = np.bincount(parent[flat_ok], weights=rate[flat_ok], minlength=n)
    cnt = np.bincount(parent[flat_ok], minlength=n)
    cols["duty_rate"] = np.where(cnt > 0, rate_sum / np.maximum(cnt, 1), rules.eu.default_duty_rate)
    cols["hs_count"] = counts
    # normalised: codes trimmed, joined with ';'
    trimmed = pc.list_slice(pc.split_pattern(pc.replace_substring(hs_txt, " ", ""), ";"), 0, MAX_LINES + 1)
    cols["hs_codes"] = _np_text(pc.fill_null(pc.binary_join(trimmed, ";"), ""))
    items = cols["items"]
    e.add(np.isfinite(items) & (items < counts) & has_hs, "items", "fewer items than HS code lines")


def _check_regime_rules(r: _Rows) -> None:
    """What each regime allows (ecommerce_regimes.yaml): consignee types (default: the regime's first) and the
    bonded account of bonded stock."""
    e, present, n = r.e, r.present, r.n
    regime = r.cols["regime"]
    ctype_arr = pc.utf8_lower(r.text["consignee_type"])
    ctype = _np_text(pc.fill_null(ctype_arr, ""))
    default_type = np.full(n, "", dtype=object)
    for code, reg in r.rules.regimes.items():
        m = regime == code
        default_type[m] = reg.consignee_types[0]
        allowed = _in(ctype_arr, set(reg.consignee_types))
        e.add(
            m & present["consignee_type"] & ~allowed,
            "consignee_type",
            f"regime {code} ({reg.model}) ships to {' or '.join(reg.consignee_types)} consignees",
        )
        if reg.requires_bonded_stock:
            e.add(
                m & ~present["bonded_account"],
                "bonded_account",
                f"regime {code} ships bonded stock: give the bonded account book number",
            )
    r.cols["consignee_type"] = np.where(present["consignee_type"], ctype, default_type)


def _check_ioss_and_rates(r: _Rows, is_iso: np.ndarray, known_regime: np.ndarray) -> None:
    """The IOSS number (format, B2C only, up to the low-value threshold) and an exchange rate on the order date."""
    e, present, rules, cols = r.e, r.present, r.rules, r.cols
    ioss_ok = _match(r.text["ioss_number"], rules.eu.ioss_number_pattern)
    e.add(present["ioss_number"] & ~ioss_ok, "ioss_number", "an IOSS number is 'IM' and 10 digits")
    rate_eur = rules.eur_rate(cols["currency"], cols["days"])
    e.add(
        is_iso & np.isfinite(cols["order_ts"]) & ~np.isfinite(rate_eur),
        "currency",
        "no exchange rate for this currency on the order date in data/eu_import_rules.yaml",
    )
    value_eur = cols["declared_value"] / rate_eur
    b2c = cols["consignee_type"] == "individual"
    e.add(
        present["ioss_number"] & ioss_ok & ~b2c & known_regime,
        "ioss_number",
        "IOSS covers sales to consumers only (B2C regimes)",
    )
    over = np.isfinite(value_eur) & (value_eur > rules.eu.low_value_threshold_eur)
    e.add(
        present["ioss_number"] & ioss_ok & b2c & over,
        "ioss_number",
        f"IOSS covers consignments up to EUR {rules.eu.low_value_threshold_eur:g}; declare this one without it",
    )


__all__ = [
    "COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "Checked",
    "RowError",
    "as_text",
    "check_columns",
    "duplicates",
    "validate",
]
