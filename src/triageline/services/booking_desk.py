"""Answering the dialogue's ``Book`` actions through the scheduling port.

The dialogue stays pure: it emits ``Book`` and waits. :func:`resolve_bookings` (called by the
calls service inside the step) hands each request to :class:`BookingDesk`, which asks the
practice's :class:`Scheduler` and turns the typed outcome into a booking event that is stepped
back into the conversation. A ``StaffTask`` outcome stays a staff task all the way to the
caller; an error is answered with ``FAILED`` (the caller is told nothing was booked and a
message is taken), never with silence or a false success.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Protocol

from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    Booked,
    BookingCatalog,
    BookingError,
    CallerPreference,
    Cancelled,
    Conflict,
    IdentityClaim,
    PatientIdentity,
    PatientKind,
    Rejected,
    Slot,
    SlotRequest,
    StaffTask,
    TimeOfDay,
)
from triageline.domain.booking import BookingRequest as SchedulerBooking
from triageline.domain.dialogue.actions import Action, Book, BookingOperation, BookingRequest
from triageline.domain.dialogue.booking_records import (
    AppointmentsFound,
    BookingEvent,
    BookingResult,
    BookingStatus,
    SlotsOffered,
    SpokenSlot,
)
from triageline.domain.dialogue.context import DialogueContext
from triageline.domain.dialogue.machine import step
from triageline.domain.dialogue.state import DialogueState, Phase
from triageline.domain.practice import Practice
from triageline.domain.triage.types import Language
from triageline.services.ports_scheduling import Scheduler

log = logging.getLogger("triageline.booking")

MAX_ROUNDS = 4
"""Book actions answered per caller event at most (search, then book, then alternatives)."""


class SchedulerLookup(Protocol):
    """Finds the scheduler serving a practice."""

    def scheduler_for(self, practice_id: str) -> Scheduler | None:
        """The practice's scheduler, or None when it does not book in conversation."""
        ...


class SchedulerDirectory:
    """The scheduler serving each practice (None: the practice does not book in conversation)."""

    def __init__(self, schedulers: Mapping[str, Scheduler]) -> None:
        """Map practice ids to their schedulers."""
        self._schedulers = dict(schedulers)

    def scheduler_for(self, practice_id: str) -> Scheduler | None:
        """The practice's scheduler, or None."""
        return self._schedulers.get(practice_id)


@dataclass(frozen=True, slots=True)
class BookingDesk:
    """Carries out the dialogue's booking requests for any practice."""

    schedulers: SchedulerLookup

    def can_book(self, practice: Practice) -> bool:
        """True when the practice has appointment types and a scheduler."""
        return (
            practice.appointments is not None
            and self.schedulers.scheduler_for(practice.id) is not None
        )

    def answer(self, practice: Practice, request: BookingRequest, now: datetime) -> BookingEvent:
        """The scheduler's answer to one request, as a booking event (never raises)."""
        scheduler = self.schedulers.scheduler_for(practice.id)
        catalog = practice.appointments
        if scheduler is None or catalog is None:
            return BookingResult(BookingStatus.FAILED, now)
        try:
            return _Answer(practice, catalog, scheduler, request, now).run()
        except (BookingError, ValueError, LookupError, OSError) as error:
            log.warning(
                "booking request failed",
                extra={"operation": request.operation.value, "error": type(error).__name__},
            )
            return BookingResult(BookingStatus.FAILED, now)


def resolve_bookings(
    state: DialogueState,
    actions: Sequence[Action],
    context: DialogueContext,
    answer: Callable[[BookingRequest], BookingEvent],
) -> tuple[DialogueState, list[Action]]:
    """Answer the ``Book`` actions of a step and step the answers back into the conversation."""
    everything = list(actions)
    pending = list(actions)
    for _ in range(MAX_ROUNDS):
        books = [a for a in pending if isinstance(a, Book)]
        if not books or state.phase is not Phase.BOOKING:
            break
        state, pending = step(state, answer(books[-1].request), context)
        everything.extend(pending)
    return state, everything


