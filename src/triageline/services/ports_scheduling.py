"""The scheduling port: one interface for the built-in calendar and an EHR's (FHIR R4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from triageline.domain.booking import (
    Appointment,
    BookingOutcome,
    BookingRequest,
    CancelOutcome,
    CancelReason,
    IdentityClaim,
    Occupancy,
    Slot,
    SlotOffer,
    SlotRequest,
)


@dataclass(frozen=True, slots=True)
class SchedulerCapabilities:
    """What a scheduler can really do, detected at start-up; the conversation tells callers so."""

    can_search: bool
    can_book: bool
    can_cancel: bool
    can_reschedule: bool
    backend: str
    detail: str = ""


class StaffTaskQueue(Protocol):
    """Where bookings go when the calendar can't be written: a task for the front desk."""

    def create_booking_task(self, booking: BookingRequest, reason: str, at: datetime) -> str:
        """Record a task for staff to book this request by hand; returns the task id."""
        ...

    def create_change_task(
        self, appointment_id: str, action: str, slot: Slot | None, at: datetime
    ) -> str:
        """Record a task for staff to cancel or move an appointment; returns the task id."""
        ...


class Scheduler(Protocol):
    """Search, hold, book, reschedule, cancel and look up appointments.

    Every write returns a typed outcome (``Booked | StaffTask | Conflict | Rejected`` or
    ``Cancelled | StaffTask | Rejected``); an adapter never reports success it did not achieve.
    Changes and look-ups need an :class:`IdentityClaim` that verifies (name and date of birth).
    """

    def capabilities(self) -> SchedulerCapabilities:
        """What this scheduler can do (detected once at start-up)."""
        ...

    def search(self, request: SlotRequest, now: datetime) -> SlotOffer:
        """Up to three slots to offer, earliest suitable first."""
        ...

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Held and booked time of these providers overlapping [start, end)."""
        ...

    def hold(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Take the slot tentatively (status pending) while the caller confirms."""
        ...

    def book(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Book the slot (status booked)."""
        ...

    def confirm_hold(self, appointment_id: str, now: datetime) -> BookingOutcome:
        """Turn a hold made by this conversation into a booking."""
        ...

    def reschedule(
        self, appointment_id: str, claim: IdentityClaim, slot: Slot, now: datetime
    ) -> BookingOutcome:
        """Move a verified patient's appointment to another slot."""
        ...

    def cancel(
        self,
        appointment_id: str,
        claim: IdentityClaim,
        now: datetime,
        reason: CancelReason = CancelReason.PATIENT,
    ) -> CancelOutcome:
        """Cancel a verified patient's appointment."""
        ...

    def confirm(self, appointment_id: str, claim: IdentityClaim, now: datetime) -> BookingOutcome:
        """Record a verified patient's confirmation of a booked appointment."""
        ...

    def find_for_patient(self, claim: IdentityClaim, now: datetime) -> list[Appointment]:
        """A verified patient's upcoming appointments (empty when the claim does not verify)."""
        ...

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment by id, for staff-side and FHIR API use (no identity check)."""
        ...
