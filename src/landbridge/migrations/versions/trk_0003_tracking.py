"""tracking: events (DCSA Track & Trace), train positions, predicted arrivals, webhook subscriptions and the outbox

Revision ID: trk_0003
Revises: trk_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import landbridge.db.base

revision = "trk_0003"
down_revision = "trk_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracking_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=10), nullable=False),
        sa.Column("classifier", sa.String(length=3), nullable=False),
        sa.Column("type_code", sa.String(length=4), nullable=False),
        sa.Column("event_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("departure_id", sa.String(length=80), nullable=True),
        sa.Column("stop_index", sa.Integer(), nullable=True),
        sa.Column("place_id", sa.String(length=64), nullable=True),
        sa.Column("equipment_reference", sa.String(length=11), nullable=True),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column(
            "document", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_tracking_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_tracking_events_event_id")),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_events_booking", ["booking_id", "event_at"], unique=False)
        batch_op.create_index("ix_tracking_events_departure", ["departure_id", "event_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tracking_events_equipment_reference"), ["equipment_reference"], unique=False
        )

    op.create_table(
        "train_etas",
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("stop_index", sa.Integer(), nullable=False),
        sa.Column("p10", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("p50", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("p90", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scheduled", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("schedule_only", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("predicted_from", sa.String(length=100), nullable=False),
        sa.Column("predicted_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("departure_id", "stop_index", name=op.f("pk_train_etas")),
    )
    op.create_table(
        "train_positions",
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("stop_index", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(length=64), nullable=False),
        sa.Column("type_code", sa.String(length=4), nullable=False),
        sa.Column("event_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("departed_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("departure_id", name=op.f("pk_train_positions")),
    )
    with op.batch_alter_table("train_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_train_positions_place_id"), ["place_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(length=32), nullable=False),
        sa.Column("order_key", sa.String(length=80), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("locked_until", landbridge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            "ix_webhook_deliveries_order", ["subscription_id", "order_key", "status", "id"], unique=False
        )

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=True),
        sa.Column("api_key_id", sa.String(length=32), nullable=False),
        sa.Column("callback_url", sa.String(length=500), nullable=False),
        sa.Column(
            "event_types", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "type_codes", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("booking_id", sa.String(length=32), nullable=True),
        sa.Column("secret_version", sa.Integer(), nullable=False),
        sa.Column("key_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscriptions")),
    )
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_subscriptions_customer_id"), ["customer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscriptions_customer_id"))

    op.drop_table("webhook_subscriptions")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_order")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("train_positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_train_positions_place_id"))

    op.drop_table("train_positions")
    op.drop_table("train_etas")
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tracking_events_equipment_reference"))
        batch_op.drop_index("ix_tracking_events_departure")
        batch_op.drop_index("ix_tracking_events_booking")

    op.drop_table("tracking_events")
