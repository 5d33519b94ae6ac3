"""e-commerce: waiting orders in a narrow queue table, loaded orders in a narrow loads table

Loading an order no longer rewrites its wide row (about 450 bytes, five index entries on PostgreSQL, never a HOT
update because status and container_id were indexed): it deletes the order's row from `ecommerce_queue` and
inserts `(order_id, container_id)` into `ecommerce_loads`. The order's status is derived (loaded when it has a
loads row, else waiting). The data moves: waiting orders into the queue, loaded orders (container_id) into the
loads; then `status` and `container_id` and the indexes that used them leave the order table. No order had the
status `cancelled` (nothing set it); such an order would come out of the upgrade as neither queued nor loaded.

Revision ID: ecomq_0001
Revises: ecom_0003
Create Date: 2026-12-01 01:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import landbridge.db.base

revision = "ecomq_0001"
down_revision = "ecom_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ecommerce_queue",
        sa.Column("order_id", sa.String(length=24), nullable=False),
        sa.Column("hub", sa.String(length=64), nullable=False),
        sa.Column("regime", sa.String(length=4), nullable=False),
        sa.Column("ready_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("volume_m3", sa.Float(), nullable=False),
        sa.Column("weight_kg", sa.Float(), nullable=False),
        sa.Column("promised_by", sa.Date(), nullable=False),
        sa.Column("allow_other_trains", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_ecommerce_queue")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ecommerce_loads",
        sa.Column("order_id", sa.String(length=24), nullable=False),
        sa.Column("container_id", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["ecommerce_containers.id"],
            name=op.f("fk_ecommerce_loads_container_id_ecommerce_containers"),
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_ecommerce_loads")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO ecommerce_queue (order_id, hub, regime, ready_at, volume_m3, weight_kg, promised_by, "
        "allow_other_trains) SELECT id, hub, regime, ready_at, volume_m3, weight_kg, promised_by, allow_other_trains "
        "FROM ecommerce_orders WHERE status = 'waiting'"
    )
    op.execute(
        "INSERT INTO ecommerce_loads (order_id, container_id) "
        "SELECT id, container_id FROM ecommerce_orders WHERE container_id IS NOT NULL"
    )
    # the indexes after the rows (one sort each)
    op.create_index(
        "ix_ecommerce_queue_hub_ready",
        "ecommerce_queue",
        ["hub", "ready_at", "order_id", "volume_m3", "weight_kg", "promised_by"],
        unique=False,
    )
    op.create_index(
        "ix_ecommerce_queue_other_trains",
        "ecommerce_queue",
        ["promised_by"],
        unique=False,
        sqlite_where=sa.text("allow_other_trains"),
        postgresql_where=sa.text("allow_other_trains"),
    )
    op.create_index("ix_ecommerce_loads_container_id", "ecommerce_loads", ["container_id"], unique=False)
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_ecommerce_orders_waiting")
        batch_op.drop_index("ix_ecommerce_orders_other_trains")
        batch_op.drop_index("ix_ecommerce_orders_container")
        batch_op.drop_constraint(op.f("ck_ecommerce_orders_status"), type_="check")
        batch_op.drop_constraint(op.f("fk_ecommerce_orders_container_id_ecommerce_containers"), type_="foreignkey")
        batch_op.drop_column("status")
        batch_op.drop_column("container_id")


def downgrade() -> None:
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="waiting"))
        batch_op.add_column(sa.Column("container_id", sa.String(length=24), nullable=True))
    op.execute(
        "UPDATE ecommerce_orders SET status = 'loaded', container_id = "
        "(SELECT l.container_id FROM ecommerce_loads l WHERE l.order_id = ecommerce_orders.id) "
        "WHERE id IN (SELECT order_id FROM ecommerce_loads)"
    )
    with op.batch_alter_table("ecommerce_orders", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None, existing_type=sa.String(length=12))
        batch_op.create_foreign_key(
            op.f("fk_ecommerce_orders_container_id_ecommerce_containers"),
            "ecommerce_containers",
            ["container_id"],
            ["id"],
        )
        batch_op.create_check_constraint("status", "status IN ('waiting', 'loaded', 'cancelled')")
        batch_op.create_index(
            "ix_ecommerce_orders_container",
            ["container_id"],
            unique=False,
            sqlite_where=sa.text("container_id IS NOT NULL"),
            postgresql_where=sa.text("container_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_ecommerce_orders_other_trains",
            ["promised_by"],
            unique=False,
            sqlite_where=sa.text("status = 'waiting' AND allow_other_trains"),
            postgresql_where=sa.text("status = 'waiting' AND allow_other_trains"),
        )
        batch_op.create_index(
            "ix_ecommerce_orders_waiting",
            ["hub", "ready_at", "id", "volume_m3", "weight_kg", "promised_by"],
            unique=False,
            sqlite_where=sa.text("status = 'waiting'"),
            postgresql_where=sa.text("status = 'waiting'"),
        )
    op.drop_index("ix_ecommerce_loads_container_id", table_name="ecommerce_loads")
    op.drop_table("ecommerce_loads")
    op.drop_index("ix_ecommerce_queue_other_trains", table_name="ecommerce_queue")
    op.drop_index("ix_ecommerce_queue_hub_ready", table_name="ecommerce_queue")
    op.drop_table("ecommerce_queue")
