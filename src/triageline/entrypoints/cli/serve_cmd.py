"""`triageline serve`: run the web application (optionally with the worker loop in-process)."""

from __future__ import annotations

import threading

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="Web worker processes (PostgreSQL only for more than 1)."),
    with_worker: bool = typer.Option(
        False,
        "--with-worker",
        help="Also run the paging/reminder worker loop in this process (one-machine installs).",
    ),
) -> None:
    """Serve webhooks, chat, portal and API over HTTP."""
    import uvicorn

    background = _start_worker() if with_worker else None
    try:
        uvicorn.run(
            "triageline.entrypoints.web.operations:create_served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
        )
    finally:
        if background is not None:
            stop, thread = background
            stop.set()
            thread.join(timeout=30)


def _start_worker() -> tuple[threading.Event, threading.Thread]:
    """Run the worker loop on a daemon thread; returns (stop event, thread)."""
    import os
    import socket

    from triageline.adapters.observability.logging import configure_logging
    from triageline.bootstrap import build_container
    from triageline.entrypoints.paging_worker import build_worker
    from triageline.settings import Settings, SettingsError

    try:
        settings = Settings.from_env()
        container = build_container(settings)
        loop = build_worker(container, worker_id=f"{socket.gethostname()}:{os.getpid()}:serve")
    except SettingsError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    stop = threading.Event()

    def work() -> None:
        try:
            loop.run(stop.wait)
        finally:
            container.close()

    thread = threading.Thread(target=work, name="triageline-worker", daemon=True)
    thread.start()
    return stop, thread
