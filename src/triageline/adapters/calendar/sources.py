"""Fetch calendar sources (file, URL over httpx, CalDAV) and turn them into schedule shifts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
import icalendar

from triageline.adapters.calendar.caldav_source import fetch_caldav_objects
from triageline.adapters.calendar.ical_import import (
    CalendarImportError,
    parse_calendar,
    shifts_from_calendars,
)
from triageline.domain.oncall import CalendarSource, CalendarSourceKind, OnCallSchedule, Shift

__all__ = ["fetch_url", "import_source", "resolve_relative_files", "with_imported_calendars"]

MAX_FEED_BYTES = 10 * 1024 * 1024


def fetch_url(url: str, *, client: httpx.Client | None = None, timeout: float = 15.0) -> bytes:
    """GET an iCalendar feed; any HTTP or network failure becomes a CalendarImportError."""
    if not url.startswith(("http://", "https://")):
        raise CalendarImportError(f"not an http(s) URL: {url}")
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=timeout, follow_redirects=True)
    try:
        response = http.get(url, headers={"Accept": "text/calendar"})
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise CalendarImportError(f"could not fetch calendar feed: {exc}") from exc
    finally:
        if owned:
            http.close()
    if len(response.content) > MAX_FEED_BYTES:
        raise CalendarImportError("calendar feed is larger than 10 MB")
    return response.content


def _calendars(
    source: CalendarSource,
    start: datetime,
    end: datetime,
    env: Mapping[str, str],
    client: httpx.Client | None,
) -> list[icalendar.Calendar]:
    if source.kind is CalendarSourceKind.FILE:
        try:
            data = Path(source.location).read_bytes()
        except OSError as exc:
            raise CalendarImportError(f"{source.name}: cannot read {source.location}") from exc
        return [parse_calendar(data)]
    if source.kind is CalendarSourceKind.URL:
        return [parse_calendar(fetch_url(source.location, client=client))]
    password: str | None = None
    if source.password_env is not None:
        password = env.get(source.password_env)
        if password is None:
            raise CalendarImportError(
                f"{source.name}: environment variable {source.password_env} is not set"
            )
    objects = fetch_caldav_objects(
        source.location,
        calendar=source.calendar,
        username=source.username,
        password=password,
        start=start,
        end=end,
    )
    return [parse_calendar(data) for data in objects]


def import_source(
    source: CalendarSource,
    start: datetime,
    end: datetime,
    schedule: OnCallSchedule,
    *,
    env: Mapping[str, str],
    client: httpx.Client | None = None,
) -> list[Shift]:
    """Shifts from one calendar source overlapping [start, end)."""
    calendars = _calendars(source, start, end, env, client)
    return shifts_from_calendars(calendars, source, start, end, schedule.zone)


def with_imported_calendars(
    schedule: OnCallSchedule,
    start: datetime,
    end: datetime,
    *,
    env: Mapping[str, str],
    client: httpx.Client | None = None,
) -> OnCallSchedule:
    """The schedule with the shifts of all its calendar sources for [start, end) added."""
    shifts: list[Shift] = []
    for source in schedule.calendar_sources:
        shifts.extend(import_source(source, start, end, schedule, env=env, client=client))
    return schedule.with_calendar_shifts(shifts)


def resolve_relative_files(schedule: OnCallSchedule, base_dir: Path) -> OnCallSchedule:
    """The schedule with relative iCalendar file paths resolved against the config's folder."""
    sources = tuple(
        replace(source, location=str(base_dir / source.location))
        if source.kind is CalendarSourceKind.FILE and not Path(source.location).is_absolute()
        else source
        for source in schedule.calendar_sources
    )
    return replace(schedule, calendar_sources=sources)
