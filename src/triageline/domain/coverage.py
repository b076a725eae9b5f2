"""Coverage: which situation the practice is in at an instant (office hours, lunch, ...).

Every function here is pure: the instant is passed in, timezone-aware, and wall-clock
arithmetic is done in the location's own time zone (zoneinfo), so DST changes are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from triageline.domain.phrasing import calendar_date, en_clock, es_clock, hour12, weekday_name
from triageline.domain.practice import (
    Closure,
    Coverage,
    Location,
    Practice,
    Situation,
    TimeRange,
    Weekday,
)
from triageline.domain.triage.types import Language

SEARCH_DAYS = 400
"""How far ahead `next_opening` looks before deciding the location never opens."""


class CoverageMode(StrEnum):
    """The practice's situation at one instant."""

    OFFICE_HOURS = "office_hours"
    LUNCH = "lunch"
    AFTER_HOURS = "after_hours"
    HOLIDAY = "holiday"
    CLOSED_EARLY = "closed_early"

    @property
    def is_open(self) -> bool:
        """True only while staff are at the desk."""
        return self is CoverageMode.OFFICE_HOURS

    @property
    def situation(self) -> Situation:
        """Office hours while open; every closed mode is handled as after hours."""
        return Situation.OFFICE_HOURS if self.is_open else Situation.AFTER_HOURS


class NeverOpensError(ValueError):
    """The location has no opening within `SEARCH_DAYS` days."""


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """One location's effective hours on one local date, after overrides and closures."""

    day: date
    hours: TimeRange | None
    lunch: TimeRange | None
    closure: Closure | None
    regular_hours: TimeRange | None

    @property
    def open_ranges(self) -> tuple[TimeRange, ...]:
        """The wall-clock spans when staff answer: the hours minus lunch."""
        if self.hours is None:
            return ()
        if self.lunch is None:
            return (self.hours,)
        ranges: list[TimeRange] = []
        if self.hours.start < self.lunch.start:
            ranges.append(TimeRange(self.hours.start, min(self.lunch.start, self.hours.end)))
        if self.lunch.end < self.hours.end:
            ranges.append(TimeRange(max(self.lunch.end, self.hours.start), self.hours.end))
        return tuple(ranges)


def day_schedule(practice: Practice, location: Location, day: date) -> DaySchedule:
    """The effective hours of a location on a local date.

    A location override wins over the practice calendar; a full-day closure removes the day;
    an early closing cuts the day's hours at its `closes_at` time.
    """
    regular = location.hours.on(Weekday.of(day))
    override = location.override_on(day)
    if override is not None:
        if override.hours is None:
            closed = Closure(day=day, name=override.reason)
            return DaySchedule(day, None, None, closed, regular)
        return DaySchedule(day, override.hours, location.lunch, None, regular)
    closure = practice.calendar.closure_on(day)
    if closure is None:
        return DaySchedule(day, regular, location.lunch, None, regular)
    if closure.closes_at is None or regular is None:
        return DaySchedule(day, None, None, closure, regular)
    if closure.closes_at <= regular.start:
        return DaySchedule(day, None, None, closure, regular)
    cut = TimeRange(regular.start, min(regular.end, closure.closes_at))
    return DaySchedule(day, cut, location.lunch, closure, regular)


def coverage_at(practice: Practice, location_id: str | None, at: datetime) -> CoverageMode:
    """The coverage mode of a location (None: the first location) at an instant."""
    location = practice.location(location_id)
    local = _local(at, location.tz)
    schedule = day_schedule(practice, location, local.date())
    moment = local.time()
    closure = schedule.closure
    if closure is not None and closure.is_full_day:
        return CoverageMode.HOLIDAY
    hours = schedule.hours
    if hours is not None and hours.contains(moment):
        lunch = schedule.lunch
        if lunch is not None and lunch.contains(moment):
            return CoverageMode.LUNCH
        return CoverageMode.OFFICE_HOURS
    regular = schedule.regular_hours
    if closure is not None and regular is not None and regular.contains(moment):
        return CoverageMode.CLOSED_EARLY
    return CoverageMode.AFTER_HOURS


def next_opening(practice: Practice, location_id: str | None, at: datetime) -> datetime:
    """The first instant at or after `at` when the location is in office hours.

    Returns `at` itself while open. The result is in the location's time zone.
    Raises NeverOpensError when nothing opens within `SEARCH_DAYS` days.
    """
    location = practice.location(location_id)
    for start, _end in _open_spans(practice, location, at):
        return max(start, _local(at, location.tz))
    raise NeverOpensError(f"location {location.id!r} has no opening hours ahead")


