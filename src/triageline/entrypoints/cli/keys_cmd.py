"""`triageline keys rotate`: re-encrypt every PHI column under a new data key."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Data-encryption keys.", no_args_is_help=True)


@app.command("rotate")
def rotate(
    keep_old: Annotated[
        bool, typer.Option(help="Keep the old keys in the key file afterwards.")
    ] = False,
) -> None:
    """Re-encrypt everything under a new key.

    Key file (default): a new key is generated and listed first, every value is re-sealed, then
    the old keys are removed. TRIAGELINE_SECRET_KEY: put the new key first in the variable,
    keep the old ones after it, run this, then remove the old ones.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from triageline.adapters.storage import rotation
    from triageline.adapters.storage.crypto import Keyring
    from triageline.adapters.storage.engine import make_engine
    from triageline.settings import Settings, SettingsError, generate_key, write_key_file

    try:
        settings = Settings.from_env()
        old_keys = settings.load_keys()
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    if settings.keys_from_env:
        keys = old_keys
    else:
        keys = (generate_key(), *old_keys)
        write_key_file(settings.key_file, keys)
    keyring = Keyring(keys)
    engine = make_engine(settings.database_url)
    try:
        total = rotation.count_rows(engine)
        with Progress(
            TextColumn("re-encrypting"), BarColumn(), MofNCompleteColumn(), transient=True
        ) as progress:
            task = progress.add_task("rows", total=total)
            report = rotation.rotate(engine, keyring, on_rows=lambda n: progress.advance(task, n))
        stale = rotation.count_stale(engine, keyring)
    finally:
        engine.dispose()
    typer.echo(
        f"re-encrypted {report.values_resealed} values in {report.rows_scanned} rows "
        f"under key {keyring.current_kid}"
    )
    if stale:
        typer.echo(
            f"{stale} values are still under old keys (written during rotation?); "
            "old keys kept; run `triageline keys rotate` again",
            err=True,
        )
        raise typer.Exit(1)
    if settings.keys_from_env:
        if len(keys) > 1:
            typer.echo("old keys are no longer needed: remove them from TRIAGELINE_SECRET_KEY")
    elif not keep_old:
        write_key_file(settings.key_file, keys[:1])
        typer.echo(f"old keys removed from {settings.key_file}")
