"""The booking example scripts: simulate books and reschedules on the practice's memory calendar."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from triageline.adapters.config.loader import load_practice
from triageline.domain.booking import BookingPolicy, CallerPreference, PatientKind, SlotRequest
from triageline.domain.triage.types import Language
from triageline.entrypoints.cli.simulation import ScriptError, parse_script, simulate

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
SCRIPTS = REPO / "examples" / "scripts"
SUNDAY_NOON = datetime.fromisoformat("2026-03-01T12:00:00-06:00")
MONDAY_EVENING = datetime.fromisoformat("2026-03-02T19:00:00-06:00")


def _outcome(script: list[str], at: datetime) -> tuple[list[str], dict[str, object]]:
    transcript, line = simulate(DEMO, at, script)
    outcome = json.loads(line)["outcome"]
    assert isinstance(outcome, dict)
    return transcript, outcome


def _file(name: str) -> list[str]:
    return (SCRIPTS / name).read_text(encoding="utf-8").splitlines()


def test_new_patient_booking_in_english_books_mondays_earliest_slot() -> None:
    catalog = load_practice(DEMO).appointments
    assert catalog is not None
    wanted = SlotRequest(
        "new-patient",
        PatientKind.NEW,
        preference=CallerPreference(weekdays=frozenset({0}), language=Language.EN),
    )
    monday = [
        s
        # The search happens some turns into the call: the rules apply to that moment.
        for s in BookingPolicy().candidates(catalog, wanted, [], SUNDAY_NOON + timedelta(minutes=1))
        if s.start.date() == date(2026, 3, 2)
    ]
    transcript, outcome = _outcome(_file("new-patient-booking-en.txt"), SUNDAY_NOON)
    assert outcome["disposition"] == "appointment"
    assert outcome["lang"] == "en"
    appointment = outcome["appointment"]
    assert isinstance(appointment, dict)
    assert appointment["status"] == "booked"
    assert appointment["type"] == "new-patient"
    assert datetime.fromisoformat(appointment["start"]) == monday[0].start
    assert any("You are booked" in line for line in transcript)


def test_spanish_reschedule_moves_the_seeded_appointment_after_verification() -> None:
    transcript, outcome = _outcome(_file("reschedule-es.txt"), MONDAY_EVENING)
    assert outcome["lang"] == "es"
    assert outcome["intent"] == "appointment_change"
    assert outcome["disposition"] == "appointment"
    appointment = outcome["appointment"]
    assert isinstance(appointment, dict)
    assert appointment == {
        "start": appointment["start"],
        "status": "booked",
        "type": "follow-up",
    }
    moved = datetime.fromisoformat(str(appointment["start"]))
    assert moved.date() == date(2026, 3, 6)  # Friday, as asked
    assert moved.hour < 12  # in the morning
    found = next(i for i, line in enumerate(transcript) if "Encontré la cita" in line)
    asked_birth = next(i for i, line in enumerate(transcript) if "fecha de nacimiento" in line)
    assert asked_birth < found, "nothing about the appointment before identity is checked"


def test_a_wrong_birth_date_reveals_and_moves_nothing() -> None:
    script = _file("reschedule-es.txt")
    script = [line.replace("2 de abril de 1975", "3 de abril de 1975") for line in script]
    transcript, outcome = _outcome(script, MONDAY_EVENING)
    assert outcome["appointment"] is None
    assert not any("Encontré la cita" in line for line in transcript)
    assert not any("miércoles 4 de marzo" in line for line in transcript if "SERVICE" in line)


def test_appointment_directive_is_checked() -> None:
    with pytest.raises(ScriptError, match="before the call"):
        parse_script(["hello", "#appointment follow-up 2026-03-04T09:00:00-06:00 A B 1975-04-02"])
    with pytest.raises(ScriptError, match="#appointment"):
        parse_script(["#appointment follow-up tomorrow Ana 1975-04-02"])
    with pytest.raises(ScriptError, match="UTC offset"):
        parse_script(["#appointment follow-up 2026-03-04T09:00:00 Ana 1975-04-02"])
    with pytest.raises(ScriptError, match="no follow-up slot"):
        simulate(
            DEMO,
            MONDAY_EVENING,
            ["#appointment follow-up 2026-03-04T03:00:00-06:00 A 1975-04-02", "hi"],
        )
