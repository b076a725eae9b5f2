"""call steps: the response given for each webhook step, for idempotent retries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "call_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.id"], name=op.f("fk_call_steps_call_id_calls")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_steps")),
        sa.UniqueConstraint("call_id", "key", name=op.f("uq_call_steps_call_id_key")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("call_steps")
