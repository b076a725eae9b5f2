"""Appointment reminders: when one is due, what it says (no clinical detail), and the replies.

A reminder is sent ``lead`` before the appointment to the phone on the appointment. It names the
practice, the day and time and the location only. Replies: ``C`` confirms; ``R`` and ``X``
continue as a text conversation that verifies name and date of birth before moving or
cancelling anything (caller ID alone never changes an appointment).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from triageline.domain.phrasing import en_clock, weekday_name
from triageline.domain.triage.types import Language

MIN_NOTICE = timedelta(hours=1)
"""A reminder that could only go out later than this before the visit is skipped."""


class ReminderStatus(StrEnum):
    """Where a reminder is: scheduled, sent (awaiting a reply), answered, or skipped."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    CONFIRMED = "confirmed"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    CANCEL_REQUESTED = "cancel_requested"
    SKIPPED = "skipped"
    FAILED = "failed"


_NEXT: dict[ReminderStatus, frozenset[ReminderStatus]] = {
    ReminderStatus.SCHEDULED: frozenset(
        {ReminderStatus.SENT, ReminderStatus.SKIPPED, ReminderStatus.FAILED}
    ),
    ReminderStatus.SENT: frozenset(
        {
            ReminderStatus.CONFIRMED,
            ReminderStatus.RESCHEDULE_REQUESTED,
            ReminderStatus.CANCEL_REQUESTED,
        }
    ),
    ReminderStatus.CONFIRMED: frozenset(),
    ReminderStatus.RESCHEDULE_REQUESTED: frozenset(),
    ReminderStatus.CANCEL_REQUESTED: frozenset(),
    ReminderStatus.SKIPPED: frozenset(),
    ReminderStatus.FAILED: frozenset(),
}


class ReminderTransitionError(ValueError):
    """A reminder was asked to move to a status it cannot reach."""


class ReplyChoice(StrEnum):
    """What a reply to a reminder asks for."""

    CONFIRM = "C"
    RESCHEDULE = "R"
    CANCEL = "X"


_REPLIES: dict[str, ReplyChoice] = {
    "c": ReplyChoice.CONFIRM,
    "confirm": ReplyChoice.CONFIRM,
    "confirmar": ReplyChoice.CONFIRM,
    "确认": ReplyChoice.CONFIRM,
    "r": ReplyChoice.RESCHEDULE,
    "reschedule": ReplyChoice.RESCHEDULE,
    "cambiar": ReplyChoice.RESCHEDULE,
    "改约": ReplyChoice.RESCHEDULE,
    "x": ReplyChoice.CANCEL,
    "cancel": ReplyChoice.CANCEL,
    "cancelar": ReplyChoice.CANCEL,
    "取消": ReplyChoice.CANCEL,
}


def parse_reply(body: str) -> ReplyChoice | None:
    """The choice a text makes (``C``, ``r.``, `` X ``, ``confirmar``...), or None."""
    word = body.strip().strip(".!。！ ").casefold()
    return _REPLIES.get(word)


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder for one appointment (the phone number is PHI: stored sealed)."""

    id: str
    practice_id: str
    appointment_id: str
    phone: str
    language: Language
    appointment_start: datetime
    due_at: datetime
    status: ReminderStatus = ReminderStatus.SCHEDULED
    sent_at: datetime | None = None
    replied_at: datetime | None = None

    def move(self, to: ReminderStatus, at: datetime) -> Reminder:
        """The reminder in a new status; an illegal move raises."""
        if to not in _NEXT[self.status]:
            raise ReminderTransitionError(f"reminder {self.id}: {self.status} -> {to}")
        if to is ReminderStatus.SENT:
            return replace(self, status=to, sent_at=at)
        if self.status is ReminderStatus.SENT:
            return replace(self, status=to, replied_at=at)
        return replace(self, status=to)

    def awaits_reply(self, now: datetime) -> bool:
        """True while a reply can still act on the appointment."""
        return self.status is ReminderStatus.SENT and now < self.appointment_start

    def too_late(self, now: datetime) -> bool:
        """True when the visit is too close (or past) for a reminder to help."""
        return now > self.appointment_start - MIN_NOTICE


def due_at(appointment_start: datetime, lead: timedelta) -> datetime:
    """When the reminder for an appointment goes out."""
    return appointment_start - lead


_TEXT = {
    Language.EN: (
        "{practice}: reminder of your appointment on {when} at {place}. "
        "Reply C to confirm, R to reschedule, X to cancel."
    ),
    Language.ES: (
        "{practice}: le recordamos su cita el {when} en {place}. "
        "Responda C para confirmar, R para cambiarla, X para cancelarla."
    ),
    Language.ZH: "{practice}：提醒您的预约时间为{when}，地点：{place}。回复C确认，R改约，X取消。",
}


def _when(local: datetime, lang: Language) -> str:
    day = weekday_name(local, lang)
    if lang is Language.ES:
        return f"{day} {local.day}/{local.month} a las {local:%H:%M}"
    if lang is Language.ZH:
        return f"{local.month}月{local.day}日（{day}）{local:%H:%M}"
    return f"{day}, {local:%b} {local.day} at {en_clock(local)}"


def reminder_text(practice_name: str, local_start: datetime, place: str, lang: Language) -> str:
    """The reminder: practice, day and time, location and the reply codes; nothing clinical."""
    return _TEXT[lang].format(practice=practice_name, when=_when(local_start, lang), place=place)


_CONFIRMED = {
    Language.EN: "Thank you, your appointment is confirmed.",
    Language.ES: "Gracias, su cita está confirmada.",
    Language.ZH: "谢谢，您的预约已确认。",
}
_NOT_CONFIRMED = {
    Language.EN: "We could not confirm this appointment. Please call the office.",
    Language.ES: "No pudimos confirmar esta cita. Por favor llame al consultorio.",
    Language.ZH: "无法确认此预约，请致电诊所。",
}


def confirmed_text(lang: Language, ok: bool) -> str:
    """The answer to a ``C`` reply."""
    return (_CONFIRMED if ok else _NOT_CONFIRMED)[lang]


REQUEST_PHRASES = {
    (ReplyChoice.RESCHEDULE, Language.EN): "I need to reschedule my appointment",
    (ReplyChoice.RESCHEDULE, Language.ES): "Necesito cambiar mi cita",
    (ReplyChoice.RESCHEDULE, Language.ZH): "我想改预约时间",
    (ReplyChoice.CANCEL, Language.EN): "I need to cancel my appointment",
    (ReplyChoice.CANCEL, Language.ES): "Necesito cancelar mi cita",
    (ReplyChoice.CANCEL, Language.ZH): "我想取消预约",
}
"""What an ``R`` or ``X`` reply means, as the opening of the text conversation that follows."""