def open_until(practice: Practice, location_id: str | None, at: datetime) -> datetime | None:
    """When the current office-hours span ends, or None when closed at `at`."""
    location = practice.location(location_id)
    for start, end in _open_spans(practice, location, at):
        return end if start <= at else None
    return None


def is_answered(coverage: Coverage, mode: CoverageMode, *, overflow: bool = False) -> bool:
    """Whether triageline answers in this mode (`overflow`: staff lines are all busy)."""
    if mode is CoverageMode.OFFICE_HOURS:
        return coverage.office_hours or (overflow and coverage.overflow)
    if mode is CoverageMode.LUNCH:
        return coverage.lunch
    if mode in (CoverageMode.HOLIDAY, CoverageMode.CLOSED_EARLY):
        return coverage.holidays
    return coverage.after_hours


def _local(at: datetime, tz: ZoneInfo) -> datetime:
    """The instant in a zone; naive datetimes are refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("coverage needs a timezone-aware datetime")
    return at.astimezone(tz)


def _instant(day: date, moment: time, tz: ZoneInfo) -> datetime:
    """A local wall-clock time as a real instant (a time skipped by DST moves forward)."""
    return datetime.combine(day, moment, tzinfo=tz).astimezone(UTC).astimezone(tz)


def _open_spans(
    practice: Practice, location: Location, at: datetime
) -> list[tuple[datetime, datetime]]:
    """The first open span that has not ended by `at` (a list of at most one)."""
    local = _local(at, location.tz)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        for span in day_schedule(practice, location, day).open_ranges:
            start = _instant(day, span.start, location.tz)
            end = _instant(day, span.end, location.tz)
            if end > at:
                return [(start, end)]
    return []


def opening_phrase(opening: datetime, now: datetime, lang: Language) -> str:
    """Say when the office opens, relative to `now`, in the opening's own time zone.

    Examples: "tomorrow at 8:00 AM", "el lunes a las 8:00 de la mañana", "明天上午8点".
    """
    tz = opening.tzinfo
    if tz is None or now.tzinfo is None:
        raise ValueError("opening_phrase needs timezone-aware datetimes")
    local_now = now.astimezone(tz)
    if opening <= now:
        return {Language.EN: "now", Language.ES: "ahora", Language.ZH: "现在"}[lang]
    days = (opening.date() - local_now.date()).days
    if lang is Language.ES:
        return _phrase_es(opening, days)
    if lang is Language.ZH:
        return _phrase_zh(opening, days)
    return _phrase_en(opening, days)


def _phrase_en(opening: datetime, days: int) -> str:
    """English: "today at 1:30 PM", "Monday at 8:00 AM", "Monday, January 4 at 8:00 AM"."""
    clock = en_clock(opening)
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"{weekday_name(opening, Language.EN)} at {clock}"
    return f"{calendar_date(opening, Language.EN)} at {clock}"


def _phrase_es(opening: datetime, days: int) -> str:
    """Spanish: "mañana a las 8:00 de la mañana", "el lunes a la 1:30 de la tarde"."""
    if opening.hour < 12:
        period = "de la mañana"
    elif opening.hour == 12:
        period = "del mediodía"
    elif opening.hour < 20:
        period = "de la tarde"
    else:
        period = "de la noche"
    clock = es_clock(opening, period)
    if days == 0:
        return f"hoy {clock}"
    if days == 1:
        return f"mañana {clock}"
    if days < 7:
        return f"el {weekday_name(opening, Language.ES)} {clock}"
    return f"{calendar_date(opening, Language.ES)} {clock}"


def _phrase_zh(opening: datetime, days: int) -> str:
    """Chinese: "明天上午8点", "星期一下午1点半", "12月28日星期一上午8点"."""
    if opening.hour < 5:
        period = "凌晨"
    elif opening.hour < 12:
        period = "上午"
    elif opening.hour == 12:
        period = "中午"
    elif opening.hour < 18:
        period = "下午"
    else:
        period = "晚上"
    if opening.minute == 0:
        minutes = ""
    elif opening.minute == 30:
        minutes = "半"
    else:
        minutes = f"{opening.minute}分"
    clock = f"{period}{hour12(opening.hour)}点{minutes}"
    if days == 0:
        return f"今天{clock}"
    if days == 1:
        return f"明天{clock}"
    if days < 7:
        return f"{weekday_name(opening, Language.ZH)}{clock}"
    return f"{calendar_date(opening, Language.ZH)}{clock}"
