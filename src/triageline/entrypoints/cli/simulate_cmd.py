"""`triageline simulate --practice FILE --at ISO8601 [--until DURATION] SCRIPT|-`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def simulate(
    script: Annotated[str, typer.Argument(help="Script file, or - for standard input.")],
    practice: Annotated[
        Path, typer.Option("--practice", exists=True, dir_okay=False, help="Practice YAML.")
    ],
    at: Annotated[str, typer.Option("--at", help="When the call starts (ISO 8601 with offset).")],
    until: Annotated[
        str | None, typer.Option("--until", help="Run the clock this long after --at (e.g. 2h).")
    ] = None,
) -> None:
    """Play a scripted caller against the real services on a simulated clock.

    One caller turn per line; directives: #press DIGITS, #wait 5m, #ack [who], #hangup, and
    before the first turn #appointment TYPE ISO-START NAME YYYY-MM-DD (an existing appointment
    for the caller's number, e.g. to reschedule).
    """
    from datetime import datetime

    from triageline.adapters.config.loader import ConfigError
    from triageline.entrypoints.cli.simulation import ScriptError, parse_duration
    from triageline.entrypoints.cli.simulation import simulate as run

    try:
        start = datetime.fromisoformat(at)
    except ValueError:
        typer.echo(f"error: --at {at!r} is not an ISO 8601 date-time", err=True)
        raise typer.Exit(2) from None
    if start.tzinfo is None:
        typer.echo("error: --at needs a UTC offset (e.g. 2026-03-03T22:00:00-06:00)", err=True)
        raise typer.Exit(2)
    try:
        text = sys.stdin.read() if script == "-" else Path(script).read_text(encoding="utf-8")
        span = parse_duration(until) if until else None
        transcript, outcome = run(practice, start, text.splitlines(), span)
    except (OSError, ScriptError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    except ConfigError as error:
        for issue in error.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from None
    for line in transcript:
        typer.echo(line)
    typer.echo(outcome)
