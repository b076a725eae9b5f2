"""Per-provider iCalendar feeds of effective on-call shifts (after overrides)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime

import icalendar

from triageline.domain.oncall import OnCallSchedule, Shift, shifts_between

__all__ = ["export_provider_ics", "shifts_to_ics"]

PRODID = "-//triageline//on-call schedule//EN"


def _uid(shift: Shift) -> str:
    key = (
        f"{shift.person}|{shift.role}|{shift.layer.value}|{shift.start.astimezone(UTC).isoformat()}"
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@triageline"


def shifts_to_ics(
    shifts: list[Shift],
    *,
    calendar_name: str,
    timezone: str,
    stamp: datetime,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """An RFC 5545 VCALENDAR with one VEVENT per shift, times in UTC."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    calendar.add("x-wr-timezone", timezone)
    for shift in shifts:
        event = icalendar.Event()
        event.add("uid", _uid(shift))
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", shift.start.astimezone(UTC))
        event.add("dtend", shift.end.astimezone(UTC))
        event.add("summary", f"On call: {shift.role} ({shift.layer.value})")
        event.add("categories", [shift.role, shift.layer.value])
        event.add("x-oncall-person", shift.person)
        event.add("x-oncall-role", shift.role)
        event.add("x-oncall-layer", shift.layer.value)
        display = (names or {}).get(shift.person)
        if display:
            event.add("description", f"{display} is on call ({shift.role}, {shift.layer.value}).")
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def export_provider_ics(
    schedule: OnCallSchedule,
    person: str,
    start: datetime,
    end: datetime,
    *,
    stamp: datetime,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """The effective shifts of one person in [start, end) as an iCalendar feed."""
    mine = [s for s in shifts_between(schedule, start, end) if s.person == person]
    label = (names or {}).get(person, person)
    return shifts_to_ics(
        mine,
        calendar_name=f"On call: {label}",
        timezone=schedule.timezone,
        stamp=stamp,
        names=names,
    )
