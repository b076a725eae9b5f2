"""The `on_call` config section and the `triageline oncall` commands on the demo practice."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from conftest import FIXTURES
from triageline.adapters.config.oncall_section import OnCallSection
from triageline.domain.oncall import CalendarSourceKind, Layer, on_call
from triageline.entrypoints.cli.main import app

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"
CHICAGO = ZoneInfo("America/Chicago")


def make_section(**changes: Any) -> dict[str, Any]:
    """A valid `on_call` mapping with one weekly rotation, changed by `changes`."""
    data: dict[str, Any] = {
        "rotations": [
            {
                "name": "docs",
                "role": "physician",
                "participants": ["dr-a", "dr-b"],
                "period": "weekly",
                "handoff": "08:00",
                "handoff_day": "mon",
                "start": "2026-01-05",
            }
        ]
    }
    data.update(changes)
    return data


def run(*args: str) -> Any:
    """Invoke the CLI and return the click Result."""
    return CliRunner().invoke(app, list(args))


# --- section -----------------------------------------------------------------------------------


def test_section_to_domain_uses_practice_timezone_and_wall_clock_overrides(tmp_path: Path) -> None:
    section = OnCallSection.model_validate(
        make_section(
            overrides=[
                {
                    "person": "dr-b",
                    "replaces": "dr-a",
                    "start": "2026-03-07T20:00",
                    "end": "2026-03-08T20:00",
                    "reason": "vacation",
                }
            ],
            ical=[{"name": "nights", "file": "nights.ics", "role": "nurse", "layer": "backup"}],
        )
    )
    schedule = section.to_domain(default_timezone="America/Chicago", base_dir=tmp_path)
    assert schedule.timezone == "America/Chicago"
    override = schedule.overrides[0]
    assert override.start == datetime(2026, 3, 8, 2, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 CST
    assert override.end == datetime(2026, 3, 9, 1, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 CDT
    source = schedule.calendar_sources[0]
    assert (source.kind, source.location, source.layer) == (
        CalendarSourceKind.FILE,
        str(tmp_path / "nights.ics"),
        Layer.BACKUP,
    )
    assert schedule.rotations[0].period_days == 7
    with pytest.raises(ValueError, match="timezone"):
        section.to_domain()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Base"}, "unknown IANA timezone"),
        (
            {"rotations": [{**make_section()["rotations"][0], "period": "custom"}]},
            "every_days",
        ),
        (
            {"rotations": [{**make_section()["rotations"][0], "start": "2026-01-06"}]},
            "not the hand-off day mon",
        ),
        ({"rotations": [{**make_section()["rotations"][0], "participants": []}]}, "at least 1"),
        ({"shifts": []}, "Extra inputs"),
        (
            {
                "caldav": [
                    {
                        "name": "c",
                        "url": "https://dav.example/",
                        "role": "physician",
                        "password": "hunter2",
                    }
                ]
            },
            "literal password",
        ),
        (
            {"caldav": [{"name": "c", "url": "https://u:p@dav.example/", "role": "physician"}]},
            "credentials",
        ),
        (
            {
                "caldav": [
                    {
                        "name": "c",
                        "url": "https://dav.example/",
                        "role": "physician",
                        "password_env": "not an env",
                    }
                ]
            },
            "pattern",
        ),
        ({"ical": [{"name": "x", "role": "physician"}]}, "exactly one of file or url"),
        ({"ical": [{"name": "x", "role": "physician", "url": "ftp://x/"}]}, "http"),
        (
            {
                "overrides": [
                    {
                        "person": "a",
                        "start": "2026-01-02T08:00",
                        "end": "2026-01-01T08:00",
                        "reason": "swap",
                    }
                ]
            },
            "end must be after start",
        ),
        ({"ical": [{"name": "docs", "role": "physician", "file": "a.ics"}]}, "unique"),
    ],
)
def test_section_rejects_bad_values(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OnCallSection.model_validate(make_section(**changes))


def test_unknown_people_names_the_field() -> None:
    section = OnCallSection.model_validate(
        make_section(
            holidays=[{"date": "2026-12-25", "name": "Christmas", "person": "dr-x"}],
            ical=[{"name": "n", "file": "n.ics", "role": "nurse", "people": {"rn@x": "rn-y"}}],
        )
    )
    assert section.unknown_people({"dr-a", "dr-b"}) == [
        ("on_call.holidays.0.person", "unknown provider or staff id 'dr-x'"),
        ("on_call.ical.0.people.rn@x", "unknown provider or staff id 'rn-y'"),
    ]


# --- CLI on the demo practice ------------------------------------------------------------------


def test_gaps_reports_the_demo_practices_one_deliberate_gap() -> None:
    result = run(
        "oncall", "gaps", "--practice", str(DEMO), "--days", "30", "--from", "2026-11-22T00:00"
    )
    assert result.exit_code == 0, result.output
    gap_lines = [line for line in result.output.splitlines() if line.startswith("GAP")]
    assert gap_lines == [
        "GAP physician: 2026-11-28 18:00 CST -> 2026-11-29 08:00 CST (14h00m): "
        "vacation override without replacement"
    ]


def test_gaps_says_no_gaps_when_covered() -> None:
    result = run(
        "oncall", "gaps", "--practice", str(DEMO), "--days", "7", "--from", "2026-12-01T00:00"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "no gaps"


@pytest.mark.parametrize(
    ("at", "primary", "backup"),
    [
        ("2026-11-23T09:00", "Dr. Maria Alvarez (dr-alvarez)", "Dr. David Chen (dr-chen)"),
        (
            "2026-11-26T12:00",
            "Dr. David Chen (dr-chen)",
            "Dr. Maria Alvarez (dr-alvarez)",
        ),  # Thanksgiving
        (
            "2026-11-28T12:00",
            "Dr. David Chen (dr-chen)",
            "Dr. David Chen (dr-chen)",
        ),  # vacation cover
        (
            "2026-11-28T21:00",
            "NOBODY ON CALL until 2026-11-29 08:00 CST",
            "Dr. David Chen (dr-chen)",
        ),
        ("2026-11-30T07:59", "Dr. David Chen (dr-chen)", "Dr. David Chen (dr-chen)"),
        ("2026-11-30T08:00", "Dr. David Chen (dr-chen)", "Dr. Maria Alvarez (dr-alvarez)"),
    ],
)
def test_who_on_the_demo_practice(at: str, primary: str, backup: str) -> None:
    result = run("oncall", "who", "--practice", str(DEMO), "--at", at)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    physician = next(i for i, line in enumerate(lines) if line.startswith("physician"))
    assert primary in lines[physician]
    assert backup in lines[physician + 1]
    assert any(line.startswith("nurse") for line in lines)


def test_who_rejects_a_bad_instant() -> None:
    result = run("oncall", "who", "--practice", str(DEMO), "--at", "next tuesday")
    assert result.exit_code == 2


def test_export_writes_one_providers_feed() -> None:
    result = run(
        "oncall", "export", "--practice", str(DEMO), "--provider", "dr-chen",
        "--from", "2026-11-23T00:00", "--days", "14",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    calendar = icalendar.Calendar.from_ical(result.stdout_bytes)
    events = calendar.walk("VEVENT")
    assert events and {str(e["X-ONCALL-PERSON"]) for e in events} == {"dr-chen"}
    assert any(str(e["X-ONCALL-LAYER"]) == "backup" for e in events)
    assert run("oncall", "export", "--practice", str(DEMO), "--provider", "nobody").exit_code == 2


def test_cli_imports_an_ical_file_next_to_the_config(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text())
    shutil.copy(FIXTURES / "nights_dst.ics", tmp_path / "nights.ics")
    data["on_call"]["ical"] = [
        {
            "name": "march nights",
            "file": "nights.ics",
            "role": "physician",
            "layer": "backup",
            "people": {"smith@clinic.example": "dr-alvarez", "jones@clinic.example": "dr-chen"},
        }
    ]
    practice = tmp_path / "practice.yaml"
    practice.write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run("oncall", "who", "--practice", str(practice), "--at", "2026-03-09T22:00")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    physician = next(i for i, line in enumerate(lines) if line.startswith("physician"))
    assert "Dr. David Chen (dr-chen)" in lines[physician + 1]  # calendar beats the rotation


def test_demo_schedule_from_the_loader_matches_the_cli() -> None:
    from triageline.adapters.config.loader import load_practice
    from triageline.domain.oncall import OnCallSchedule

    schedule = load_practice(DEMO).on_call
    assert isinstance(schedule, OnCallSchedule)
    at = datetime(2026, 11, 28, 21, tzinfo=CHICAGO)
    assert on_call(schedule, at).for_role("physician").primary is None
