"""Operational web plumbing: request logging (never bodies), /healthz, and the served factory."""

from __future__ import annotations

import logging
import secrets
import time

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triageline.bootstrap import Container, build_container

log = logging.getLogger("triageline.web")


def template_of(scope: Scope) -> str:
    """The path template of the route that served ``scope`` (``(unmatched)`` when none did)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else "(unmatched)"


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id":
            given = bytes(value).decode("latin-1")
            if given:
                return given[:64]
            break
    return secrets.token_hex(8)


class RequestLog:
    """Pure ASGI middleware: log method, route template, status and duration; never the body.

    The route template (``/ack/{token}``), not the concrete path: path parameters can be
    credentials (acknowledgement-link tokens, chat conversation ids) or identifiers. The line
    is written when the response starts (the router has set ``scope["route"]`` by then), and
    the same duration goes out as ``Server-Timing: app;dur=…`` beside ``x-request-id``. A
    request that raises before answering is logged as ``request failed`` (status 500) with the
    exception, whose text the log formatter reduces to its type, then re-raised.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the wrapped app, logging it when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        started = time.perf_counter()
        answered = False

        async def send_logged(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                duration_ms = round((time.perf_counter() - started) * 1000, 1)
                status = message["status"]
                fields = {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": template_of(scope),
                    "status": status,
                    "duration_ms": duration_ms,
                }
                log.info("request", extra=fields)
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                headers["server-timing"] = f"app;dur={duration_ms}"
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception:
            if not answered:
                fields = {
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": template_of(scope),
                    "status": 500,
                }
                log.exception("request failed", extra=fields)
            raise


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
    app.add_middleware(RequestLog)
    app.include_router(health_router(container))


def create_served_app() -> FastAPI:
    """The factory ``triageline serve`` runs: redacted JSON logging, then the app from env."""
    from triageline.adapters.observability.logging import configure_logging
    from triageline.entrypoints.web.app import create_app
    from triageline.settings import Settings

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(build_container(settings))
