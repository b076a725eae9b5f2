"""Portal tables: users, practices, sessions, login attempts, break-glass, alerts, push devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triageline.adapters.storage.models import Base
from triageline.adapters.storage.types import Sealed, UtcDateTime


class PortalUserRow(Base):
    """A portal login; the TOTP secret is sealed."""

    __tablename__ = "portal_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(Sealed())
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    person_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PortalUserPracticeRow(Base):
    """A user's membership of one practice."""

    __tablename__ = "portal_user_practices"

    user_id: Mapped[str] = mapped_column(ForeignKey("portal_users.id"), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), primary_key=True)


class PortalSessionRow(Base):
    """A server-side session, keyed by the SHA-256 of its cookie token."""

    __tablename__ = "portal_sessions"
    __table_args__ = (Index("ix_portal_sessions_user", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("portal_users.id"))
    ip: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PortalLoginAttemptRow(Base):
    """One login attempt (username hashed), for rate limiting."""

    __tablename__ = "portal_login_attempts"
    __table_args__ = (Index("ix_portal_login_attempts_ip_at", "ip", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    success: Mapped[bool] = mapped_column(Boolean)


class BreakGlassGrantRow(Base):
    """Time-boxed emergency access to a practice; the reason is sealed (it may name a patient)."""

    __tablename__ = "break_glass_grants"
    __table_args__ = (Index("ix_break_glass_grants_user", "user_id", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("portal_users.id"))
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"))
    reason: Mapped[str] = mapped_column(Sealed())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PortalAlertRow(Base):
    """A banner for a practice's administrators (no PHI)."""

    __tablename__ = "portal_alerts"
    __table_args__ = (Index("ix_portal_alerts_practice", "practice_id", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MessageWorkRow(Base):
    """Portal-side handling of a message; the resolution note is sealed."""

    __tablename__ = "message_work"

    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), primary_key=True)
    assigned_to: Mapped[str | None] = mapped_column(ForeignKey("portal_users.id"))
    callback_done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    callback_done_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Sealed())


class PortalPushSubscriptionRow(Base):
    """A browser's Web Push subscription; endpoint and keys are sealed (they identify a device).

    ``endpoint_hash`` (SHA-256 of the endpoint) finds a re-registered device without opening
    every row.
    """

    __tablename__ = "portal_push_subscriptions"
    __table_args__ = (Index("ix_portal_push_subscriptions_user", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("portal_users.id"))
    endpoint_hash: Mapped[str] = mapped_column(String(64), unique=True)
    endpoint: Mapped[str] = mapped_column(Sealed())
    keys: Mapped[str] = mapped_column(Sealed())
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)
