"""e-commerce: the waiting-orders index made partial (waiting orders only) and covering for consolidation

A loaded order now only leaves the index (no new entry on every load); the columns a consolidation reads to
find how many orders fit (age, id, volume, weight, promised date) are in the index, per hub in age order.

Revision ID: ecom_0003
Revises: ecom_0002
Create Date: 2026-11-30 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ecom_0003"
down_revision = "ecom_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_ecommerce_orders_waiting")
        batch_op.create_index(
            "ix_ecommerce_orders_waiting",
            ["hub", "ready_at", "id", "volume_m3", "weight_kg", "promised_by"],
            unique=False,
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_ecommerce_orders_waiting")
        batch_op.create_index("ix_ecommerce_orders_waiting", ["status", "hub", "ready_at"], unique=False)
