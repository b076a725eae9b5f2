"""Appointment reminders as durable work: scheduled rows, claimed and sent by the worker.

Each run (``run_due``) first gives every booked appointment that enters its practice's reminder
window a reminder row (one per appointment, however many workers run), then claims the rows that
are due and sends them, re-checking the appointment first: a cancelled or moved appointment gets
no reminder. Replies come back through ``/twilio/sms`` (:meth:`ReminderService.reply`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from triageline.domain.audit import AuditEntry
from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    Booked,
    BookingOutcome,
    IdentityClaim,
)
from triageline.domain.practice import Practice
from triageline.domain.records import new_id
from triageline.domain.reminders import (
    REQUEST_PHRASES,
    Reminder,
    ReminderStatus,
    ReplyChoice,
    confirmed_text,
    due_at,
    parse_reply,
    reminder_text,
)

log = logging.getLogger("triageline.reminders")

LOOK_AHEAD = timedelta(hours=1)
"""Appointments are given a reminder row this long before the reminder is due."""
LEASE = timedelta(minutes=5)
"""How long a claimed reminder stays with one worker before another may retry it."""


class ReminderStore(Protocol):
    """Durable reminder rows with a claim."""

    def add(self, reminder: Reminder) -> bool:
        """Store a new reminder; False when the appointment already has one."""
        ...

    def has(self, appointment_ids: Sequence[str]) -> set[str]:
        """Which of these appointments already have a reminder."""
        ...

    def claim_due(
        self, now: datetime, worker: str, lease: timedelta, limit: int = 50
    ) -> list[Reminder]:
        """Lease scheduled reminders due by ``now``."""
        ...

    def save(self, reminder: Reminder) -> None:
        """Store a reminder's new status and release its lease."""
        ...

    def awaiting(self, practice_id: str, phone: str, now: datetime) -> Reminder | None:
        """The latest sent reminder to ``phone`` still awaiting a reply."""
        ...


class AppointmentCalendar(Protocol):
    """What reminders need from a practice's built-in calendar."""

    def between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments starting within [start, end)."""
        ...

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment by id."""
        ...

    def confirm(self, appointment_id: str, claim: IdentityClaim, now: datetime) -> BookingOutcome:
        """Record a verified patient's confirmation."""
        ...

    def record_noshow(self, appointment_id: str, now: datetime, actor: str) -> Appointment | None:
        """Mark a booked appointment as a no-show (None when it is not booked)."""
        ...


class TextSender(Protocol):
    """Sends one text message from a practice; True when the provider accepted it."""

    def send_text(self, practice: Practice, to: str, body: str) -> bool:
        """Send ``body`` to ``to``."""
        ...


@dataclass(frozen=True, slots=True)
class ReminderReply:
    """What to do with a reply: answer it (``answer``) or continue a conversation (``opening``)."""

    choice: ReplyChoice
    reminder_id: str
    answer: str | None = None
    opening: str | None = None


