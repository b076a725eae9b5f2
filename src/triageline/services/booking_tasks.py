"""Staff tasks for bookings the calendar could not take: a message in the practice's inbox.

When the EHR cannot be written to, the FHIR scheduler hands the request here; the front desk sees
it in the scheduling queue (patient details encrypted like every message) and books by hand.
"""

from __future__ import annotations

from datetime import datetime

from triageline.domain.audit import AuditEntry
from triageline.domain.booking import BookingRequest, Slot
from triageline.domain.messages import Message
from triageline.domain.practice import Practice
from triageline.domain.records import new_id
from triageline.domain.triage.types import Intent, TriageLevel
from triageline.services.ports import UnitOfWorkFactory


class InboxStaffTasks:
    """The StaffTaskQueue port over the practice's message inbox."""

    def __init__(self, uow_factory: UnitOfWorkFactory, practice: Practice) -> None:
        """File tasks for ``practice`` through ``uow_factory``."""
        self._uow_factory = uow_factory
        self._practice = practice

    def _when(self, slot: Slot | None) -> str:
        if slot is None:
            return "no slot chosen"
        local = slot.start.astimezone(self._practice.tz)
        return f"{local:%Y-%m-%d %H:%M} with {slot.provider_id} ({slot.appointment_type_id})"

    def _file(self, message: Message, action: str, at: datetime) -> str:
        with self._uow_factory() as uow:
            uow.messages.add(message)
            uow.audit.append(
                AuditEntry(
                    actor="system:booking",
                    action=action,
                    subject=f"message:{message.id}",
                    channel="worker",
                    outcome="staff_task",
                    at=at,
                    practice_id=self._practice.id,
                )
            )
            uow.commit()
        return message.id

    def create_booking_task(self, booking: BookingRequest, reason: str, at: datetime) -> str:
        """A scheduling message asking staff to book this request; returns its id."""
        patient = booking.patient
        message = Message(
            id=new_id(),
            practice_id=self._practice.id,
            queue=self._practice.routing.queue_for(Intent.APPOINTMENT_NEW),
            urgency=TriageLevel.ROUTINE,
            created_at=at,
            patient_name=patient.name,
            date_of_birth=patient.birth_date.isoformat(),
            callback_number=patient.phone or None,
            reason=(
                f"Please book: {self._when(booking.slot)}. Calendar: {reason}. "
                f"Caller's reason: {booking.reason or '-'}"
            ),
        )
        return self._file(message, "appointment.staff_task", at)

    def create_change_task(
        self, appointment_id: str, action: str, slot: Slot | None, at: datetime
    ) -> str:
        """A scheduling message asking staff to cancel or move an appointment; returns its id."""
        message = Message(
            id=new_id(),
            practice_id=self._practice.id,
            queue=self._practice.routing.queue_for(Intent.APPOINTMENT_CHANGE),
            urgency=TriageLevel.ROUTINE,
            created_at=at,
            reason=f"Please {action} appointment {appointment_id}: {self._when(slot)}",
        )
        return self._file(message, "appointment.staff_task", at)
