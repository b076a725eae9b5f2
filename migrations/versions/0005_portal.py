"""portal: users, practice memberships, sessions, login attempts, break-glass, alerts, message work

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "portal_users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("totp_confirmed", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_users")),
        sa.UniqueConstraint("username", name=op.f("uq_portal_users_username")),
    )
    op.create_table(
        "portal_user_practices",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_portal_user_practices_practice_id_practices"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_users.id"],
            name=op.f("fk_portal_user_practices_user_id_portal_users"),
        ),
        sa.PrimaryKeyConstraint("user_id", "practice_id", name=op.f("pk_portal_user_practices")),
    )
    op.create_table(
        "portal_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["portal_users.id"], name=op.f("fk_portal_sessions_user_id_portal_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_sessions")),
    )
    op.create_index("ix_portal_sessions_user", "portal_sessions", ["user_id"], unique=False)
    op.create_table(
        "portal_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username_hash", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_login_attempts")),
    )
    op.create_index(
        "ix_portal_login_attempts_ip_at", "portal_login_attempts", ["ip", "at"], unique=False
    )
    op.create_table(
        "break_glass_grants",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_break_glass_grants_practice_id_practices"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["portal_users.id"],
            name=op.f("fk_break_glass_grants_user_id_portal_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_break_glass_grants")),
    )
    op.create_index(
        "ix_break_glass_grants_user", "break_glass_grants", ["user_id", "expires_at"], unique=False
    )
    op.create_table(
        "portal_alerts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("practice_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"], ["practices.id"], name=op.f("fk_portal_alerts_practice_id_practices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_alerts")),
    )
    op.create_index(
        "ix_portal_alerts_practice", "portal_alerts", ["practice_id", "expires_at"], unique=False
    )
    op.create_table(
        "message_work",
        sa.Column("message_id", sa.String(length=32), nullable=False),
        sa.Column("assigned_to", sa.String(length=32), nullable=True),
        sa.Column("callback_done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_done_by", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_to"],
            ["portal_users.id"],
            name=op.f("fk_message_work_assigned_to_portal_users"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_work_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_work")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("message_work")
    op.drop_index("ix_portal_alerts_practice", table_name="portal_alerts")
    op.drop_table("portal_alerts")
    op.drop_index("ix_break_glass_grants_user", table_name="break_glass_grants")
    op.drop_table("break_glass_grants")
    op.drop_index("ix_portal_login_attempts_ip_at", table_name="portal_login_attempts")
    op.drop_table("portal_login_attempts")
    op.drop_index("ix_portal_sessions_user", table_name="portal_sessions")
    op.drop_table("portal_sessions")
    op.drop_table("portal_user_practices")
    op.drop_table("portal_users")