def booking_context(context: DialogueContext, enabled: bool) -> DialogueContext:
    """The context with in-conversation booking switched on or off."""
    if context.booking_enabled == enabled:
        return context
    return replace(context, booking_enabled=enabled)


# ---------------------------------------------------------------- one request


_TIMES = {
    "morning": TimeOfDay.MORNING,
    "afternoon": TimeOfDay.AFTERNOON,
    "evening": TimeOfDay.EVENING,
}


@dataclass(frozen=True, slots=True)
class _Answer:
    practice: Practice
    catalog: BookingCatalog
    scheduler: Scheduler
    request: BookingRequest
    now: datetime

    def run(self) -> BookingEvent:
        op = self.request.operation
        if op is BookingOperation.SEARCH:
            return self._search()
        if op is BookingOperation.BOOK:
            return self._book()
        claim = self._claim()
        if claim is None:
            return BookingResult(BookingStatus.NOT_VERIFIED, self.now)
        if op is BookingOperation.LOOKUP:
            found = [
                a
                for a in self.scheduler.find_for_patient(claim, self.now)
                if a.status is AppointmentStatus.BOOKED and a.start > self.now
            ]
            return AppointmentsFound(tuple(self._spoken_appointment(a) for a in found), self.now)
        current = self.request.appointment
        if current is None:
            return BookingResult(BookingStatus.REJECTED, self.now)
        if op is BookingOperation.CANCEL:
            cancelled = self.scheduler.cancel(current.ref, claim, self.now)
            if isinstance(cancelled, Cancelled):
                spoken = self._spoken_appointment(cancelled.appointment)
                return BookingResult(
                    BookingStatus.CANCELLED, self.now, spoken, reference=spoken.ref
                )
            return self._not_done(cancelled)
        if op is BookingOperation.CONFIRM:
            outcome = self.scheduler.confirm(current.ref, claim, self.now)
            if isinstance(outcome, Booked):
                spoken = self._spoken_appointment(outcome.appointment)
                return BookingResult(
                    BookingStatus.CONFIRMED, self.now, spoken, reference=spoken.ref
                )
            return self._not_done(outcome)
        slot = self._slot()
        if slot is None:
            return BookingResult(BookingStatus.REJECTED, self.now)
        outcome = self.scheduler.reschedule(current.ref, claim, slot, self.now)
        if isinstance(outcome, Booked):
            spoken = self._spoken_appointment(outcome.appointment)
            return BookingResult(BookingStatus.RESCHEDULED, self.now, spoken, reference=spoken.ref)
        return self._not_done(outcome)

    # -- searching and booking

    def _patient_kind(self) -> PatientKind:
        return PatientKind.NEW if self.request.patient_kind == "new" else PatientKind.EXISTING

    def _type_id(self, kind: PatientKind) -> str | None:
        current = self.request.appointment
        if current is not None:
            return current.type_id
        allowed = [t for t in self.catalog.types if kind in t.patient_kinds]
        only = [t for t in allowed if t.patient_kinds == frozenset({kind})]
        general = [t for t in allowed if not t.urgent_ok] or allowed
        candidates = only or general
        return candidates[0].id if candidates else None

    def _slot_request(self) -> SlotRequest | None:
        kind = self._patient_kind()
        type_id = self._type_id(kind)
        if type_id is None:
            return None
        preference = CallerPreference(
            weekdays=frozenset(self.request.weekdays),
            time_of_day=_TIMES.get(self.request.time_of_day, TimeOfDay.ANY),
            language=self.request.lang,
        )
        return SlotRequest(
            appointment_type_id=type_id,
            patient_kind=kind,
            insurance=self.request.insurance,
            preference=preference,
        )

    def _search(self) -> BookingEvent:
        wanted = self._slot_request()
        if wanted is None:
            return SlotsOffered((), self.now)
        offer = self.scheduler.search(wanted, self.now)
        current = self.request.appointment
        slots = [
            s
            for s in offer.slots
            if current is None
            or not (s.provider_id == current.provider_id and s.start == current.start)
        ]
        return SlotsOffered(
            tuple(self._spoken_slot(s) for s in slots), self.now, relaxed=bool(offer.relaxed)
        )

    def _slot(self) -> Slot | None:
        chosen = self.request.slot
        if chosen is None:
            return None
        return Slot(
            chosen.provider_id,
            chosen.location_id,
            chosen.type_id,
            chosen.start.astimezone(UTC),
            chosen.end.astimezone(UTC),
        )

    def _book(self) -> BookingEvent:
        slot = self._slot()
        wanted = self._slot_request()
        born = _iso_date(self.request.details.patient_dob)
        name = (self.request.details.patient_name or "").strip()
        if slot is None or wanted is None or born is None or not name:
            return BookingResult(BookingStatus.REJECTED, self.now)
        if wanted.appointment_type_id != slot.appointment_type_id:
            wanted = SlotRequest(
                slot.appointment_type_id,
                wanted.patient_kind,
                wanted.urgency,
                wanted.insurance,
                wanted.preference,
            )
        patient = PatientIdentity(name, born, self.request.details.callback_number or "")
        reason = self.request.details.reason_text or ""
        outcome = self.scheduler.book(SchedulerBooking(slot, wanted, patient, reason), self.now)
        if isinstance(outcome, Booked):
            spoken = self._spoken_appointment(outcome.appointment)
            return BookingResult(BookingStatus.BOOKED, self.now, spoken, reference=spoken.ref)
        return self._not_done(outcome)

    def _not_done(self, outcome: object) -> BookingEvent:
        if isinstance(outcome, StaffTask):
            return BookingResult(BookingStatus.STAFF_TASK, self.now, reference=outcome.task_id)
        if isinstance(outcome, Conflict):
            alternatives = tuple(self._spoken_slot(s) for s in outcome.alternatives)
            return BookingResult(BookingStatus.CONFLICT, self.now, alternatives=alternatives)
        if isinstance(outcome, Rejected):
            return BookingResult(BookingStatus.REJECTED, self.now)
        return BookingResult(BookingStatus.FAILED, self.now)

    def _claim(self) -> IdentityClaim | None:
        born = _iso_date(self.request.details.patient_dob)
        name = self.request.details.patient_name
        if born is None or not name:
            return None
        return IdentityClaim(name, born, self.request.details.callback_number)

    # -- how slots are spoken

    def _provider_name(self, provider_id: str) -> str:
        for provider in self.practice.providers:
            if provider.id == provider_id:
                return provider.name
        return self.catalog.template(provider_id).provider_name

    def _location_name(self, location_id: str) -> str:
        try:
            return self.practice.location(location_id).name
        except (KeyError, LookupError, ValueError):
            return location_id

    def _type_name(self, type_id: str, lang: Language) -> str:
        try:
            return self.catalog.type(type_id).name(lang)
        except BookingError:
            return type_id

    def _local(self, provider_id: str, instant: datetime) -> datetime:
        try:
            zone = self.catalog.template(provider_id).zone
        except BookingError:
            zone = self.practice.location().tz
        return instant.astimezone(zone)

    def _spoken(
        self, ref: str, provider: str, location: str, type_id: str, start: datetime, end: datetime
    ) -> SpokenSlot:
        return SpokenSlot(
            ref=ref,
            start=self._local(provider, start),
            end=self._local(provider, end),
            provider_id=provider,
            provider_name=self._provider_name(provider),
            location_id=location,
            location_name=self._location_name(location),
            type_id=type_id,
            type_name=self._type_name(type_id, self.request.lang),
        )

    def _spoken_slot(self, slot: Slot) -> SpokenSlot:
        return self._spoken(
            slot.id,
            slot.provider_id,
            slot.location_id,
            slot.appointment_type_id,
            slot.start,
            slot.end,
        )

    def _spoken_appointment(self, appointment: Appointment) -> SpokenSlot:
        spoken = self._spoken(
            appointment.id,
            appointment.provider_id,
            appointment.location_id,
            appointment.appointment_type_id,
            appointment.start,
            appointment.end,
        )
        return SpokenSlot(
            spoken.ref,
            spoken.start,
            spoken.end,
            spoken.provider_id,
            spoken.provider_name,
            spoken.location_id,
            spoken.location_name,
            spoken.type_id,
            spoken.type_name,
            appointment.status.value,
        )


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
