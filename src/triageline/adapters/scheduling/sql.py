"""The built-in scheduler's SQL store: appointments (PHI sealed) and occupied cells.

Double booking is impossible at the database: every appointment that holds time owns one
``slots_taken`` row per 5-minute cell, under UNIQUE (practice_id, provider_id, start_at). Two
overlapping bookings race to insert the same cell; the loser's transaction fails and rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.memory import occupancy_of
from triageline.adapters.scheduling.reminder_store import ReminderRow  # noqa: F401 (table)
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import Base
from triageline.adapters.storage.types import Sealed, UtcDateTime
from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    BookingCatalog,
    BookingPolicy,
    CancelReason,
    Occupancy,
    PatientIdentity,
    PatientKind,
    StatusChange,
    occupied_cells,
)

_HOLDING = [s.value for s in AppointmentStatus if s.holds_time]


class AppointmentRow(Base):
    """One appointment; patient name, birth date, phone, reason and insurance are sealed."""

    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_practice_start", "practice_id", "start_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    appointment_type_id: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[str] = mapped_column(String(40))
    location_id: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(32))
    patient_kind: Mapped[str] = mapped_column(String(16))
    patient_name: Mapped[str] = mapped_column(Sealed())
    patient_birth_date: Mapped[str] = mapped_column(Sealed())
    patient_phone: Mapped[str] = mapped_column(Sealed())
    reason: Mapped[str] = mapped_column(Sealed())
    insurance: Mapped[str | None] = mapped_column(Sealed(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    rescheduled_from: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rescheduled_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    history: Mapped[str] = mapped_column(Text())


class SlotTakenRow(Base):
    """One occupied 5-minute cell of a provider's time; the double-booking guard."""

    __tablename__ = "slots_taken"
    __table_args__ = (UniqueConstraint("practice_id", "provider_id", "start_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    practice_id: Mapped[str] = mapped_column(String(64))
    provider_id: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointments.id"), index=True)


def _aad(column: str) -> str:
    return f"appointments.{column}"


class SqlAppointmentStore:
    """Appointments of one practice in SQL (SQLite or PostgreSQL)."""

    def __init__(
        self, session_factory: sessionmaker[Session], keyring: Keyring, practice_id: str
    ) -> None:
        """Bind to a session factory, the PHI keyring and a practice."""
        self._sessions = session_factory
        self._keyring = keyring
        self._practice = practice_id

    def _to_row(
        self, appointment: Appointment, row: AppointmentRow | None = None
    ) -> AppointmentRow:
        seal = self._keyring.seal
        row = row or AppointmentRow(id=appointment.id, practice_id=self._practice)
        row.appointment_type_id = appointment.appointment_type_id
        row.provider_id = appointment.provider_id
        row.location_id = appointment.location_id
        row.start_at = appointment.start
        row.end_at = appointment.end
        row.status = appointment.status.value
        row.patient_kind = appointment.patient_kind.value
        row.patient_name = seal(appointment.patient.name, aad=_aad("patient_name"))
        row.patient_birth_date = seal(
            appointment.patient.birth_date.isoformat(), aad=_aad("patient_birth_date")
        )
        row.patient_phone = seal(appointment.patient.phone, aad=_aad("patient_phone"))
        row.reason = seal(appointment.reason, aad=_aad("reason"))
        row.insurance = self._keyring.seal_optional(appointment.insurance, aad=_aad("insurance"))
        row.created_at = appointment.created_at
        row.confirmed_at = appointment.confirmed_at
        row.cancel_reason = appointment.cancel_reason.value if appointment.cancel_reason else None
        row.rescheduled_from = appointment.rescheduled_from
        row.rescheduled_to = appointment.rescheduled_to
        row.history = json.dumps(
            [
                {"status": h.status.value, "at": h.at.isoformat(), "actor": h.actor}
                for h in appointment.history
            ]
        )
        return row

    def _from_row(self, row: AppointmentRow) -> Appointment:
        open_ = self._keyring.open
        patient = PatientIdentity(
            name=open_(row.patient_name, aad=_aad("patient_name")),
            birth_date=date.fromisoformat(
                open_(row.patient_birth_date, aad=_aad("patient_birth_date"))
            ),
            phone=open_(row.patient_phone, aad=_aad("patient_phone")),
        )
        history = tuple(
            StatusChange(
                AppointmentStatus(h["status"]), datetime.fromisoformat(h["at"]), h["actor"]
            )
            for h in json.loads(row.history)
        )
        return Appointment(
            id=row.id,
            appointment_type_id=row.appointment_type_id,
            provider_id=row.provider_id,
            location_id=row.location_id,
            start=row.start_at,
            end=row.end_at,
            patient=patient,
            patient_kind=PatientKind(row.patient_kind),
            status=AppointmentStatus(row.status),
            created_at=row.created_at,
            reason=open_(row.reason, aad=_aad("reason")),
            insurance=self._keyring.open_optional(row.insurance, aad=_aad("insurance")),
            confirmed_at=row.confirmed_at,
            cancel_reason=CancelReason(row.cancel_reason) if row.cancel_reason else None,
            rescheduled_from=row.rescheduled_from,
            rescheduled_to=row.rescheduled_to,
            history=history,
        )

    def _cells(self, appointment: Appointment) -> list[SlotTakenRow]:
        return [
            SlotTakenRow(
                practice_id=self._practice,
                provider_id=appointment.provider_id,
                start_at=cell,
                appointment_id=appointment.id,
            )
            for cell in occupied_cells(appointment.start, appointment.end)
        ]

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Held and booked time of these providers overlapping [start, end)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AppointmentRow).where(
                    AppointmentRow.practice_id == self._practice,
                    AppointmentRow.provider_id.in_(list(provider_ids)),
                    AppointmentRow.status.in_(_HOLDING),
                    AppointmentRow.start_at < end,
                    AppointmentRow.end_at > start,
                )
            ).all()
            return [occupancy_of(self._from_row(r)) for r in rows]

    def insert(self, appointment: Appointment) -> bool:
        """Insert the appointment and its cells in one transaction; False on any overlap."""
        try:
            with self._sessions.begin() as session:
                session.add(self._to_row(appointment))
                session.flush()
                if appointment.status.holds_time:
                    session.add_all(self._cells(appointment))
        except IntegrityError:
            return False
        return True

    def _store(self, session: Session, appointment: Appointment) -> None:
        row = session.get(AppointmentRow, appointment.id)
        if row is None or row.practice_id != self._practice:
            raise LookupError(f"appointment {appointment.id} not found")
        self._to_row(appointment, row)
        if not appointment.status.holds_time:
            session.execute(
                delete(SlotTakenRow).where(SlotTakenRow.appointment_id == appointment.id)
            )

    def update(self, appointment: Appointment) -> None:
        """Store a changed appointment, releasing its cells when it stops holding time."""
        with self._sessions.begin() as session:
            self._store(session, appointment)

    def swap(self, old: Appointment, new: Appointment) -> bool:
        """Release ``old`` and book ``new`` in one transaction; False (no change) on overlap."""
        try:
            with self._sessions.begin() as session:
                self._store(session, old)
                session.flush()
                session.add(self._to_row(new))
                session.flush()
                session.add_all(self._cells(new))
        except IntegrityError:
            return False
        return True

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment of this practice by id."""
        with self._sessions() as session:
            row = session.get(AppointmentRow, appointment_id)
            if row is None or row.practice_id != self._practice:
                return None
            return self._from_row(row)

    def born_on(self, birth_date: date) -> list[Appointment]:
        """Appointments (holding time) whose patient was born on this date (decrypts to compare)."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AppointmentRow).where(
                    AppointmentRow.practice_id == self._practice,
                    AppointmentRow.status.in_(_HOLDING),
                )
            ).all()
            found = [self._from_row(r) for r in rows]
        return [a for a in found if a.patient.birth_date == birth_date]

    def between(self, start: datetime, end: datetime) -> list[Appointment]:
        """Appointments starting within [start, end), in time order."""
        with self._sessions() as session:
            rows = session.scalars(
                select(AppointmentRow)
                .where(
                    AppointmentRow.practice_id == self._practice,
                    AppointmentRow.start_at >= start,
                    AppointmentRow.start_at < end,
                )
                .order_by(AppointmentRow.start_at, AppointmentRow.id)
            ).all()
            return [self._from_row(r) for r in rows]


def sql_scheduler(
    session_factory: sessionmaker[Session],
    keyring: Keyring,
    practice_id: str,
    catalog: BookingCatalog,
    policy: BookingPolicy | None = None,
) -> CatalogScheduler:
    """The built-in scheduler on the SQL store (the default in production)."""
    store = SqlAppointmentStore(session_factory, keyring, practice_id)
    return CatalogScheduler(store, catalog, policy)
