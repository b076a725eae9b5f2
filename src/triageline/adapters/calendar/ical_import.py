"""Turn iCalendar data into on-call shifts (RRULE, EXDATE, RECURRENCE-ID, X-WR-TIMEZONE).

Who an event belongs to: the property named by the source's `person_property` if set (for
example `X-ONCALL-PERSON`, `SUMMARY`, `ATTENDEE`, `ORGANIZER`, `DESCRIPTION`), otherwise the
first ATTENDEE (its `mailto:` address) and, failing that, the SUMMARY. The value, trimmed and
compared case-insensitively, is looked up in the source's `people` mapping (calendar value ->
practice person id); a value not in the mapping is used as the person id itself. Cancelled and
free (TRANSP:TRANSPARENT) events cover nobody and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo

import icalendar
import recurring_ical_events
import x_wr_timezone  # type: ignore[import-untyped]

from triageline.domain.oncall import CalendarSource, Shift, local_datetime

__all__ = ["CalendarImportError", "parse_calendar", "shifts_from_calendars"]


class CalendarImportError(ValueError):
    """An iCalendar document could not be read or an event has no usable person or time."""


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    """Parse one VCALENDAR document and normalise an X-WR-TIMEZONE feed to RFC 5545."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise CalendarImportError(f"not an iCalendar document: {exc}") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarImportError("not a VCALENDAR document")
    normalised: icalendar.Calendar = x_wr_timezone.to_standard(calendar)
    return normalised


def _as_instant(value: date | datetime, zone: tzinfo) -> datetime:
    """An aware UTC instant; all-day dates and floating times are read in the schedule's zone."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone).astimezone(UTC)
        return value.astimezone(UTC)
    return local_datetime(value, datetime.min.time(), zone)


def _mailto(value: object) -> str:
    text = str(value).strip()
    return text[7:] if text.lower().startswith("mailto:") else text


def _person_value(event: icalendar.cal.Component, prop: str | None) -> str | None:
    """The raw calendar value naming the person on call, or None."""
    if prop is not None:
        raw = event.get(prop)
        if raw is None:
            return None
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        return None if raw is None else _mailto(raw) or None
    attendees = event.get("ATTENDEE")
    if attendees:
        first = attendees[0] if isinstance(attendees, list) else attendees
        value = _mailto(first)
        if value:
            return value
    summary = event.get("SUMMARY")
    return str(summary).strip() or None if summary is not None else None


def _person_id(value: str, source: CalendarSource) -> str:
    key = value.strip().casefold()
    for calendar_value, person in source.people:
        if calendar_value.strip().casefold() == key:
            return person
    return value.strip()


def _is_coverage(event: icalendar.cal.Component) -> bool:
    status = str(event.get("STATUS", "")).upper()
    transparency = str(event.get("TRANSP", "")).upper()
    return status != "CANCELLED" and transparency != "TRANSPARENT"


def _event_span(event: icalendar.cal.Component, zone: tzinfo) -> tuple[datetime, datetime]:
    """UTC start and end of one occurrence (DTEND, else DURATION, else RFC 5545 defaults)."""
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise CalendarImportError(f"event {event.get('UID', '?')} has no DTSTART")
    start_value: date | datetime = start_prop.dt
    start = _as_instant(start_value, zone)
    end_prop = event.get("DTEND")
    if end_prop is not None:
        return start, _as_instant(end_prop.dt, zone)
    duration_prop = event.get("DURATION")
    if duration_prop is not None:
        duration: timedelta = duration_prop.dt
        # Days are nominal (same wall-clock time on a later day); hours and minutes are exact.
        nominal_end = _as_instant(start_value + timedelta(days=duration.days), zone)
        return start, nominal_end + timedelta(seconds=duration.seconds)
    if isinstance(start_value, datetime):
        return start, start
    return start, _as_instant(start_value + timedelta(days=1), zone)


def shifts_from_calendars(
    calendars: Iterable[icalendar.Calendar],
    source: CalendarSource,
    start: datetime,
    end: datetime,
    zone: tzinfo,
) -> list[Shift]:
    """Expand every event overlapping [start, end) into a shift in the source's role and layer."""
    if start.tzinfo is None or end.tzinfo is None:
        raise CalendarImportError("the import window must be timezone-aware")
    window_start, window_end = start.astimezone(zone), end.astimezone(zone)
    shifts: list[Shift] = []
    for calendar in calendars:
        events = recurring_ical_events.of(calendar, components=["VEVENT"]).between(
            window_start, window_end
        )
        for event in events:
            if not _is_coverage(event):
                continue
            begin, finish = _event_span(event, zone)
            if finish <= begin:
                continue
            value = _person_value(event, source.person_property)
            if value is None:
                raise CalendarImportError(
                    f"{source.name}: event {event.get('UID', '?')} at {begin.isoformat()} "
                    "names nobody"
                )
            shifts.append(
                Shift(
                    _person_id(value, source),
                    source.role,
                    source.layer,
                    begin,
                    finish,
                    f"calendar:{source.name}",
                )
            )
    shifts.sort(key=lambda s: (s.start, s.end, s.person))
    return shifts
