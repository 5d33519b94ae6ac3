"""booking states as in DCSA Booking 2.0, a transport status beside them, audit rows that name their field and
the tracking event that moved them

Revision ID: trk_0001
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "trk_0001"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW = ("received", "pending_update", "confirmed", "rejected", "declined", "cancelled", "completed")
OLD = ("requested", "confirmed", "in_transit", "delivered", "cancelled")
TRANSPORT = ("planned", "in_transit", "delivered")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _drop_check(b, name: str) -> None:
    b.drop_constraint(op.f(name), type_="check")


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as b:
        _drop_check(b, "ck_bookings_status")
        b.add_column(sa.Column("transport_status", sa.String(length=16), server_default="planned", nullable=False))
    op.execute("UPDATE bookings SET transport_status = 'in_transit', status = 'confirmed' WHERE status = 'in_transit'")
    op.execute("UPDATE bookings SET transport_status = 'delivered', status = 'completed' WHERE status = 'delivered'")
    op.execute("UPDATE bookings SET status = 'received' WHERE status = 'requested'")
    with op.batch_alter_table("bookings", schema=None) as b:
        b.create_check_constraint(op.f("ck_bookings_status"), _in("status", NEW))
        b.create_check_constraint(op.f("ck_bookings_transport_status"), _in("transport_status", TRANSPORT))
    with op.batch_alter_table("booking_events", schema=None) as b:
        b.add_column(sa.Column("field", sa.String(length=16), server_default="status", nullable=False))
        b.add_column(sa.Column("tracking_event_id", sa.String(length=100), nullable=True))
    op.execute("UPDATE booking_events SET field = 'transport_status' WHERE to_status IN ('in_transit', 'delivered')")
    op.execute("UPDATE booking_events SET to_status = 'received' WHERE to_status = 'requested'")
    op.execute("UPDATE booking_events SET from_status = 'received' WHERE from_status = 'requested'")


def downgrade() -> None:
    with op.batch_alter_table("booking_events", schema=None) as b:
        b.drop_column("tracking_event_id")
        b.drop_column("field")
    with op.batch_alter_table("bookings", schema=None) as b:
        _drop_check(b, "ck_bookings_transport_status")
        _drop_check(b, "ck_bookings_status")
    op.execute("UPDATE bookings SET status = 'requested' WHERE status IN ('received', 'pending_update')")
    op.execute("UPDATE bookings SET status = 'cancelled' WHERE status IN ('rejected', 'declined')")
    op.execute("UPDATE bookings SET status = transport_status WHERE transport_status <> 'planned'")
    op.execute("UPDATE bookings SET status = 'delivered' WHERE status = 'completed'")
    with op.batch_alter_table("bookings", schema=None) as b:
        b.drop_column("transport_status")
        b.create_check_constraint(op.f("ck_bookings_status"), _in("status", OLD))
