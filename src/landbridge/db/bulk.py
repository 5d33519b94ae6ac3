"""Many rows in one statement: tracking's batches write thousands of events, outbox rows, predictions and
bookings' status moves with their audit rows (booking.service.advance_transport).

On PostgreSQL a batch is one `INSERT ... SELECT FROM jsonb_array_elements(<the rows as one JSON text>) WITH
ORDINALITY ORDER BY ordinality` (and `UPDATE ... FROM` the same): one parameter whatever the number of rows (each
row a JSON list of its values; values shared by every row are sent once, as parameters of their own), so
the driver neither builds nor parses a statement with thousands of placeholders (SQLAlchemy's multi-row VALUES
spent more time in psycopg's query parser than PostgreSQL spent inserting; one array per column was no better:
psycopg quotes each of its strings with a regex), and rows take ids (serial columns) in the order given.
Column names are the table's own (never user input). Elsewhere (SQLite) SQLAlchemy's executemany, cheap there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import JSON, ColumnElement, String, Table, any_, cast, func, insert, literal, select, text, update
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
    """`column IN values`. On PostgreSQL the values travel as one JSON parameter (`= ANY(ARRAY(SELECT
    jsonb_array_elements_text(...)))`), so the statement is the same for any number of them: SQLAlchemy's compiled
    cache and the driver keep it, instead of rendering and parsing thousands of placeholders each time. ARRAY(...)
    is computed once (an InitPlan) and probes the column's index; the `IN (SELECT ...)` form it replaces let the
    generic plan of the prepared statement (estimated one row) rerun the JSON expansion for every row of a
    scanned table: 3-25 s a query in a replay, EXPLAIN ANALYZE, where the plan it picked before took 15 ms."""
    if _is_pg(s):
        doc = literal(json.dumps(list(values)), String()).cast(JSONB)
        ids = select(cast(func.jsonb_array_elements_text(doc), column.type)).scalar_subquery()
        return column == any_(func.array(ids))
    return column.in_(list(values))


@lru_cache(maxsize=64)
def _pg_types(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """Per column: its PostgreSQL type and whether it is a JSON document."""
    out = []
    for name in columns:
        impl = table.c[name].type.dialect_impl(dialect)
        out.append((impl.compile(dialect=dialect), isinstance(impl, JSON)))
    return tuple(out)


def _rows_param(columns: tuple[str, ...], rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The rows as one JSON text: a list of value lists in `columns` order (no key repeated on every row: a third
    less to encode and for PostgreSQL to parse than a list of objects)."""
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

    values = [[r[c] for c in columns] for r in rows]
    # no cycle check: rows are built here from parsed JSON and plain values (the check is ~15 % of the encoding)
    encoded = json.dumps(values, separators=(",", ":"), ensure_ascii=False, default=iso, check_circular=False)
    return {"rows": encoded}


@lru_cache(maxsize=64)
def _source(
    dialect: Dialect, table: Table, columns: tuple[str, ...], shared: tuple[str, ...] = ()
) -> tuple[str, tuple[str, ...]]:
    """The rows as a relation (`u`, one JSON list a row, `u.ord` its position) and each column's value: the
    row's k-th value, or for a `shared` column its one bound parameter (`:s_<column>`)."""
    values = []
    for k, (name, (pg_type, is_json)) in enumerate(zip(columns, _pg_types(dialect, table, columns), strict=True)):
        if name in shared:
            values.append(f"CAST(:s_{name} AS {pg_type})")
        elif is_json:
            values.append(f"NULLIF(u.doc->{k}, 'null'::jsonb)")
        else:
            values.append(f"CAST(u.doc->>{k} AS {pg_type})")
    return "jsonb_array_elements(CAST(:rows AS JSONB)) WITH ORDINALITY AS u(doc, ord)", tuple(values)


def _shared_params(shared: Mapping[str, Any]) -> dict[str, Any]:
    for name, v in shared.items():
        if isinstance(v, datetime) and v.tzinfo is None:
            raise ValueError(f"naive datetime given to a bulk insert ({name})")
        if isinstance(v, dict | list):
            raise TypeError(f"a shared value is a scalar ({name})")
    return {f"s_{name}": v for name, v in shared.items()}


def insert_rows(
    s: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    shared: Mapping[str, Any] | None = None,
    ignore_conflicts_on: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert the rows (every row with the same keys) in their order, each with the `shared` values too (the
    same for every row: sent once); rows whose `ignore_conflicts_on` key exists already are skipped. Returns
    the `returning` columns of the rows inserted."""
    if not rows:
        return []
    shared = shared or {}
    own = tuple(rows[0])
    if _is_pg(s):
        columns = own + tuple(shared)
        source, values = _source(s.get_bind().dialect, table, columns, tuple(shared))
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source} ORDER BY u.ord"
        if ignore_conflicts_on:
            sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {', '.join(returning)}"
        result = s.execute(text(sql), {**_rows_param(own, rows), **_shared_params(shared)})
        return [tuple(r) for r in result] if returning else []
    if shared:
        rows = [{**r, **shared} for r in rows]
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


def update_rows(
    s: Session,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    expect: Mapping[str, str] | None = None,
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Set the other columns of each row where its `keys` match (every row with the same fields). `expect`:
    {column: field}, a compare-and-set: a row changes only while the column still holds the row's `field` (not
    a column to set). Returns the `returning` columns of the rows changed."""
    if not rows:
        return []
    expect = expect or {}
    fields = tuple(rows[0])
    if _is_pg(s):
        typed = tuple({f: c for c, f in expect.items()}.get(f, f) for f in fields)  # each field's column type
        source, values = _source(s.get_bind().dialect, table, typed)
        value = dict(zip(fields, values, strict=True))
        where = [f"{table.name}.{c} = {value[c]}" for c in keys]
        where += [f"{table.name}.{c} = {value[f]}" for c, f in expect.items()]
        sets = ", ".join(f"{c} = {v}" for c, v in value.items() if c not in keys and c not in expect.values())
        sql = f"UPDATE {table.name} SET {sets} FROM {source} WHERE {' AND '.join(where)}"
        if returning:
            sql += f" RETURNING {', '.join(f'{table.name}.{c}' for c in returning)}"
        result = s.execute(text(sql), _rows_param(fields, rows))
        return [tuple(r) for r in result] if returning else []
    return _update_each(s, table, keys, rows, expect, returning)


def _update_each(
    s: Session,
    table: Table,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
    expect: Mapping[str, str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """update_rows elsewhere (SQLite): one UPDATE a row (executemany when nothing is returned)."""
    from sqlalchemy import bindparam

    fields = tuple(rows[0])
    stmt = update(table).where(
        *(table.c[c] == bindparam(f"k_{c}") for c in keys),
        *(table.c[c] == bindparam(f"k_{f}") for c, f in expect.items()),
    )
    stmt = stmt.values({c: bindparam(f"v_{c}") for c in fields if c not in keys and c not in expect.values()})
    matched = set(keys) | set(expect.values())
    binds = [{(f"k_{f}" if f in matched else f"v_{f}"): v for f, v in r.items()} for r in rows]
    if not returning:
        s.connection().execute(stmt, binds)
        return []
    stmt = stmt.returning(*(table.c[c] for c in returning))
    return [tuple(x) for b in binds for x in s.connection().execute(stmt, b)]
