"""`triageline hours`: the coverage mode of a practice location and its next opening."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer


def hours(
    practice_file: Annotated[
        Path, typer.Option("--practice", help="Practice configuration (YAML).")
    ],
    location: Annotated[
        str | None, typer.Option(help="Location id; every location when omitted.")
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="Instant, ISO 8601 (naive means practice time); now when omitted."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per location.")] = False,
) -> None:
    """Print the coverage mode at an instant and when each location next opens."""
    from triageline.adapters.config.loader import ConfigError, load_practice
    from triageline.domain.coverage import (
        NeverOpensError,
        coverage_at,
        day_schedule,
        is_answered,
        next_opening,
        open_until,
        opening_phrase,
    )
    from triageline.domain.practice import UnknownLocationError

    try:
        practice = load_practice(practice_file)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(code=2) from exc
    try:
        instant = datetime.fromisoformat(at) if at else datetime.now(practice.tz)
    except ValueError as exc:
        typer.echo(f"--at: {at!r} is not an ISO 8601 date and time", err=True)
        raise typer.Exit(code=2) from exc
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=practice.tz)
    try:
        chosen = [practice.location(location)] if location else list(practice.locations)
    except UnknownLocationError as exc:
        typer.echo(f"--location: {exc.args[0]}", err=True)
        raise typer.Exit(code=2) from exc
    for place in chosen:
        mode = coverage_at(practice, place.id, instant)
        local = instant.astimezone(place.tz)
        closure = day_schedule(practice, place, local.date()).closure
        until = open_until(practice, place.id, instant)
        try:
            opening: datetime | None = next_opening(practice, place.id, instant)
        except NeverOpensError:
            opening = None
        phrases = (
            {lang.value: opening_phrase(opening, instant, lang) for lang in practice.languages}
            if opening is not None
            else {}
        )
        if as_json:
            record = {
                "location": place.id,
                "at": local.isoformat(),
                "mode": mode.value,
                "closure": closure.name if closure else None,
                "answered": is_answered(practice.coverage, mode),
                "open_until": until.isoformat() if until else None,
                "next_opening": opening.isoformat() if opening else None,
                "phrases": phrases,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
            continue
        reason = f" ({closure.name})" if closure is not None and not mode.is_open else ""
        typer.echo(f"{place.name} [{place.id}, {place.tz.key}]")
        typer.echo(f"  at:           {local:%a %Y-%m-%d %H:%M %Z}")
        typer.echo(f"  mode:         {mode.value}{reason}")
        answered = "yes" if is_answered(practice.coverage, mode) else "no"
        typer.echo(f"  answered:     {answered} (triageline coverage)")
        if until is not None:
            typer.echo(f"  open until:   {until:%a %Y-%m-%d %H:%M %Z}")
        if opening is None:
            typer.echo("  next opening: none within a year")
        elif until is None:
            typer.echo(f"  next opening: {opening:%a %Y-%m-%d %H:%M %Z}")
            for lang, phrase in phrases.items():
                typer.echo(f"    {lang}: {phrase}")
