"""portal_push_subscriptions: Web Push subscriptions of portal users' browsers (sealed)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "portal_push_subscriptions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("endpoint_hash", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("keys", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_users.id"],
            name=op.f("fk_portal_push_subscriptions_user_id_portal_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_push_subscriptions")),
        sa.UniqueConstraint(
            "endpoint_hash", name=op.f("uq_portal_push_subscriptions_endpoint_hash")
        ),
    )
    op.create_index("ix_portal_push_subscriptions_user", "portal_push_subscriptions", ["user_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_portal_push_subscriptions_user", table_name="portal_push_subscriptions")
    op.drop_table("portal_push_subscriptions")
