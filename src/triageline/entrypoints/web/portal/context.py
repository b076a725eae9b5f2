"""Per-request portal context: the session, its user, their access, language and CSRF checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from triageline.entrypoints.web.portal.i18n import LANGUAGES, Translator, negotiate, translator
from triageline.entrypoints.web.portal.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    client_ip,
)
from triageline.entrypoints.web.portal.wiring import PortalWiring
from triageline.services.auth import AuthService, CurrentSession
from triageline.services.portal_model import Access, Permission, SessionState, User

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))

URGENCY_LABELS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "routine": "Routine",
    "none": "None",
}
STATUS_LABELS = {"new": "New", "acknowledged": "Acknowledged", "resolved": "Resolved"}
PAGE_URGENCY_LABELS = {"urgent": "Urgent", "emergency_notify": "Emergency"}
PAGE_STATUS_LABELS = {
    "triggered": "Paging",
    "notified": "Notified",
    "acknowledged": "Acknowledged",
    "resolved": "Resolved",
    "exhausted": "Nobody answered",
}


def wiring_of(request: Request) -> PortalWiring:
    """The wiring installed on the application."""
    wiring: PortalWiring = request.app.state.portal
    return wiring


def redirect_to(url: str, request: Request) -> HTTPException:
    """An exception that sends the browser (or HTMX) to ``url``."""
    headers = {"Location": url}
    if request.headers.get("hx-request"):
        headers["HX-Redirect"] = url
    return HTTPException(status_code=303, headers=headers)


@dataclass(frozen=True, slots=True)
class PageContext:
    """A logged-in request."""

    request: Request
    wiring: PortalWiring
    current: CurrentSession
    user: User
    access: Access
    t: Translator
    ip: str

    @property
    def csrf(self) -> str:
        """The session's anti-forgery token for forms."""
        return self.current.session.csrf_token

    def render(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        """Render a template with the common values."""
        alerts = self.wiring.portal().alerts(self.user)
        return render(
            self.request,
            name,
            self.t,
            status=status,
            csrf=self.csrf,
            user=self.user,
            can=lambda p: self.access.anywhere(Permission(p)),
            alerts=alerts,
            grants=self.access.grants,
            **values,
        )


def render(
    request: Request, name: str, t: Translator, *, status: int = 200, **values: Any
) -> HTMLResponse:
    """Render ``name`` with the translator and labels."""
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "_": t.gettext,
            "lang": t.language,
            "languages": LANGUAGES,
            "urgency_labels": URGENCY_LABELS,
            "status_labels": STATUS_LABELS,
            "page_urgency_labels": PAGE_URGENCY_LABELS,
            "page_status_labels": PAGE_STATUS_LABELS,
            "user": None,
            "alerts": (),
            "grants": (),
            "can": lambda p: False,
            **values,
        },
        status_code=status,
    )


def session_token(request: Request) -> str | None:
    """The session token from the cookie, if any."""
    return request.cookies.get(SESSION_COOKIE)


def current_session(request: Request) -> CurrentSession | None:
    """The live session of this request (activity recorded), or None."""
    return wiring_of(request).auth().current(session_token(request))


def language_of(request: Request, current: CurrentSession | None) -> Translator:
    """The interface language: the session's, else the browser's."""
    if current is not None:
        return translator(current.session.language)
    return translator(negotiate(request.headers.get("accept-language")))


def page_context(request: Request) -> PageContext:
    """Dependency: a logged-in user, or a redirect to the login page."""
    wiring = wiring_of(request)
    current = current_session(request)
    if current is None or current.user is None or current.session.state is not SessionState.ACTIVE:
        raise redirect_to("/portal/login", request)
    access = wiring.portal().access(current.user)
    return PageContext(
        request=request,
        wiring=wiring,
        current=current,
        user=current.user,
        access=access,
        t=language_of(request, current),
        ip=client_ip(request),
    )


async def check_csrf(request: Request, current: CurrentSession | None) -> None:
    """Refuse (403) a POST whose form field or header does not carry the session's token."""
    submitted = request.headers.get(CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if current is None or not AuthService.csrf_ok(current.session, submitted):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong")


async def post_context(request: Request) -> PageContext:
    """Dependency for state-changing requests: logged in and a valid CSRF token."""
    ctx = page_context(request)
    await check_csrf(request, ctx.current)
    return ctx
