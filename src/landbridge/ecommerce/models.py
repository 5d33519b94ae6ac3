"""Orders, the containers they are consolidated into, sellers' settings, imports and consolidation runs.

An order belongs to a seller (a customer of the booking service); `(seller_id, seller_order_id)` is its key, so
importing the same order twice never duplicates it. `content_sha` is a digest of everything the seller sent: an
order sent again with other content is reported as changed, never silently overwritten.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    case,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db.base import Base, JSONDoc, UTCDateTime

ORDER_STATUSES = ("waiting", "loaded")  # derived: see order_status


def key_text(length: int) -> Any:
    """A key column that is only compared with itself, its kind and parameters: bytewise on PostgreSQL
    (`COLLATE "C"`, migration ecompg_0001: the server's `strcoll` made every index comparison slower); SQLite
    compares bytes anyway."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Seller(Base):
    """E-commerce settings of a customer that sells through the platform."""

    __tablename__ = "ecommerce_sellers"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    allow_other_trains: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Container(Base):
    """One container packed before a departure: one customs regime, one European hub; booked through the
    booking service (booking_id)."""

    __tablename__ = "ecommerce_containers"
    __table_args__ = (Index("ix_ecommerce_containers_departs_at", "departs_at"),)

    id: Mapped[str] = mapped_column(key_text(24), primary_key=True)
    departure_id: Mapped[str] = mapped_column(String(80), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    eu_entry_at: Mapped[datetime] = mapped_column(UTCDateTime)  # arrival at the first EU stop (ICS2, customs)
    arrives_at: Mapped[datetime] = mapped_column(UTCDateTime)  # arrival at the hub
    hub: Mapped[str] = mapped_column(String(64))
    regime: Mapped[str] = mapped_column(String(4))
    container_type: Mapped[str] = mapped_column(String(16))
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # number of the container within its departure and group
    parcels: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer)
    weight_kg: Mapped[float] = mapped_column(Float)
    volume_m3: Mapped[float] = mapped_column(Float)
    value_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    usable_volume_m3: Mapped[float] = mapped_column(Float)  # the type's volume x the stowage factor
    payload_kg: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    """An order as the seller sent it, with its customs. Written once by the import and not rewritten to load it:
    whether it waits or is loaded, and in which container, are the narrow tables below (`QueuedOrder`,
    `LoadedOrder`); see `order_status`."""

    __tablename__ = "ecommerce_orders"
    __table_args__ = (
        UniqueConstraint("seller_id", "seller_order_id", name="uq_ecommerce_orders_seller_order"),
        CheckConstraint("weight_kg > 0 AND volume_m3 > 0 AND items >= 1", name="positive"),
        Index("ix_ecommerce_orders_seller_created", "seller_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(key_text(24), primary_key=True)
    seller_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    seller_order_id: Mapped[str] = mapped_column(key_text(64))
    order_date: Mapped[datetime] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)  # at the consolidation warehouse
    promised_by: Mapped[date] = mapped_column(Date)
    regime: Mapped[str] = mapped_column(String(4))
    weight_kg: Mapped[float] = mapped_column(Float)
    length_cm: Mapped[float] = mapped_column(Float)
    width_cm: Mapped[float] = mapped_column(Float)
    height_cm: Mapped[float] = mapped_column(Float)
    volume_m3: Mapped[float] = mapped_column(Float)
    items: Mapped[int] = mapped_column(Integer)
    hs_codes: Mapped[str] = mapped_column(String(120))  # ';'-separated, one per line
    tariff_lines: Mapped[int] = mapped_column(Integer)  # distinct 6-digit subheadings
    declared_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    value_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    destination_country: Mapped[str] = mapped_column(String(2))
    destination_city: Mapped[str] = mapped_column(String(100))
    destination_postcode: Mapped[str] = mapped_column(String(16))
    hub: Mapped[str] = mapped_column(String(64))
    consignee_name: Mapped[str] = mapped_column(String(200))
    consignee_type: Mapped[str] = mapped_column(String(16))
    ioss_number: Mapped[str | None] = mapped_column(String(12))
    bonded_account: Mapped[str | None] = mapped_column(String(40))
    allow_other_trains: Mapped[bool] = mapped_column(Boolean)
    # what customs needs and what is owed, under the rules in force on customs_date (the order date at import;
    # the train's EU entry day where loading changed them: for a loaded order the rules date shown is its
    # container's EU entry, under whose rules these values hold)
    customs_date: Mapped[date] = mapped_column(Date)
    export_declaration: Mapped[str] = mapped_column(String(16))  # list | declaration (Chinese export)
    import_declaration: Mapped[str] = mapped_column(String(2))  # H7 | H1 (EU import)
    duty_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_eur: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_via: Mapped[str] = mapped_column(String(8))  # ioss | import
    content_sha: Mapped[str] = mapped_column(String(32))
    import_id: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QueuedOrder(Base):
    """A waiting order: what a consolidation needs to choose it (hub, age, size, promised date, whether it may take
    other trains), a narrow row per order. The import writes it with the order; loading deletes it (a narrow row:
    on PostgreSQL a delete writes no index entry, where updating the wide order row wrote five); the orders of a
    cancelled container come back with their ready time. No foreign key: it is written and deleted with the
    order's loading, in the same transactions, by the import and the consolidation only."""

    __tablename__ = "ecommerce_queue"
    __table_args__ = (
        # per hub in age order, with what a consolidation reads to find how many orders fit (index only)
        Index("ix_ecommerce_queue_hub_ready", "hub", "ready_at", "order_id", "volume_m3", "weight_kg", "promised_by"),
        # waiting orders of sellers who allow other trains, by promised date: whether any would be late is one probe
        Index(
            "ix_ecommerce_queue_other_trains",
            "promised_by",
            sqlite_where=text("allow_other_trains"),
            postgresql_where=text("allow_other_trains"),
        ),
        {"sqlite_with_rowid": False},  # the rows in key order: one b-tree fewer to write and delete
    )

    order_id: Mapped[str] = mapped_column(key_text(24), primary_key=True)
    hub: Mapped[str] = mapped_column(key_text(64))
    regime: Mapped[str] = mapped_column(String(4))
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    volume_m3: Mapped[float] = mapped_column(Float)
    weight_kg: Mapped[float] = mapped_column(Float)
    promised_by: Mapped[date] = mapped_column(Date)
    allow_other_trains: Mapped[bool] = mapped_column(Boolean)


class LoadedOrder(Base):
    """An order loaded into a container (one row per order; deleted when the container's booking is released and
    the order goes back to the queue)."""

    __tablename__ = "ecommerce_loads"
    __table_args__ = ({"sqlite_with_rowid": False},)

    order_id: Mapped[str] = mapped_column(key_text(24), primary_key=True)
    container_id: Mapped[str] = mapped_column(key_text(24), ForeignKey("ecommerce_containers.id"), index=True)


class Import(Base):
    """One import (a file or an API batch): what came in and what became of it."""

    __tablename__ = "ecommerce_imports"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    seller_id: Mapped[str | None] = mapped_column(String(32))  # None when the file names several sellers
    source: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    changed: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ConsolidationRun(Base):
    """One consolidation before a departure: what was packed, booked, left behind and late."""

    __tablename__ = "ecommerce_consolidations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    departure_id: Mapped[str] = mapped_column(String(80), index=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


# The tables, typed as Core tables (for bulk statements: insert, update, select of columns).
ORDERS: Table = Order.__table__  # type: ignore[assignment]
QUEUE: Table = QueuedOrder.__table__  # type: ignore[assignment]
LOADS: Table = LoadedOrder.__table__  # type: ignore[assignment]
CONTAINERS: Table = Container.__table__  # type: ignore[assignment]
IMPORTS: Table = Import.__table__  # type: ignore[assignment]
RUNS: Table = ConsolidationRun.__table__  # type: ignore[assignment]


def order_status() -> Any:
    """An order's status as an expression over `ORDERS` outer-joined with `LOADS` (`loaded` when it is in a
    container, else `waiting`: an order is in the queue or in a container, never both)."""
    return case((LOADS.c.order_id.is_not(None), literal_column("'loaded'")), else_=literal_column("'waiting'"))
