"""e-commerce orders, containers, sellers, imports, consolidations

Revision ID: ecom_0001
Revises: 0001
Create Date: 2026-11-30 16:58:47.966373
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import landbridge.db.base

revision = "ecom_0001"
down_revision = "trk_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ecommerce_consolidations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("run_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "summary", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecommerce_consolidations")),
    )
    with op.batch_alter_table("ecommerce_consolidations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ecommerce_consolidations_departure_id"), ["departure_id"], unique=False)

    op.create_table(
        "ecommerce_imports",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecommerce_imports")),
    )
    op.create_table(
        "ecommerce_sellers",
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("allow_other_trains", sa.Boolean(), nullable=False),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ecommerce_sellers_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_ecommerce_sellers")),
    )
    op.create_table(
        "ecommerce_containers",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("departure_id", sa.String(length=80), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("departs_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("eu_entry_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrives_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hub", sa.String(length=64), nullable=False),
        sa.Column("regime", sa.String(length=4), nullable=False),
        sa.Column("container_type", sa.String(length=16), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("volume_m3", sa.Float(), nullable=False),
        sa.Column("value_eur", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("usable_volume_m3", sa.Float(), nullable=False),
        sa.Column("payload_kg", sa.Float(), nullable=False),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_ecommerce_containers_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecommerce_containers")),
    )
    with op.batch_alter_table("ecommerce_containers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ecommerce_containers_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index("ix_ecommerce_containers_departs_at", ["departs_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ecommerce_containers_departure_id"), ["departure_id"], unique=False)

    op.create_table(
        "ecommerce_orders",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("seller_id", sa.String(length=32), nullable=False),
        sa.Column("seller_order_id", sa.String(length=64), nullable=False),
        sa.Column("order_date", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ready_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("promised_by", sa.Date(), nullable=False),
        sa.Column("regime", sa.String(length=4), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("length_cm", sa.Float(), nullable=False),
        sa.Column("width_cm", sa.Float(), nullable=False),
        sa.Column("height_cm", sa.Float(), nullable=False),
        sa.Column("volume_m3", sa.Float(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("hs_codes", sa.String(length=120), nullable=False),
        sa.Column("tariff_lines", sa.Integer(), nullable=False),
        sa.Column("declared_value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("value_eur", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("destination_city", sa.String(length=100), nullable=False),
        sa.Column("destination_postcode", sa.String(length=16), nullable=False),
        sa.Column("hub", sa.String(length=64), nullable=False),
        sa.Column("consignee_name", sa.String(length=200), nullable=False),
        sa.Column("consignee_type", sa.String(length=16), nullable=False),
        sa.Column("ioss_number", sa.String(length=12), nullable=True),
        sa.Column("bonded_account", sa.String(length=40), nullable=True),
        sa.Column("allow_other_trains", sa.Boolean(), nullable=False),
        sa.Column("customs_date", sa.Date(), nullable=False),
        sa.Column("export_declaration", sa.String(length=16), nullable=False),
        sa.Column("import_declaration", sa.String(length=2), nullable=False),
        sa.Column("duty_eur", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_eur", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("vat_via", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("container_id", sa.String(length=24), nullable=True),
        sa.Column("content_sha", sa.String(length=32), nullable=False),
        sa.Column("import_id", sa.String(length=24), nullable=True),
        sa.Column("created_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('waiting', 'loaded', 'cancelled')", name=op.f("ck_ecommerce_orders_status")),
        sa.CheckConstraint("weight_kg > 0 AND volume_m3 > 0 AND items >= 1", name=op.f("ck_ecommerce_orders_positive")),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["ecommerce_containers.id"],
            name=op.f("fk_ecommerce_orders_container_id_ecommerce_containers"),
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["customers.id"], name=op.f("fk_ecommerce_orders_seller_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecommerce_orders")),
        sa.UniqueConstraint("seller_id", "seller_order_id", name="uq_ecommerce_orders_seller_order"),
    )
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecommerce_orders_container",
            ["container_id"],
            unique=False,
            sqlite_where=sa.text("container_id IS NOT NULL"),
            postgresql_where=sa.text("container_id IS NOT NULL"),
        )
        batch_op.create_index("ix_ecommerce_orders_seller_created", ["seller_id", "created_at", "id"], unique=False)
        batch_op.create_index("ix_ecommerce_orders_waiting", ["status", "hub", "ready_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_ecommerce_orders_waiting")
        batch_op.drop_index("ix_ecommerce_orders_seller_created")
        batch_op.drop_index("ix_ecommerce_orders_container")

    op.drop_table("ecommerce_orders")
    with op.batch_alter_table("ecommerce_containers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ecommerce_containers_departure_id"))
        batch_op.drop_index("ix_ecommerce_containers_departs_at")
        batch_op.drop_index(batch_op.f("ix_ecommerce_containers_booking_id"))

    op.drop_table("ecommerce_containers")
    op.drop_table("ecommerce_sellers")
    op.drop_table("ecommerce_imports")
    with op.batch_alter_table("ecommerce_consolidations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ecommerce_consolidations_departure_id"))

    op.drop_table("ecommerce_consolidations")
