"""An in-memory appointment store: the shipped fake, with the same no-overlap guarantee."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    BookingCatalog,
    BookingPolicy,
    BookingRequest,
    Occupancy,
    OccupancyKind,
    Slot,
    occupied_cells,
)


def occupancy_of(appointment: Appointment) -> Occupancy:
    """The time an appointment holds, as the policy sees it."""
    kind = (
        OccupancyKind.HELD
        if appointment.status is AppointmentStatus.PENDING
        else OccupancyKind.BOOKED
    )
    return Occupancy(
        appointment.provider_id,
        appointment.start,
        appointment.end,
        appointment.appointment_type_id,
        kind,
    )


class MemoryAppointmentStore:
    """Appointments and occupied cells in dictionaries, guarded by one lock."""

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._appointments: dict[str, Appointment] = {}
        self._cells: dict[tuple[str, datetime], str] = {}

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Held and booked time of these providers overlapping [start, end)."""
        wanted = set(provider_ids)
        with self._lock:
            return [
                occupancy_of(a)
                for a in self._appointments.values()
                if a.status.holds_time
                and a.provider_id in wanted
                and a.start < end
                and start < a.end
            ]

    def _free(self, appointment: Appointment) -> bool:
        return all(
            (appointment.provider_id, cell) not in self._cells
            for cell in occupied_cells(appointment.start, appointment.end)
        )

    def _occupy(self, appointment: Appointment) -> None:
        for cell in occupied_cells(appointment.start, appointment.end):
            self._cells[(appointment.provider_id, cell)] = appointment.id

    def _release(self, appointment: Appointment) -> None:
        for cell in occupied_cells(appointment.start, appointment.end):
            if self._cells.get((appointment.provider_id, cell)) == appointment.id:
                del self._cells[(appointment.provider_id, cell)]

    def insert(self, appointment: Appointment) -> bool:
        """Store a new appointment; False on overlap."""
        with self._lock:
            if appointment.id in self._appointments or not self._free(appointment):
                return False
            self._occupy(appointment)
            self._appointments[appointment.id] = appointment
            return True

    def update(self, appointment: Appointment) -> None:
        """Store a changed appointment, releasing its time when it stops holding any."""
        with self._lock:
            self._appointments[appointment.id] = appointment
            if not appointment.status.holds_time:
                self._release(appointment)

    def swap(self, old: Appointment, new: Appointment) -> bool:
        """Release ``old`` and take ``new`` atomically; False (nothing changed) on overlap."""
        with self._lock:
            self._release(old)
            if not self._free(new):
                self._occupy(self._appointments[old.id])
                return False
            self._appointments[old.id] = old
            self._occupy(new)
            self._appointments[new.id] = new
            return True

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment by id."""
        with self._lock:
            return self._appointments.get(appointment_id)

    def born_on(self, birth_date: date) -> list[Appointment]:
        """Appointments of patients born on this date."""
        with self._lock:
            return [a for a in self._appointments.values() if a.patient.birth_date == birth_date]

    def between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments starting within [start, end), in time order."""
        with self._lock:
            found = [a for a in self._appointments.values() if start <= a.start < end]
        return sorted(found, key=lambda a: (a.start, a.id))


def memory_scheduler(
    catalog: BookingCatalog, policy: BookingPolicy | None = None
) -> CatalogScheduler:
    """A built-in scheduler on the in-memory store (tests, simulate, demos)."""
    return CatalogScheduler(MemoryAppointmentStore(), catalog, policy, backend="memory")


class MemoryStaffTasks:
    """Staff tasks kept in a list (the fake of the front-desk task queue)."""

    def __init__(self) -> None:
        """Start empty."""
        self.tasks: list[tuple[str, str, Slot | None]] = []

    def create_booking_task(self, booking: BookingRequest, reason: str, at: datetime) -> str:
        """Record a booking for staff to make by hand."""
        task_id = f"task-{len(self.tasks) + 1}"
        self.tasks.append((task_id, f"book: {reason}", booking.slot))
        return task_id

    def create_change_task(
        self, appointment_id: str, action: str, slot: Slot | None, at: datetime
    ) -> str:
        """Record a cancel or move for staff to make by hand."""
        task_id = f"task-{len(self.tasks) + 1}"
        self.tasks.append((task_id, f"{action}: {appointment_id}", slot))
        return task_id
