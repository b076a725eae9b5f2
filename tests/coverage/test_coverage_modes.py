"""Coverage mode and next opening: holidays, closures, lunch, weekends, DST, two time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from triageline.adapters.config.loader import load_practice
from triageline.domain.coverage import (
    CoverageMode,
    NeverOpensError,
    coverage_at,
    is_answered,
    next_opening,
    open_until,
    opening_phrase,
)
from triageline.domain.practice import (
    Address,
    Closure,
    Coverage,
    FixedHolidayCalendar,
    Handling,
    HandlingAction,
    HoursOverride,
    LevelHandling,
    Location,
    MessageQueue,
    MessageRouting,
    Practice,
    PracticePhones,
    Recording,
    SituationHandling,
    TimeRange,
    WeeklyHours,
)
from triageline.domain.triage.types import Language
from triageline.entrypoints.cli.main import app

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture(scope="module")
def demo() -> Practice:
    return load_practice(DEMO)


# (case, location, instant, expected mode, expected next opening)
# Austin (America/Chicago): Mon-Wed 8-17, Thu 8-19, Fri 8-16, Sat 9-12, lunch 12-13.
# El Paso (America/Denver): Mon-Fri 7:30-16:30, lunch 12:30-13:30.
DEMO_CASES = [
    (
        "ordinary morning",
        "austin",
        "2026-11-24T09:00-06:00",
        "office_hours",
        "2026-11-24T09:00-06:00",
    ),
    ("lunch", "austin", "2026-11-25T12:15-06:00", "lunch", "2026-11-25T13:00-06:00"),
    (
        "lunch, mountain time",
        "el-paso",
        "2026-11-25T12:45-07:00",
        "lunch",
        "2026-11-25T13:30-07:00",
    ),
    ("evening", "austin", "2026-11-24T17:00-06:00", "after_hours", "2026-11-25T08:00-06:00"),
    ("late thursday", "austin", "2026-11-19T18:30-06:00", "office_hours", "2026-11-19T18:30-06:00"),
    ("before opening", "austin", "2026-11-24T07:59-06:00", "after_hours", "2026-11-24T08:00-06:00"),
    ("thanksgiving", "austin", "2026-11-26T10:00-06:00", "holiday", "2026-11-28T09:00-06:00"),
    ("thanksgiving night", "austin", "2026-11-26T23:00-06:00", "holiday", "2026-11-28T09:00-06:00"),
    ("configured closure", "austin", "2026-11-27T10:00-06:00", "holiday", "2026-11-28T09:00-06:00"),
    (
        "thanksgiving, el paso",
        "el-paso",
        "2026-11-26T10:00-06:00",
        "holiday",
        "2026-11-30T07:30-07:00",
    ),
    (
        "saturday after saturday hours",
        "austin",
        "2026-11-28T12:30-06:00",
        "after_hours",
        "2026-11-30T08:00-06:00",
    ),
    ("sunday", "austin", "2026-11-29T10:00-06:00", "after_hours", "2026-11-30T08:00-06:00"),
    (
        "saturday, el paso",
        "el-paso",
        "2026-11-28T10:00-07:00",
        "after_hours",
        "2026-11-30T07:30-07:00",
    ),
    (
        "christmas eve morning",
        "austin",
        "2026-12-24T11:00-06:00",
        "office_hours",
        "2026-12-24T11:00-06:00",
    ),
    (
        "christmas eve afternoon",
        "austin",
        "2026-12-24T12:30-06:00",
        "closed_early",
        "2026-12-26T09:00-06:00",
    ),
    (
        "christmas eve evening",
        "austin",
        "2026-12-24T19:30-06:00",
        "after_hours",
        "2026-12-26T09:00-06:00",
    ),
    ("christmas day", "austin", "2026-12-25T09:00-06:00", "holiday", "2026-12-26T09:00-06:00"),
    (
        "christmas eve, el paso",
        "el-paso",
        "2026-12-24T12:30-07:00",
        "closed_early",
        "2026-12-28T07:30-07:00",
    ),
    (
        "new year's eve early close",
        "austin",
        "2026-12-31T15:00-06:00",
        "closed_early",
        "2027-01-02T09:00-06:00",
    ),
    (
        "independence day observed",
        "austin",
        "2026-07-03T10:00-05:00",
        "holiday",
        "2026-07-06T08:00-05:00",
    ),
    (
        "opening-late override",
        "austin",
        "2026-03-11T09:00-05:00",
        "after_hours",
        "2026-03-11T10:00-05:00",
    ),
    # Same instant, two offices: 08:00 in Austin is 07:00 in El Paso.
    ("austin open", "austin", "2026-11-30T08:00-06:00", "office_hours", "2026-11-30T08:00-06:00"),
    (
        "el paso not yet",
        "el-paso",
        "2026-11-30T08:00-06:00",
        "after_hours",
        "2026-11-30T07:30-07:00",
    ),
    # Spring forward (Sunday 2026-03-08): closed Saturday noon, open Monday in CDT.
    (
        "spring forward weekend",
        "austin",
        "2026-03-07T13:00-06:00",
        "after_hours",
        "2026-03-09T08:00-05:00",
    ),
    (
        "spring forward night",
        "austin",
        "2026-03-08T01:59-06:00",
        "after_hours",
        "2026-03-09T08:00-05:00",
    ),
    (
        "spring forward, el paso",
        "el-paso",
        "2026-03-06T17:00-07:00",
        "after_hours",
        "2026-03-09T07:30-06:00",
    ),
    (
        "first day of CDT",
        "austin",
        "2026-03-09T07:30-05:00",
        "after_hours",
        "2026-03-09T08:00-05:00",
    ),
    # Fall back (Sunday 2026-11-01): the repeated hour does not shift Monday's opening.
    (
        "fall back weekend",
        "austin",
        "2026-10-31T12:30-05:00",
        "after_hours",
        "2026-11-02T08:00-06:00",
    ),
    (
        "fall back repeated hour",
        "austin",
        "2026-11-01T01:30-06:00",
        "after_hours",
        "2026-11-02T08:00-06:00",
    ),
    (
        "fall back, el paso",
        "el-paso",
        "2026-10-30T16:45-06:00",
        "after_hours",
        "2026-11-02T07:30-07:00",
    ),
    (
        "first day of CST",
        "austin",
        "2026-11-02T08:00-06:00",
        "office_hours",
        "2026-11-02T08:00-06:00",
    ),
]


@pytest.mark.parametrize(
    ("location", "at", "mode", "opening"),
    [case[1:] for case in DEMO_CASES],
    ids=[case[0] for case in DEMO_CASES],
)
def test_demo_coverage_and_next_opening(
    demo: Practice, location: str, at: str, mode: str, opening: str
) -> None:
    instant = datetime.fromisoformat(at)
    expected = datetime.fromisoformat(opening)

    found = next_opening(demo, location, instant)

    assert coverage_at(demo, location, instant) is CoverageMode(mode)
    assert found == expected
    assert found.utcoffset() == expected.utcoffset()
    assert found.tzinfo == demo.location(location).tz


def test_open_until_marks_the_end_of_the_current_span(demo: Practice) -> None:
    morning = datetime.fromisoformat("2026-12-24T09:00-06:00")
    lunch = datetime.fromisoformat("2026-11-25T12:15-06:00")

    assert open_until(demo, "austin", morning) == datetime.fromisoformat("2026-12-24T12:00-06:00")
    assert open_until(demo, "austin", lunch) is None


def make_practice(
    hours: WeeklyHours,
    *,
    tz: ZoneInfo = CHICAGO,
    lunch: TimeRange | None = None,
    closures: tuple[Closure, ...] = (),
    overrides: tuple[HoursOverride, ...] = (),
    coverage: Coverage | None = None,
) -> Practice:
    """A one-location practice with the given hours, built without any adapter."""
    words = {Language.EN: "x"}
    take = SituationHandling(HandlingAction.TAKE_MESSAGE, words)
    levels = LevelHandling(SituationHandling(HandlingAction.INSTRUCT_911, words), take, take)
    return Practice(
        id="p",
        name="P",
        specialty="",
        tz=tz,
        state="TX",
        phones=PracticePhones(main="+15125550100"),
        languages=(Language.EN,),
        locations=(
            Location(
                id="main",
                name="Main",
                address=Address("1 Main St", "Austin", "TX", "78701"),
                phone="+15125550100",
                tz=tz,
                hours=hours,
                lunch=lunch,
                overrides=overrides,
            ),
        ),
        calendar=FixedHolidayCalendar(closures),
        coverage=coverage or Coverage(),
        providers=(),
        staff=(),
        handling=Handling(levels, levels),
        faqs=(),
        insurance_plans=(),
        portal_url=None,
        recording=Recording(enabled=False),
        routing=MessageRouting((MessageQueue("desk", "Desk"),), "desk"),
        retention_years=7,
    )


def test_an_opening_inside_the_skipped_dst_hour_moves_to_the_real_instant() -> None:
    practice = make_practice(WeeklyHours(sun=TimeRange(time(2, 30), time(6))))
    saturday = datetime(2026, 3, 7, 20, 0, tzinfo=CHICAGO)

    opening = next_opening(practice, None, saturday)

    assert opening.astimezone(UTC) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    assert (opening.hour, opening.minute) == (3, 30)


def test_an_early_closing_before_opening_closes_the_whole_day() -> None:
    weekdays = TimeRange(time(9), time(17))
    practice = make_practice(
        WeeklyHours(mon=weekdays, tue=weekdays),
        closures=(Closure(date(2026, 11, 30), "Inventory", time(8)),),
    )
    monday = datetime(2026, 11, 30, 10, tzinfo=CHICAGO)

    assert coverage_at(practice, None, monday) is CoverageMode.CLOSED_EARLY
    assert next_opening(practice, None, monday) == datetime(2026, 12, 1, 9, tzinfo=CHICAGO)


def test_a_full_day_location_override_is_a_holiday() -> None:
    weekdays = TimeRange(time(9), time(17))
    practice = make_practice(
        WeeklyHours(mon=weekdays, tue=weekdays),
        overrides=(HoursOverride(date(2026, 11, 30), None, "Flooded"),),
    )
    monday = datetime(2026, 11, 30, 10, tzinfo=CHICAGO)

    assert coverage_at(practice, None, monday) is CoverageMode.HOLIDAY
    assert next_opening(practice, None, monday) == datetime(2026, 12, 1, 9, tzinfo=CHICAGO)


def test_a_location_that_never_opens_is_reported() -> None:
    practice = make_practice(WeeklyHours())

    with pytest.raises(NeverOpensError):
        next_opening(practice, None, datetime(2026, 1, 1, tzinfo=UTC))


def test_naive_instants_are_refused() -> None:
    practice = make_practice(WeeklyHours(mon=TimeRange(time(9), time(17))))

    with pytest.raises(ValueError, match="timezone-aware"):
        coverage_at(practice, None, datetime(2026, 11, 30, 10))


@pytest.mark.parametrize(
    ("mode", "overflow", "expected"),
    [
        (CoverageMode.OFFICE_HOURS, False, False),
        (CoverageMode.OFFICE_HOURS, True, True),
        (CoverageMode.LUNCH, False, True),
        (CoverageMode.AFTER_HOURS, False, True),
        (CoverageMode.HOLIDAY, False, False),
        (CoverageMode.CLOSED_EARLY, False, False),
    ],
)
def test_is_answered_follows_the_coverage_switches(
    mode: CoverageMode, overflow: bool, expected: bool
) -> None:
    coverage = Coverage(after_hours=True, lunch=True, overflow=True, holidays=False)

    assert is_answered(coverage, mode, overflow=overflow) is expected


NOW = datetime(2026, 11, 25, 18, 0, tzinfo=CHICAGO)  # a Wednesday evening
PHRASES = [
    ("2026-11-26T08:00-06:00", Language.EN, "tomorrow at 8:00 AM"),
    ("2026-11-26T08:00-06:00", Language.ES, "mañana a las 8:00 de la mañana"),
    ("2026-11-26T08:00-06:00", Language.ZH, "明天上午8点"),
    ("2026-11-30T08:00-06:00", Language.EN, "Monday at 8:00 AM"),
    ("2026-11-30T08:00-06:00", Language.ES, "el lunes a las 8:00 de la mañana"),
    ("2026-11-30T08:00-06:00", Language.ZH, "星期一上午8点"),
    ("2026-11-25T19:30-06:00", Language.EN, "today at 7:30 PM"),
    ("2026-11-25T19:30-06:00", Language.ES, "hoy a las 7:30 de la tarde"),
    ("2026-11-25T19:30-06:00", Language.ZH, "今天晚上7点半"),
    ("2026-11-27T13:15-06:00", Language.EN, "Friday at 1:15 PM"),
    ("2026-11-27T13:15-06:00", Language.ES, "el viernes a la 1:15 de la tarde"),
    ("2026-11-27T13:15-06:00", Language.ZH, "星期五下午1点15分"),
    ("2026-11-27T12:00-06:00", Language.EN, "Friday at 12:00 PM"),
    ("2026-11-27T12:00-06:00", Language.ES, "el viernes a las 12:00 del mediodía"),
    ("2026-11-27T12:00-06:00", Language.ZH, "星期五中午12点"),
    ("2026-12-28T08:00-06:00", Language.EN, "Monday, December 28 at 8:00 AM"),
    ("2026-12-28T08:00-06:00", Language.ES, "el lunes 28 de diciembre a las 8:00 de la mañana"),
    ("2026-12-28T08:00-06:00", Language.ZH, "12月28日星期一上午8点"),
    ("2026-11-25T17:00-06:00", Language.EN, "now"),
]


@pytest.mark.parametrize(("opening", "lang", "expected"), PHRASES)
def test_opening_phrase(opening: str, lang: Language, expected: str) -> None:
    local = datetime.fromisoformat(opening).astimezone(CHICAGO)

    assert opening_phrase(local, NOW, lang) == expected


def test_opening_phrase_counts_days_in_the_opening_time_zone() -> None:
    denver = ZoneInfo("America/Denver")
    # 00:30 on the 26th in Chicago is still 23:30 on the 25th in Denver, so an opening on the
    # 26th in Denver is "tomorrow" there (Chicago's calendar would have said "today").
    now = datetime(2026, 11, 26, 0, 30, tzinfo=CHICAGO)
    opening = datetime(2026, 11, 26, 7, 30, tzinfo=denver)

    assert opening_phrase(opening, now, Language.EN) == "tomorrow at 7:30 AM"


def test_cli_hours_reports_thanksgiving_and_the_next_opening() -> None:
    result = CliRunner().invoke(
        app,
        [
            "hours",
            "--practice",
            str(DEMO),
            "--location",
            "austin",
            "--at",
            "2026-11-26T10:00:00-06:00",
        ],
    )

    assert result.exit_code == 0, result.output
    assert "mode:         holiday (Thanksgiving Day)" in result.output
    assert "next opening: Sat 2026-11-28 09:00 CST" in result.output
    assert "en: Saturday at 9:00 AM" in result.output
    assert "zh: 星期六上午9点" in result.output


def test_cli_hours_json_and_unknown_location() -> None:
    runner = CliRunner()
    ok = runner.invoke(
        app, ["hours", "--practice", str(DEMO), "--at", "2026-11-24T12:15-06:00", "--json"]
    )
    unknown = runner.invoke(
        app, ["hours", "--practice", str(DEMO), "--location", "dallas", "--at", "2026-11-24T12:15"]
    )

    assert ok.exit_code == 0, ok.output
    lines = ok.output.strip().splitlines()
    assert '"location": "austin", "at": "2026-11-24T12:15:00-06:00", "mode": "lunch"' in lines[0]
    assert (
        '"location": "el-paso", "at": "2026-11-24T11:15:00-07:00", "mode": "office_hours"'
        in lines[1]
    )
    assert unknown.exit_code == 2
