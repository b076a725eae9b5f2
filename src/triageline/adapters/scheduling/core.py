"""The built-in scheduler's logic over a small storage interface (memory or SQL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    Booked,
    BookingCatalog,
    BookingError,
    BookingOutcome,
    BookingPolicy,
    BookingRequest,
    Cancelled,
    CancelOutcome,
    CancelReason,
    Conflict,
    IdentityClaim,
    IdentityVerdict,
    IllegalTransitionError,
    Occupancy,
    Rejected,
    Slot,
    SlotOffer,
    SlotRequest,
    check_bookable,
    new_appointment,
    verify_identity,
)
from triageline.services.ports_scheduling import SchedulerCapabilities

NOT_VERIFIED = "identity not verified"
"""The one answer to every failed identity check: reveals nothing about the appointment."""


class AppointmentStore(Protocol):
    """Where built-in appointments live; inserts fail on any overlap of occupied cells."""

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Held and booked time of these providers overlapping [start, end)."""
        ...

    def insert(self, appointment: Appointment) -> bool:
        """Store a new appointment and take its cells; False (nothing written) on overlap."""
        ...

    def update(self, appointment: Appointment) -> None:
        """Store a changed appointment; release its cells when it stops holding time."""
        ...

    def swap(self, old: Appointment, new: Appointment) -> bool:
        """Atomically store ``old`` (releasing its cells) and insert ``new``; False on overlap."""
        ...

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment by id."""
        ...

    def born_on(self, birth_date: date) -> list[Appointment]:
        """Appointments of patients born on this date (for identity look-ups)."""
        ...

    def between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments (any status) starting within [start, end), in time order."""
        ...


