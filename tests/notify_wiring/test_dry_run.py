"""TRIAGELINE_NOTIFY=dry-run: every send is recorded as sent, nothing leaves the machine."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from wiring_builders import DEMO, hook_server, make_env, smtp_server

from triageline.adapters.notify.dry_run import DryRunNotifier
from triageline.bootstrap import Container
from triageline.domain.paging import Channel, DeliveryStatus, PageNotification, PageUrgency
from triageline.entrypoints.paging_wiring import StaticPractices, build_paging, notifiers_from_env
from triageline.services.ports_notify import Notification, build_notification

AFTER_HOURS = datetime(2026, 3, 7, 3, 0, tzinfo=UTC)  # Friday 21:00 in Austin


class SettableClock:
    """A clock the test moves."""

    def __init__(self, at: datetime) -> None:
        """Start at ``at``."""
        self.at = at

    def now(self) -> datetime:
        """The current test instant."""
        return self.at


def make_notification(channel: Channel, address: str) -> Notification:
    """A page notification with an address that must never be logged."""
    dispatch = PageNotification(
        id="pg-3-n1",
        page_id="pg-3",
        recipient_id="dr-chen",
        recipient_name="David Chen",
        channel=channel,
        address=address,
        round_no=1,
        created_at=AFTER_HOURS,
    )
    return build_notification(
        dispatch,
        practice_name="Riverbend",
        urgency=PageUrgency.URGENT,
        code="H7K2M",
        link="https://answer.example/a/t",
    )


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every outbound IP connection fail (and record the attempt)."""
    attempts: list[object] = []
    real_connect: Callable[..., Any] = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("network disabled by the test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


@pytest.mark.parametrize("channel", list(Channel))
def test_dry_run_answers_sent_with_a_dry_run_provider_id(
    channel: Channel, no_network: list[object], caplog: pytest.LogCaptureFixture
) -> None:
    notifier = notifiers_from_env("https://x.test", make_env(NOTIFY="dry-run"))[channel]
    assert isinstance(notifier, DryRunNotifier)
    with caplog.at_level(logging.INFO, logger="triageline.notify.dry_run"):
        receipt = notifier.send(make_notification(channel, "+15125550112"))
    assert receipt.status is DeliveryStatus.SENT
    prefix, _, rest = receipt.provider_id.partition(":")
    assert prefix == "dry-run" and uuid.UUID(rest)
    assert no_network == []
    (record,) = caplog.records
    line = record.getMessage()
    assert "pg-3" in line and "dr-chen" in line and channel.value in line
    assert "+15125550112" not in line and "H7K2M" not in line and "Riverbend" not in line


def test_each_dry_run_send_gets_its_own_provider_id() -> None:
    notifier = DryRunNotifier()
    ids = {notifier.send(make_notification(Channel.SMS, "+1")).provider_id for _ in range(3)}
    assert len(ids) == 3


def test_dry_run_overrides_live_settings_pointing_at_real_servers() -> None:
    with smtp_server() as (sink, port), hook_server() as server:
        env = make_env(
            NOTIFY="dry-run",
            SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=off",
            SMTP_PASSWORD=None,
            TWILIO_BASE_URL=server.url,
        )
        notifiers = notifiers_from_env("https://x.test", env)
        for channel in Channel:
            address = f"{server.url}/hook" if channel is Channel.WEBHOOK else "a@b.test"
            assert notifiers[channel].send(make_notification(channel, address)).status is (
                DeliveryStatus.SENT
            )
    assert sink.envelopes == []
    assert server.posts == []


def test_a_dry_run_page_escalates_and_records_every_send_as_sent(
    container: Container, no_network: list[object]
) -> None:
    from triageline.adapters.config.loader import load_practice

    practice = load_practice(DEMO)
    clock = SettableClock(AFTER_HOURS)
    service = build_paging(
        container,
        clock=clock,
        practices=StaticPractices({practice.id: practice}),
        environ={"TRIAGELINE_NOTIFY": "dry-run"},
    )
    ref = service.open_page(practice.id, "msg-dry-1", PageUrgency.URGENT, clock.now())
    clock.at = AFTER_HOURS + timedelta(minutes=25)
    while (due := service.next_due()) is not None and due <= clock.at:
        service.run_due(due, "test")
    with container.uow_factory() as uow:
        record = uow.pages.get(ref.page_id)
        assert record is not None
        sent = record.page.notifications
        outbox = [uow.outbox.get(n.id) for n in sent]
    recipients = [n.recipient_id for n in sent]
    # the demo chain: primary, primary again, backup, then the practice manager (sms + email)
    assert "pm-nguyen" in recipients and len(set(recipients)) >= 3
    channels = {n.channel for n in sent if n.recipient_id == "pm-nguyen"}
    assert channels == {Channel.SMS, Channel.EMAIL}
    assert all(n.status is DeliveryStatus.SENT for n in sent), [n.status for n in sent]
    assert all(item is not None and item.provider_id.startswith("dry-run:") for item in outbox)
    assert no_network == []
