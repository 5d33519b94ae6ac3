"""Quotes with their bookable options, departure sections with capacity, bookings and their audit trail.

Capacity is counted in integer thousandths of an FEU (`*_mfeu`): exact for every container type
(a 20' box is 500, a 45' box 1125) and cheap to compare in a conditional UPDATE.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db.base import Base, JSONDoc, UTCDateTime, table, utcnow

# Booking status, as in the DCSA Booking standard (2.0: bookingStatus, lower case); separate from where the
# containers are (transport status, set by tracking events or by an operator).
STATUSES = ("received", "pending_update", "confirmed", "rejected", "declined", "cancelled", "completed")
RELEASED_STATUSES = ("rejected", "declined", "cancelled")  # capacity given back
LIVE_STATUSES = ("received", "pending_update", "confirmed", "completed")
TRANSPORT_STATUSES = ("planned", "in_transit", "delivered")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"), index=True)
    api_key_id: Mapped[str] = mapped_column(String(32))
    request: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuoteOption(Base):
    __tablename__ = "quote_options"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("quotes.id"), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(32))
    containers: Mapped[int] = mapped_column(Integer)
    container_type: Mapped[str] = mapped_column(String(16))
    mfeu_per_container: Mapped[int] = mapped_column(Integer)
    max_payload_kg: Mapped[int] = mapped_column(Integer)
    cargo: Mapped[str] = mapped_column(String(40))
    price_total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    option: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # exactly the planner's option, plus its id
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DepartureSection(Base):
    """One section (between two consecutive stops) of one rail departure: what it holds and what is booked."""

    __tablename__ = "departure_sections"
    __table_args__ = (
        CheckConstraint("booked_mfeu >= 0 AND booked_mfeu <= capacity_mfeu", name="within_capacity"),
        Index("ix_departure_sections_departs_at", "departs_at"),
    )

    departure_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    section_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64))
    corridor: Mapped[str] = mapped_column(String(64), index=True)
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the train's departure at its origin
    from_place: Mapped[str] = mapped_column(String(64))
    to_place: Mapped[str] = mapped_column(String(64))
    distance_km: Mapped[float] = mapped_column(Numeric(9, 1))
    capacity_mfeu: Mapped[int] = mapped_column(Integer)
    booked_mfeu: Mapped[int] = mapped_column(Integer, default=0)


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("transport_status", TRANSPORT_STATUSES), name="transport_status"),
        Index("ix_bookings_customer_created", "customer_id", "created_at", "id"),
        Index("ix_bookings_created", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    option_id: Mapped[str] = mapped_column(ForeignKey("quote_options.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    transport_status: Mapped[str] = mapped_column(String(16), default="planned", server_default="planned")
    reference: Mapped[str | None] = mapped_column(String(64))
    containers: Mapped[int] = mapped_column(Integer)
    container_type: Mapped[str] = mapped_column(String(16))
    feu_mfeu: Mapped[int] = mapped_column(Integer)
    price_total: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    origin: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64))
    departs_at: Mapped[datetime] = mapped_column(UTCDateTime)
    arrives_at: Mapped[datetime] = mapped_column(UTCDateTime)
    shipment: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the itinerary is the option's (quote_options.option)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BookingReservation(Base):
    """Slots a booking holds on one rail departure: sections board_stop .. alight_stop - 1."""

    __tablename__ = "booking_reservations"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    departure_id: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)
    board_stop: Mapped[int] = mapped_column(Integer)
    alight_stop: Mapped[int] = mapped_column(Integer)
    mfeu: Mapped[int] = mapped_column(Integer)


class BookingEvent(Base):
    """Audit trail: every change of a booking's status (`field` "status") or transport status (`field`
    "transport_status"), who made it and when, and the tracking event that moved it (`tracking_event_id`)."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    api_key_id: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    field: Mapped[str] = mapped_column(String(16), default="status", server_default="status")
    tracking_event_id: Mapped[str | None] = mapped_column(String(100))


class BookingContainer(Base):
    """One container of a booking: its ISO 6346 number (known once the box is assigned), size-type code, seals
    and verified gross mass. Tracking events name containers by `equipment_reference`."""

    __tablename__ = "booking_containers"

    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment_reference: Mapped[str | None] = mapped_column(String(11), index=True)
    iso_equipment_code: Mapped[str] = mapped_column(String(4))
    seals: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc)  # [{"number": ..., "source": "SHI"}]
    vgm_kg: Mapped[float | None] = mapped_column(Numeric(9, 1))
    vgm_method: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The tables, for Core statements on the hot paths (built once, executed on the session's connection).
QUOTE_OPTIONS = table(QuoteOption)
DEPARTURE_SECTIONS = table(DepartureSection)
BOOKINGS = table(Booking)
RESERVATIONS = table(BookingReservation)
EVENTS = table(BookingEvent)
BOOKING_CONTAINERS = table(BookingContainer)
