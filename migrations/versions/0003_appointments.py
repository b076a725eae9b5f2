"""appointments and slots_taken: the built-in scheduler (UNIQUE cells prevent double booking)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("appointment_type_id", sa.String(length=40), nullable=False),
        sa.Column("provider_id", sa.String(length=40), nullable=False),
        sa.Column("location_id", sa.String(length=40), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("patient_kind", sa.String(length=16), nullable=False),
        sa.Column("patient_name", sa.Text(), nullable=False),
        sa.Column("patient_birth_date", sa.Text(), nullable=False),
        sa.Column("patient_phone", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("insurance", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=32), nullable=True),
        sa.Column("rescheduled_from", sa.String(length=64), nullable=True),
        sa.Column("rescheduled_to", sa.String(length=64), nullable=True),
        sa.Column("history", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(
        "ix_appointments_practice_start", "appointments", ["practice_id", "start_at"], unique=False
    )
    op.create_table(
        "slots_taken",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("provider_id", sa.String(length=40), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointment_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_slots_taken_appointment_id_appointments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots_taken")),
        sa.UniqueConstraint(
            "practice_id",
            "provider_id",
            "start_at",
            name=op.f("uq_slots_taken_practice_id_provider_id_start_at"),
        ),
    )
    op.create_index(
        op.f("ix_slots_taken_appointment_id"), "slots_taken", ["appointment_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_slots_taken_appointment_id"), table_name="slots_taken")
    op.drop_table("slots_taken")
    op.drop_index("ix_appointments_practice_start", table_name="appointments")
    op.drop_table("appointments")
