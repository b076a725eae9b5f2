"""The `triageline` command: one Typer app; each command group lives in its own module.

Command modules import only Typer at module level and load heavy libraries inside the command
body, so that quick commands such as `triageline classify` start fast.
"""

from __future__ import annotations

import typer

from triageline.entrypoints.cli import config_cmd, hours_cmd, serve_cmd, simulate_cmd, triage_cmd
from triageline.entrypoints.cli.appointments_cmd import app as appointments_app
from triageline.entrypoints.cli.audit_cmd import app as audit_app
from triageline.entrypoints.cli.db_cmd import app as db_app
from triageline.entrypoints.cli.demo_cmd import app as demo_app
from triageline.entrypoints.cli.keys_cmd import app as keys_app
from triageline.entrypoints.cli.notify_cmd import app as notify_app
from triageline.entrypoints.cli.oncall_cmd import app as oncall_app
from triageline.entrypoints.cli.portal_cmd import admin as demo_admin
from triageline.entrypoints.cli.portal_cmd import seed as demo_seed
from triageline.entrypoints.cli.portal_cmd import users_app
from triageline.entrypoints.cli.worker_cmd import worker

app = typer.Typer(
    name="triageline",
    help="Medical office answering service: triage, paging, secure messages, booking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

app.command("serve")(serve_cmd.serve)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(config_cmd.app, name="config")
app.command("hours")(hours_cmd.hours)
app.add_typer(oncall_app, name="oncall")
app.add_typer(notify_app, name="notify")
app.command("classify")(triage_cmd.classify)
app.command("eval")(triage_cmd.evaluate)

app.command("simulate")(simulate_cmd.simulate)
app.command("worker")(worker)
app.add_typer(users_app, name="users")
app.add_typer(appointments_app, name="appointments")
demo_app.command("admin")(demo_admin)
demo_app.command("seed")(demo_seed)


def run() -> None:
    """Console-script entry point."""
    app()
