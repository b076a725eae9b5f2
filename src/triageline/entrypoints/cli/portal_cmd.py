"""`triageline users create` and `triageline demo admin` / `demo seed` (portal users, demo data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

users_app = typer.Typer(help="Portal users.", no_args_is_help=True)


@users_app.command("create")
def create(
    username: Annotated[str, typer.Option(help="Login name (e.g. an e-mail address).")],
    role: Annotated[
        str,
        typer.Option(help="service_admin, practice_admin, clinician, staff or operator."),
    ],
    practice: Annotated[
        list[str] | None, typer.Option(help="Practice id (repeat for several).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    totp: Annotated[
        bool, typer.Option(help="Create the TOTP secret now and print it (else enrol at login).")
    ] = False,
) -> None:
    """Create a portal user; the password is asked for (never taken from the command line)."""
    from triageline.bootstrap import build_container
    from triageline.entrypoints.cli.portal_demo import create_user
    from triageline.services.portal import ForbiddenError, InvalidInputError
    from triageline.services.portal_model import Role
    from triageline.settings import Settings, SettingsError

    try:
        chosen = Role(role)
    except ValueError:
        typer.echo(f"error: unknown role {role!r}", err=True)
        raise typer.Exit(2) from None
    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        container = build_container(Settings.from_env())
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    try:
        secret = create_user(
            container,
            username=username,
            display_name=name or username,
            role=chosen,
            practice_ids=practice or [],
            password=password,
            with_totp=totp,
        )
    except (InvalidInputError, ForbiddenError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    typer.echo(f"created {username} ({chosen.value})")
    if secret:
        typer.echo(f"TOTP secret (add it to an authenticator app now; shown once): {secret}")
    else:
        typer.echo("The authenticator is set up at the first login (QR code).")


def admin(
    practice: Annotated[str, typer.Option(help="Practice id.")] = "demo",
    username: Annotated[str, typer.Option(help="Login name.")] = "admin@demo.example",
) -> None:
    """Create the demo administrator and print its login and TOTP secret once (idempotent)."""
    from triageline.bootstrap import build_container
    from triageline.entrypoints.cli.portal_demo import create_demo_admin
    from triageline.settings import Settings

    container = build_container(Settings.from_env())
    try:
        made = create_demo_admin(container, practice, username)
    except LookupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    if made is None:
        typer.echo(f"demo admin {username} exists already (its secrets were shown when created)")
        return
    typer.echo("")
    typer.echo("Demo portal administrator (shown ONCE; fake demo practice only):")
    typer.echo(f"  username:    {made.username}")
    typer.echo(f"  password:    {made.password}")
    typer.echo(f"  TOTP secret: {made.totp_secret}")
    typer.echo(f"  TOTP URI:    {made.totp_uri}")
    typer.echo(
        '  Current code: .venv/bin/python -c "import pyotp; '
        f"print(pyotp.TOTP('{made.totp_secret}').now())\""
    )
    typer.echo("")


def seed(
    practice: Annotated[str, typer.Option(help="Practice id.")] = "demo",
    scripts: Annotated[
        Path, typer.Option(help="Folder of example call scripts.", file_okay=False)
    ] = Path("examples/scripts"),
) -> None:
    """Play a few fake after-hours calls through the calls service so the inbox has messages."""
    from triageline.bootstrap import build_container
    from triageline.entrypoints.cli.portal_demo import seed_demo_calls
    from triageline.settings import Settings

    container = build_container(Settings.from_env())
    try:
        ids = seed_demo_calls(container, practice, scripts)
    except (LookupError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    finally:
        container.close()
    typer.echo(f"{practice}: {len(ids)} demo message(s) in the inbox (fake callers)")
