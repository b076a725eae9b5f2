"""triageline's FHIR R4 API and the FHIR scheduler adapter, against a real loopback server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from booking_builders import make_patient, make_request, ny
from fhir_loopback import LoopbackFhir

from triageline.adapters.scheduling.core import NOT_VERIFIED
from triageline.adapters.scheduling.fhir import READ_ONLY, FhirScheduler
from triageline.adapters.scheduling.fhir_mapping import FhirResourceError, validate
from triageline.adapters.scheduling.memory import MemoryStaffTasks
from triageline.domain.booking import (
    AppointmentStatus,
    Booked,
    BookingRequest,
    Cancelled,
    IdentityClaim,
    PatientKind,
    Rejected,
    StaffTask,
)

MONDAY = date(2026, 3, 2)
Serve = Callable[..., LoopbackFhir]


def adapter(server: LoopbackFhir) -> tuple[FhirScheduler, MemoryStaffTasks]:
    """A FHIR scheduler pointed at the loopback server."""
    tasks = MemoryStaffTasks()
    return FhirScheduler(server.client(), server.scheduler.catalog, tasks), tasks


def slot_status(server: LoopbackFhir, slot_id: str) -> str:
    """The status of one Slot as the API reports it."""
    with server.client() as client:
        response = client.get(f"Slot/{slot_id}")
    assert response.status_code == 200
    return str(validate(response.json())["status"])


def test_metadata_is_a_valid_capability_statement(serve_fhir: Serve) -> None:
    server = serve_fhir()
    with server.client(token=None) as client:
        response = client.get("metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    statement = validate(response.json())
    appointment = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Appointment")
    assert {op["name"] for op in appointment["operation"]} == {"find", "book"}


def test_reads_need_a_bearer_token(serve_fhir: Serve) -> None:
    server = serve_fhir()
    for token in (None, "wrong"):
        with server.client(token=token) as client:
            response = client.get("Schedule")
        assert response.status_code == 401
        assert validate(response.json())["resourceType"] == "OperationOutcome"


def test_schedules_and_slot_search_with_date_prefixes(serve_fhir: Serve) -> None:
    server = serve_fhir()
    with server.client() as client:
        schedules = validate(client.get("Schedule").json())
        assert {e["resource"]["id"] for e in schedules["entry"]} == {"dr-a", "dr-n"}
        response = client.get(
            "Slot",
            params=[
                ("schedule", "Schedule/dr-a"),
                ("appointment-type", "follow-up"),
                ("start", "ge2026-03-02T05:00:00Z"),
                ("start", "lt2026-03-03T05:00:00Z"),
            ],
        )
    bundle = validate(response.json())
    slots = [e["resource"] for e in bundle["entry"]]
    assert len(slots) == 24  # 8-12 and 13-17 in 20-minute steps
    assert slots[0]["start"] == "2026-03-02T13:00:00Z"
    assert {s["status"] for s in slots} == {"free"}


def test_sunday_search_books_monday_and_slot_turns_busy(serve_fhir: Serve) -> None:
    server = serve_fhir()
    scheduler, tasks = adapter(server)
    assert scheduler.capabilities().can_book
    request = make_request("follow-up", provider_id="dr-a")
    offer = scheduler.search(request, server.clock.now)
    first = offer.slots[0]
    assert first.start == ny(MONDAY, 8)
    assert slot_status(server, first.id) == "free"
    outcome = scheduler.book(BookingRequest(first, request, make_patient()), server.clock.now)
    assert isinstance(outcome, Booked)
    assert outcome.appointment.status is AppointmentStatus.BOOKED
    assert tasks.tasks == []
    assert slot_status(server, first.id) == "busy"
    # the next search no longer offers it
    assert scheduler.search(request, server.clock.now).slots[0].start > first.start


def test_double_booking_through_book_is_a_409_conflict(serve_fhir: Serve) -> None:
    server = serve_fhir()
    scheduler, _ = adapter(server)
    request = make_request("follow-up")
    slot = scheduler.search(request, server.clock.now).slots[0]
    first = scheduler.book(BookingRequest(slot, request, make_patient()), server.clock.now)
    assert isinstance(first, Booked)
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "appointment-resource",
                "resource": {
                    "resourceType": "Appointment",
                    "status": "pending",
                    "start": slot.start.isoformat(),
                    "end": slot.end.isoformat(),
                    "slot": [{"reference": f"Slot/{slot.id}"}],
                    "participant": [
                        {
                            "actor": {"reference": f"Practitioner/{slot.provider_id}"},
                            "status": "needs-action",
                        }
                    ],
                },
            },
            {
                "name": "patient-resource",
                "resource": {
                    "resourceType": "Patient",
                    "name": [{"given": ["Ana"], "family": "Ruiz"}],
                    "birthDate": "1975-02-03",
                },
            },
        ],
    }
    with server.client() as client:
        response = client.post("Appointment/$book", json=body)
    assert response.status_code == 409, response.text
    outcome = validate(response.json())
    assert outcome["issue"][0]["code"] == "conflict"


def test_read_only_ehr_turns_bookings_into_staff_tasks(serve_fhir: Serve) -> None:
    server = serve_fhir(writable=False)
    scheduler, tasks = adapter(server)
    caps = scheduler.capabilities()
    assert caps.can_search and not caps.can_book
    request = make_request("follow-up")
    slot = scheduler.search(request, server.clock.now).slots[0]
    outcome = scheduler.book(BookingRequest(slot, request, make_patient()), server.clock.now)
    assert isinstance(outcome, StaffTask)
    assert outcome.reason == READ_ONLY
    assert [t[0] for t in tasks.tasks] == [outcome.task_id]
    assert slot_status(server, slot.id) == "free"  # nothing was booked, and nobody says so


def test_unreachable_ehr_can_do_nothing_and_says_so() -> None:
    import httpx

    tasks = MemoryStaffTasks()
    from booking_builders import make_catalog

    client = httpx.Client(base_url="http://127.0.0.1:9/fhir/R4", timeout=0.5)
    scheduler = FhirScheduler(client, make_catalog(), tasks)
    assert not scheduler.capabilities().can_book
    request = make_request("follow-up")
    from triageline.domain.booking import Slot

    slot = Slot("dr-a", "main", "follow-up", ny(MONDAY, 8), ny(MONDAY, 8, 20))
    outcome = scheduler.book(BookingRequest(slot, request, make_patient()), ny(MONDAY, 1))
    assert isinstance(outcome, StaffTask)
    assert len(tasks.tasks) == 1


def test_reschedule_and_cancel_need_verified_identity(serve_fhir: Serve) -> None:
    server = serve_fhir()
    scheduler, _ = adapter(server)
    request = make_request("follow-up", provider_id="dr-a")
    now = server.clock.now
    first, second = scheduler.search(request, now).slots[:2]
    booked = scheduler.book(BookingRequest(first, request, make_patient()), now)
    assert isinstance(booked, Booked)
    appt_id = booked.appointment.id
    phone_only = IdentityClaim(None, None, caller_phone=make_patient().phone)
    wrong_dob = IdentityClaim("Maria Lopez", date(1980, 5, 18))
    good = IdentityClaim("maria lopez", date(1980, 5, 17))
    assert scheduler.reschedule(appt_id, phone_only, second, now) == Rejected(NOT_VERIFIED)
    assert scheduler.cancel(appt_id, wrong_dob, now) == Rejected(NOT_VERIFIED)
    assert scheduler.find_for_patient(wrong_dob, now) == []
    assert [a.id for a in scheduler.find_for_patient(good, now)] == [appt_id]

    moved = scheduler.reschedule(appt_id, good, second, now)
    assert isinstance(moved, Booked)
    assert moved.appointment.start == second.start
    assert slot_status(server, first.id) == "free"
    assert slot_status(server, second.id) == "busy"

    cancelled = scheduler.cancel(moved.appointment.id, good, now)
    assert isinstance(cancelled, Cancelled)
    assert cancelled.appointment.status is AppointmentStatus.CANCELLED
    assert slot_status(server, second.id) == "free"


def test_find_operation_returns_proposed_appointments(serve_fhir: Serve) -> None:
    server = serve_fhir()
    params = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "start", "valueDateTime": "2026-03-02T00:00:00Z"},
            {"name": "end", "valueDateTime": "2026-03-03T00:00:00Z"},
            {"name": "visit-type", "valueCoding": {"code": "new-patient"}},
            {"name": "patient-kind", "valueCode": PatientKind.NEW.value},
        ],
    }
    with server.client() as client:
        response = client.post("Appointment/$find", json=params)
    assert response.status_code == 200
    bundle = validate(response.json())
    appointments = [e["resource"] for e in bundle["entry"]]
    assert appointments
    assert {a["status"] for a in appointments} == {"proposed"}
    # new-patient visits need 24 hours' notice: nothing before Monday noon (Sunday noon + 24 h)
    assert min(a["start"] for a in appointments) >= "2026-03-02T17:00:00Z"


def test_appointment_and_patient_resources_validate(serve_fhir: Serve) -> None:
    server = serve_fhir()
    scheduler, _ = adapter(server)
    request = make_request("follow-up")
    slot = scheduler.search(request, server.clock.now).slots[0]
    booked = scheduler.book(BookingRequest(slot, request, make_patient()), server.clock.now)
    assert isinstance(booked, Booked)
    with server.client() as client:
        appt = validate(client.get(f"Appointment/{booked.appointment.id}").json())
        patient_ref = appt["participant"][0]["actor"]["reference"]
        patient = validate(client.get(patient_ref).json())
        search = client.get(
            "Appointment", params=[("date", "ge2026-03-02T00:00:00Z"), ("date", "lt2026-03-03")]
        )
        by_name_only = client.get("Patient", params={"name": "Maria Lopez"})
    assert appt["status"] == "booked"
    assert patient["birthDate"] == "1980-05-17"
    assert validate(search.json())["total"] == 1
    assert by_name_only.status_code == 400


@pytest.mark.parametrize(
    "resource",
    [
        {
            "resourceType": "Slot",
            "schedule": {"reference": "Schedule/x"},
            "status": "open",
            "start": "2026-03-02T13:00:00Z",
            "end": "2026-03-02T13:20:00Z",
        },
        {"resourceType": "Slot", "schedule": {"reference": "Schedule/x"}, "status": "free"},
        {
            "resourceType": "Appointment",
            "status": "bogus",
            "participant": [{"actor": {"reference": "Patient/p"}, "status": "accepted"}],
        },
        {
            "resourceType": "Appointment",
            "status": "booked",
            "participant": [{"actor": {"reference": "Patient/p"}, "status": "accepted"}],
        },
        {
            "resourceType": "Appointment",
            "status": "proposed",
            "start": "2026-03-02T13:00:00Z",
            "participant": [{"actor": {"reference": "Patient/p"}, "status": "accepted"}],
        },
        {
            "resourceType": "Appointment",
            "status": "proposed",
            "participant": [{"required": "required", "status": "accepted"}],
        },
    ],
)
def test_invalid_resources_are_refused(resource: dict[str, object]) -> None:
    with pytest.raises(FhirResourceError):
        validate(resource)


def test_slot_search_range_is_bounded(serve_fhir: Serve) -> None:
    server = serve_fhir()
    start = server.clock.now
    with server.client() as client:
        response = client.get(
            "Slot",
            params=[
                ("start", f"ge{start.strftime('%Y-%m-%dT%H:%M:%SZ')}"),
                ("start", f"lt{(start + timedelta(days=90)).strftime('%Y-%m-%dT%H:%M:%SZ')}"),
            ],
        )
    assert response.status_code == 400