@dataclass(frozen=True, slots=True)
class ReminderService:
    """Schedules, sends and answers appointment reminders."""

    store: ReminderStore
    calendar_for: Callable[[str], AppointmentCalendar | None]
    practice: Callable[[str], Practice | None]
    practice_ids: Callable[[], Sequence[str]]
    sender: TextSender
    audit: Callable[[AuditEntry], None]
    worker_id: str = "worker"

    def _audit(
        self,
        practice_id: str,
        action: str,
        subject: str,
        outcome: str,
        at: datetime,
        channel: str = "worker",
    ) -> None:
        self.audit(
            AuditEntry(
                actor="system:reminders",
                action=action,
                subject=subject,
                channel=channel,
                outcome=outcome,
                at=at,
                practice_id=practice_id,
            )
        )

    def schedule_upcoming(self, now: datetime) -> int:
        """Give booked appointments entering their reminder window a reminder row."""
        added = 0
        for practice_id in self.practice_ids():
            practice = self.practice(practice_id)
            calendar = self.calendar_for(practice_id)
            catalog = practice.appointments if practice else None
            if practice is None or calendar is None or catalog is None:
                continue
            policy = catalog.reminders
            if not policy.enabled:
                continue
            upcoming = [
                a
                for a in calendar.between(now, now + policy.lead + LOOK_AHEAD)
                if a.status is AppointmentStatus.BOOKED and a.patient.phone
            ]
            known = self.store.has([a.id for a in upcoming])
            for appointment in upcoming:
                if appointment.id in known:
                    continue
                reminder = Reminder(
                    id=new_id(),
                    practice_id=practice_id,
                    appointment_id=appointment.id,
                    phone=appointment.patient.phone,
                    language=practice.default_language,
                    appointment_start=appointment.start,
                    due_at=due_at(appointment.start, policy.lead),
                )
                if self.store.add(reminder):
                    added += 1
        return added

    def run_due(self, now: datetime, limit: int = 50) -> int:
        """Schedule new reminders, then send the due ones; how many were sent."""
        self.schedule_upcoming(now)
        sent = 0
        for reminder in self.store.claim_due(now, self.worker_id, LEASE, limit):
            if self._send(reminder, now):
                sent += 1
        return sent

    def _send(self, reminder: Reminder, now: datetime) -> bool:
        practice = self.practice(reminder.practice_id)
        calendar = self.calendar_for(reminder.practice_id)
        appointment = calendar.get(reminder.appointment_id) if calendar else None
        subject = f"appointment:{reminder.appointment_id}"
        if (
            practice is None
            or appointment is None
            or appointment.status is not AppointmentStatus.BOOKED
            or appointment.start != reminder.appointment_start
            or reminder.too_late(now)
        ):
            self.store.save(reminder.move(ReminderStatus.SKIPPED, now))
            self._audit(reminder.practice_id, "appointment.reminder", subject, "skipped", now)
            return False
        try:
            place = practice.location(appointment.location_id)
            where = f"{place.name}, {place.address}"
            local = appointment.start.astimezone(place.tz)
        except (KeyError, LookupError, ValueError):
            where, local = practice.name, appointment.start.astimezone(practice.tz)
        body = reminder_text(practice.name, local, where, reminder.language)
        ok = self.sender.send_text(practice, reminder.phone, body)
        status = ReminderStatus.SENT if ok else ReminderStatus.FAILED
        self.store.save(reminder.move(status, now))
        self._audit(
            reminder.practice_id, "appointment.reminder", subject, "sent" if ok else "failed", now
        )
        return ok

    def reply(self, practice_id: str, phone: str, body: str, now: datetime) -> ReminderReply | None:
        """Act on a text that answers a reminder (None: not a reply; handle it as usual)."""
        choice = parse_reply(body)
        if choice is None:
            return None
        reminder = self.store.awaiting(practice_id, phone, now)
        if reminder is None or not reminder.awaits_reply(now):
            return None
        subject = f"appointment:{reminder.appointment_id}"
        if choice is ReplyChoice.CONFIRM:
            ok = self._confirm(reminder, now)
            self.store.save(reminder.move(ReminderStatus.CONFIRMED, now))
            self._audit(
                practice_id, "appointment.confirmed", subject, "ok" if ok else "failed", now, "sms"
            )
            return ReminderReply(choice, reminder.id, answer=confirmed_text(reminder.language, ok))
        status = (
            ReminderStatus.RESCHEDULE_REQUESTED
            if choice is ReplyChoice.RESCHEDULE
            else ReminderStatus.CANCEL_REQUESTED
        )
        self.store.save(reminder.move(status, now))
        self._audit(
            practice_id, "appointment.reminder_reply", subject, choice.name.lower(), now, "sms"
        )
        return ReminderReply(
            choice, reminder.id, opening=REQUEST_PHRASES[(choice, reminder.language)]
        )

    def _confirm(self, reminder: Reminder, now: datetime) -> bool:
        calendar = self.calendar_for(reminder.practice_id)
        appointment = calendar.get(reminder.appointment_id) if calendar else None
        if calendar is None or appointment is None:
            return False
        # The reply answers a reminder sent to the number on this appointment; confirming
        # reveals nothing and changes no time, so the appointment's own record is the claim.
        claim = IdentityClaim(appointment.patient.name, appointment.patient.birth_date)
        return isinstance(calendar.confirm(appointment.id, claim, now), Booked)

    def record_noshow(
        self, practice_id: str, appointment_id: str, now: datetime, actor: str
    ) -> bool:
        """Record that the patient did not come (status noshow + audit); False if not booked."""
        calendar = self.calendar_for(practice_id)
        changed = calendar.record_noshow(appointment_id, now, actor) if calendar else None
        self._audit(
            practice_id,
            "appointment.noshow",
            f"appointment:{appointment_id}",
            "ok" if changed else "rejected",
            now,
            "cli",
        )
        return changed is not None
