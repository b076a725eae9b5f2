"""Security plumbing: the session cookie, response headers and the client address."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "__Host-triageline_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def set_session_cookie(response: Response, token: str) -> None:
    """Hand the browser its session token: __Host- prefix, Secure, HttpOnly, SameSite=Lax."""
    response.set_cookie(SESSION_COOKIE, token, path="/", secure=True, httponly=True, samesite="lax")


def clear_session_cookie(response: Response) -> None:
    """Tell the browser to forget the session token."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")


def client_ip(request: Request) -> str:
    """The peer address of the request (the audit's "from where")."""
    return request.client.host if request.client else ""


PORTAL_HEADERS = (
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
)
"""Set (replacing any a route chose) on every portal and API response."""


class SecurityHeaders:
    """Pure ASGI middleware: CSP, framing, referrer, HSTS and no-store on portal and API answers."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the wrapped app, adding the headers under its paths."""
        path = scope["path"] if scope["type"] == "http" else ""
        if not path.startswith(("/portal", "/api/v1")):
            await self.app(scope, receive, send)
            return
        no_store = not path.startswith("/portal/static/")

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PORTAL_HEADERS:
                    headers[name] = value
                if no_store:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_secured)
