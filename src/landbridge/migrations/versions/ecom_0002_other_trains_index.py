"""e-commerce: partial index of waiting orders that may take other trains, by promised date

Revision ID: ecom_0002
Revises: ecom_0001
Create Date: 2026-11-30 18:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ecom_0002"
down_revision = "ecom_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecommerce_orders_other_trains",
            ["promised_by"],
            unique=False,
            sqlite_where=sa.text("status = 'waiting' AND allow_other_trains"),
            postgresql_where=sa.text("status = 'waiting' AND allow_other_trains"),
        )


def downgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_ecommerce_orders_other_trains")
