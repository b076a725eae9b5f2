"""`triageline appointments reminders|noshow`: send due reminder texts; record a no-show."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="appointments",
    help="Appointment reminders and no-shows on the built-in calendar.",
    no_args_is_help=True,
)


@app.command("reminders")
def reminders(
    every: float = typer.Option(0, help="Repeat every N seconds (0: run once and exit)."),
) -> None:
    """Schedule and send the reminder texts that are due (the worker does this each tick)."""
    import time
    from datetime import UTC, datetime

    from triageline.bootstrap import build_container
    from triageline.entrypoints.booking_wiring import reminders_for_worker
    from triageline.settings import Settings

    container = build_container(Settings.from_env())
    service = reminders_for_worker(container, f"cli-{datetime.now(UTC):%H%M%S}")
    try:
        while True:
            sent = service.run_due(datetime.now(UTC))
            typer.echo(f"reminders sent: {sent}")
            if every <= 0:
                return
            time.sleep(every)
    finally:
        container.close()


@app.command("noshow")
def noshow(
    appointment_id: str = typer.Argument(..., help="The appointment id."),
    practice: str = typer.Option(..., "--practice", help="Practice id."),
    by: str = typer.Option("cli", "--by", help="Who records it (for the audit trail)."),
) -> None:
    """Record that the patient did not come (status noshow, audited)."""
    from datetime import UTC, datetime

    from triageline.bootstrap import build_container
    from triageline.entrypoints.booking_wiring import reminders_for_worker
    from triageline.settings import Settings

    container = build_container(Settings.from_env())
    try:
        service = reminders_for_worker(container, "cli")
        if not service.record_noshow(practice, appointment_id, datetime.now(UTC), f"user:{by}"):
            typer.echo("error: no booked appointment with that id", err=True)
            raise typer.Exit(2)
        typer.echo(f"{appointment_id}: noshow")
    finally:
        container.close()
