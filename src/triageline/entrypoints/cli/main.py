"""The `triageline` command: one Typer app; each command group lives in its own module.

Command modules import only Typer at module level and load heavy libraries inside the command
body, so that quick commands such as `triageline classify` start fast.
"""

from __future__ import annotations

import typer

from triageline.entrypoints.cli import config_cmd, hours_cmd, serve_cmd
from triageline.entrypoints.cli.oncall_cmd import app as oncall_app

app = typer.Typer(
    name="triageline",
    help="Medical office answering service: triage, paging, secure messages, booking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

app.command("serve")(serve_cmd.serve)
app.add_typer(config_cmd.app, name="config")
app.command("hours")(hours_cmd.hours)
app.add_typer(oncall_app, name="oncall")


def run() -> None:
    """Console-script entry point."""
    app()
