"""Fixtures for the e-commerce tests: the booking tests' databases (SQLite always, PostgreSQL when
LANDBRIDGE_TEST_DATABASE_URL is set), plus a fresh database per test for consolidation (it takes every waiting
order of a hub, so tests must not see each other's orders), sellers, and order factories."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.booking.conftest import (  # noqa: F401  (fixtures, re-registered for this folder)
    _pg_url,
    app,
    client,
    db,
    db_url,
    new_shipper,
    op,
    operator_token,
    shipper,
    with_schema,
)


@pytest.fixture
def fresh_db(db_url) -> Iterator[Any]:  # noqa: F811
    """A database of its own for one test (same backend as `db_url`), migrated, dropped after."""
    from landbridge.db.engine import Database
    from landbridge.migrations import upgrade

    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///").rsplit("/", 1)[0] + f"/fresh_{secrets.token_hex(4)}.sqlite3"
        database = Database(f"sqlite:///{path}")
        upgrade(database)
        yield database
        database.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    import psycopg

    base = _pg_url()
    schema = f"lbe_{os.getpid()}_{secrets.token_hex(4)}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute(f"CREATE SCHEMA {schema}")
    database = Database(with_schema(base, schema))
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with psycopg.connect(plain, autocommit=True) as c:
            c.execute(f"DROP SCHEMA {schema} CASCADE")


def make_seller(database, name: str = "Seller", allow_other_trains: bool = False):
    from landbridge.accounts.service import create_customer, create_key
    from tests.booking.helpers import Shipper

    def work(s):
        c = create_customer(s, name)
        k, token = create_key(s, "shipper", f"{name} key", c.id)
        if allow_other_trains:
            from landbridge.accounts.service import Principal
            from landbridge.ecommerce.service import set_seller

            set_seller(s, Principal("test", "operator", None, "test"), c.id, True)
        return c.id, k.id, token

    return Shipper(*database.write(work))


def order(**over: Any) -> dict[str, Any]:
    """A valid B2C parcel (regime 9610, to Germany), with fields overridden."""
    base = {
        "seller_order_id": "SO-" + secrets.token_hex(6),
        "order_date": "2026-05-10T08:00:00Z",
        "regime": "9610",
        "weight_kg": "1.2",
        "length_cm": "30",
        "width_cm": "20",
        "height_cm": "10",
        "items": "2",
        "declared_value": "39.90",
        "currency": "EUR",
        "hs_codes": "6109100021",
        "destination_country": "DE",
        "destination_city": "Köln",
        "destination_postcode": "50667",
        "consignee_name": "Anna Müller",
        "ioss_number": "IM2760000001",
    }
    base.update(dict(over.items()))
    return {k: v for k, v in base.items() if v is not None}


def table_of(rows: list[dict[str, Any]]):
    import pyarrow as pa

    names = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table(
        {k: pa.array([None if r.get(k) is None else str(r.get(k)) for r in rows], pa.string()) for k in names}
    )


def import_rows(database, rows: list[dict[str, Any]], seller_id: str, skip_invalid: bool = False, now=None):
    from landbridge.ecommerce.imports import import_table

    return database.write(
        lambda s: import_table(
            s,
            table_of(rows),
            first_line=2,
            seller_id=seller_id,
            source="test",
            actor="test",
            skip_invalid=skip_invalid,
            now=now,
        )
    )


def operator():
    from landbridge.accounts.service import Principal

    return Principal("test-op", "operator", None, "test operator")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def pytest_configure(config):
    # Starlette's TestClient still runs on httpx here; its deprecation note is not about our code.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")
