"""Read raw iCalendar objects from a CalDAV calendar with the `caldav` client."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from caldav.collection import Calendar
from caldav.davclient import DAVClient
from caldav.lib import error as caldav_error

from triageline.adapters.calendar.ical_import import CalendarImportError

__all__ = ["fetch_caldav_objects", "save_caldav_event"]


def _open_calendar(client: DAVClient, calendar: str | None) -> Calendar:
    principal: Any = client.principal()  # type: ignore[no-untyped-call]
    if calendar is None:
        calendars = principal.calendars()
        if not calendars:
            raise CalendarImportError("the CalDAV account has no calendar")
        return cast(Calendar, calendars[0])
    try:
        return cast(Calendar, principal.calendar(name=calendar))
    except caldav_error.NotFoundError:
        return cast(Calendar, principal.calendar(cal_id=calendar))


def fetch_caldav_objects(
    url: str,
    *,
    calendar: str | None,
    username: str | None,
    password: str | None,
    start: datetime,
    end: datetime,
    timeout: int = 15,
) -> list[bytes]:
    """Every event object (master and its RECURRENCE-ID overrides) touching [start, end).

    Expansion is left to the iCalendar importer so that file, URL and CalDAV sources follow
    the same rules.
    """
    try:
        with DAVClient(url=url, username=username, password=password, timeout=timeout) as client:
            found = _open_calendar(client, calendar)
            events = cast(list[Any], found.search(start=start, end=end, event=True, expand=False))
            return [_as_bytes(event.data) for event in events]
    except (caldav_error.DAVError, OSError) as exc:
        raise CalendarImportError(f"CalDAV request failed: {type(exc).__name__}") from exc


def _as_bytes(data: object) -> bytes:
    return data.encode() if isinstance(data, str) else bytes(data)  # type: ignore[call-overload]


def save_caldav_event(
    url: str,
    ics: str,
    *,
    calendar: str,
    username: str | None = None,
    password: str | None = None,
    create: bool = False,
) -> None:
    """Store one iCalendar object in a CalDAV calendar (creating the calendar if asked)."""
    with DAVClient(url=url, username=username, password=password) as client:
        principal: Any = client.principal()  # type: ignore[no-untyped-call]
        if create:
            target = principal.make_calendar(name=calendar, cal_id=calendar)
        else:
            target = _open_calendar(client, calendar)
        target.save_event(ics)
