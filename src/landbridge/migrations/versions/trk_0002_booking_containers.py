"""containers of a booking: ISO 6346 number, size-type code, seals, verified gross mass

Revision ID: trk_0002
Revises: trk_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import landbridge.db.base

revision = "trk_0002"
down_revision = "trk_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_containers",
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("equipment_reference", sa.String(length=11), nullable=True),
        sa.Column("iso_equipment_code", sa.String(length=4), nullable=False),
        sa.Column(
            "seals", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("vgm_kg", sa.Numeric(precision=9, scale=1), nullable=True),
        sa.Column("vgm_method", sa.String(length=3), nullable=True),
        sa.Column("updated_at", landbridge.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_booking_containers_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("booking_id", "seq", name=op.f("pk_booking_containers")),
    )
    with op.batch_alter_table("booking_containers", schema=None) as b:
        b.create_index(b.f("ix_booking_containers_equipment_reference"), ["equipment_reference"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("booking_containers", schema=None) as b:
        b.drop_index(b.f("ix_booking_containers_equipment_reference"))
    op.drop_table("booking_containers")
