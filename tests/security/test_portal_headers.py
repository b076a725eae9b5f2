"""Portal and HTML hardening, enumerated from the real app.

- Every POST route under /portal/ refuses a missing or wrong CSRF token in every session state
  (anonymous, password accepted, fully logged in) and changes nothing.
- Every HTML response (every GET route, the chat's POST fragments) carries a CSP with
  ``object-src 'none'``, ``base-uri 'none'`` and ``frame-ancestors``.
- The session cookie is ``__Host-``, Secure, HttpOnly, SameSite and host-only, and rotates on login.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyotp
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from security.sec_builders import fill, routes_under
from triageline.adapters.auth.passwords import Argon2PasswordHasher
from triageline.domain.messages import Message
from triageline.domain.records import new_id
from triageline.domain.triage.types import TriageLevel
from triageline.services.portal_model import Role

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

T0 = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SESSION = "__Host-triageline_session"
LOGIN_AGAIN = "/portal/login"


class FixedClock:
    """A clock that stays put."""

    def now(self) -> datetime:
        """Always T0."""
        return T0


@dataclass
class PortalApp:
    """The real app, a service admin of the demo practice and one message to act on."""

    app: FastAPI
    secret: str
    message_id: str

    def browser(self) -> TestClient:
        """A fresh browser over HTTPS (so Secure cookies are sent back)."""
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    def anonymous(self) -> TestClient:
        """A browser holding an anonymous session."""
        client = self.browser()
        assert client.get("/portal/login").status_code == 200
        return client

    def pending(self, username: str = "sec-admin", then: str = "/portal/login/code") -> TestClient:
        """A browser whose password was accepted (the code, or enrolment, is still to come)."""
        client = self.anonymous()
        csrf = _csrf(client.get("/portal/login").text)
        answer = client.post(
            "/portal/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}
        )
        assert answer.headers.get("location") == then, answer.text
        return client

    def enrolling(self) -> TestClient:
        """A browser of a user without TOTP whose password was accepted (enrolment is next)."""
        return self.pending("sec-new", "/portal/login/enrol")

    def active(self) -> TestClient:
        """A fully logged-in browser."""
        client = self.pending()
        csrf = _csrf(client.get("/portal/login/code").text)
        code = pyotp.TOTP(self.secret).at(T0)
        answer = client.post("/portal/login/code", data={"code": code, "csrf_token": csrf})
        assert answer.headers.get("location") == "/portal/inbox", answer.text
        return client


def _csrf(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def portal(make_app: Callable[..., FastAPI]) -> Iterator[PortalApp]:
    """The real app, a TOTP-enrolled admin, a user to enrol and a message in the demo practice."""
    app = make_app()
    wiring = app.state.portal
    wiring.clock = FixedClock()
    wiring.hasher = Argon2PasswordHasher(time_cost=2, memory_cost_kib=19456, parallelism=1)
    secret = pyotp.random_base32()
    wiring.portal().create_user(
        None,
        "",
        username="sec-admin",
        display_name="Security Admin",
        role=Role.SERVICE_ADMIN,
        practice_ids=("demo",),
        password=PASSWORD,
        totp_secret=secret,
    )
    wiring.portal().create_user(
        None,
        "",
        username="sec-new",
        display_name="New Clinician",
        role=Role.CLINICIAN,
        practice_ids=("demo",),
        password=PASSWORD,
        totp_secret=None,
    )
    message = Message(
        id=new_id(),
        practice_id="demo",
        queue="nurse",
        urgency=TriageLevel.URGENT,
        created_at=T0,
        caller_name="Ada Quattlebaum",
        patient_name="Zebulon Quattlebaum",
        date_of_birth="1983-07-14",
        callback_number="+15125550187",
        reason="fever of 104 and a stiff neck",
    )
    with wiring.uow() as uow:
        uow.messages.add(message)
        uow.commit()
    yield PortalApp(app, secret, message.id)


def _values(portal: PortalApp) -> dict[str, str]:
    return {"message_id": portal.message_id, "practice_id": "demo", "user_id": "x", "call_id": "x"}


def _refused(status: int, location: str | None) -> bool:
    return status in (401, 403, 404) or (status == 303 and location == LOGIN_AGAIN)


def test_every_portal_post_refuses_a_missing_or_wrong_csrf_token(portal: PortalApp) -> None:
    paths = routes_under(portal.app, ["/portal"], method="POST")
    assert {"/portal/login", "/portal/logout", "/portal/messages/{message_id}/acknowledge"} <= set(
        paths
    )
    values = _values(portal)
    accepted: dict[str, str] = {}
    checked_somewhere: dict[str, bool] = dict.fromkeys(paths, False)
    sessions: dict[str, Callable[[], TestClient]] = {
        "anonymous": portal.anonymous,
        "pending": portal.pending,
        "enrolling": portal.enrolling,
        "active": portal.active,
    }
    for state, make in sessions.items():
        client = make()
        for path in paths:
            for label, data, headers in (
                ("missing", {"code": "123456", "language": "es"}, {}),
                ("wrong", {"csrf_token": "forged", "language": "es"}, {"x-csrf-token": "forged"}),
            ):
                answer = client.post(fill(path, values), data=data, headers=headers)
                if not _refused(answer.status_code, answer.headers.get("location")):
                    accepted[f"{state} {label} {path}"] = (
                        f"{answer.status_code} -> {answer.headers.get('location')}"
                    )
                checked_somewhere[path] |= answer.status_code == 403
        if state == "active":
            assert client.get("/portal/inbox").status_code == 200, "still logged in"
    assert accepted == {}
    assert [p for p, seen in checked_somewhere.items() if not seen] == []
    with portal.app.state.portal.uow() as uow:
        stored = uow.messages.get(portal.message_id)
    assert stored is not None and stored.acknowledged_at is None


def test_a_correct_csrf_token_is_accepted(portal: PortalApp) -> None:
    client = portal.active()
    csrf = _csrf(client.get("/portal/inbox").text)
    answer = client.post("/portal/language", data={"language": "es", "csrf_token": csrf})
    assert answer.status_code == 303


def _html_responses(portal: PortalApp) -> Iterator[tuple[str, Any]]:
    values = _values(portal)
    for client in (portal.browser(), portal.active()):
        for path in routes_under(portal.app, ["/"], method="GET"):
            yield path, client.get(fill(path, values))
        for path in routes_under(portal.app, ["/chat/"], method="POST"):
            yield path, client.post(fill(path, values), data={"text": "hello", "step": "1"})


def test_every_html_response_has_a_restrictive_csp(portal: PortalApp) -> None:
    missing: dict[str, str] = {}
    seen: set[str] = set()
    for path, response in _html_responses(portal):
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        seen.add(path)
        csp = response.headers.get("content-security-policy", "")
        directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
        problems = [
            need
            for need, ok in (
                ("object-src 'none'", directives.get("object-src") == "object-src 'none'"),
                ("base-uri 'none'", directives.get("base-uri") == "base-uri 'none'"),
                ("frame-ancestors", "frame-ancestors" in directives),
                ("nosniff", response.headers.get("x-content-type-options") == "nosniff"),
            )
            if not ok
        ]
        if problems:
            missing[f"{path} ({response.status_code})"] = ", ".join(problems)
    assert {"/portal/login", "/portal/inbox", "/chat/{practice_id}", "/docs"} <= seen
    assert missing == {}


def test_the_session_cookie_is_host_only_secure_httponly_samesite_and_rotates(
    portal: PortalApp,
) -> None:
    client = portal.browser()
    first = client.get("/portal/login")
    cookies = first.headers.get_list("set-cookie")
    session = [c for c in cookies if c.startswith(f"{SESSION}=")]
    assert len(session) == 1, cookies
    attributes = {a.strip().split("=")[0].lower(): a.strip() for a in session[0].split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes
    assert attributes.get("samesite", "").lower() in ("samesite=lax", "samesite=strict")
    assert attributes.get("path") == "Path=/"
    assert "domain" not in attributes
    anonymous_token = client.cookies.get(SESSION)
    active = portal.active()
    assert active.cookies.get(SESSION) not in (None, anonymous_token)
    for cookie in active.cookies.jar:
        assert cookie.name.startswith("__Host-") and cookie.secure, cookie.name
