"""Booking in the conversation, end to end through the calls service, engine and scheduler."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.memory import memory_scheduler
from triageline.domain.booking import (
    AppointmentStatus,
    Booked,
    BookingOutcome,
    BookingPolicy,
    BookingRequest,
    CallerPreference,
    PatientIdentity,
    PatientKind,
    SlotRequest,
    StaffTask,
)
from triageline.domain.dialogue.booking_flow import appointment_outcome
from triageline.domain.dialogue.booking_records import (
    BookingFlow,
    BookingStage,
    BookingStatus,
    SpokenSlot,
    flow_from_obj,
    flow_to_obj,
)
from triageline.domain.dialogue.state import DialogueState
from triageline.domain.records import Channel
from triageline.domain.triage.types import Language
from triageline.entrypoints.web import fhir_api

from .booking_dialogue_builders import SUNDAY_NOON, Conversation, make_conversation

TOKEN = "booking-dialogue-token"


def _state(conv: Conversation) -> DialogueState:
    assert conv.last is not None
    call, _turns, _messages = conv.service.transcript(conv.last.call_id)
    assert call is not None and call.dialogue_state
    return DialogueState.from_json(call.dialogue_state)


def _book_new_patient(conv: Conversation, *, channel_digits: bool = False) -> list[str]:
    say = conv.say
    heard = [
        conv.start(),
        say("I would like to make an appointment"),
        say("no"),
        say("Maria Lopez"),
        say("March 5th, 1980"),
        say("yes"),
        say("a checkup for my knee"),
        say("self pay"),
        say("Monday"),
        conv.press("1") if channel_digits else say("the first one"),
        say("yes"),
    ]
    return heard


def test_a_sunday_call_books_mondays_earliest_slot_and_fhir_shows_it_busy() -> None:
    conv = make_conversation()
    heard = _book_new_patient(conv)
    practice = conv.practice
    catalog = practice.appointments
    assert catalog is not None

    # Independently: the earliest slot the rules allow for a new patient on a Monday.
    request = SlotRequest(
        "new-patient",
        PatientKind.NEW,
        preference=CallerPreference(weekdays=frozenset({0}), language=Language.EN),
    )
    earliest = BookingPolicy().candidates(catalog, request, [], SUNDAY_NOON)
    monday = [s for s in earliest if s.start.date() == date(2026, 3, 2)]
    assert monday, "the demo practice has Monday slots for new patients"
    expected = monday[0]

    assert "You are booked" in heard[-1]
    outcome = appointment_outcome(_state(conv))
    assert outcome is not None
    assert outcome.status == "booked"
    assert outcome.type_id == "new-patient"
    assert outcome.start == expected.start

    app = FastAPI()
    app.include_router(fhir_api.router, prefix="/fhir/R4")
    assert isinstance(conv.scheduler, CatalogScheduler)
    app.state.fhir_backend = fhir_api.FhirApiBackend(
        scheduler=conv.scheduler, clock=lambda: SUNDAY_NOON, tokens=frozenset({TOKEN})
    )
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        slot = client.get(f"/fhir/R4/Slot/{expected.id}", headers=auth)
        assert slot.status_code == 200, slot.text
        assert slot.json()["status"] == "busy"
        other = earliest[-1]
        free = client.get(f"/fhir/R4/Slot/{other.id}", headers=auth)
        assert free.json()["status"] == "free"


def test_the_booked_call_is_recorded_as_an_appointment_with_audit() -> None:
    conv = make_conversation()
    _book_new_patient(conv, channel_digits=True)
    call, _turns, messages = conv.service.transcript(conv.last.call_id if conv.last else "")
    assert call is not None
    assert call.disposition == "appointment"
    assert messages == []  # booked: no message needed


class _StaffOnly:
    """A scheduler whose calendar cannot be written: every booking becomes a staff task."""

    def __init__(self, inner: CatalogScheduler) -> None:
        self.inner = inner
        self.tasks: list[BookingRequest] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def book(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        self.tasks.append(booking)
        return StaffTask(f"task-{len(self.tasks)}", "EHR is read-only", booking.slot)


def test_a_staff_task_is_told_truthfully_never_as_booked() -> None:
    conv = make_conversation()
    catalog = conv.practice.appointments
    assert catalog is not None
    staff = _StaffOnly(memory_scheduler(catalog))
    conv = make_conversation(scheduler=staff)  # type: ignore[arg-type]
    heard = _book_new_patient(conv)
    last = heard[-1]
    assert "not booked yet" in last
    assert "front desk" in last and "call you to confirm" in last
    assert "You are booked" not in " ".join(heard)
    assert len(staff.tasks) == 1
    assert appointment_outcome(_state(conv)) is None
    call, _t, _m = conv.service.transcript(conv.last.call_id if conv.last else "")
    assert call is not None and call.disposition != "appointment"


def _existing(scheduler: CatalogScheduler, start_after: datetime) -> str:
    catalog = scheduler.catalog
    request = SlotRequest("follow-up", PatientKind.EXISTING)
    slot = BookingPolicy().candidates(catalog, request, [], start_after)[0]
    patient = PatientIdentity("María López", date(1980, 3, 5), "+15125550199")
    outcome = scheduler.book(BookingRequest(slot, request, patient, "follow-up"), start_after)
    assert isinstance(outcome, Booked)
    return outcome.appointment.id


def test_reschedule_in_spanish_after_name_and_birth_date() -> None:
    conv = make_conversation()
    assert isinstance(conv.scheduler, CatalogScheduler)
    old_id = _existing(conv.scheduler, SUNDAY_NOON)
    conv.start()
    first = conv.say("Necesito cambiar mi cita")
    assert "nombre completo" in first
    assert conv.say("María López").startswith("¿Cuál es la fecha")
    found = conv.say("5 de marzo de 1980")
    assert "Encontré la cita" in found
    offered = conv.say("el martes por la tarde")
    assert "Tengo estos horarios" in offered or "No encontré exactamente" in offered
    assert "martes" in offered
    confirm = conv.say("la primera")
    assert "¿Se la reservo?" in confirm
    done = conv.say("sí")
    assert "Listo. Su cita ahora es" in done
    old = conv.scheduler.get(old_id)
    assert old is not None and old.status is AppointmentStatus.CANCELLED
    outcome = appointment_outcome(_state(conv))
    assert outcome is not None and outcome.status == "booked"
    assert (
        outcome.start.astimezone(conv.scheduler.catalog.template("dr-alvarez").zone).weekday() == 1
    )


def test_nothing_is_revealed_or_changed_without_a_matching_birth_date() -> None:
    conv = make_conversation()
    assert isinstance(conv.scheduler, CatalogScheduler)
    old_id = _existing(conv.scheduler, SUNDAY_NOON)
    conv.start()
    conv.say("I want to cancel my appointment")
    conv.say("Maria Lopez")
    first = conv.say("March 6 1980")
    assert "could not find" in first
    conv.say("Maria Lopez")
    second = conv.say("March 6 1980")
    assert "could not find" in second
    heard = " ".join(conv.heard)
    for secret in ("Alvarez", "Chen", "Okafor", "Follow-up", "March 2", "AM"):
        assert secret not in heard
    still = conv.scheduler.get(old_id)
    assert still is not None and still.status is AppointmentStatus.BOOKED


def test_caller_id_alone_reveals_nothing() -> None:
    conv = make_conversation()
    assert isinstance(conv.scheduler, CatalogScheduler)
    _existing(conv.scheduler, SUNDAY_NOON)
    conv.start()
    asked = conv.say("I need to confirm my appointment")
    assert "full name and date of birth" in asked
    assert "Alvarez" not in asked and "Chen" not in asked


def test_booking_over_sms_uses_typed_wording() -> None:
    conv = make_conversation(channel=Channel.SMS)
    conv.start()
    conv.say("I need an appointment")
    conv.say("yes")
    conv.say("Maria Lopez")
    typed_dob = conv.say("03/05/1980")
    assert "best number" in typed_dob or "We will call you" in typed_dob
    conv.say("yes")
    conv.say("sore knee")
    conv.say("Aetna")
    offer = conv.say("any time")
    assert "Reply with its number" in offer


def test_a_red_flag_while_booking_goes_back_to_triage() -> None:
    conv = make_conversation()
    conv.start()
    conv.say("I would like to make an appointment")
    conv.say("yes")
    conv.say("Maria Lopez")
    conv.say("March 5 1980")
    conv.say("yes")
    heard = conv.say("I have crushing chest pain and I am sweating")
    assert heard.index("911") < 80


def test_the_flow_state_round_trips_through_json() -> None:
    slot = SpokenSlot(
        "dr-chen.20260302T1400.sick",
        datetime.fromisoformat("2026-03-02T08:00:00-06:00"),
        datetime.fromisoformat("2026-03-02T08:15:00-06:00"),
        "dr-chen",
        "Dr. David Chen",
        "austin",
        "South Austin",
        "sick",
        "Sick visit",
    )
    flow = BookingFlow(
        kind="new",
        stage=BookingStage.CHOOSE,
        patient_kind="new",
        insurance=None,
        insurance_given=True,
        weekdays=(0, 2),
        time_of_day="morning",
        offered=(slot,),
        chosen=slot,
        outcome=BookingStatus.BOOKED,
        result=slot,
        attempts=1,
    )
    assert flow_from_obj(flow_to_obj(flow)) == flow
    state = DialogueState(booking=flow)
    assert DialogueState.from_json(state.to_json()) == state
    assert timedelta(minutes=15) == slot.end - slot.start


def test_an_existing_patient_books_in_chinese() -> None:
    conv = make_conversation()
    conv.start()
    for answer in ("我想预约看医生", "对", "王小明", "1980年3月5日", "对", "膝盖疼", "自费"):
        conv.say(answer)
    offer = conv.say("星期一下午")
    assert offer.startswith("现在有这些时间") and "星期一下午" in offer
    assert "要帮您预约吗" in conv.say("第一个")
    assert conv.say("对").startswith("已为您预约好")
    outcome = appointment_outcome(_state(conv))
    assert outcome is not None and outcome.type_id == "follow-up"
