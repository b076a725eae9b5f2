"""iCalendar import (file, URL, CalDAV on a real Radicale server) and per-provider ICS export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from conftest import FIXTURES, FeedServer, Radicale, make_rotation, make_schedule
from triageline.adapters.calendar.caldav_source import save_caldav_event
from triageline.adapters.calendar.ical_export import export_provider_ics
from triageline.adapters.calendar.ical_import import (
    CalendarImportError,
    parse_calendar,
    shifts_from_calendars,
)
from triageline.adapters.calendar.sources import fetch_url, with_imported_calendars
from triageline.domain.oncall import (
    CalendarSource,
    CalendarSourceKind,
    Layer,
    OnCallSchedule,
    Override,
    OverrideReason,
    find_gaps,
    on_call,
    shifts_between,
)

NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
NIGHTS = FIXTURES / "nights_dst.ics"
PEOPLE = (("smith@clinic.example", "dr-smith"), ("JONES@clinic.example", "dr-jones"))


def make_source(
    kind: CalendarSourceKind = CalendarSourceKind.FILE, location: str = str(NIGHTS), **kw: object
) -> CalendarSource:
    """The nights calendar as a physician primary source."""
    values: dict[str, object] = {"people": PEOPLE, **kw}
    return CalendarSource("nights", kind, location, "physician", Layer.PRIMARY, **values)  # type: ignore[arg-type]


def nights_schedule(source: CalendarSource | None = None) -> OnCallSchedule:
    """A New York schedule whose only coverage is the imported nights calendar, March 2026."""
    bare = OnCallSchedule("America/New_York", calendar_sources=(source or make_source(),))
    start, end = datetime(2026, 3, 1, tzinfo=NY), datetime(2026, 4, 1, tzinfo=NY)
    return with_imported_calendars(bare, start, end, env={})


def ny(*args: int) -> datetime:
    """Wall-clock New York time."""
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("at", "person"),
    [
        (ny(2026, 3, 2, 16, 59), None),  # before the first night
        (ny(2026, 3, 2, 17, 0), "dr-smith"),
        (ny(2026, 3, 3, 7, 59), "dr-smith"),
        (ny(2026, 3, 3, 8, 0), None),
        (ny(2026, 3, 8, 1, 30), "dr-smith"),  # Saturday night, before the change
        (ny(2026, 3, 8, 3, 30), "dr-smith"),  # ... after the change
        (ny(2026, 3, 8, 8, 0), None),
        (ny(2026, 3, 9, 22, 0), "dr-jones"),  # RECURRENCE-ID swap, first night in EDT
        (ny(2026, 3, 10, 22, 0), None),  # EXDATE
        (ny(2026, 3, 11, 22, 0), "dr-smith"),
        (ny(2026, 3, 12, 22, 0), None),  # a cancelled event covers nobody
        (ny(2026, 3, 18, 23, 0), "dr-smith"),  # last night before UNTIL
        (ny(2026, 3, 21, 22, 0), None),  # after UNTIL
    ],
)
def test_imported_nights_give_the_expected_person(at: datetime, person: str | None) -> None:
    shift = on_call(nights_schedule(), at).for_role("physician").primary
    assert (shift.person if shift else None) == person


def test_imported_shift_durations_are_computed_in_utc() -> None:
    shifts = nights_schedule().calendar_shifts
    by_start = {s.start.astimezone(NY).date().isoformat(): s for s in shifts}
    assert by_start["2026-03-07"].duration == timedelta(hours=14)  # 15 wall-clock hours
    assert by_start["2026-03-09"].duration == timedelta(hours=15)
    assert by_start["2026-03-09"].start == datetime(2026, 3, 9, 21, 0, tzinfo=UTC)


def test_gap_detector_fires_on_the_exdate_hole() -> None:
    gaps = find_gaps(nights_schedule(), ny(2026, 3, 9, 17), ny(2026, 3, 12, 8))
    assert [(g.start, g.end) for g in gaps] == [(ny(2026, 3, 10, 8), ny(2026, 3, 11, 17))]
    assert gaps[0].duration == timedelta(hours=33)


def test_x_wr_timezone_feed_is_normalised() -> None:
    source = CalendarSource(
        "google",
        CalendarSourceKind.FILE,
        str(FIXTURES / "google_xwr.ics"),
        "nurse",
        Layer.PRIMARY,
        people=(("Nurse line: Pat Rivera", "rn-rivera"),),
        person_property="SUMMARY",
    )
    bare = OnCallSchedule("America/Chicago", calendar_sources=(source,))
    start = datetime(2026, 10, 28, tzinfo=CHICAGO)
    schedule = with_imported_calendars(bare, start, start + timedelta(days=10), env={})
    starts = [s.start.astimezone(CHICAGO) for s in schedule.calendar_shifts]
    assert len(starts) == 6
    assert {(t.hour, t.minute) for t in starts} == {(8, 0)}  # 08:00 local before and after
    assert {s.person for s in schedule.calendar_shifts} == {"rn-rivera"}
    fall_back = [s for s in schedule.calendar_shifts if s.start.astimezone(CHICAGO).day == 31]
    assert fall_back[0].duration == timedelta(hours=25)


def test_url_import_reads_the_feed_over_http(
    feed_server: Callable[[bytes, int], FeedServer],
) -> None:
    server = feed_server(NIGHTS.read_bytes(), 200)
    schedule = nights_schedule(make_source(CalendarSourceKind.URL, server.url))
    assert server.requests == ["/feed.ics"]
    assert on_call(schedule, ny(2026, 3, 9, 22)).for_role("physician").primary.person == "dr-jones"  # type: ignore[union-attr]


def test_url_import_failure_is_an_import_error(
    feed_server: Callable[[bytes, int], FeedServer],
) -> None:
    server = feed_server(b"gone", 404)
    with pytest.raises(CalendarImportError, match="could not fetch"):
        fetch_url(server.url)
    with pytest.raises(CalendarImportError, match="http"):
        fetch_url("file:///etc/passwd")


def test_unreadable_documents_and_events_without_person_are_rejected() -> None:
    with pytest.raises(CalendarImportError):
        parse_calendar(b"this is not a calendar")
    text = NIGHTS.read_text().replace("ATTENDEE;CN=Dr. Smith:mailto:smith@clinic.example\n", "")
    calendar = parse_calendar(text.replace("SUMMARY:Night call\n", ""))
    start = datetime(2026, 3, 1, tzinfo=NY)
    with pytest.raises(CalendarImportError, match="names nobody"):
        shifts_from_calendars([calendar], make_source(), start, start + timedelta(days=5), NY)


def _objects_by_uid(path: Path) -> list[str]:
    """Split a multi-UID calendar into one VCALENDAR per UID (one CalDAV resource each)."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    timezones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
    by_uid: dict[str, list[icalendar.cal.Component]] = {}
    for event in calendar.walk("VEVENT"):
        by_uid.setdefault(str(event["UID"]), []).append(event)
    result = []
    for events in by_uid.values():
        single = icalendar.Calendar()
        single.add("prodid", "-//triageline tests//EN")
        single.add("version", "2.0")
        for component in (*timezones, *events):
            single.add_component(component)
        result.append(single.to_ical().decode())
    return result


def test_caldav_import_from_a_real_radicale_server(radicale: Radicale) -> None:
    for number, ics in enumerate(_objects_by_uid(NIGHTS)):
        save_caldav_event(
            radicale.url,
            ics,
            calendar="oncall",
            username="oncall",
            password="pw",
            create=number == 0,
        )
    source = make_source(
        CalendarSourceKind.CALDAV,
        radicale.url,
        calendar="oncall",
        username="oncall",
        password_env="TEST_CALDAV_PASSWORD",
    )
    bare = OnCallSchedule("America/New_York", calendar_sources=(source,))
    with pytest.raises(CalendarImportError, match="TEST_CALDAV_PASSWORD"):
        with_imported_calendars(bare, ny(2026, 3, 9), ny(2026, 3, 12), env={})
    schedule = with_imported_calendars(
        bare, ny(2026, 3, 9), ny(2026, 3, 12), env={"TEST_CALDAV_PASSWORD": "pw"}
    )
    people = [(s.person, s.start.astimezone(NY).day) for s in schedule.calendar_shifts]
    assert people == [("dr-jones", 9), ("dr-smith", 11)]  # swap honoured, EXDATE skipped
    gaps = find_gaps(schedule, ny(2026, 3, 9, 17), ny(2026, 3, 12, 8))
    assert [(g.start, g.end) for g in gaps] == [(ny(2026, 3, 10, 8), ny(2026, 3, 11, 17))]


def test_export_round_trip_gives_back_the_effective_shifts() -> None:
    schedule = make_schedule(
        make_rotation(("a", "b"), period_days=7),
        make_rotation(("b", "a"), name="backup", layer=Layer.BACKUP, period_days=7),
        overrides=(
            Override(
                ny(2026, 3, 4, 8), ny(2026, 3, 5, 8), "b", OverrideReason.SWAP, layer=Layer.PRIMARY
            ),
        ),
    )
    start, end = ny(2026, 3, 1), ny(2026, 3, 22)
    stamp = datetime(2026, 2, 1, tzinfo=UTC)
    data = export_provider_ics(schedule, "a", start, end, stamp=stamp, names={"a": "Dr. A"})
    source = CalendarSource(
        "export",
        CalendarSourceKind.FILE,
        "-",
        "physician",
        Layer.PRIMARY,
        person_property="X-ONCALL-PERSON",
    )
    back = shifts_from_calendars([parse_calendar(data)], source, start, end, NY)
    expected = [s for s in shifts_between(schedule, start, end) if s.person == "a"]
    assert [(s.person, s.start, s.end) for s in back] == [
        (s.person, s.start, s.end) for s in expected
    ]
    assert {s.layer for s in expected} == {Layer.PRIMARY, Layer.BACKUP}
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert [str(e["X-ONCALL-LAYER"]) for e in events] == [s.layer.value for s in expected]
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert str(calendar["X-WR-CALNAME"]) == "On call: Dr. A"
    again = export_provider_ics(schedule, "a", start, end, stamp=stamp, names={"a": "Dr. A"})
    assert again == data  # stable UIDs: subscribers see updates, not duplicates
