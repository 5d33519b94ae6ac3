"""Reading order files (CSV, Parquet, JSON Lines) into a pyarrow Table with each row's line number, and writing
them (generated years, rejected rows). Problems with the file as a whole (not UTF-8, not Parquet, a ragged CSV
row, a line that is not a JSON object) come back as errors with a line, like row errors; nothing raises on bad
content."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import pyarrow.parquet as pq

from landbridge.ecommerce.validate import RowError
from landbridge.errors import LandbridgeError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass
class OrderFile:
    """A file's rows (all columns as read), each row's line (CSV: line in the file, the header being line 1;
    JSON Lines: line; Parquet: row number from 1) and problems found while reading."""

    path: str
    format: str
    table: pa.Table
    lines: np.ndarray
    errors: list[RowError] = field(default_factory=list)


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LandbridgeError(
            f"{path}: unknown file type {path.suffix or '(none)'!r}; give a .csv, .parquet or .jsonl file."
        )
    return fmt


def read_order_file(path: Path) -> OrderFile:
    """Read an order file; raises LandbridgeError only when the file cannot be opened at all."""
    fmt = file_format(path)
    if not path.is_file():
        raise LandbridgeError(f"{path}: no such file.")
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "parquet":
        try:
            table = pq.read_table(path)
        except (pa.ArrowException, OSError) as exc:
            return _broken(path, fmt, f"not a readable Parquet file: {exc}")
        return OrderFile(str(path), fmt, table, np.arange(1, table.num_rows + 1))
    return _read_jsonl(path)


def _broken(path: Path, fmt: str, reason: str, line: int = 1) -> OrderFile:
    return OrderFile(str(path), fmt, pa.table({}), np.zeros(0, dtype=int), [RowError(line, "(file)", "", reason)])


def _read_csv(path: Path) -> OrderFile:
    with path.open("rb") as fh:
        head = fh.readline()
    try:
        header = head.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return _broken(path, "csv", "the header is not UTF-8 text; save the file as UTF-8")
    if not header.strip():
        return _broken(path, "csv", "the file is empty or its first line (the header) is blank")
    names: dict[str, object] = next(
        iter(
            pcsv.read_csv(pa.py_buffer(head), read_options=pcsv.ReadOptions(autogenerate_column_names=True)).to_pylist()
        ),
        {},
    )
    columns = [str(v) for v in names.values()] if names else []
    bad: list[RowError] = []
    bad_lines: set[int] = set()

    def invalid(row: pcsv.InvalidRow) -> str:
        line = int(row.number) if row.number is not None else 0
        bad_lines.add(line)
        bad.append(
            RowError(
                line,
                "(row)",
                (row.text or "")[:80],
                f"expected {row.expected_columns} fields, got {row.actual_columns}",
            )
        )
        return "skip"

    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(use_threads=False, column_names=columns, skip_rows=1),
            parse_options=pcsv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=True, null_values=[""]
            ),
        )
    except (pa.ArrowException, OSError) as exc:
        first = str(exc).splitlines()[0][:200]
        return _broken(path, "csv", f"cannot read the CSV: {first} (is it UTF-8, comma-separated?)")
    total = table.num_rows + len(bad_lines)
    all_lines = np.arange(2, 2 + total)
    lines = all_lines[~np.isin(all_lines, np.array(sorted(bad_lines), dtype=int))] if bad_lines else all_lines
    # blank lines come through as rows of nulls: drop them (their line numbers go with them)
    if table.num_columns and table.num_rows:
        import pyarrow.compute as pc

        nonblank = np.zeros(table.num_rows, dtype=bool)
        for col in table.columns:
            nonblank |= np.asarray(pc.is_valid(col), dtype=bool)
        if not nonblank.all():
            table = table.filter(pa.array(nonblank))
            lines = lines[nonblank]
    return OrderFile(str(path), "csv", table, lines, sorted(bad, key=lambda e: e.line))


def _read_jsonl(path: Path) -> OrderFile:
    data = path.read_bytes()
    raw_lines = data.split(b"\n")
    nonblank = [i + 1 for i, ln in enumerate(raw_lines) if ln.strip()]
    try:
        table = pjson.read_json(pa.py_buffer(data), parse_options=pjson.ParseOptions(newlines_in_values=False))
        # pyarrow turns ISO date-time strings into timestamps and drops whether they had a zone: read those
        # files line by line instead, like files with mixed types or bad lines
        plain = all(not (pa.types.is_struct(c.type) or pa.types.is_timestamp(c.type)) for c in table.columns)
        if table.num_rows == len(nonblank) and plain:
            return OrderFile(str(path), "jsonl", table, np.array(nonblank, dtype=int))
    except (pa.ArrowException, OSError):
        pass  # mixed types or a bad line: read line by line to say which
    rows: list[dict[str, str | None]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    for ln in nonblank:
        text = raw_lines[ln - 1]
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            errors.append(RowError(ln, "(line)", text[:80].decode("utf-8", "replace"), f"not valid JSON: {exc}"))
            continue
        if not isinstance(obj, dict):
            errors.append(
                RowError(ln, "(line)", text[:80].decode("utf-8", "replace"), "each line must be a JSON object")
            )
            continue
        rows.append({str(k): _json_text(v) for k, v in obj.items()})
        lines.append(ln)
    names = list(dict.fromkeys(k for r in rows for k in r))
    table = pa.table({k: pa.array([r.get(k) for r in rows], pa.string()) for k in names})
    return OrderFile(str(path), "jsonl", table, np.array(lines, dtype=int), errors)


def _json_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, list) and all(isinstance(x, str | int) for x in v):
        return ";".join(str(x) for x in v)
    return json.dumps(v, ensure_ascii=False)


def write_table(table: pa.Table, path: Path) -> None:
    """Write a table as CSV, Parquet or JSON Lines (by the file's suffix)."""
    fmt = file_format(path)
    if fmt == "csv":
        pcsv.write_csv(table, path)
    elif fmt == "parquet":
        pq.write_table(table, path, compression="zstd")
    else:
        with path.open("w", encoding="utf-8") as fh:
            for batch in table.to_batches(50_000):
                for row in batch.to_pylist():
                    fh.write(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) + "\n")
