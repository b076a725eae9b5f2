"""`triageline notify test`: send a PHI-free test notification to a person's configured contacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="notify",
    help="Check notification delivery (go-live checks, Failure-Friday drills).",
    no_args_is_help=True,
)

CHANNELS = ("sms", "voice", "email", "push", "webhook")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@app.command("test")
def send_test(
    practice_file: Annotated[
        Path, typer.Option("--practice", help="Practice configuration YAML file.")
    ],
    person_id: Annotated[str, typer.Option("--to", help="Provider or staff member id.")],
    channel: Annotated[
        str | None,
        typer.Option("--channel", help=f"Only this channel: {', '.join(CHANNELS)}."),
    ] = None,
) -> None:
    """Send a test notification (no patient data) to each of the person's contacts.

    Uses the same notifier settings as `serve` and `worker` (TRIAGELINE_* variables); exits 1
    when any contact could not be reached, 2 on a configuration error.
    """
    import os
    from datetime import UTC, datetime

    from triageline.adapters.config.loader import ConfigError, load_practice
    from triageline.adapters.notify.settings import NotifySettings, build_notifiers
    from triageline.domain.paging import Channel
    from triageline.entrypoints.notify_check import NotifyCheckError, send_test_notifications
    from triageline.entrypoints.paging_wiring import LOCAL_BASE_URL
    from triageline.settings import Settings, SettingsError

    if channel is not None and channel not in CHANNELS:
        raise _fail(f"--channel must be one of {', '.join(CHANNELS)}")
    try:
        practice = load_practice(practice_file)
    except ConfigError as exc:
        for issue in exc.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(code=2) from exc
    try:
        settings = Settings.from_env()
        base = settings.public_base_url or LOCAL_BASE_URL
        notify = NotifySettings.from_env(os.environ, base_url=base)
    except SettingsError as exc:
        raise _fail(str(exc)) from exc
    try:
        results = send_test_notifications(
            practice,
            person_id,
            build_notifiers(notify),
            channel=Channel(channel) if channel is not None else None,
            link=f"{base}/healthz",
            at=datetime.now(UTC),
        )
    except NotifyCheckError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"notification mode: {notify.mode.value}")
    for result in results:
        typer.echo(result.line())
    failed = sum(1 for r in results if not r.ok)
    typer.echo(f"{len(results) - failed} of {len(results)} test notifications accepted")
    if failed:
        raise typer.Exit(code=1)
