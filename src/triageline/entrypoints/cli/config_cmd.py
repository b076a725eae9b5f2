"""`triageline config check FILE...`: validate practice configuration files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Practice configuration files.", no_args_is_help=True)


@app.command("check")
def check(
    files: Annotated[list[Path], typer.Argument(help="Practice configuration files (YAML).")],
) -> None:
    """Validate each file; print every problem as `file: field.path: reason`; exit 2 if any."""
    from triageline.adapters.config.loader import ConfigError, load_practice

    problems = 0
    for file in files:
        try:
            load_practice(file)
        except ConfigError as exc:
            problems += len(exc.issues)
            for issue in exc.issues:
                typer.echo(str(issue))
        else:
            typer.echo(f"{file}: ok")
    if problems:
        typer.echo(f"{problems} problem(s) found", err=True)
        raise typer.Exit(code=2)
