"""`triageline worker`: paging timers, the daily on-call gap report, the escalation auditor."""

from __future__ import annotations

from typing import Annotated

import typer


def worker(
    poll: Annotated[
        float, typer.Option("--poll", min=0.05, help="Seconds between passes when idle.")
    ] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Make one pass and exit.")] = False,
    worker_id: Annotated[
        str | None, typer.Option("--worker-id", help="Name in timer claims (default host:pid).")
    ] = None,
    audit_minutes: Annotated[
        float, typer.Option("--audit-every", min=0.1, help="Minutes between escalation audits.")
    ] = 3.0,
) -> None:
    """Claim and run due paging timers until SIGTERM/SIGINT (PostgreSQL: any number of workers)."""
    import os
    import socket
    import threading
    from datetime import timedelta

    from triageline.adapters.observability.logging import configure_logging
    from triageline.bootstrap import build_container
    from triageline.entrypoints.paging_worker import build_worker, stop_on_signals
    from triageline.settings import Settings, SettingsError

    name = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    try:
        settings = Settings.from_env()
        container = build_container(settings)
        loop = build_worker(
            container,
            worker_id=name,
            poll=timedelta(seconds=poll),
            audit_every=timedelta(minutes=audit_minutes),
        )
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    stop = threading.Event()
    stop_on_signals(stop)
    try:
        passes = loop.run(stop.wait, once=once)
    finally:
        container.close()
    counters = ", ".join(f"{k}={v}" for k, v in sorted(loop.counters.items()))
    typer.echo(f"worker {name}: {passes} passes; {counters or 'nothing to do'}")
