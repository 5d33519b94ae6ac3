"""Many rows in one statement: tracking's batches write thousands of events, outbox rows and predictions.

On PostgreSQL a batch is one `INSERT ... SELECT FROM jsonb_array_elements(<the rows as one JSON text>) WITH
ORDINALITY ORDER BY ordinality` (and `UPDATE ... FROM` the same): one parameter whatever the number of rows, so
the driver neither builds nor parses a statement with thousands of placeholders (SQLAlchemy's multi-row VALUES
spent more time in psycopg's query parser than PostgreSQL spent inserting; one array per column was no better:
psycopg quotes each of its strings with a regex), and rows take ids (serial columns) in the order given.
Column names are the table's own (never user input). Elsewhere (SQLite) SQLAlchemy's executemany, cheap there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, String, Table, cast, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import QueryableAttribute, Session

from landbridge.db.base import Base

T = TypeVar("T")


def table_of(model: type[Base]) -> Table:
    """The table of a mapped class."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _is_pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


CHUNK = 500  # values per IN (...) list where they are sent one parameter each


def parts(s: Session, values: Sequence[T]) -> Iterator[Sequence[T]]:
    """The values in slices for `among`: all at once on PostgreSQL (one parameter), 500 at a time elsewhere."""
    size = max(1, len(values)) if _is_pg(s) else CHUNK
    for k in range(0, len(values), size):
        yield values[k : k + size]


def among(s: Session, column: QueryableAttribute[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`. On PostgreSQL the values travel as one JSON parameter (`IN (SELECT
    jsonb_array_elements_text(...))`), so the statement is the same for any number of them: SQLAlchemy's compiled
    cache and the driver keep it, instead of rendering and parsing thousands of placeholders each time."""
    if _is_pg(s):
        doc = literal(json.dumps(list(values)), String()).cast(JSONB)
        return column.in_(select(cast(func.jsonb_array_elements_text(doc), column.type)))
    return column.in_(list(values))


@lru_cache(maxsize=64)
def _pg_types(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """Per column: its PostgreSQL type and whether it is a JSON document."""
    out = []
    for name in columns:
        impl = table.c[name].type.dialect_impl(dialect)
        out.append((impl.compile(dialect=dialect), isinstance(impl, JSON)))
    return tuple(out)


def _rows_param(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    seen: dict[datetime, str] = {}  # a batch repeats its times (received, created, next attempt): format each once

    def iso(v: Any) -> str:
        if not isinstance(v, datetime):
            raise TypeError(f"{type(v).__name__} is not JSON serialisable")
        if v.tzinfo is None:
            raise ValueError("naive datetime given to a bulk insert")
        text = seen.get(v)
        if text is None:
            text = seen[v] = v.isoformat()
        return text

    return {"rows": json.dumps(rows, separators=(",", ":"), ensure_ascii=False, default=iso)}


@lru_cache(maxsize=64)
def _source(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The rows as a relation (`u`, one JSON object a row, `u.ord` its position) and each column's value."""
    values = []
    for name, (pg_type, is_json) in zip(columns, _pg_types(dialect, table, columns), strict=True):
        if is_json:
            values.append(f"NULLIF(u.doc->'{name}', 'null'::jsonb)")
        else:
            values.append(f"CAST(u.doc->>'{name}' AS {pg_type})")
    return "jsonb_array_elements(CAST(:rows AS JSONB)) WITH ORDINALITY AS u(doc, ord)", tuple(values)


def insert_rows(
    s: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    ignore_conflicts_on: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert the rows (every row with the same keys) in their order; rows whose `ignore_conflicts_on` key
    exists already are skipped. Returns the `returning` columns of the rows inserted."""
    if not rows:
        return []
    columns = tuple(rows[0])
    if _is_pg(s):
        source, values = _source(s.get_bind().dialect, table, columns)
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source} ORDER BY u.ord"
        if ignore_conflicts_on:
            sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        result = s.execute(text(sql), _rows_param(rows))
        return [tuple(r) for r in result] if returning else []
    if ignore_conflicts_on:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt: Any = sqlite_insert(table).on_conflict_do_nothing(index_elements=list(ignore_conflicts_on))
    else:
        stmt = insert(table)
    if returning:
        stmt = stmt.returning(*(table.c[c] for c in returning))
        return [tuple(r) for r in s.execute(stmt, list(rows))]
    s.execute(stmt, list(rows))
    return []


def update_rows(s: Session, table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Set the other columns of each row where its `keys` match (every row with the same columns)."""
    if not rows:
        return
    columns = tuple(rows[0])
    if _is_pg(s):
        source, values = _source(s.get_bind().dialect, table, columns)
        where = " AND ".join(f"{table.name}.{c} = {values[columns.index(c)]}" for c in keys)
        sets = ", ".join(f"{c} = {v}" for c, v in zip(columns, values, strict=True) if c not in keys)
        s.execute(text(f"UPDATE {table.name} SET {sets} FROM {source} WHERE {where}"), _rows_param(rows))
        return
    from sqlalchemy import bindparam

    stmt = (
        update(table)
        .where(*(table.c[c] == bindparam(f"k_{c}") for c in keys))
        .values({c: bindparam(f"v_{c}") for c in columns if c not in keys})
    )
    s.connection().execute(stmt, [{(f"k_{c}" if c in keys else f"v_{c}"): v for c, v in r.items()} for r in rows])