class CatalogScheduler:
    """The built-in scheduler: the practice catalog, the booking policy and a store."""

    def __init__(
        self,
        store: AppointmentStore,
        catalog: BookingCatalog,
        policy: BookingPolicy | None = None,
        new_id: Callable[[], str] | None = None,
        backend: str = "builtin",
    ) -> None:
        """Wire the store, catalog, policy and id factory."""
        self._store = store
        self._catalog = catalog
        self._policy = policy or BookingPolicy()
        self._new_id = new_id or (lambda: uuid.uuid4().hex)
        self._backend = backend

    @property
    def catalog(self) -> BookingCatalog:
        """The practice's appointment types and provider templates."""
        return self._catalog

    def capabilities(self) -> SchedulerCapabilities:
        """The built-in calendar can do everything."""
        return SchedulerCapabilities(True, True, True, True, self._backend)

    def _window(self, request: SlotRequest, now: datetime) -> list[Occupancy]:
        try:
            horizon = self._catalog.type(request.appointment_type_id).horizon
        except BookingError:
            return []
        providers = [t.provider_id for t in self._catalog.templates]
        return self._store.occupancy(providers, now - timedelta(days=1), now + horizon)

    def search(self, request: SlotRequest, now: datetime) -> SlotOffer:
        """Up to three slots to offer, earliest suitable first."""
        return self._policy.offer(self._catalog, request, self._window(request, now), now)

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Held and booked time of these providers overlapping [start, end)."""
        return self._store.occupancy(provider_ids, start, end)

    def _take(
        self, booking: BookingRequest, now: datetime, status: AppointmentStatus
    ) -> BookingOutcome:
        occupancy = self._window(booking.request, now)
        reason = check_bookable(self._catalog, booking.request, booking.slot, occupancy, now)
        if reason is not None:
            return Rejected(reason.value)
        appointment = new_appointment(
            self._new_id(),
            booking.slot,
            booking.patient,
            booking.request.patient_kind,
            now,
            "caller",
            reason=booking.reason,
            insurance=booking.request.insurance,
            status=status,
        )
        if not self._store.insert(appointment):
            return self._conflict(booking.slot, booking.request, now)
        return Booked(appointment)

    def _conflict(self, slot: Slot, request: SlotRequest, now: datetime) -> Conflict:
        return Conflict(slot, self.search(request, now).slots)

    def hold(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Take the slot tentatively (status pending) while the caller confirms."""
        return self._take(booking, now, AppointmentStatus.PENDING)

    def book(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Book the slot (status booked)."""
        return self._take(booking, now, AppointmentStatus.BOOKED)

    def confirm_hold(self, appointment_id: str, now: datetime) -> BookingOutcome:
        """Turn a hold into a booking."""
        appointment = self._store.get(appointment_id)
        if appointment is None or appointment.status not in (
            AppointmentStatus.PENDING,
            AppointmentStatus.BOOKED,
        ):
            return Rejected("no such hold")
        booked = appointment.transition(AppointmentStatus.BOOKED, now, "caller")
        if booked is not appointment:
            self._store.update(booked)
        return Booked(booked)

    def _verified(self, appointment_id: str, claim: IdentityClaim) -> Appointment | None:
        appointment = self._store.get(appointment_id)
        if appointment is None:
            return None
        if verify_identity(claim, appointment.patient) is not IdentityVerdict.VERIFIED:
            return None
        return appointment

    def reschedule(
        self, appointment_id: str, claim: IdentityClaim, slot: Slot, now: datetime
    ) -> BookingOutcome:
        """Move a verified patient's appointment to another slot."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        request = SlotRequest(
            slot.appointment_type_id, current.patient_kind, insurance=current.insurance
        )
        others = [
            o
            for o in self._window(request, now)
            if not (o.provider_id == current.provider_id and o.start == current.start)
        ]
        reason = check_bookable(self._catalog, request, slot, others, now)
        if reason is not None:
            return Rejected(reason.value)
        try:
            old, new = current.reschedule(self._new_id(), slot, now, "caller")
        except (IllegalTransitionError, BookingError) as exc:
            return Rejected(str(exc))
        if not self._store.swap(old, new):
            return self._conflict(slot, request, now)
        return Booked(new)

    def cancel(
        self,
        appointment_id: str,
        claim: IdentityClaim,
        now: datetime,
        reason: CancelReason = CancelReason.PATIENT,
    ) -> CancelOutcome:
        """Cancel a verified patient's appointment."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        try:
            cancelled = current.transition(AppointmentStatus.CANCELLED, now, "caller", reason)
        except IllegalTransitionError as exc:
            return Rejected(str(exc))
        if cancelled is not current:
            self._store.update(cancelled)
        return Cancelled(cancelled)

    def confirm(self, appointment_id: str, claim: IdentityClaim, now: datetime) -> BookingOutcome:
        """Record a verified patient's confirmation."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        try:
            confirmed = current.confirm(now)
        except IllegalTransitionError as exc:
            return Rejected(str(exc))
        if confirmed is not current:
            self._store.update(confirmed)
        return Booked(confirmed)

    def record_noshow(self, appointment_id: str, now: datetime, actor: str) -> Appointment | None:
        """Staff record that the patient did not come (None unless the appointment is booked)."""
        current = self._store.get(appointment_id)
        if current is None or current.status is not AppointmentStatus.BOOKED:
            return None
        missed = current.transition(AppointmentStatus.NOSHOW, now, actor)
        self._store.update(missed)
        return missed

    def find_for_patient(self, claim: IdentityClaim, now: datetime) -> list[Appointment]:
        """A verified patient's upcoming appointments (empty when the claim does not verify)."""
        if claim.birth_date is None:
            return []
        found = [
            a
            for a in self._store.born_on(claim.birth_date)
            if verify_identity(claim, a.patient) is IdentityVerdict.VERIFIED
            and a.status in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING)
            and a.end > now
        ]
        return sorted(found, key=lambda a: a.start)

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment by id (no identity check: staff and FHIR API use)."""
        return self._store.get(appointment_id)

    def between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments starting within [start, end) (no identity check: staff and FHIR API)."""
        return self._store.between(start, end)
