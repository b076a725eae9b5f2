"""`triageline simulate` runs the real paging service: the demo chain, and a stop on `#ack`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from triageline.entrypoints.cli.main import app
from triageline.entrypoints.cli.simulation import simulate

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
SCRIPTS = REPO / "examples" / "scripts"
TUESDAY_NIGHT = datetime.fromisoformat("2026-03-03T22:00:00-06:00")


def _run(name: str, at: datetime = TUESDAY_NIGHT) -> tuple[list[str], dict[str, Any]]:
    script = (SCRIPTS / name).read_text(encoding="utf-8").splitlines()
    transcript, line = simulate(DEMO, at, script)
    outcome: dict[str, Any] = json.loads(line)["outcome"]
    return transcript, outcome


def _minutes(page: dict[str, Any]) -> list[tuple[float, str, str]]:
    sends = page["notifications"]
    first = datetime.fromisoformat(sends[0]["sent_at"])
    return [
        (
            (datetime.fromisoformat(n["sent_at"]) - first).total_seconds() / 60,
            n["recipient"],
            n["channel"],
        )
        for n in sends
    ]


def test_unacknowledged_urgent_call_runs_the_whole_demo_chain() -> None:
    transcript, outcome = _run("after-hours-urgent-no-ack.txt")
    assert outcome["triage"] == "urgent"
    (page,) = outcome["pages"]
    assert page["acknowledged_at"] is None
    people = {(minute, who) for minute, who, _channel in _minutes(page)}
    assert {(0, "dr-alvarez"), (5, "dr-alvarez"), (10, "dr-chen"), (20, "pm-nguyen")} <= people
    assert all(minute <= 30 for minute, _who in people)
    channels = {(minute, channel) for minute, _who, channel in _minutes(page)}
    assert {(0, "sms"), (0, "voice"), (20, "email")} <= channels
    page_lines = [t for t in transcript if " PAGE " in t]
    assert "PAGE +00:00 -> dr-alvarez (sms)" in page_lines[0]
    assert any("22:10:25" in t and "+10:00 -> dr-chen" in t for t in page_lines)
    assert any("22:20:25" in t and "+20:00 -> pm-nguyen" in t for t in page_lines)
    # The first page goes out at the disposition, before any simulated time passes.
    first_send = datetime.fromisoformat(page["notifications"][0]["sent_at"])
    assert (first_send - TUESDAY_NIGHT).total_seconds() < 60


def test_acknowledgement_after_seven_minutes_stops_the_chain() -> None:
    transcript, outcome = _run("after-hours-urgent-ack.txt")
    (page,) = outcome["pages"]
    assert page["acknowledged_by"] == "dr-alvarez"
    acknowledged = datetime.fromisoformat(page["acknowledged_at"])
    sent = [datetime.fromisoformat(n["sent_at"]) for n in page["notifications"]]
    assert sent and max(sent) < acknowledged
    assert [m for m, _w, _c in _minutes(page)] == [0, 0, 5, 5]
    ack_line = next(i for i, t in enumerate(transcript) if "acknowledged by dr-alvarez" in t)
    assert not any(" PAGE +" in t for t in transcript[ack_line:])


def test_ack_by_a_named_person_and_oncall() -> None:
    script = (SCRIPTS / "after-hours-urgent-no-ack.txt").read_text(encoding="utf-8")
    named = script.replace("#wait 30m", "#wait 12m\n#ack dr-chen\n#wait 10m")
    _t, line = simulate(DEMO, TUESDAY_NIGHT, named.splitlines())
    (page,) = json.loads(line)["outcome"]["pages"]
    assert page["acknowledged_by"] == "dr-chen"
    assert {n["recipient"] for n in page["notifications"]} == {"dr-alvarez", "dr-chen"}
    oncall = script.replace("#wait 30m", "#ack oncall")
    _t, line = simulate(DEMO, TUESDAY_NIGHT, oncall.splitlines())
    (page,) = json.loads(line)["outcome"]["pages"]
    assert page["acknowledged_by"] == "dr-alvarez"
    assert len(page["notifications"]) == 2


def test_acknowledged_but_unresolved_page_renotifies_after_thirty_minutes() -> None:
    script = (SCRIPTS / "after-hours-urgent-ack.txt").read_text(encoding="utf-8")
    longer = script.replace("#wait 20m", "#wait 31m")
    _t, line = simulate(DEMO, TUESDAY_NIGHT, longer.splitlines())
    (page,) = json.loads(line)["outcome"]["pages"]
    assert page["acknowledged_at"] is None
    assert [m for m, _w, _c in _minutes(page)] == [0, 0, 5, 5, 37, 37]


def test_until_fires_timers_that_fall_due() -> None:
    script = (SCRIPTS / "after-hours-urgent-no-ack.txt").read_text(encoding="utf-8")
    short = script.replace("#wait 30m", "")
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--practice",
            str(DEMO),
            "--at",
            TUESDAY_NIGHT.isoformat(),
            "--until",
            "11m",
            "-",
        ],
        input=short,
    )
    assert result.exit_code == 0, result.output
    (page,) = json.loads(result.output.strip().splitlines()[-1])["outcome"]["pages"]
    recipients = [n["recipient"] for n in page["notifications"]]
    assert recipients.count("dr-chen") == 2 and "pm-nguyen" not in recipients


def test_no_page_means_no_ack() -> None:
    transcript, line = simulate(DEMO, TUESDAY_NIGHT, ["I need a refill", "#ack"])
    assert json.loads(line)["outcome"]["pages"] == []
    assert any("no page to acknowledge" in t for t in transcript)
