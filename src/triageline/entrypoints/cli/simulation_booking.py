"""Appointments in ``simulate``: a memory calendar, ``#appointment`` seeds, the outcome entry.

``#appointment <type> <ISO start> <patient name> <date of birth>`` (e.g. ``#appointment follow-up
2026-03-10T09:00:00-05:00 Ana Ruiz 1975-04-02``) puts an existing appointment on the simulated
practice's calendar before the call starts, so a script can reschedule, cancel or confirm it. The
start must be a slot the practice's availability offers for that type; the appointment is booked
for the simulated caller's number, as if made two weeks earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.memory import memory_scheduler
from triageline.domain.booking import (
    Appointment,
    Booked,
    BookingCatalog,
    BookingError,
    BookingRequest,
    PatientIdentity,
    PatientKind,
    SlotRequest,
    generate_slots,
)
from triageline.domain.dialogue.booking_flow import appointment_outcome
from triageline.domain.dialogue.state import DialogueState
from triageline.domain.practice import Practice
from triageline.services.booking_desk import BookingDesk, SchedulerDirectory

BOOKED_BEFORE = timedelta(days=14)
"""How long before the simulated call a seeded appointment was booked."""


class SeedError(ValueError):
    """An ``#appointment`` directive that cannot be put on the calendar."""


@dataclass(frozen=True, slots=True)
class AppointmentSeed:
    """An existing appointment a script starts with."""

    type_id: str
    start: datetime
    patient_name: str
    birth_date: date


def parse_seed(text: str) -> AppointmentSeed:
    """``<type> <ISO start with offset> <name ...> <YYYY-MM-DD>`` as a seed; SeedError if not."""
    words = text.split()
    usage = "use #appointment <type> <ISO start with offset> <patient name> <YYYY-MM-DD>"
    if len(words) < 4:
        raise SeedError(usage)
    try:
        start = datetime.fromisoformat(words[1])
        born = date.fromisoformat(words[-1])
    except ValueError:
        raise SeedError(usage) from None
    if start.tzinfo is None:
        raise SeedError("the appointment start needs a UTC offset")
    return AppointmentSeed(words[0], start, " ".join(words[2:-1]), born)


@dataclass(frozen=True, slots=True)
class SimulatedCalendar:
    """The practice's calendar in memory and the booking desk over it."""

    scheduler: CatalogScheduler
    desk: BookingDesk

    def seed(self, seed: AppointmentSeed, phone: str, at: datetime) -> Appointment:
        """Book the seeded appointment as if it were made ``BOOKED_BEFORE`` ahead of ``at``."""
        catalog = self.scheduler.catalog
        try:
            kind = catalog.type(seed.type_id)
        except BookingError as error:
            raise SeedError(str(error)) from None
        slot = next(
            (
                s
                for template in catalog.providers_for(kind)
                for s in generate_slots(
                    template, kind, seed.start, seed.start + timedelta(minutes=1), catalog.holidays
                )
                if s.start == seed.start
            ),
            None,
        )
        if slot is None:
            raise SeedError(f"no {seed.type_id} slot starts at {seed.start.isoformat()}")
        patient_kind = (
            PatientKind.EXISTING if PatientKind.EXISTING in kind.patient_kinds else PatientKind.NEW
        )
        request = BookingRequest(
            slot,
            SlotRequest(seed.type_id, patient_kind),
            PatientIdentity(seed.patient_name, seed.birth_date, phone),
        )
        outcome = self.scheduler.book(request, at - BOOKED_BEFORE)
        if not isinstance(outcome, Booked):
            raise SeedError(f"the appointment could not be seeded: {outcome}")
        return outcome.appointment


def simulated_calendar(practice: Practice) -> SimulatedCalendar | None:
    """A memory calendar from the practice's appointments section (None without one)."""
    catalog: BookingCatalog | None = practice.appointments
    if catalog is None:
        return None
    scheduler = memory_scheduler(catalog)
    return SimulatedCalendar(scheduler, BookingDesk(SchedulerDirectory({practice.id: scheduler})))


def appointment_entry(dialogue_state: str | None) -> dict[str, str] | None:
    """The outcome's ``appointment``: ``{"start", "status", "type"}``, or None."""
    if not dialogue_state:
        return None
    outcome = appointment_outcome(DialogueState.from_json(dialogue_state))
    if outcome is None:
        return None
    return {
        "start": outcome.start.isoformat(),
        "status": outcome.status,
        "type": outcome.type_id,
    }
