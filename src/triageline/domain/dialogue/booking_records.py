"""Booking in the conversation: the service's answers (events) and the flow's own state.

The dialogue never talks to a calendar. It emits a ``Book`` action; the service asks the
scheduler and answers with one of the events below, which ``step`` takes like a caller event.
Everything here is a frozen value that round-trips through JSON with the dialogue state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class BookingStage(StrEnum):
    """What the booking flow is waiting for."""

    PATIENT_STATUS = "patient_status"
    NAME = "name"
    DOB = "dob"
    PHONE = "phone"
    PHONE_CONFIRM = "phone_confirm"
    REASON = "reason"
    INSURANCE = "insurance"
    PREFERENCE = "preference"
    CHOOSE = "choose"
    CONFIRM = "confirm"
    PICK_APPOINTMENT = "pick_appointment"
    CONFIRM_CHANGE = "confirm_change"
    WAITING = "waiting"
    FINISHED = "finished"


class BookingStatus(StrEnum):
    """What the scheduler did with a request (``StaffTask`` is never reported as booked)."""

    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    STAFF_TASK = "staff_task"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    NOT_VERIFIED = "not_verified"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SpokenSlot:
    """A slot or appointment as the caller hears it; ``start`` is in the provider's local zone.

    ``ref`` is the slot id for an offered slot and the appointment id for an appointment.
    """

    ref: str
    start: datetime
    end: datetime
    provider_id: str
    provider_name: str
    location_id: str
    location_name: str
    type_id: str
    type_name: str
    status: str = ""


@dataclass(frozen=True, slots=True)
class SlotsOffered:
    """The service found these slots (up to three, earliest suitable first; may be empty)."""

    slots: tuple[SpokenSlot, ...]
    at: datetime
    relaxed: bool = False


@dataclass(frozen=True, slots=True)
class AppointmentsFound:
    """The caller's upcoming appointments, found only when name and birth date verified."""

    appointments: tuple[SpokenSlot, ...]
    at: datetime


@dataclass(frozen=True, slots=True)
class BookingResult:
    """The outcome of a book, reschedule, cancel or confirm request."""

    status: BookingStatus
    at: datetime
    appointment: SpokenSlot | None = None
    alternatives: tuple[SpokenSlot, ...] = ()
    reference: str = ""


BookingEvent = SlotsOffered | AppointmentsFound | BookingResult
"""Everything the service answers a ``Book`` action with."""

BOOKING_EVENTS = (SlotsOffered, AppointmentsFound, BookingResult)
"""The booking event classes, for ``isinstance`` checks."""


@dataclass(frozen=True, slots=True)
class BookingFlow:
    """Where a booking conversation stands (caller details live in ``CallerDetails``)."""

    kind: str
    stage: BookingStage
    patient_kind: str | None = None
    insurance: str | None = None
    insurance_given: bool = False
    weekdays: tuple[int, ...] = ()
    time_of_day: str = "any"
    offered: tuple[SpokenSlot, ...] = ()
    chosen: SpokenSlot | None = None
    found: tuple[SpokenSlot, ...] = ()
    current: SpokenSlot | None = None
    outcome: BookingStatus | None = None
    result: SpokenSlot | None = None
    attempts: int = 0

    def with_(self, **changes: object) -> BookingFlow:
        """A copy with fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _slot_to_obj(slot: SpokenSlot | None) -> dict[str, str] | None:
    if slot is None:
        return None
    return {
        "ref": slot.ref,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "provider_id": slot.provider_id,
        "provider_name": slot.provider_name,
        "location_id": slot.location_id,
        "location_name": slot.location_name,
        "type_id": slot.type_id,
        "type_name": slot.type_name,
        "status": slot.status,
    }


def _slot_from_obj(obj: object) -> SpokenSlot | None:
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise TypeError("a slot must be an object")
    return SpokenSlot(
        ref=str(obj["ref"]),
        start=datetime.fromisoformat(str(obj["start"])),
        end=datetime.fromisoformat(str(obj["end"])),
        provider_id=str(obj["provider_id"]),
        provider_name=str(obj["provider_name"]),
        location_id=str(obj["location_id"]),
        location_name=str(obj["location_name"]),
        type_id=str(obj["type_id"]),
        type_name=str(obj["type_name"]),
        status=str(obj.get("status", "")),
    )


def _slots_from_obj(obj: object) -> tuple[SpokenSlot, ...]:
    if not isinstance(obj, list):
        raise TypeError("slots must be a list")
    found = [_slot_from_obj(item) for item in obj]
    return tuple(slot for slot in found if slot is not None)


def flow_to_obj(flow: BookingFlow | None) -> dict[str, object] | None:
    """The flow as JSON-ready data (None stays None)."""
    if flow is None:
        return None
    return {
        "kind": flow.kind,
        "stage": flow.stage.value,
        "patient_kind": flow.patient_kind,
        "insurance": flow.insurance,
        "insurance_given": flow.insurance_given,
        "weekdays": list(flow.weekdays),
        "time_of_day": flow.time_of_day,
        "offered": [_slot_to_obj(s) for s in flow.offered],
        "chosen": _slot_to_obj(flow.chosen),
        "found": [_slot_to_obj(s) for s in flow.found],
        "current": _slot_to_obj(flow.current),
        "outcome": flow.outcome.value if flow.outcome else None,
        "result": _slot_to_obj(flow.result),
        "attempts": flow.attempts,
    }


def flow_from_obj(obj: object) -> BookingFlow | None:
    """Rebuild a flow from :func:`flow_to_obj` data; TypeError/KeyError/ValueError when bad."""
    if obj is None:
        return None
    if not isinstance(obj, dict):
        raise TypeError("booking must be an object")
    weekdays = obj["weekdays"]
    if not isinstance(weekdays, list):
        raise TypeError("weekdays must be a list")
    outcome = obj["outcome"]
    patient_kind = obj["patient_kind"]
    insurance = obj["insurance"]
    attempts = obj["attempts"]
    if isinstance(attempts, bool) or not isinstance(attempts, int):
        raise TypeError("attempts must be an integer")
    return BookingFlow(
        kind=str(obj["kind"]),
        stage=BookingStage(str(obj["stage"])),
        patient_kind=None if patient_kind is None else str(patient_kind),
        insurance=None if insurance is None else str(insurance),
        insurance_given=bool(obj["insurance_given"]),
        weekdays=tuple(int(day) for day in weekdays),
        time_of_day=str(obj["time_of_day"]),
        offered=_slots_from_obj(obj["offered"]),
        chosen=_slot_from_obj(obj["chosen"]),
        found=_slots_from_obj(obj["found"]),
        current=_slot_from_obj(obj["current"]),
        outcome=None if outcome is None else BookingStatus(str(outcome)),
        result=_slot_from_obj(obj["result"]),
        attempts=attempts,
    )
