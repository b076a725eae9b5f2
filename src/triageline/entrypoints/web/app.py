"""The ASGI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from triageline import __version__
from triageline.bootstrap import Container, build_container
from triageline.entrypoints.web import calls_app, fhir_api, hardening, operations, paging_routes
from triageline.entrypoints.web import metrics as metrics_web
from triageline.entrypoints.web import portal as portal_web
from triageline.settings import Settings


def create_app(container: Container | None = None) -> FastAPI:
    """Build the web application with every router mounted (container from env if not given)."""
    container = container if container is not None else build_container(Settings.from_env())
    app = FastAPI(
        title="triageline",
        version=__version__,
        description="Medical office answering service: webhooks, chat, portal and JSON API.",
    )
    operations.install(app, container)
    metrics_web.install(app, container)
    calls_app.install(app, container)
    paging_routes.install(app, container)
    portal_web.install(app, container)
    hardening.install(app)

    app.include_router(fhir_api.router, prefix="/fhir/R4")
    return app
