"""e-commerce, PostgreSQL: the key columns the import and the consolidation index and join compare bytewise

Order ids, the seller's order id, container ids and the queue's hub are ASCII keys. Under the database's
collation (`C.UTF-8` from libc on the test server; PostgreSQL 15 treats only `C` and `POSIX` as plain byte
order), every comparison in their indexes went through `strcoll`: about 30 % more time to build an index of
500,000 order ids than with `COLLATE "C"`, and in the full year (1,000,000 orders) 7 % of the server's CPU in the
import and 10 % in the consolidation (15 % of loading). Byte order and the code-point order of `C.UTF-8` are the
same for ASCII, so no query's order changes. Only columns compared among themselves or with parameters are
changed (not `seller_id`, which is joined to `customers.id`: two different implicit collations in one
comparison are an error in PostgreSQL). SQLite compares bytes already; nothing to do there.

Revision ID: ecompg_0001
Revises: ecomq_0001
Create Date: 2026-12-01 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "ecompg_0001"
down_revision = "ecomq_0001"
branch_labels = None
depends_on = None

# table: (column, type) of each key column that changes
KEYS = {
    "ecommerce_containers": [("id", "varchar(24)")],
    "ecommerce_orders": [("id", "varchar(24)"), ("seller_order_id", "varchar(64)")],
    "ecommerce_queue": [("order_id", "varchar(24)"), ("hub", "varchar(64)")],
    "ecommerce_loads": [("order_id", "varchar(24)"), ("container_id", "varchar(24)")],
}


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in KEYS.items():
        changes = ", ".join(f'ALTER COLUMN {c} TYPE {t} COLLATE "{collation}"' for c, t in columns)
        op.execute(f"ALTER TABLE {table} {changes}")  # the indexes on them are rebuilt, the rows are not rewritten


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate("default")
