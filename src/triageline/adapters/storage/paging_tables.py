"""Paging tables: pages (chain snapshot), notifications, durable timers, used nonces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triageline.adapters.storage.models import Base
from triageline.adapters.storage.types import Sealed, UtcDateTime


class PageRow(Base):
    """A page: its status, the escalation chain snapshot (JSON) and its cursor state (JSON)."""

    __tablename__ = "pages"
    __table_args__ = (
        Index("ix_pages_code", "code"),
        Index("ix_pages_practice_created", "practice_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    subject_ref: Mapped[str] = mapped_column(String(64), unique=True)
    call_id: Mapped[str | None] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(8))
    urgency: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    chain: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(Text)
    timer_token: Mapped[str | None] = mapped_column(String(120))
    timer_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    ack_channel: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    exhausted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    caller_number: Mapped[str | None] = mapped_column(Sealed())
    caller_lang: Mapped[str | None] = mapped_column(String(8))
    caller_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PageNotificationRow(Base):
    """One notification of a page: to whom, how, its delivery status and its outbox state."""

    __tablename__ = "page_notifications"
    __table_args__ = (
        Index("ix_page_notifications_page", "page_id", "seq"),
        Index("ix_page_notifications_address", "address"),
        Index("ix_page_notifications_outbox", "send_state", "claimed_until"),
        Index("ix_page_notifications_provider", "provider_id"),
    )

    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id"))
    seq: Mapped[int] = mapped_column(Integer)
    recipient_id: Mapped[str] = mapped_column(String(100))
    recipient_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(500))
    round_no: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    contacts: Mapped[str] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    send_state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    provider_id: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class TimerRowModel(Base):
    """A durable timer: fire ``token`` at ``due_at``; a claim is a lease until ``claimed_until``."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_state_due", "state", "due_at"),
        Index("ix_timers_page", "page_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    page_id: Mapped[str] = mapped_column(ForeignKey("pages.id"))
    token: Mapped[str] = mapped_column(String(120), unique=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16))


class UsedNonceRow(Base):
    """A used single-use key (acknowledgement-link nonce, daily report key)."""

    __tablename__ = "used_nonces"

    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())
