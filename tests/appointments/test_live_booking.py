"""Over HTTP: a chat conversation books on the practice's calendar and FHIR shows the slot busy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from triageline.adapters.config.loader import load_practice
from triageline.domain.booking import BookingPolicy, CallerPreference, PatientKind, SlotRequest
from triageline.domain.triage.types import Language

from .appointments_builders import DEMO, NEW_PATIENT_TURNS, SUNDAY_NOON, LiveApp


def _chat(live: LiveApp, turns: tuple[str, ...]) -> tuple[str, list[str]]:
    created = live.client.post("/api/v1/conversations", json={"practice_id": "demo"})
    assert created.status_code == 201, created.text
    conversation = created.json()["conversation_id"]
    heard: list[str] = []
    for number, text in enumerate(turns, 1):
        live.clock.advance(timedelta(seconds=20))
        reply = live.client.post(
            f"/api/v1/conversations/{conversation}/turns", json={"text": text, "step": number}
        )
        assert reply.status_code == 200, reply.text
        heard.append(" ".join(reply.json()["replies"]))
    return conversation, heard


def _expected_monday_slot() -> Any:
    catalog = load_practice(DEMO).appointments
    assert catalog is not None
    request = SlotRequest(
        "new-patient",
        PatientKind.NEW,
        preference=CallerPreference(weekdays=frozenset({0}), language=Language.EN),
    )
    slots = BookingPolicy().candidates(catalog, request, [], SUNDAY_NOON)
    return next(s for s in slots if s.start.date() == date(2026, 3, 2))


def test_a_chat_books_and_the_fhir_api_shows_the_slot_busy(live: LiveApp) -> None:
    expected = _expected_monday_slot()
    before = live.fhir(f"Slot/{expected.id}")
    assert before.status_code == 200, before.text
    assert before.json()["status"] == "free"

    conversation, heard = _chat(live, NEW_PATIENT_TURNS)
    assert "booked" in heard[-1].lower(), "\n".join(heard)
    got = live.client.get(f"/api/v1/conversations/{conversation}").json()
    assert got["outcome"]["disposition"] == "appointment"

    after = live.fhir(f"Slot/{expected.id}")
    assert after.json()["status"] == "busy"
    day = live.fhir(
        "Slot",
        schedule=f"Schedule/{expected.provider_id}",
        start=["ge2026-03-02", "lt2026-03-03"],
        status="busy",
    )
    assert day.status_code == 200, day.text
    busy = [e["resource"]["id"] for e in day.json().get("entry", [])]
    assert expected.id in busy
    appointments = live.fhir("Appointment", date="ge2026-03-02")
    assert appointments.status_code == 200, appointments.text


def test_the_fhir_api_fails_closed_without_a_known_token(live: LiveApp) -> None:
    assert live.client.get("/fhir/R4/metadata").status_code == 200
    assert live.client.get("/fhir/R4/Slot").status_code == 401
    wrong = live.client.get("/fhir/R4/Slot", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
