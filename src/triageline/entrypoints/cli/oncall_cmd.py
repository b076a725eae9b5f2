"""`triageline oncall who|gaps|export`: read a practice's on-call schedule from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from datetime import datetime, tzinfo

    from triageline.domain.oncall import Layer, OnCallSchedule, Shift

app = typer.Typer(
    name="oncall",
    help="Who is on call, where the schedule has gaps, and per-provider calendar feeds.",
    no_args_is_help=True,
)

PRACTICE_OPTION = typer.Option(..., "--practice", help="Practice configuration YAML file.")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


def _instant(text: str | None, zone: tzinfo) -> datetime:
    """Parse ISO 8601; without an offset it is wall-clock time in the practice's zone."""
    from datetime import UTC, datetime

    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"not an ISO 8601 date-time: {text!r}") from exc
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _load(path: Path) -> tuple[OnCallSchedule, dict[str, str]]:
    """The practice's on-call schedule (calendar files resolved) and person id -> name."""
    from triageline.adapters.calendar.sources import resolve_relative_files
    from triageline.adapters.config.loader import ConfigError, load_practice
    from triageline.domain.oncall import OnCallSchedule

    try:
        practice = load_practice(path)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(code=2) from exc
    schedule = practice.on_call
    if not isinstance(schedule, OnCallSchedule):
        raise _fail(f"{path}: the practice has no on_call section")
    names = {p.id: p.name for p in practice.providers}
    names.update({s.id: s.name for s in practice.staff})
    return resolve_relative_files(schedule, path.resolve().parent), names


def _with_calendars(schedule: OnCallSchedule, start: datetime, end: datetime) -> OnCallSchedule:
    import os

    from triageline.adapters.calendar.ical_import import CalendarImportError
    from triageline.adapters.calendar.sources import with_imported_calendars

    if not schedule.calendar_sources:
        return schedule
    try:
        return with_imported_calendars(schedule, start, end, env=os.environ)
    except CalendarImportError as exc:
        raise _fail(str(exc)) from exc


def _local(value: datetime, zone: tzinfo) -> str:
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _length(start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    return f"{minutes // 60}h{minutes % 60:02d}m"


def _who_line(
    schedule: OnCallSchedule,
    role: str,
    layer: Layer,
    shift: Shift | None,
    at: datetime,
    names: dict[str, str],
) -> str:
    from datetime import timedelta

    from triageline.domain.oncall import find_gaps

    zone = schedule.zone
    if shift is not None:
        name = names.get(shift.person, shift.person)
        return f"{name} ({shift.person}) until {_local(shift.end, zone)}"
    if layer not in schedule.layers_of(role):
        return f"(no {layer.value} layer)"
    found = find_gaps(schedule, at, at + timedelta(days=30), role=role, layer=layer)
    until = f" until {_local(found[0].end, zone)}" if found and found[0].start <= at else ""
    return f"NOBODY ON CALL{until}"


@app.command("who")
def who(
    practice: Path = PRACTICE_OPTION,
    at: str | None = typer.Option(None, "--at", help="ISO 8601 instant (default: now)."),
) -> None:
    """Print the primary and backup on call for every role at one instant."""
    from datetime import timedelta

    from triageline.domain.oncall import Layer, on_call

    schedule, names = _load(practice)
    zone = schedule.zone
    instant = _instant(at, zone)
    schedule = _with_calendars(schedule, instant - timedelta(days=2), instant + timedelta(days=2))
    assignment = on_call(schedule, instant)
    typer.echo(f"On call at {_local(instant, zone)} ({schedule.timezone})")
    if not assignment.roles:
        typer.echo("no roles in the schedule")
    for entry in assignment.roles:
        primary = _who_line(schedule, entry.role, Layer.PRIMARY, entry.primary, instant, names)
        backup = _who_line(schedule, entry.role, Layer.BACKUP, entry.backup, instant, names)
        typer.echo(f"{entry.role:<12} primary: {primary}")
        typer.echo(f"{'':<12} backup:  {backup}")


@app.command("gaps")
def gaps(
    practice: Path = PRACTICE_OPTION,
    days: int = typer.Option(30, "--days", min=1, max=366, help="How many days to check."),
    start: str | None = typer.Option(None, "--from", help="ISO 8601 start (default: now)."),
    layer: str = typer.Option("primary", "--layer", help="primary or backup."),
) -> None:
    """Print every interval with nobody on call, per role, in the practice's timezone."""
    from datetime import timedelta

    from triageline.domain.oncall import Layer, find_gaps

    try:
        chosen = Layer(layer)
    except ValueError as exc:
        raise _fail("--layer must be primary or backup") from exc
    schedule, _ = _load(practice)
    zone = schedule.zone
    begin = _instant(start, zone)
    end = begin + timedelta(days=days)
    schedule = _with_calendars(schedule, begin, end)
    found = find_gaps(schedule, begin, end, layer=chosen)
    typer.echo(
        f"Checked {_local(begin, zone)} to {_local(end, zone)} ({schedule.timezone}), "
        f"{chosen.value} layer"
    )
    if not found:
        typer.echo("no gaps")
        return
    for gap in found:
        typer.echo(
            f"GAP {gap.role}: {_local(gap.start, zone)} -> {_local(gap.end, zone)} "
            f"({_length(gap.start, gap.end)}): {gap.cause}"
        )
    typer.echo(f"{len(found)} gap(s)")


@app.command("export")
def export(
    practice: Path = PRACTICE_OPTION,
    provider: str = typer.Option(..., "--provider", help="Provider or staff id."),
    days: int = typer.Option(90, "--days", min=1, max=366, help="How many days to export."),
    start: str | None = typer.Option(None, "--from", help="ISO 8601 start (default: now)."),
) -> None:
    """Write one provider's on-call shifts as an iCalendar feed to stdout."""
    from datetime import UTC, datetime, timedelta

    from triageline.adapters.calendar.ical_export import export_provider_ics

    schedule, names = _load(practice)
    if provider not in names:
        raise _fail(f"unknown provider or staff id {provider!r}")
    begin = _instant(start, schedule.zone)
    end = begin + timedelta(days=days)
    schedule = _with_calendars(schedule, begin, end)
    data = export_provider_ics(schedule, provider, begin, end, stamp=datetime.now(UTC), names=names)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
