"""Tracking: events in the DCSA Track & Trace model (transport, equipment, shipment), the latest actual position
of each train, its predicted arrivals, webhook subscriptions and the outbox of deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db.base import Base, JSONDoc, UTCDateTime

# BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY
BigId = BigInteger().with_variant(Integer(), "sqlite")


class TrackingEvent(Base):
    """One event as received (`document`: the DCSA event as the API returns and webhooks send it), with the
    columns it is found by. `seq` is the order of acceptance; `event_at` the time the event happened."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_booking", "booking_id", "event_at"),
        Index("ix_tracking_events_departure", "departure_id", "event_at"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    event_type: Mapped[str] = mapped_column(String(10))  # TRANSPORT | EQUIPMENT | SHIPMENT
    classifier: Mapped[str] = mapped_column(String(3))  # ACT | EST | PLN
    type_code: Mapped[str] = mapped_column(String(4))  # ARRI, DEPA, GTIN, LOAD, DISC, GTOT, RECE, CONF...
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    departure_id: Mapped[str | None] = mapped_column(String(80))
    stop_index: Mapped[int | None] = mapped_column(Integer)
    place_id: Mapped[str | None] = mapped_column(String(64))
    equipment_reference: Mapped[str | None] = mapped_column(String(11), index=True)
    booking_id: Mapped[str | None] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(String(32))
    document: Mapped[dict[str, Any]] = mapped_column(JSONDoc)


class TrainPosition(Base):
    """The latest actual transport event of a train (in event time: a late, older event does not move it back)."""

    __tablename__ = "train_positions"

    departure_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    stop_index: Mapped[int] = mapped_column(Integer)
    place_id: Mapped[str] = mapped_column(String(64), index=True)
    type_code: Mapped[str] = mapped_column(String(4))
    event_at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_id: Mapped[str] = mapped_column(String(100))
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrainEta(Base):
    """Predicted arrival of a train at one stop (where bookings alight), re-predicted on each of its events."""

    __tablename__ = "train_etas"

    departure_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    stop_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    p10: Mapped[datetime] = mapped_column(UTCDateTime)
    p50: Mapped[datetime] = mapped_column(UTCDateTime)
    p90: Mapped[datetime] = mapped_column(UTCDateTime)
    scheduled: Mapped[datetime] = mapped_column(UTCDateTime)  # the timetable's arrival
    schedule_only: Mapped[datetime] = mapped_column(UTCDateTime)  # last event + the timetable's remaining time
    predicted_from: Mapped[str] = mapped_column(String(100))  # the event it was predicted from
    predicted_at: Mapped[datetime] = mapped_column(UTCDateTime)  # that event's time
    model_version: Mapped[str] = mapped_column(String(40))


class Subscription(Base):
    """A customer's (or an operator's, customer_id NULL: every booking) webhook: which events, where to. The
    signing secret is not stored: it is derived from the server's webhook key, the id and `secret_version`."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(String(32), index=True)
    api_key_id: Mapped[str] = mapped_column(String(32))
    callback_url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSONDoc)  # ["TRANSPORT", "EQUIPMENT", "SHIPMENT"]
    type_codes: Mapped[list[str]] = mapped_column(JSONDoc)  # [] = every code
    booking_id: Mapped[str | None] = mapped_column(String(32))
    secret_version: Mapped[int] = mapped_column(Integer, default=1)
    key_fingerprint: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """The outbox: one row per (subscription, event, booking), written in the event's transaction. Workers
    deliver the first pending row of each (subscription, order_key) in `id` order, so a booking's events
    arrive in order; failures are retried with exponential backoff for a day, then the row is `dead`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_order", "subscription_id", "order_key", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(String(32))
    order_key: Mapped[str] = mapped_column(String(80))  # the booking (or the train, for operators' train events)
    event_seq: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))  # pending | delivered | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
