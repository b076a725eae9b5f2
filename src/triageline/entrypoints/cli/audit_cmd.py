"""`triageline audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

import typer

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Exit 0 when the chain is intact; otherwise name the first altered or missing event."""
    from triageline.bootstrap import build_container
    from triageline.settings import Settings, SettingsError

    try:
        container = build_container(Settings.from_env())
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        with container.uow_factory() as uow:
            broken = uow.audit.verify()
            head = uow.audit.head()
    finally:
        container.close()
    if broken is not None:
        typer.echo(f"BROKEN: {broken}", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {head[0]} events, head {head[1]}")
