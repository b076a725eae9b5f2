"""The built-in scheduler on SQL (SQLite and PostgreSQL): sealed PHI, no double booking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from booking_builders import SUNDAY_NOON, make_catalog, make_patient, make_request, ny
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker

from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.sql import sql_scheduler
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.engine import make_engine
from triageline.domain.booking import (
    AppointmentStatus,
    Booked,
    BookingOutcome,
    BookingRequest,
    Cancelled,
    Conflict,
    IdentityClaim,
    Slot,
)
from triageline.settings import SecretKey

KEYRING = Keyring([SecretKey(kid="booking-test", material=bytes(range(1, 33)))])
MONDAY = date(2026, 3, 2)
GOOD = IdentityClaim("Maria Lopez", date(1980, 5, 17))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine with room for many parallel connections."""
    engine = make_engine(database_url)
    if engine.dialect.name != "sqlite":
        engine.dispose()
        from sqlalchemy import create_engine

        engine = create_engine(database_url, pool_size=5, max_overflow=60)
    yield engine
    engine.dispose()


@pytest.fixture
def scheduler(engine: Engine) -> CatalogScheduler:
    """A SQL-backed built-in scheduler for the demo catalog."""
    return sql_scheduler(sessionmaker(engine), KEYRING, "demo", make_catalog())


def book(scheduler: CatalogScheduler, slot: Slot, name: str = "Maria Lopez") -> BookingOutcome:
    """Book a slot for a patient on Sunday noon."""
    request = make_request(slot.appointment_type_id)
    patient = make_patient(name=name)
    return scheduler.book(BookingRequest(slot, request, patient, "cough"), SUNDAY_NOON)


def test_round_trip_with_sealed_phi(scheduler: CatalogScheduler, engine: Engine) -> None:
    slot = scheduler.search(make_request(), SUNDAY_NOON).slots[0]
    outcome = book(scheduler, slot)
    assert isinstance(outcome, Booked)
    stored = scheduler.get(outcome.appointment.id)
    assert stored == outcome.appointment
    with engine.connect() as connection:
        raw = connection.execute(
            text("SELECT patient_name, patient_birth_date, patient_phone, reason FROM appointments")
        ).one()
    joined = " ".join(str(v) for v in raw)
    for secret in ("Maria", "1980-05-17", "5550123", "cough"):
        assert secret not in joined
    assert [a.id for a in scheduler.find_for_patient(GOOD, SUNDAY_NOON)] == [stored.id]


def test_overlapping_visit_of_another_length_is_a_conflict(scheduler: CatalogScheduler) -> None:
    long_visit = Slot("dr-a", "main", "physical", ny(MONDAY, 8), ny(MONDAY, 8, 40))
    assert isinstance(book(scheduler, long_visit), Booked)
    short = Slot("dr-a", "main", "follow-up", ny(MONDAY, 8, 20), ny(MONDAY, 8, 40))
    outcome = book(scheduler, short, name="Ana Ruiz")
    assert isinstance(outcome, Conflict)
    assert all(
        not s.overlaps(long_visit.start, long_visit.end)
        for s in outcome.alternatives
        if s.provider_id == "dr-a"
    )


def test_reschedule_and_cancel_release_time(scheduler: CatalogScheduler) -> None:
    first = Slot("dr-a", "main", "follow-up", ny(MONDAY, 8), ny(MONDAY, 8, 20))
    second = Slot("dr-a", "main", "follow-up", ny(MONDAY, 9), ny(MONDAY, 9, 20))
    booked = book(scheduler, first)
    assert isinstance(booked, Booked)
    moved = scheduler.reschedule(booked.appointment.id, GOOD, second, SUNDAY_NOON)
    assert isinstance(moved, Booked)
    old = scheduler.get(booked.appointment.id)
    assert old is not None and old.status is AppointmentStatus.CANCELLED
    assert old.rescheduled_to == moved.appointment.id
    assert isinstance(book(scheduler, first, name="Ana Ruiz"), Booked)  # released
    cancelled = scheduler.cancel(moved.appointment.id, GOOD, SUNDAY_NOON)
    assert isinstance(cancelled, Cancelled)
    assert isinstance(book(scheduler, second, name="Li Wei"), Booked)


def test_fifty_parallel_attempts_at_one_slot_one_wins(engine: Engine) -> None:
    slot = Slot("dr-a", "main", "follow-up", ny(MONDAY, 10), ny(MONDAY, 10, 20))
    attempts = 50
    barrier = threading.Barrier(attempts)
    outcomes: list[BookingOutcome] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        # each thread has its own scheduler; each write uses its own pooled connection
        own = sql_scheduler(sessionmaker(engine), KEYRING, "demo", make_catalog())
        barrier.wait(timeout=60)
        try:
            result = book(own, slot, name=f"Caller Number{n}")
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(outcomes) == attempts
    assert sum(isinstance(o, Booked) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == attempts - 1
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM appointments")).scalar_one()
        cells = connection.execute(text("SELECT count(*) FROM slots_taken")).scalar_one()
    assert (count, cells) == (1, 4)
