"""Builders for paging-in-the-live-app tests: the demo practice, real paging, a signed client."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from triageline.adapters.notify.capture import CapturingNotifier
from triageline.bootstrap import Container
from triageline.domain.audit import AuditEvent
from triageline.domain.paging import Channel, PageUrgency
from triageline.entrypoints.paging_wiring import CallsPaging, StaticPractices, build_paging
from triageline.entrypoints.web import calls_app
from triageline.entrypoints.web.calls_wiring import CallsWeb, build_calls
from triageline.services.calls_memory import SettableClock
from triageline.services.paging import PagingService
from triageline.services.ports_notify import Notification

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
TOKEN = "live-auth-token-0123456789"
BASE = "https://triageline.test"
PRACTICE_NUMBER = "+15125550100"
PAGING_NUMBER = "+15125550777"
CALLER = "+15125550199"
AFTER_HOURS = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)  # Tuesday 22:00 in Austin


def store_demo(container: Container, at: datetime = AFTER_HOURS) -> None:
    """Store the demo practice configuration (practice id ``demo``)."""
    with container.uow_factory() as uow:
        uow.practices.store_config(
            "demo", "Riverbend", DEMO.read_text(encoding="utf-8"), created_by="test", at=at
        )
        uow.commit()


@dataclass
class LiveRig:
    """The web app with real paging over a real database, a settable clock, captured sends."""

    client: TestClient
    web: CallsWeb
    pager: PagingService
    clock: SettableClock
    notifier: CapturingNotifier
    container: Container
    pages: list[str] = field(default_factory=list)

    def sign(self, path: str, params: Mapping[str, str], token: str = TOKEN) -> str:
        """The X-Twilio-Signature Twilio would send for this request."""
        return str(RequestValidator(token).compute_signature(f"{BASE}{path}", dict(params)))

    def post(self, path: str, params: Mapping[str, str], *, signature: str | None = None) -> Any:
        """POST a form signed like Twilio does (or with the given signature)."""
        sig = self.sign(path, params) if signature is None else signature
        return self.client.post(path, data=dict(params), headers={"X-Twilio-Signature": sig})

    def open_page(self, message_id: str = "msg-1") -> str:
        """Open an urgent page for a message now; its id."""
        ref = self.pager.open_page("demo", message_id, PageUrgency.URGENT, self.clock.now())
        self.pages.append(ref.page_id)
        return ref.page_id

    def sent_to(self, recipient: str, channel: Channel | None = None) -> list[Notification]:
        """What was handed to the notifier for one recipient (optionally one channel)."""
        return [
            n
            for n in self.notifier.for_recipient(recipient)
            if channel is None or n.channel is channel
        ]

    def audit(self) -> list[AuditEvent]:
        """Every audit event, newest first."""
        with self.container.uow_factory() as uow:
            return list(uow.audit.list(limit=10000))


def make_live(
    container: Container, at: datetime = AFTER_HOURS, *, mount: Any = None
) -> Iterator[LiveRig]:
    """Build the rig (a generator, for fixtures); ``mount(app, web)`` may add more routes."""
    from triageline.adapters.config.loader import load_practice

    store_demo(container, at)
    clock = SettableClock(at)
    notifier = CapturingNotifier()
    practice = load_practice(DEMO)
    pager = build_paging(
        container,
        clock=clock,
        notifiers={channel: notifier for channel in Channel},
        practices=StaticPractices({"demo": practice}),
    )
    web = build_calls(
        container,
        clock=clock,
        paging=CallsPaging(pager),
        environ={"TRIAGELINE_TWILIO_AUTH_TOKEN": TOKEN},
    )
    app = FastAPI()
    calls_app.install(app, container, web)
    if mount is not None:
        mount(app, web)
    with TestClient(app) as client:
        yield LiveRig(client, web, pager, clock, notifier, container)
