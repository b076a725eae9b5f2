"""Security plumbing: the session cookie, response headers and the client address."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

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


async def security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Add CSP, framing, referrer, HSTS and no-store headers to portal and API responses."""
    response = await call_next(request)
    path = request.url.path
    if path.startswith(("/portal", "/api/v1")):
        response.headers["content-security-policy"] = CSP
        response.headers["x-frame-options"] = "DENY"
        response.headers["x-content-type-options"] = "nosniff"
        response.headers["referrer-policy"] = "no-referrer"
        response.headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        response.headers["permissions-policy"] = "camera=(), microphone=(), geolocation=()"
        if not path.startswith("/portal/static/"):
            response.headers["cache-control"] = "no-store"
    return response
