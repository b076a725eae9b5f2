"""Builders for calls tests: the demo practice in a database, a signed Twilio client, instants."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from triageline.bootstrap import Container
from triageline.domain.audit import AuditEvent
from triageline.entrypoints.web import calls_app, operations
from triageline.entrypoints.web.calls_wiring import CallsWeb, build_calls
from triageline.services.calls_memory import RecordingPaging, SettableClock

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
TOKEN = "test-auth-token-0123456789"
BASE = "https://triageline.test"
MAIN_NUMBER = "+15125550100"
CALLER = "+15125550199"

AFTER_HOURS = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # Tuesday 22:00 in Austin
OFFICE_HOURS = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # Wednesday 10:00 in Austin
LUNCH = datetime(2026, 3, 4, 18, 30, tzinfo=UTC)  # Wednesday 12:30 in Austin


def load_demo(container: Container, at: datetime = AFTER_HOURS) -> None:
    """Store the demo practice configuration as the newest version."""
    with container.uow_factory() as uow:
        uow.practices.store_config(
            "demo", "Riverbend", DEMO.read_text(encoding="utf-8"), created_by="test", at=at
        )
        uow.commit()


@dataclass
class Harness:
    """A web app over a real database with a settable clock and a recording paging port."""

    client: TestClient
    web: CallsWeb
    clock: SettableClock
    paging: RecordingPaging
    container: Container
    sequence: dict[str, int] = field(default_factory=dict)

    def sign(self, path: str, params: Mapping[str, str], token: str = TOKEN) -> str:
        """The X-Twilio-Signature Twilio would send for this request."""
        return str(RequestValidator(token).compute_signature(f"{BASE}{path}", dict(params)))

    def post(self, path: str, params: Mapping[str, str], *, signature: str | None = None) -> Any:
        """POST a form signed like Twilio does (or with the given signature)."""
        sig = self.sign(path, params) if signature is None else signature
        return self.client.post(path, data=dict(params), headers={"X-Twilio-Signature": sig})

    def audit(self) -> list[AuditEvent]:
        """Every audit event, newest first."""
        with self.container.uow_factory() as uow:
            return list(uow.audit.list(limit=10000))


def make_harness(container: Container, at: datetime = AFTER_HOURS) -> Iterator[Harness]:
    """Build the harness (a generator, for fixtures)."""
    load_demo(container, at)
    clock = SettableClock(at)
    paging = RecordingPaging()
    web = build_calls(
        container, clock=clock, paging=paging, environ={"TRIAGELINE_TWILIO_AUTH_TOKEN": TOKEN}
    )
    app = FastAPI()
    operations.install(app, container)
    calls_app.install(app, container, web)
    with TestClient(app) as client:
        yield Harness(client, web, clock, paging, container)
