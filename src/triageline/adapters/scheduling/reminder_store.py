"""Reminders in SQL: one row per appointment, claimed by workers (SKIP LOCKED on PostgreSQL).

The phone number is sealed; a reply is matched by opening the few reminders of the practice that
still await one. A claim is a lease (``claimed_until``), so a crashed worker's rows are retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Index, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import Base
from triageline.adapters.storage.types import Sealed, UtcDateTime
from triageline.domain.reminders import Reminder, ReminderStatus
from triageline.domain.triage.types import Language

_AAD = "appointment_reminders.phone"


class ReminderRow(Base):
    """One appointment reminder and its work-queue lease."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        UniqueConstraint("appointment_id"),
        Index("ix_appointment_reminders_due", "status", "due_at"),
        Index("ix_appointment_reminders_practice", "practice_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    appointment_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(Sealed())
    language: Mapped[str] = mapped_column(String(8))
    appointment_start: Mapped[datetime] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class SqlReminderStore:
    """The ReminderStore port in SQL (SQLite or PostgreSQL)."""

    def __init__(self, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
        """Bind to a session factory and the PHI keyring."""
        self._sessions = session_factory
        self._keyring = keyring

    def _reminder(self, row: ReminderRow) -> Reminder:
        return Reminder(
            id=row.id,
            practice_id=row.practice_id,
            appointment_id=row.appointment_id,
            phone=self._keyring.open(row.phone, aad=_AAD),
            language=Language(row.language),
            appointment_start=row.appointment_start,
            due_at=row.due_at,
            status=ReminderStatus(row.status),
            sent_at=row.sent_at,
            replied_at=row.replied_at,
        )

    def add(self, reminder: Reminder) -> bool:
        """Store a new reminder; False when the appointment already has one."""
        row = ReminderRow(
            id=reminder.id,
            practice_id=reminder.practice_id,
            appointment_id=reminder.appointment_id,
            phone=self._keyring.seal(reminder.phone, aad=_AAD),
            language=reminder.language.value,
            appointment_start=reminder.appointment_start,
            due_at=reminder.due_at,
            status=reminder.status.value,
        )
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    def has(self, appointment_ids: Sequence[str]) -> set[str]:
        """Which of these appointments already have a reminder."""
        if not appointment_ids:
            return set()
        with self._sessions() as session:
            found = session.scalars(
                select(ReminderRow.appointment_id).where(
                    ReminderRow.appointment_id.in_(list(appointment_ids))
                )
            ).all()
        return set(found)

    def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int = 50
    ) -> list[Reminder]:
        """Lease up to ``limit`` scheduled reminders due by ``now`` (each to one worker only)."""
        with self._sessions.begin() as session:
            query = (
                select(ReminderRow)
                .where(
                    ReminderRow.status == ReminderStatus.SCHEDULED.value,
                    ReminderRow.due_at <= now,
                    (ReminderRow.claimed_until.is_(None)) | (ReminderRow.claimed_until < now),
                )
                .order_by(ReminderRow.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = session.scalars(query).all()
            for row in rows:
                row.claimed_by = worker
                row.claimed_until = now + lease
            return [self._reminder(r) for r in rows]

    def save(self, reminder: Reminder) -> None:
        """Store a reminder's new status and release its lease."""
        with self._sessions.begin() as session:
            row = session.get(ReminderRow, reminder.id)
            if row is None:
                raise LookupError(f"reminder {reminder.id} not found")
            row.status = reminder.status.value
            row.sent_at = reminder.sent_at
            row.replied_at = reminder.replied_at
            row.claimed_by = None
            row.claimed_until = None

    def awaiting(self, practice_id: str, phone: str, now: datetime) -> Reminder | None:
        """The latest sent reminder to ``phone`` still awaiting a reply, or None."""
        with self._sessions() as session:
            rows = session.scalars(
                select(ReminderRow)
                .where(
                    ReminderRow.practice_id == practice_id,
                    ReminderRow.status == ReminderStatus.SENT.value,
                    ReminderRow.appointment_start > now,
                )
                .order_by(ReminderRow.sent_at.desc())
            ).all()
            for row in rows:
                reminder = self._reminder(row)
                if reminder.phone == phone:
                    return reminder
        return None
