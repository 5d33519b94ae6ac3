"""landbridge.db.direct: the hot-path statements run on the driver's cursor store exactly what SQLAlchemy's own
execution stores, and fail as it fails (SQLAlchemy's exception classes), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from landbridge.booking.models import BOOKINGS
from landbridge.db.direct import DirectStatement

COLUMNS = tuple(c.name for c in BOOKINGS.columns)
INSERT_BOOKING = DirectStatement(insert(BOOKINGS), COLUMNS)  # as booking.service inserts a booking

texts = st.text(
    st.characters(exclude_characters="\x00"), max_size=12
)  # neither database stores NUL (the API refuses it)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)


def _row(bid: str, when: datetime, price: Decimal, shipment: object, reference: str | None) -> dict[str, object]:
    return {
        "id": bid,
        "customer_id": "cus_direct",
        "option_id": "opt_direct",
        "status": "received",
        "transport_status": "planned",
        "reference": reference,
        "containers": 2,
        "container_type": "40HC",
        "feu_mfeu": 2000,
        "price_total": price,
        "currency": "EUR",
        "origin": "xian",
        "destination": "duisburg",
        "departs_at": when,
        "arrives_at": when + timedelta(days=14, microseconds=1),
        "shipment": shipment,
        "created_at": when,
        "updated_at": when,
    }


def _stored(conn, bid: str) -> tuple:
    # the raw stored values, as text, so that formats (not only round-tripped values) are compared
    cols = ", ".join(f"CAST({c} AS TEXT)" for c in COLUMNS if c != "id")
    return tuple(conn.execute(text(f"SELECT {cols} FROM bookings WHERE id = :id"), {"id": bid}).one())


def _unchecked(conn, dialect: str) -> None:
    """Foreign keys not checked in this transaction (it is rolled back): the rows need no customer or option."""
    if dialect == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # checked at commit, which never comes
    else:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")  # no FK triggers (superuser)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    when=st.datetimes(
        datetime(2000, 1, 1),
        datetime(2099, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5, minutes=30))]),
    ),
    cents=st.integers(0, 10**10),
    shipment=json_values,
    reference=st.none() | texts,
)
def test_direct_insert_stores_what_sqlalchemy_stores(db, when, cents, shipment, reference):
    with db.engine.connect() as conn:
        _unchecked(conn, db.dialect)
        price = Decimal(cents) / 100
        conn.execute(insert(BOOKINGS), _row("bk_sqlalchemy", when, price, shipment, reference))
        INSERT_BOOKING.execute(conn, _row("bk_direct", when, price, shipment, reference))
        assert _stored(conn, "bk_direct") == _stored(conn, "bk_sqlalchemy")
        back = conn.execute(select(BOOKINGS).where(BOOKINGS.c.id == "bk_direct")).mappings().one()
        assert back["shipment"] == shipment and back["departs_at"] == when and back["price_total"] == price
        assert back["departs_at"].tzinfo == UTC
        conn.rollback()


def test_direct_errors_are_sqlalchemy_errors(db):
    when = datetime(2030, 1, 1, tzinfo=UTC)
    with db.engine.connect() as conn:
        _unchecked(conn, db.dialect)
        INSERT_BOOKING.execute(conn, _row("bk_twice", when, Decimal("1.00"), {}, None))
        with pytest.raises(IntegrityError):  # the API answers these as problems, and retries see DBAPIError
            INSERT_BOOKING.execute(conn, _row("bk_twice", when, Decimal("1.00"), {}, None))
        conn.rollback()


@settings(max_examples=200, deadline=None)
@given(
    when=st.datetimes(
        datetime(1, 1, 2),
        datetime(9999, 12, 30),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(-timedelta(hours=11, minutes=45))]),
    )
)
def test_utc_datetime_direct_processor_is_sqlalchemys(when):
    """UTCDateTime's one-call processor for the direct statements gives the text of its standard bind processor."""
    from sqlalchemy.dialects import postgresql, sqlite

    from landbridge.db.base import UTCDateTime

    t, lite = UTCDateTime(), sqlite.dialect()
    standard = t.dialect_impl(lite).bind_processor(lite)  # what Connection.execute converts with
    assert standard is not None
    assert t.direct_bind_processor(lite)(when) == standard(when)  # type: ignore[misc]
    assert t.direct_bind_processor(lite)(None) is None  # type: ignore[misc]
    with pytest.raises(ValueError):
        t.direct_bind_processor(lite)(when.replace(tzinfo=None))  # type: ignore[misc]
    assert t.direct_bind_processor(postgresql.dialect()) is None  # PostgreSQL takes the aware datetime itself


def test_batch_runs_statements_then_checks_and_fails_as_sqlalchemy(db):
    """A Batch (one psycopg pipeline on PostgreSQL) stores what the statements one by one store, runs its checks
    after them, and a failing statement raises SQLAlchemy's error with no check run."""
    from landbridge.db.direct import Batch

    when = datetime(2031, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    with db.engine.connect() as conn:
        _unchecked(conn, db.dialect)
        conn.execute(insert(BOOKINGS), _row("bk_one", when, Decimal("12.34"), {"a": [1]}, "ref"))
        batch, seen = Batch(), []
        batch.add(conn, INSERT_BOOKING, [_row("bk_batch", when, Decimal("12.34"), {"a": [1]}, "ref")])
        batch.then(lambda: seen.append(_stored(conn, "bk_batch")))
        assert batch.add(conn, INSERT_BOOKING, []) is None  # nothing to queue
        batch.run(conn)
        assert seen == [_stored(conn, "bk_one")]
        batch.add(conn, INSERT_BOOKING, [_row("bk_batch", when, Decimal("1.00"), {}, None)])  # the same id again
        batch.then(lambda: seen.append("ran"))
        with pytest.raises(IntegrityError):
            batch.run(conn)
        assert seen[-1] != "ran"
        conn.rollback()
