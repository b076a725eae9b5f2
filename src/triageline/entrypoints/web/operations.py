"""Operational web plumbing: request logging (never bodies), /healthz, and the served factory."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from triageline.bootstrap import Container, build_container

log = logging.getLogger("triageline.web")


def route_template(request: Request) -> str:
    """The path template of the route that served ``request`` (``(unmatched)`` when none did)."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else "(unmatched)"


async def log_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Log method, route template, status and duration (also ``Server-Timing``); never the body.

    The route template (``/ack/{token}``), not the concrete path: path parameters can be
    credentials (acknowledgement-link tokens, chat conversation ids) or identifiers.
    """
    request_id = request.headers.get("x-request-id") or secrets.token_hex(8)
    started = time.perf_counter()
    fields = {"request_id": request_id[:64], "method": request.method, "path": "(unmatched)"}
    try:
        response = await call_next(request)
    except Exception:
        log.exception(
            "request failed", extra={**fields, "path": route_template(request), "status": 500}
        )
        raise
    fields["path"] = route_template(request)
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    log.info(
        "request", extra={**fields, "status": response.status_code, "duration_ms": duration_ms}
    )
    response.headers["x-request-id"] = fields["request_id"]
    response.headers["server-timing"] = f"app;dur={duration_ms}"
    return response


def health_router(container: Container) -> APIRouter:
    """``/healthz``: 200 while the process serves and the database answers, else 503."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> Response:
        """Liveness and database reachability."""
        if container.database_ok():
            return JSONResponse({"status": "ok", "database": "ok"})
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)

    return router


def install(app: FastAPI, container: Container) -> None:
    """Attach the container, request logging and /healthz to ``app``."""
    app.state.container = container
    app.middleware("http")(log_request)
    app.include_router(health_router(container))


def create_served_app() -> FastAPI:
    """The factory ``triageline serve`` runs: redacted JSON logging, then the app from env."""
    from triageline.adapters.observability.logging import configure_logging
    from triageline.entrypoints.web.app import create_app
    from triageline.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(build_container(settings))
