"""Login (password, then TOTP or enrolment), logout and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triageline.entrypoints.web.portal.context import (
    check_csrf,
    current_session,
    language_of,
    render,
    session_token,
    wiring_of,
)
from triageline.entrypoints.web.portal.i18n import LANGUAGES, negotiate, translator
from triageline.entrypoints.web.portal.security import (
    clear_session_cookie,
    client_ip,
    set_session_cookie,
)
from triageline.services.auth import CurrentSession, LoginResult
from triageline.services.portal_model import SessionState

router = APIRouter(prefix="/portal", include_in_schema=False)

_ERRORS = {
    LoginResult.BAD_CREDENTIALS: "Wrong username or password.",
    LoginResult.BAD_CODE: "That code is not correct. Check your authenticator app.",
    LoginResult.REPLAYED_CODE: "That code was already used. Wait for the next code.",
    LoginResult.LOCKED: "Too many failed attempts. The account is locked for 15 minutes.",
    LoginResult.THROTTLED: "Too many failed attempts from this address. Try again later.",
}


def _redirect(url: str, token: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if token:
        set_session_cookie(response, token)
    return response


def _anonymous(request: Request) -> tuple[CurrentSession, bool]:
    """The current anonymous session, or a new one (True when new)."""
    current = current_session(request)
    if current is not None and current.session.state is SessionState.ANONYMOUS:
        return current, False
    language = negotiate(request.headers.get("accept-language"))
    return wiring_of(request).auth().start(client_ip(request), language), True


@router.get("", response_class=HTMLResponse)
def portal_home() -> RedirectResponse:
    """The portal's front door: the inbox (which asks for a login first)."""
    return RedirectResponse("/portal/inbox", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The username and password form."""
    current = current_session(request)
    if current is not None and current.session.state is SessionState.ACTIVE:
        return RedirectResponse("/portal/inbox", status_code=303)
    anonymous, fresh = _anonymous(request)
    response = render(
        request, "login.html", language_of(request, anonymous), csrf=anonymous.session.csrf_token
    )
    if fresh:
        set_session_cookie(response, anonymous.token)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login_submit(
    request: Request, username: str = Form(""), password: str = Form("")
) -> Response:
    """Check the password; then ask for the code (or for enrolment)."""
    current = current_session(request)
    if current is None or current.session.state is not SessionState.ANONYMOUS:
        return RedirectResponse("/portal/login", status_code=303)
    await check_csrf(request, current)
    step = (
        wiring_of(request)
        .auth()
        .login_password(current.token, username[:200], password[:1024], client_ip(request))
    )
    if step.result is LoginResult.NEED_CODE:
        return _redirect("/portal/login/code", step.token)
    if step.result is LoginResult.NEED_ENROLMENT:
        return _redirect("/portal/login/enrol", step.token)
    if step.result is LoginResult.EXPIRED:
        return RedirectResponse("/portal/login", status_code=303)
    t = language_of(request, current)
    status = 429 if step.result is LoginResult.THROTTLED else 401
    return render(
        request,
        "login.html",
        t,
        status=status,
        csrf=current.session.csrf_token,
        error=t.gettext(_ERRORS[step.result]),
        username=username[:200],
    )


def _pending(request: Request, state: SessionState) -> CurrentSession:
    current = current_session(request)
    if current is None or current.session.state is not state:
        raise HTTPException(status_code=303, headers={"Location": "/portal/login"})
    return current


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request) -> Response:
    """The one-time code form."""
    current = _pending(request, SessionState.PENDING_MFA)
    return render(
        request, "code.html", language_of(request, current), csrf=current.session.csrf_token
    )


@router.post("/login/code", response_class=HTMLResponse)
async def code_submit(request: Request, code: str = Form("")) -> Response:
    """Check the code; log in with a new session token."""
    current = _pending(request, SessionState.PENDING_MFA)
    await check_csrf(request, current)
    step = wiring_of(request).auth().login_code(current.token, code[:12], client_ip(request))
    if step.result is LoginResult.LOGGED_IN:
        return _redirect("/portal/inbox", step.token)
    if step.result in (LoginResult.EXPIRED, LoginResult.LOCKED):
        response = RedirectResponse("/portal/login", status_code=303)
        clear_session_cookie(response)
        return response
    t = language_of(request, current)
    return render(
        request,
        "code.html",
        t,
        status=401,
        csrf=current.session.csrf_token,
        error=t.gettext(_ERRORS[step.result]),
    )


@router.get("/login/enrol", response_class=HTMLResponse)
def enrol_form(request: Request) -> Response:
    """Set up the authenticator app: QR code and secret."""
    current = _pending(request, SessionState.PENDING_ENROLMENT)
    enrolment = wiring_of(request).auth().enrolment(current.token)
    if enrolment is None:
        return RedirectResponse("/portal/login", status_code=303)
    return render(
        request,
        "enrol.html",
        language_of(request, current),
        csrf=current.session.csrf_token,
        enrolment=enrolment,
    )


@router.post("/login/enrol", response_class=HTMLResponse)
async def enrol_submit(request: Request, code: str = Form("")) -> Response:
    """Confirm the authenticator with its first code; log in."""
    current = _pending(request, SessionState.PENDING_ENROLMENT)
    await check_csrf(request, current)
    auth = wiring_of(request).auth()
    step = auth.confirm_enrolment(current.token, code[:12], client_ip(request))
    if step.result is LoginResult.LOGGED_IN:
        return _redirect("/portal/inbox", step.token)
    if step.result in (LoginResult.EXPIRED, LoginResult.LOCKED):
        return RedirectResponse("/portal/login", status_code=303)
    t = language_of(request, current)
    enrolment = auth.enrolment(current.token)
    return render(
        request,
        "enrol.html",
        t,
        status=401,
        csrf=current.session.csrf_token,
        enrolment=enrolment,
        error=t.gettext(_ERRORS[step.result]),
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server and in the browser."""
    current = current_session(request)
    await check_csrf(request, current)
    token = session_token(request)
    if token:
        wiring_of(request).auth().logout(token)
    response = RedirectResponse("/portal/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.post("/language")
async def language(
    request: Request, lang: str = Form("en"), back: str = Form("/portal")
) -> Response:
    """Switch the interface language for this session."""
    current = current_session(request)
    await check_csrf(request, current)
    if current is not None and lang in dict(LANGUAGES):
        wiring_of(request).auth().set_language(current.token, translator(lang).language)
    target = back if back.startswith("/portal") and "//" not in back else "/portal"
    return RedirectResponse(target, status_code=303)
