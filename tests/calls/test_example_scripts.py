"""The example simulate scripts: each plays against the real services and its outcome is checked."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triageline.entrypoints.cli.main import app
from triageline.entrypoints.cli.simulation import (
    ScriptError,
    parse_duration,
    parse_script,
    simulate,
)

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
SCRIPTS = REPO / "examples" / "scripts"
TUESDAY_NIGHT = datetime.fromisoformat("2026-03-03T22:00:00-06:00")
WEDNESDAY_LUNCH = datetime.fromisoformat("2026-03-04T12:20:00-06:00")
SUNDAY = datetime.fromisoformat("2026-03-08T11:00:00-05:00")


def _run(name: str, at: datetime) -> tuple[list[str], dict[str, object]]:
    script = (SCRIPTS / name).read_text(encoding="utf-8").splitlines()
    transcript, line = simulate(DEMO, at, script)
    outcome = json.loads(line)["outcome"]
    assert isinstance(outcome, dict)
    return transcript, outcome


def test_after_hours_chest_pain_instructs_911_and_notifies() -> None:
    transcript, outcome = _run("after-hours-chest-pain.txt", TUESDAY_NIGHT)
    assert outcome["triage"] == "emergency"
    assert outcome["disposition"] == "emergency_instructed"
    first_reply = next(i for i, t in enumerate(transcript) if "CALLER" in t) + 1
    assert "911" in transcript[first_reply]
    assert outcome["pages"], "the practice is notified at once"
    assert outcome["appointment"] is None


def test_after_hours_infant_fever_pages_and_is_acknowledged() -> None:
    _transcript, outcome = _run("after-hours-infant-fever.txt", TUESDAY_NIGHT)
    assert outcome["triage"] in ("urgent", "emergency")
    pages = outcome["pages"]
    assert isinstance(pages, list) and len(pages) == 1
    assert pages[0]["acknowledged_at"] is not None
    assert outcome["messages"]


def test_lunch_refill_takes_a_routine_message() -> None:
    _transcript, outcome = _run("lunch-refill.txt", WEDNESDAY_LUNCH)
    assert outcome["intent"] == "refill"
    assert outcome["triage"] == "routine"
    assert outcome["disposition"] == "message_taken"
    assert outcome["pages"] == []
    assert len(outcome["messages"]) == 1  # type: ignore[arg-type]


def test_sunday_appointment_request_books_mondays_first_opening() -> None:
    _transcript, outcome = _run("sunday-appointment.txt", SUNDAY)
    assert outcome["intent"] == "appointment_new"
    assert outcome["disposition"] == "appointment"
    assert outcome["pages"] == []
    assert outcome["messages"] == []  # booked: nothing left for the front desk
    appointment = outcome["appointment"]
    assert isinstance(appointment, dict)
    assert appointment["status"] == "booked"
    assert datetime.fromisoformat(appointment["start"]).date().isoformat() == "2026-03-09"


def test_spanish_urgent_call_is_served_in_spanish_and_pages() -> None:
    transcript, outcome = _run("spanish-urgent.txt", TUESDAY_NIGHT)
    assert outcome["lang"] == "es"
    assert outcome["triage"] in ("urgent", "emergency")
    assert outcome["pages"]
    assert any("SERVICE" in t and ("llame" in t or "911" in t) for t in transcript)


def test_chinese_faq_is_answered_without_a_message() -> None:
    transcript, outcome = _run("chinese-faq.txt", TUESDAY_NIGHT)
    assert outcome["lang"] == "zh"
    assert outcome["intent"] == "faq_hours"
    assert outcome["disposition"] == "faq_answered"
    assert outcome["messages"] == []
    assert any("南奥斯汀" in t for t in transcript)


def test_cli_prints_transcript_then_one_json_outcome_line() -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--practice",
            str(DEMO),
            "--at",
            "2026-03-03T22:00:00-06:00",
            "--until",
            "30m",
            "-",
        ],
        input="I need a refill of my lisinopril\n#hangup\n",
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "CALLER: I need a refill of my lisinopril" in result.output
    outcome = json.loads(lines[-1])["outcome"]
    assert set(outcome) >= {"disposition", "triage", "intent", "lang", "messages", "pages"}
    assert outcome["messages"], "a hang-up mid-intake still leaves a message"


def test_script_parsing_and_bad_directives() -> None:
    parsed = parse_script(
        ["hello", "", "## note", "#press 2", "#wait 5m", "#ack oncall", "#hangup"]
    )
    assert [p.kind for p in parsed] == ["say", "press", "wait", "ack", "hangup"]
    assert parse_duration("1h30m").total_seconds() == 5400
    with pytest.raises(ScriptError):
        parse_script(["#dance"])
    with pytest.raises(ScriptError):
        parse_duration("soon")
