"""Declarative base, column types and id helpers shared by every persisted domain."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, MetaData, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can name what they create and drop.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def direct_bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], str | None] | None:
        """`bind_processor(dialect)` as one function, for the hot statements of landbridge.db.direct: on SQLite
        (DATETIME's default storage format) the naive UTC text it stores, 'YYYY-MM-DD HH:MM:SS.ffffff', without the
        two nested calls and the dict of fields per value. None elsewhere (the standard processor is used)."""
        impl = self.impl_instance.dialect_impl(dialect)
        if dialect.name != "sqlite" or getattr(impl, "_storage_format", None) != _SQLITE_DATETIME:
            return None

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTCDateTime column")
            v = value.astimezone(UTC)
            return _SQLITE_TEXT % (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)

        return process


# SQLAlchemy's SQLite DATETIME storage format, and the same text from a tuple of the fields.
_SQLITE_DATETIME = "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
_SQLITE_TEXT = "%04d-%02d-%02d %02d:%02d:%02d.%06d"


def table(model: type[Base]) -> Table:
    """The Table of a mapped class, typed as a Table (`Model.__table__` is typed as any FromClause), for Core
    statements built once: `insert(table(Booking))`."""
    t = model.__table__
    if not isinstance(t, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return t


# JSON documents (shipments, itineraries, stored responses): JSONB on PostgreSQL, JSON text on SQLite.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """A public id: a short prefix naming the kind, then 64 random bits (`bk_3f9a...`)."""
    return f"{prefix}_{secrets.token_hex(8)}"


MFEU_PER_FEU = 1000  # capacity is counted in integer thousandths of an FEU (a 45' box is 1.125 FEU)


def to_mfeu(feu: float) -> int:
    return round(feu * MFEU_PER_FEU)


def to_feu(mfeu: int) -> float:
    return mfeu / MFEU_PER_FEU
