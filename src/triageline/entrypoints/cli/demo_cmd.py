"""`triageline demo load FILE`: validate a practice configuration and store it as a new version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("load")
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Practice YAML file.")],
    by: Annotated[str, typer.Option(help="Who is recording this version.")] = "system:cli",
) -> None:
    """Store FILE as the newest configuration version of its practice (no-op if unchanged)."""
    from datetime import UTC, datetime

    from triageline.adapters.config.loader import ConfigError, load_practice
    from triageline.bootstrap import build_container
    from triageline.domain.audit import AuditEntry
    from triageline.settings import Settings, SettingsError

    try:
        practice = load_practice(file)
    except ConfigError as error:
        for issue in error.issues:
            typer.echo(str(issue), err=True)
        raise typer.Exit(2) from None
    try:
        container = build_container(Settings.from_env())
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    now = datetime.now(UTC)
    try:
        with container.uow_factory() as uow:
            version, created = uow.practices.store_config(
                practice.id,
                practice.name,
                file.read_text(encoding="utf-8"),
                created_by=by,
                at=now,
            )
            if created:
                uow.audit.append(
                    AuditEntry(
                        actor=by,
                        action="practice.config_stored",
                        subject=f"practice_config:{practice.id}:{version.version}",
                        channel="cli",
                        outcome="ok",
                        at=now,
                        practice_id=practice.id,
                    )
                )
            uow.commit()
    finally:
        container.close()
    state = "stored" if created else "unchanged"
    typer.echo(f"{practice.id}: configuration version {version.version} ({state})")
