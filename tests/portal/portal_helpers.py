"""Portal test helpers: a settable clock, the Portal driver (users, messages, login), CSRF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from fastapi.testclient import TestClient

from triageline.domain.messages import Message
from triageline.domain.records import new_id
from triageline.domain.triage.types import TriageLevel
from triageline.services.portal_model import Role, User

T0 = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
DEMO_YAML = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class SettableClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime = T0) -> None:
        """Start at ``at``."""
        self.at = at

    def now(self) -> datetime:
        """The current test time."""
        return self.at

    def advance(self, **delta: float) -> None:
        """Move forward."""
        self.at += timedelta(**delta)


@dataclass
class Portal:
    """The app under test and what tests need to drive it."""

    app: Any
    clock: SettableClock
    wiring: Any

    def client(self) -> TestClient:
        """A fresh browser (own cookie jar) over HTTPS so Secure cookies are sent."""
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    def add_practice(self, practice_id: str, yaml_text: str | None = None) -> None:
        """Store a practice (and a configuration version)."""
        text = yaml_text if yaml_text is not None else f"id: {practice_id}\nname: {practice_id}\n"
        with self.wiring.uow() as uow:
            uow.practices.store_config(
                practice_id, f"Practice {practice_id.upper()}", text, created_by="test", at=T0
            )
            uow.commit()

    def add_user(
        self, username: str, role: Role, practices: tuple[str, ...], *, enrolled: bool = True
    ) -> tuple[User, str | None]:
        """Create a user (TOTP enrolled unless told); (user, secret)."""
        secret = pyotp.random_base32() if enrolled else None
        user = self.wiring.portal().create_user(
            None,
            "",
            username=username,
            display_name=username.title(),
            role=role,
            practice_ids=practices,
            password=PASSWORD,
            totp_secret=secret,
        )
        return user, secret

    def add_message(self, practice_id: str, **changes: Any) -> Message:
        """Store a message with PHI in the practice."""
        values: dict[str, Any] = {
            "id": new_id(),
            "practice_id": practice_id,
            "queue": "nurse",
            "urgency": TriageLevel.URGENT,
            "created_at": self.clock.now(),
            "patient_name": "Zebulon Quattlebaum",
            "caller_name": "Ada Quattlebaum",
            "date_of_birth": "1983-07-14",
            "callback_number": "+15125550187",
            "reason": "fever of 104 and a stiff neck",
        }
        values.update(changes)
        message = Message(**values)
        with self.wiring.uow() as uow:
            uow.messages.add(message)
            uow.commit()
        return message

    def code(self, secret: str) -> str:
        """The TOTP code at the clock's time."""
        return pyotp.TOTP(secret).at(self.clock.now())

    def login(self, client: TestClient, username: str, secret: str | None) -> TestClient:
        """Log in fully (password then code); the client keeps the active session cookie."""
        csrf = csrf_of(client.get("/portal/login").text)
        answer = client.post(
            "/portal/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/portal/login/code"
        assert secret is not None
        csrf = csrf_of(client.get("/portal/login/code").text)
        answer = client.post(
            "/portal/login/code", data={"code": self.code(secret), "csrf_token": csrf}
        )
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/portal/inbox"
        return client


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_RE.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)
