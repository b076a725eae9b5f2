"""`triageline serve`: run the web application."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="Web worker processes (PostgreSQL only for more than 1)."),
) -> None:
    """Serve webhooks, chat, portal and API over HTTP."""
    import uvicorn

    uvicorn.run(
        "triageline.entrypoints.web.operations:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )
