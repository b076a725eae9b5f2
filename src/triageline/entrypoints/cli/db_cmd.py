"""`triageline db upgrade|current`: Alembic migrations for the configured database."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Migrate the database (creating var/ and the key file when needed)."""
    from triageline.adapters.storage import migrate
    from triageline.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
        settings.load_keys()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    migrate.upgrade(settings.database_url, revision)
    typer.echo(f"database at revision {migrate.current_revision(settings.database_url)}")


@app.command("current")
def current() -> None:
    """Print the database's revision and the newest available one."""
    from triageline.adapters.storage import migrate
    from triageline.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    now = migrate.current_revision(settings.database_url)
    head = migrate.head_revision()
    typer.echo(f"current: {now or 'none'}  head: {head}")
    if now != head:
        raise typer.Exit(1)
