"""Practice configuration: the demo loads, and every kind of mistake is named by path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from triageline.adapters.config.loader import (
    ConfigError,
    ConfigIssue,
    load_practice,
    load_practice_config,
    practice_from_mapping,
)
from triageline.domain.practice import (
    Closure,
    ContactKind,
    FaqTopic,
    HandlingAction,
    Practice,
    ProviderRole,
    Situation,
    StaffRole,
    TimeRange,
    Weekday,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel
from triageline.entrypoints.cli.main import app

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
FIXTURES = Path(__file__).parent / "fixtures"


def make_config_data(**changes: Any) -> dict[str, Any]:
    """The demo configuration as parsed YAML, with top-level keys replaced."""
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data.update(copy.deepcopy(changes))
    return data


def issues_of(data: dict[str, Any]) -> list[ConfigIssue]:
    """The issues raised when validating `data` as `test.yaml`."""
    with pytest.raises(ConfigError) as caught:
        practice_from_mapping(data, "test.yaml")
    return caught.value.issues


def test_demo_practice_loads_as_a_realistic_domain_practice() -> None:
    practice = load_practice(DEMO)

    assert isinstance(practice, Practice)
    assert practice.id == "demo"
    assert practice.specialty == "family medicine"
    assert practice.languages == (Language.EN, Language.ES, Language.ZH)
    assert [loc.id for loc in practice.locations] == ["austin", "el-paso"]
    assert practice.location("austin").tz.key == "America/Chicago"
    assert practice.location("el-paso").tz.key == "America/Denver"
    assert practice.location("austin").hours.on(Weekday.MON) == TimeRange(time(8), time(17))
    assert practice.location("austin").lunch == TimeRange(time(12), time(13))
    assert len(practice.providers) >= 4
    assert ProviderRole.NURSE in {p.role for p in practice.providers}
    assert StaffRole.PRACTICE_MANAGER in {s.role for s in practice.staff}
    assert len(practice.insurance_plans) >= 5
    for topic in FaqTopic:
        faq = practice.faq(topic)
        assert faq is not None, topic
        assert set(faq.answer) == set(practice.languages), topic
    assert practice.portal_url is not None
    assert practice.recording.enabled
    assert set(practice.recording.announcement) == set(practice.languages)


def test_demo_handling_routing_and_contacts_reach_the_domain() -> None:
    practice = load_practice(DEMO)

    urgent_after = practice.handling.for_situation(Situation.AFTER_HOURS, TriageLevel.URGENT)
    assert urgent_after.action is HandlingAction.PAGE_ONCALL
    assert urgent_after.callback_minutes == 30
    emergency = practice.handling.for_situation(Situation.OFFICE_HOURS, TriageLevel.EMERGENCY)
    assert emergency.action is HandlingAction.INSTRUCT_911_AND_TRANSFER
    assert "911" in emergency.text[Language.ZH]
    assert practice.routing.queue_for(Intent.REFILL) == "refills"
    assert practice.routing.queue_for(Intent.FAQ_HOURS) == "front-desk"
    nurse = practice.person("rn-garcia")
    assert nurse is not None
    assert [c.kind for c in nurse.contacts] == [
        ContactKind.SMS,
        ContactKind.VOICE,
        ContactKind.PUSH,
    ]


def test_demo_calendar_combines_package_holidays_and_configured_closures() -> None:
    calendar = load_practice(DEMO).calendar

    thanksgiving = calendar.closure_on(date(2026, 11, 26))
    assert thanksgiving == Closure(date(2026, 11, 26), "Thanksgiving Day")
    assert calendar.closure_on(date(2026, 11, 27)) == Closure(
        date(2026, 11, 27), "Day after Thanksgiving"
    )
    assert calendar.closure_on(date(2026, 12, 24)) == Closure(
        date(2026, 12, 24), "Christmas Eve", time(12)
    )
    observed = calendar.closure_on(date(2026, 7, 3))
    assert observed is not None and observed.name == "Independence Day (observed)"
    # Texas state holidays and federal holidays the practice does not observe stay open.
    assert calendar.closure_on(date(2026, 11, 11)) is None  # Veterans Day
    assert calendar.closure_on(date(2026, 3, 2)) is None  # Texas Independence Day
    assert calendar.closure_on(date(2026, 11, 25)) is None


def test_bad_fixture_names_all_three_mistakes() -> None:
    with pytest.raises(ConfigError) as caught:
        load_practice(FIXTURES / "bad-practice.yaml")

    file = str(FIXTURES / "bad-practice.yaml")
    rendered = sorted(str(issue) for issue in caught.value.issues)
    assert rendered == sorted(
        [
            f'{file}: locations[0].hours.mon: "25:00-17:00" is not a time range',
            f'{file}: locations[0].parking_spots: unknown key "parking_spots"',
            f'{file}: phones.nurse_line: "512-555-0150" is not an E.164 phone number'
            ' (write it like "+15125550100")',
        ]
    )


def test_value_errors_from_section_validators_read_cleanly() -> None:
    escalation = {"urgent": {"steps": [{"notify": "oncall_primary", "channels": ["sms"]}]}}

    [issue] = issues_of(make_config_data(escalation=escalation))

    assert issue.path == "escalation.urgent"
    assert issue.reason == "the steps must end with a wait (before any repeat)"


def test_issue_string_is_file_path_reason() -> None:
    assert str(ConfigIssue("demo.yaml", "a.b[0]", "why")) == "demo.yaml: a.b[0]: why"


@pytest.mark.parametrize(
    ("fixture", "path", "reason_part"),
    [
        ("syntax-error.yaml", "line 3, column 6", "expected ',' or ']'"),
        ("duplicate-key.yaml", "line 3, column 1", "duplicate key 'name'"),
    ],
)
def test_yaml_problems_carry_line_numbers(fixture: str, path: str, reason_part: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_practice_config(FIXTURES / fixture)

    [issue] = caught.value.issues
    assert issue.path == path
    assert reason_part in issue.reason


def _with_location(**changes: Any) -> dict[str, Any]:
    data = make_config_data()
    data["locations"][0].update(changes)
    return data


def _with_handling(situation: str, level: str, **changes: Any) -> dict[str, Any]:
    data = make_config_data()
    data["handling"][situation][level].update(changes)
    return data


def _without_language_text(section: str, topic: str, lang: str) -> dict[str, Any]:
    data = make_config_data()
    del data[section][topic][lang]
    return data


CASES: list[tuple[str, Callable[[], dict[str, Any]], str, str]] = [
    (
        "typo in a nested key, with a suggestion",
        lambda: _with_location(hourz={}),
        "locations[0].hourz",
        'unknown key "hourz"; did you mean "hours"?',
    ),
    (
        "unknown top-level key",
        lambda: make_config_data(retention=5),
        "retention",
        'unknown key "retention"; did you mean "retention_years"?',
    ),
    (
        "range that ends before it starts",
        lambda: _with_location(lunch="13:00-12:00"),
        "locations[0].lunch",
        '"13:00-12:00" ends before it starts',
    ),
    (
        "unknown time zone",
        lambda: _with_location(timezone="America/Chicgo"),
        "locations[0].timezone",
        '"America/Chicgo" is not an IANA time zone (e.g. America/Chicago)',
    ),
    (
        "unquoted phone number read as an integer",
        lambda: make_config_data(phones={"main": 15125550100}),
        "phones.main",
        '15125550100 was read as a number; quote it, e.g. "+15125550100"',
    ),
    (
        "invalid state",
        lambda: make_config_data(state="TQ"),
        "state",
        '"TQ" is not a US state code (e.g. TX)',
    ),
    (
        "missing required section",
        lambda: {k: v for k, v in make_config_data().items() if k != "handling"},
        "handling",
        "required field is missing",
    ),
    (
        "unknown holiday name",
        lambda: make_config_data(holidays={"observe": ["Thanksgiving"]}),
        "holidays.observe[0]",
        '"Thanksgiving" is not a holiday in US-TX; did you mean "Thanksgiving Day"?',
    ),
    (
        "early closing time in 24-hour clock",
        lambda: make_config_data(
            holidays={"early_closings": [{"date": "2026-12-24", "closes_at": "noon", "name": "x"}]}
        ),
        "holidays.early_closings[0].closes_at",
        '"noon" is not a time (use HH:MM on a 24-hour clock)',
    ),
    (
        "action not allowed for the urgency",
        lambda: _with_handling("after_hours", "routine", action="page_oncall"),
        "handling.after_hours.routine.action",
        '"page_oncall" is not allowed for routine (use take_message)',
    ),
    (
        "handling text missing a practice language",
        lambda: _without_language_text("faqs", "parking", "zh"),
        "faqs.parking",
        'missing text for language "zh"',
    ),
    (
        "recording announcement missing a language",
        lambda: _without_language_text("recording", "announcement", "es"),
        "recording.announcement",
        'missing text for language "es"',
    ),
    (
        "routing to a queue that does not exist",
        lambda: make_config_data(
            routing={"queues": [{"id": "desk", "name": "Desk"}], "default_queue": "dsk"}
        ),
        "routing.default_queue",
        'no queue "dsk"; did you mean "desk"?',
    ),
    (
        "unknown intent in routing",
        lambda: make_config_data(
            routing={
                "queues": [{"id": "desk", "name": "Desk"}],
                "default_queue": "desk",
                "intents": {"refills": "desk"},
            }
        ),
        "routing.intents.refills",
        "Input should be",
    ),
    (
        "sms contact without a number",
        lambda: make_config_data(
            staff=[
                {
                    "id": "x",
                    "name": "X",
                    "role": "billing",
                    "languages": ["en"],
                    "contact": [{"kind": "sms"}],
                }
            ]
        ),
        "staff[0].contact[0]",
        'a sms contact needs "to"',
    ),
    (
        "duplicate person id across providers and staff",
        lambda: make_config_data(
            staff=[{"id": "dr-chen", "name": "X", "role": "billing", "languages": ["en"]}]
        ),
        "staff[0].id",
        'duplicate person id "dr-chen"',
    ),
    (
        "location that never opens",
        lambda: _with_location(hours={}),
        "locations[0].hours",
        "the location is closed every day",
    ),
]


@pytest.mark.parametrize(
    ("make_data", "path", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_mistake_is_reported_at_its_path(
    make_data: Callable[[], dict[str, Any]], path: str, reason: str
) -> None:
    issues = issues_of(make_data())

    matching = [issue for issue in issues if issue.path == path]
    assert matching, [str(issue) for issue in issues]
    assert reason in matching[0].reason
    assert all(issue.file == "test.yaml" for issue in issues)


def test_transfer_needs_a_number_when_there_is_no_nurse_line() -> None:
    data = make_config_data()
    del data["phones"]["nurse_line"]

    paths = {issue.path for issue in issues_of(data)}

    assert paths == {
        "handling.office_hours.emergency.transfer_to",
        "handling.office_hours.urgent.transfer_to",
    }


def test_cli_config_check_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()

    good = runner.invoke(app, ["config", "check", str(DEMO)])
    bad = runner.invoke(app, ["config", "check", str(DEMO), str(FIXTURES / "bad-practice.yaml")])

    assert good.exit_code == 0, good.output
    assert f"{DEMO}: ok" in good.output
    assert bad.exit_code == 2
    assert 'locations[0].hours.mon: "25:00-17:00" is not a time range' in bad.output
    assert 'locations[0].parking_spots: unknown key "parking_spots"' in bad.output
    assert 'phones.nurse_line: "512-555-0150" is not an E.164 phone number' in bad.output


def test_the_complete_example_in_the_docs_is_valid(tmp_path: Path) -> None:
    text = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    example = text.split("## Complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")

    practice = load_practice(path)

    assert practice.id == "sunrise"
    assert practice.location("el-paso").tz.key == "America/Denver"
    assert practice.faq(FaqTopic.INSURANCE) is not None


ON_CALL = {
    "rotations": [
        {
            "name": "physicians",
            "role": "physician",
            "layer": "primary",
            "participants": ["dr-alvarez", "dr-chen"],
            "period": "weekly",
            "handoff": "08:00",
            "start": "2026-01-05",
        }
    ]
}
ESCALATION = {
    "urgent": {
        "steps": [
            {"notify": "oncall_primary", "channels": ["sms", "voice"]},
            {"wait": 5},
            {"notify": "person:pm-nguyen", "channels": ["sms"]},
            {"wait": 10},
        ]
    }
}


def test_on_call_and_escalation_sections_reach_the_domain() -> None:
    practice = practice_from_mapping(
        make_config_data(on_call=ON_CALL, escalation=ESCALATION), "test.yaml"
    )

    assert practice.on_call is not None
    assert practice.on_call.timezone == "America/Chicago"  # the practice's, by default
    assert practice.escalation is not None


def test_section_references_to_unknown_people_are_named_by_path() -> None:
    on_call = copy.deepcopy(ON_CALL)
    on_call["rotations"][0]["participants"][1] = "dr-nobody"
    escalation = copy.deepcopy(ESCALATION)
    escalation["urgent"]["steps"][2]["notify"] = "person:pm-ghost"

    issues = issues_of(make_config_data(on_call=on_call, escalation=escalation))

    assert {(issue.path, issue.reason) for issue in issues} == {
        ("on_call.rotations[0].participants[1]", "unknown provider or staff id 'dr-nobody'"),
        ("escalation.urgent.steps[2].notify", "unknown provider or staff id 'pm-ghost'"),
    }
