"""SQLAlchemy ORM tables. Columns typed ``Sealed`` hold AES-GCM ciphertext, never plaintext."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from triageline.adapters.storage.types import Sealed, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; its metadata is what Alembic migrations must match."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PracticeRow(Base):
    """A practice."""

    __tablename__ = "practices"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PracticeConfigVersionRow(Base):
    """One version of a practice's YAML configuration."""

    __tablename__ = "practice_config_versions"
    __table_args__ = (UniqueConstraint("practice_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"))
    version: Mapped[int] = mapped_column(Integer)
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CallRow(Base):
    """A voice call, SMS thread or chat."""

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("practice_id", "channel", "external_id"),
        Index("ix_calls_practice_started", "practice_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"))
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    from_number: Mapped[str | None] = mapped_column(Sealed())
    to_number: Mapped[str | None] = mapped_column(Sealed())
    language: Mapped[str | None] = mapped_column(String(8))
    coverage_mode: Mapped[str | None] = mapped_column(String(16))
    disposition: Mapped[str | None] = mapped_column(String(32))
    triage: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(32))
    dialogue_state: Mapped[str | None] = mapped_column(Sealed())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    time_to_answer_s: Mapped[float | None] = mapped_column(Float)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)


class TurnRow(Base):
    """One transcript turn; (call_id, seq) is unique so a retried webhook cannot duplicate it."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("call_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Sealed())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MessageRow(Base):
    """A secure message; every person-identifying column is sealed."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_practice_status", "practice_id", "status", "created_at"),
        Index("ix_messages_call", "call_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"))
    call_id: Mapped[str | None] = mapped_column(ForeignKey("calls.id"))
    queue: Mapped[str] = mapped_column(String(64))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    flagged_partial: Mapped[bool] = mapped_column(Boolean, default=False)
    caller_name: Mapped[str | None] = mapped_column(Sealed())
    patient_name: Mapped[str | None] = mapped_column(Sealed())
    date_of_birth: Mapped[str | None] = mapped_column(Sealed())
    callback_number: Mapped[str | None] = mapped_column(Sealed())
    reason: Mapped[str | None] = mapped_column(Sealed())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class AuditEventRow(Base):
    """One hash-chained audit event (no PHI: ids and codes only)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_practice", "practice_id", "seq"),
        Index("ix_audit_events_subject", "subject"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    practice_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str | None] = mapped_column(String(64))


class AuditChainHeadRow(Base):
    """The single row recording the chain's last seq and hash; appends lock it to serialise."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
