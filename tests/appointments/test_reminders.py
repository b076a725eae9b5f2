"""Reminders: scheduled as durable rows, sent once when due (injected clock), replies C/R/X."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from twilio.request_validator import RequestValidator

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.domain.booking import Appointment, AppointmentStatus
from triageline.domain.practice import Practice
from triageline.domain.reminders import ReplyChoice, parse_reply
from triageline.entrypoints.booking_wiring import build_reminders
from triageline.services.reminders import ReminderService

from .appointments_builders import NEW_PATIENT_TURNS, TWILIO_TOKEN, LiveApp
from .test_live_booking import _chat

BASE = "https://triageline.test"
MAIN_NUMBER = "+15125550100"


@dataclass
class CapturingSender:
    """Records every text instead of sending it."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send_text(self, practice: Practice, to: str, body: str) -> bool:
        self.sent.append((to, body))
        return True


def _booked(live: LiveApp) -> tuple[CatalogScheduler, Appointment]:
    _chat(live, NEW_PATIENT_TURNS)
    assert live.web.booking is not None
    scheduler = live.web.booking.schedulers.scheduler_for("demo")
    assert isinstance(scheduler, CatalogScheduler)
    now = live.clock.now()
    found = scheduler.between(now, now + timedelta(days=7))
    assert len(found) == 1
    return scheduler, found[0]


def _service(live: LiveApp, sender: CapturingSender, worker: str = "w1") -> ReminderService:
    assert live.web.booking is not None

    def practice(practice_id: str) -> Practice | None:
        loaded = live.web.directory.get(practice_id)
        return loaded.practice if loaded else None

    return build_reminders(
        live.container, live.web.booking.schedulers, practice, lambda: ["demo"], sender, worker
    )


def _sms(live: LiveApp, sid: str, sender: str, body: str) -> str:
    params = {"MessageSid": sid, "From": sender, "To": MAIN_NUMBER, "Body": body}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{BASE}/twilio/sms", params)
    response = live.client.post(
        "/twilio/sms", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200, response.text
    return str(response.text)


def test_parse_reply() -> None:
    assert parse_reply(" c ") is ReplyChoice.CONFIRM
    assert parse_reply("R.") is ReplyChoice.RESCHEDULE
    assert parse_reply("cancelar") is ReplyChoice.CANCEL
    assert parse_reply("取消") is ReplyChoice.CANCEL
    assert parse_reply("can I come earlier") is None


def test_reminder_is_sent_once_when_due_with_no_clinical_detail(live: LiveApp) -> None:
    _scheduler, appointment = _booked(live)
    sender = CapturingSender()
    first, second = _service(live, sender, "w1"), _service(live, sender, "w2")
    due = appointment.start - timedelta(hours=24)

    live.clock.set(due - timedelta(minutes=30))
    assert first.run_due(live.clock.now()) == 0  # scheduled, not yet due
    assert sender.sent == []

    live.clock.set(due + timedelta(minutes=1))
    assert first.run_due(live.clock.now()) == 1
    assert second.run_due(live.clock.now()) == 0  # never twice, whichever worker runs
    assert len(sender.sent) == 1
    to, body = sender.sent[0]
    assert to == appointment.patient.phone
    assert "Riverbend" in body and "Reply C to confirm, R to reschedule, X to cancel" in body
    assert "knee" not in body and "Maria" not in body and "Lopez" not in body


def test_a_cancelled_appointment_gets_no_reminder(live: LiveApp) -> None:
    scheduler, appointment = _booked(live)
    sender = CapturingSender()
    service = _service(live, sender)
    live.clock.set(appointment.start - timedelta(hours=25))
    service.run_due(live.clock.now())
    cancelled = appointment.transition(AppointmentStatus.CANCELLED, live.clock.now(), "staff")
    scheduler._store.update(cancelled)
    live.clock.set(appointment.start - timedelta(hours=23))
    assert service.run_due(live.clock.now()) == 0
    assert sender.sent == []


def test_reply_c_over_sms_confirms_and_is_audited(live: LiveApp) -> None:
    scheduler, appointment = _booked(live)
    sender = CapturingSender()
    service = _service(live, sender)
    live.clock.set(appointment.start - timedelta(hours=23))
    assert service.run_due(live.clock.now()) == 1
    live.clock.advance(timedelta(minutes=10))
    answer = _sms(live, "SM" + "c" * 32, appointment.patient.phone, "C")
    assert "confirmed" in answer
    confirmed = scheduler.get(appointment.id)
    assert confirmed is not None and confirmed.confirmed_at == live.clock.now()
    with live.container.uow_factory() as uow:
        actions = [(e.entry.action, e.entry.outcome) for e in uow.audit.list(limit=1000)]
    assert ("appointment.confirmed", "ok") in actions
    # A second "C" is not a reply to anything any more: it starts an ordinary conversation.
    again = _sms(live, "SM" + "d" * 32, appointment.patient.phone, "C")
    assert "confirmed" not in again


def test_reply_x_asks_for_identity_before_cancelling(live: LiveApp) -> None:
    scheduler, appointment = _booked(live)
    service = _service(live, CapturingSender())
    live.clock.set(appointment.start - timedelta(hours=23))
    service.run_due(live.clock.now())
    answer = _sms(live, "SM" + "e" * 32, appointment.patient.phone, "X")
    assert "name" in answer.lower()
    still = scheduler.get(appointment.id)
    assert still is not None and still.status is AppointmentStatus.BOOKED


def test_noshow_is_recorded(live: LiveApp) -> None:
    scheduler, appointment = _booked(live)
    service = _service(live, CapturingSender())
    live.clock.set(appointment.end + timedelta(minutes=30))
    assert service.record_noshow("demo", appointment.id, live.clock.now(), "user:desk")
    missed = scheduler.get(appointment.id)
    assert missed is not None and missed.status is AppointmentStatus.NOSHOW
    assert not service.record_noshow("demo", appointment.id, live.clock.now(), "user:desk")
