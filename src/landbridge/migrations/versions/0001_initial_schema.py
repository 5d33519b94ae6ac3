"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 02:03:37.801829
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import landbridge.db.base

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "departure_sections",
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("section_index", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("corridor", sa.String(length=64), nullable=False),
        sa.Column("departs_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("from_place", sa.String(length=64), nullable=False),
        sa.Column("to_place", sa.String(length=64), nullable=False),
        sa.Column("distance_km", sa.Numeric(precision=9, scale=1), nullable=False),
        sa.Column("capacity_mfeu", sa.Integer(), nullable=False),
        sa.Column("booked_mfeu", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked_mfeu >= 0 AND booked_mfeu <= capacity_mfeu", name=op.f("ck_departure_sections_within_capacity")
        ),
        sa.PrimaryKeyConstraint("departure_id", "section_index", name=op.f("pk_departure_sections")),
    )
    with op.batch_alter_table("departure_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_departure_sections_corridor"), ["corridor"], unique=False)
        batch_op.create_index("ix_departure_sections_departs_at", ["departs_at"], unique=False)

    op.create_table(
        "idempotency_records",
        sa.Column("owner", sa.String(length=48), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column(
            "response", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("owner", "key", name=op.f("pk_idempotency_records")),
    )
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_records_created_at"), ["created_at"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "role = 'operator' OR customer_id IS NOT NULL", name=op.f("ck_api_keys_shipper_has_customer")
        ),
        sa.CheckConstraint("role IN ('operator', 'shipper')", name=op.f("ck_api_keys_role")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_api_keys_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "quotes",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column(
            "request", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_quotes_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "quote_options",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("quote_id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("containers", sa.Integer(), nullable=False),
        sa.Column("container_type", sa.String(length=16), nullable=False),
        sa.Column("mfeu_per_container", sa.Integer(), nullable=False),
        sa.Column("max_payload_kg", sa.Integer(), nullable=False),
        sa.Column("cargo", sa.String(length=40), nullable=False),
        sa.Column("price_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "option", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("expires_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], name=op.f("fk_quote_options_quote_id_quotes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_options")),
    )
    with op.batch_alter_table("quote_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_options_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("option_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("containers", sa.Integer(), nullable=False),
        sa.Column("container_type", sa.String(length=16), nullable=False),
        sa.Column("feu_mfeu", sa.Integer(), nullable=False),
        sa.Column("price_total", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("destination", sa.String(length=64), nullable=False),
        sa.Column("departs_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrives_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "shipment", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'confirmed', 'in_transit', 'delivered', 'cancelled')",
            name=op.f("ck_bookings_status"),
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_bookings_customer_id_customers")),
        sa.ForeignKeyConstraint(["option_id"], ["quote_options.id"], name=op.f("fk_bookings_option_id_quote_options")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index("ix_bookings_created", ["created_at", "id"], unique=False)
        batch_op.create_index("ix_bookings_customer_created", ["customer_id", "created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_option_id"), ["option_id"], unique=False)

    op.create_table(
        "booking_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("api_key_id", sa.String(length=32), nullable=True),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_booking_events_booking_id_bookings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_events")),
    )
    with op.batch_alter_table("booking_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_events_booking_id"), ["booking_id"], unique=False)

    op.create_table(
        "booking_reservations",
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("board_stop", sa.Integer(), nullable=False),
        sa.Column("alight_stop", sa.Integer(), nullable=False),
        sa.Column("mfeu", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_booking_reservations_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("booking_id", "departure_id", name=op.f("pk_booking_reservations")),
    )
    with op.batch_alter_table("booking_reservations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_booking_reservations_departure_id"), ["departure_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("booking_reservations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_reservations_departure_id"))

    op.drop_table("booking_reservations")
    with op.batch_alter_table("booking_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_events_booking_id"))

    op.drop_table("booking_events")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bookings_option_id"))
        batch_op.drop_index("ix_bookings_customer_created")
        batch_op.drop_index("ix_bookings_created")

    op.drop_table("bookings")
    with op.batch_alter_table("quote_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_options_quote_id"))

    op.drop_table("quote_options")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_customer_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_customer_id"))

    op.drop_table("api_keys")
    with op.batch_alter_table("idempotency_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_records_created_at"))

    op.drop_table("idempotency_records")
    with op.batch_alter_table("departure_sections", schema=None) as batch_op:
        batch_op.drop_index("ix_departure_sections_departs_at")
        batch_op.drop_index(batch_op.f("ix_departure_sections_corridor"))

    op.drop_table("departure_sections")
    op.drop_table("customers")
