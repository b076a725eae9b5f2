"""App-wide HTTP hardening: a CSP on every HTML response, and validation errors that never 500.

- Any ``text/html`` response that carries no Content-Security-Policy gets one (with
  ``object-src 'none'``, ``base-uri 'none'`` and ``frame-ancestors 'none'``), plus ``nosniff``
  and ``X-Frame-Options: DENY``; routers that set their own policy (the portal) keep it.
- Request validation errors answer 422 with the type, location and message of each error but
  never the rejected input: echoing it could fail to serialise (invalid UTF-8, ``inf``) and would
  reflect whatever the client sent, PHI included.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    f"connect-src 'self'; {_COMMON}"
)
"""The default policy for HTML responses."""
CHAT_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self'; connect-src 'self'; {_COMMON}"
)
"""The browser chat: its page has an inline style sheet and an ``hx-on`` handler (htmx eval)."""
ACK_CSP = f"default-src 'none'; style-src 'unsafe-inline'; {_COMMON}"
"""The one-tap acknowledgement page: no script, an inline style sheet, a form to itself."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    f"font-src 'self' https://fonts.gstatic.com; worker-src 'self' blob:; {_COMMON}"
)
"""The OpenAPI pages (/docs, /redoc) load their viewer from a CDN and start it inline."""


def policy_for(path: str) -> str:
    """The Content-Security-Policy for an HTML response at ``path``."""
    if path.startswith("/chat/"):
        return CHAT_CSP
    if path.startswith("/ack/"):
        return ACK_CSP
    if path.startswith(("/docs", "/redoc")):
        return DOCS_CSP
    return STRICT_CSP


class HtmlHeaders:
    """Pure ASGI middleware: every HTML response without a policy gets its path's, and no framing.

    Headers already present (a router's own policy) are kept.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the wrapped app, completing the headers of an HTML answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy", policy_for(scope["path"]))
                    headers.setdefault("x-content-type-options", "nosniff")
                    headers.setdefault("x-frame-options", "DENY")
            await send(message)

        await self.app(scope, receive, send_hardened)


def _location(loc: Sequence[object]) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def validation_error(request: Request, exc: Exception) -> Response:
    """422 with each error's type, location and message; the rejected input is never echoed."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = [
        {
            "type": str(error.get("type", "")),
            "loc": _location(error.get("loc", ())),
            "msg": str(error.get("msg", "")),
        }
        for error in errors
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def install(app: FastAPI) -> None:
    """Add the HTML header middleware and the validation-error handler to ``app``."""
    app.add_middleware(HtmlHeaders)
    app.add_exception_handler(RequestValidationError, validation_error)
