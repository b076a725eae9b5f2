"""The ASGI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from triageline import __version__


def create_app() -> FastAPI:
    """Build the web application with every router mounted."""
    app = FastAPI(
        title="triageline",
        version=__version__,
        description="Medical office answering service: webhooks, chat, portal and JSON API.",
    )

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        """Liveness: answers 200 while the process serves requests."""
        return {"status": "ok"}

    return app
