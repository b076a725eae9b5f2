"""on_call, shifts_between, find_gaps and gap_report: DST, overrides, backup layer, holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from conftest import make_rotation, make_schedule
from triageline.domain.oncall import (
    HolidayCover,
    Layer,
    OnCallSchedule,
    Override,
    OverrideReason,
    ScheduleError,
    find_gaps,
    gap_report,
    on_call,
    shifts_between,
)

NY = ZoneInfo("America/New_York")


def ny(*args: int) -> datetime:
    """Wall-clock New York time (fold=0 for repeated times)."""
    return datetime(*args, tzinfo=NY)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    """A UTC instant."""
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# Daily rotation a, b, c from 2026-03-01 08:00: Mar 7 -> a, Mar 8 -> b, Oct 31 -> ?, ...
DAILY = make_schedule(make_rotation())


def expected_daily(day: date) -> str:
    """Whose turn starts at 08:00 local on `day` in DAILY (the table's independent oracle)."""
    return ("a", "b", "c")[(day - date(2026, 3, 1)).days % 3]


@pytest.mark.parametrize(
    ("at", "turn_day"),
    [
        # Spring forward 2026-03-08 02:00 EST -> 03:00 EDT; the hand-off stays at 08:00 local.
        (utc(2026, 3, 7, 12, 59), date(2026, 3, 6)),  # 07:59 EST
        (utc(2026, 3, 7, 13, 0), date(2026, 3, 7)),  # 08:00 EST
        (utc(2026, 3, 8, 7, 30), date(2026, 3, 7)),  # 03:30 EDT, just after the change
        (utc(2026, 3, 8, 11, 59), date(2026, 3, 7)),  # 07:59 EDT
        (utc(2026, 3, 8, 12, 0), date(2026, 3, 8)),  # 08:00 EDT (13:00Z would be the bug)
        (utc(2026, 3, 8, 12, 30), date(2026, 3, 8)),
        # Fall back 2026-11-01 02:00 EDT -> 01:00 EST.
        (utc(2026, 10, 31, 11, 59), date(2026, 10, 30)),  # 07:59 EDT
        (utc(2026, 10, 31, 12, 0), date(2026, 10, 31)),  # 08:00 EDT
        (ny(2026, 11, 1, 1, 30), date(2026, 10, 31)),  # first 01:30 (EDT)
        (utc(2026, 11, 1, 6, 30), date(2026, 10, 31)),  # second 01:30 (EST)
        (utc(2026, 11, 1, 12, 30), date(2026, 10, 31)),  # 07:30 EST (bug would say Nov 1)
        (utc(2026, 11, 1, 13, 0), date(2026, 11, 1)),  # 08:00 EST
    ],
)
def test_daily_handoff_stays_at_local_eight_across_dst(at: datetime, turn_day: date) -> None:
    primary = on_call(DAILY, at).for_role("physician").primary
    assert primary is not None
    assert primary.person == expected_daily(turn_day)
    assert primary.start.astimezone(NY).time() == time(8, 0)
    assert primary.start.astimezone(NY).date() == turn_day
    assert primary.covers(at)


@pytest.mark.parametrize(
    ("turn_day", "hours"),
    [
        (date(2026, 3, 6), 24),
        (date(2026, 3, 7), 23),
        (date(2026, 10, 31), 25),
        (date(2026, 11, 1), 24),
    ],
)
def test_daily_shift_durations_are_real_hours(turn_day: date, hours: int) -> None:
    start = datetime.combine(turn_day, time(9), NY)
    shift = on_call(DAILY, start).for_role("physician").primary
    assert shift is not None
    assert shift.duration == timedelta(hours=hours)


def test_weekly_monday_handoff_across_spring_forward() -> None:
    schedule = make_schedule(
        make_rotation(("x", "y"), start=date(2026, 3, 2), period_days=7)  # a Monday
    )
    before = on_call(schedule, ny(2026, 3, 9, 7, 59)).for_role("physician").primary
    after = on_call(schedule, ny(2026, 3, 9, 8, 0)).for_role("physician").primary
    assert before is not None and after is not None
    assert (before.person, after.person) == ("x", "y")
    assert before.duration == timedelta(days=7) - timedelta(hours=1)
    assert before.end == after.start == utc(2026, 3, 9, 12, 0)


@pytest.mark.parametrize(
    ("handoff", "day", "expected_utc"),
    [
        (time(2, 30), date(2026, 3, 8), utc(2026, 3, 8, 7, 30)),  # skipped: lands at 03:30 EDT
        (time(1, 30), date(2026, 11, 1), utc(2026, 11, 1, 5, 30)),  # repeated: first (EDT)
    ],
)
def test_handoff_inside_dst_transition(handoff: time, day: date, expected_utc: datetime) -> None:
    schedule = make_schedule(make_rotation(handoff=handoff, start=day - timedelta(days=1)))
    shifts = shifts_between(
        schedule, ny(day.year, day.month, day.day), ny(day.year, day.month, day.day, 12)
    )
    assert [s.start for s in shifts][1] == expected_utc


def test_backup_layer_is_reported_next_to_primary() -> None:
    schedule = make_schedule(
        make_rotation(("a", "b"), period_days=7),
        make_rotation(("b", "a"), name="backup", layer=Layer.BACKUP, period_days=7),
    )
    entry = on_call(schedule, ny(2026, 3, 3, 12)).for_role("physician")
    assert entry.primary is not None and entry.backup is not None
    assert (entry.primary.person, entry.backup.person) == ("a", "b")


def test_roles_are_independent() -> None:
    schedule = make_schedule(
        make_rotation(("doc",)),
        make_rotation(("rn1", "rn2"), name="nurses", role="nurse", handoff=time(7)),
    )
    assignment = on_call(schedule, ny(2026, 3, 2, 7, 30))
    assert [r.role for r in assignment.roles] == ["physician", "nurse"]
    nurse = assignment.for_role("nurse").primary
    assert nurse is not None and nurse.person == "rn2"


def test_override_is_effective_at_once_and_then_reverts() -> None:
    swap = Override(ny(2026, 3, 3, 18), ny(2026, 3, 4, 6), "z", OverrideReason.SWAP)
    schedule = DAILY.with_override(swap)
    assert on_call(DAILY, ny(2026, 3, 3, 20)).for_role("physician").primary.person == "c"  # type: ignore[union-attr]
    during = on_call(schedule, ny(2026, 3, 3, 20)).for_role("physician").primary
    assert during is not None
    assert (during.person, during.start, during.end) == ("z", swap.start, swap.end)
    after = on_call(schedule, ny(2026, 3, 4, 6)).for_role("physician").primary
    assert after is not None and after.person == "c"
    assert after.start == ny(2026, 3, 4, 6) and after.end == ny(2026, 3, 4, 8)


def test_vacation_replaces_only_that_persons_turns_in_every_layer() -> None:
    schedule = make_schedule(
        make_rotation(("a", "b")),
        make_rotation(("b", "a"), name="backup", layer=Layer.BACKUP),
        overrides=(
            Override(ny(2026, 3, 1), ny(2026, 3, 5), "sub", OverrideReason.VACATION, replaces="a"),
        ),
    )
    shifts = shifts_between(schedule, ny(2026, 3, 1, 8), ny(2026, 3, 3, 8))
    got = [(s.layer.value, s.person, s.start.astimezone(NY).day) for s in shifts]
    assert got == [
        ("primary", "sub", 1),
        ("backup", "b", 1),
        ("primary", "b", 2),
        ("backup", "sub", 2),
    ]


def test_later_override_wins_and_none_leaves_a_gap() -> None:
    schedule = make_schedule(
        make_rotation(("a",), period_days=7),
        overrides=(
            Override(
                ny(2026, 3, 6, 8), ny(2026, 3, 9, 8), "b", OverrideReason.VACATION, replaces="a"
            ),
            Override(
                ny(2026, 3, 7, 18), ny(2026, 3, 8, 8), None, OverrideReason.VACATION, replaces="a"
            ),
        ),
    )
    assert on_call(schedule, ny(2026, 3, 7, 21)).for_role("physician").primary is None
    gaps = find_gaps(schedule, ny(2026, 3, 1, 8), ny(2026, 3, 15, 8))
    assert len(gaps) == 1
    gap = gaps[0]
    assert (gap.start, gap.end) == (ny(2026, 3, 7, 18), ny(2026, 3, 8, 8))
    assert gap.duration == timedelta(hours=13)  # 14 wall-clock hours, one lost to DST
    assert gap.cause == "vacation override without replacement"


def test_gap_before_start_and_after_end_of_rotation() -> None:
    schedule = make_schedule(
        make_rotation(("a", "b"), start=date(2026, 3, 2), end=date(2026, 3, 4))
    )
    gaps = find_gaps(schedule, ny(2026, 3, 1), ny(2026, 3, 6))
    assert [(g.start, g.end) for g in gaps] == [
        (ny(2026, 3, 1), ny(2026, 3, 2, 8)),
        (ny(2026, 3, 4, 8), ny(2026, 3, 6)),
    ]
    assert all(g.cause == "no rotation or calendar shift" for g in gaps)


def test_backup_gaps_are_separate_from_primary() -> None:
    schedule = make_schedule(make_rotation(("a",)))
    assert find_gaps(schedule, ny(2026, 3, 2), ny(2026, 3, 3)) == []
    backup = find_gaps(schedule, ny(2026, 3, 2), ny(2026, 3, 3), layer=Layer.BACKUP)
    assert backup == []  # the role has no backup layer: nothing to fill, nothing missing
    assert schedule.layers_of("physician") == (Layer.PRIMARY,)
    explicit = find_gaps(
        schedule, ny(2026, 3, 2), ny(2026, 3, 3), role="physician", layer=Layer.BACKUP
    )
    assert [(g.start, g.end) for g in explicit] == [(ny(2026, 3, 2), ny(2026, 3, 3))]


def test_holiday_cover_spans_the_local_day_and_overrides_beat_it() -> None:
    holiday = HolidayCover(date(2026, 11, 1), "Test day", "h", role="physician")
    schedule = OnCallSchedule("America/New_York", rotations=(make_rotation(),), holidays=(holiday,))
    entry = on_call(schedule, ny(2026, 11, 1, 12)).for_role("physician").primary
    assert entry is not None and entry.person == "h"
    assert entry.duration == timedelta(hours=25)
    swapped = schedule.with_override(
        Override(ny(2026, 11, 1, 10), ny(2026, 11, 1, 14), "o", OverrideReason.SWAP)
    )
    assert on_call(swapped, ny(2026, 11, 1, 12)).for_role("physician").primary.person == "o"  # type: ignore[union-attr]


def test_shifts_between_covers_the_window_exactly_with_real_durations() -> None:
    start, end = ny(2026, 3, 2), ny(2026, 3, 15)
    shifts = shifts_between(DAILY, start, end)
    assert shifts[0].start == start
    assert shifts[-1].end == end
    for before, after in pairwise(shifts):
        assert before.end == after.start
    total = sum((s.duration for s in shifts), timedelta())
    assert total == end.astimezone(UTC) - start.astimezone(UTC)
    assert total == timedelta(days=13) - timedelta(hours=1)  # one hour lost on Mar 8


def test_gap_report_looks_seven_days_ahead() -> None:
    schedule = make_schedule(
        make_rotation(("a",), period_days=7),
        overrides=(
            Override(ny(2026, 3, 9, 18), ny(2026, 3, 10, 8), None, OverrideReason.VACATION),
        ),
    )
    early = gap_report(schedule, ny(2026, 3, 1, 9))
    assert not early.has_gaps
    report = gap_report(schedule, ny(2026, 3, 3, 9))
    assert report.has_gaps
    assert [(g.start, g.end) for g in report.gaps] == [(ny(2026, 3, 9, 18), ny(2026, 3, 10, 8))]
    assert report.end - report.start == timedelta(days=7)


def test_empty_schedule_and_invalid_values() -> None:
    empty = OnCallSchedule("America/Chicago")
    assert on_call(empty, utc(2026, 1, 1)).is_empty
    assert find_gaps(empty, utc(2026, 1, 1), utc(2026, 1, 2)) == []
    with pytest.raises(ScheduleError):
        on_call(empty, datetime(2026, 1, 1))
    with pytest.raises(ScheduleError):
        OnCallSchedule("Mars/Olympus")
    with pytest.raises(ScheduleError):
        make_rotation(())
    with pytest.raises(ScheduleError):
        Override(utc(2026, 1, 2), utc(2026, 1, 1), "a", OverrideReason.SWAP)
