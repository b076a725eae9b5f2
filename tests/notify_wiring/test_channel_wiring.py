"""Each configured channel is wired to its adapter, and the wired notifiers really deliver."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest
from wiring_builders import WAIT, WEBHOOK_SECRET, hook_server, make_env, smtp_server

from triageline.adapters.notify.email_notifier import SmtpNotifier
from triageline.adapters.notify.settings import (
    InlinePushNotifier,
    NotifySettings,
    build_notifiers,
)
from triageline.adapters.notify.twilio_notifier import TwilioSmsNotifier, TwilioVoiceNotifier
from triageline.adapters.notify.webhook_notifier import WebhookNotifier, verify_webhook
from triageline.domain.paging import Channel, DeliveryStatus, PageNotification, PageUrgency
from triageline.entrypoints.paging_wiring import notifiers_from_env
from triageline.services.ports_notify import Notification, build_notification
from triageline.settings import SettingsError

NOW = datetime(2026, 3, 6, 22, 0, tzinfo=UTC)


def make_notification(channel: Channel, address: str) -> Notification:
    """A page notification as the paging service builds it."""
    dispatch = PageNotification(
        id="pg-9-n1",
        page_id="pg-9",
        recipient_id="pm-nguyen",
        recipient_name="Linda Nguyen",
        channel=channel,
        address=address,
        round_no=1,
        created_at=NOW,
    )
    return build_notification(
        dispatch,
        practice_name="Maple Pediatrics",
        urgency=PageUrgency.URGENT,
        code="Q4ZT9",
        link="https://answer.maple.test/a/tok",
    )


def test_every_channel_gets_its_adapter() -> None:
    notifiers = notifiers_from_env("https://answer.maple.test", make_env())
    assert isinstance(notifiers[Channel.SMS], TwilioSmsNotifier)
    assert isinstance(notifiers[Channel.VOICE], TwilioVoiceNotifier)
    assert isinstance(notifiers[Channel.EMAIL], SmtpNotifier)
    assert isinstance(notifiers[Channel.PUSH], InlinePushNotifier)
    assert isinstance(notifiers[Channel.WEBHOOK], WebhookNotifier)


@pytest.mark.parametrize(
    ("removed", "missing"),
    [
        (("TWILIO_ACCOUNT_SID", "TWILIO_FROM_NUMBER"), {Channel.SMS, Channel.VOICE}),
        (("SMTP_URL", "SMTP_PASSWORD", "SMTP_FROM"), {Channel.EMAIL}),
        (("VAPID_PRIVATE_KEY", "VAPID_SUBJECT"), {Channel.PUSH}),
        (("WEBHOOK_SECRET",), {Channel.WEBHOOK}),
    ],
)
def test_an_unconfigured_channel_has_no_notifier(
    removed: tuple[str, ...], missing: set[Channel]
) -> None:
    env = make_env(**dict.fromkeys(removed))
    notifiers = notifiers_from_env("https://answer.maple.test", env)
    assert set(notifiers) == set(Channel) - missing


def test_notifiers_from_env_raises_for_a_bad_value() -> None:
    with pytest.raises(SettingsError, match=r"^TRIAGELINE_SMTP_FROM:"):
        notifiers_from_env("https://answer.maple.test", make_env(SMTP_FROM="nobody"))


def test_email_from_the_environment_reaches_a_local_smtp_server() -> None:
    with smtp_server() as (sink, port):
        env = make_env(SMTP_URL=f"smtp://127.0.0.1:{port}?starttls=off", SMTP_PASSWORD=None)
        notifier = build_notifiers(NotifySettings.from_env(env, base_url="https://x.test"))[
            Channel.EMAIL
        ]
        receipt = notifier.send(make_notification(Channel.EMAIL, "lnguyen@maple.test"))
        assert sink.arrived.wait(WAIT)
    assert receipt.status is DeliveryStatus.SENT
    (envelope,) = sink.envelopes
    assert envelope.mail_from == "pages@maple.test"
    assert envelope.rcpt_tos == ["lnguyen@maple.test"]
    mail = message_from_bytes(envelope.original_content, policy=default)
    assert mail["Subject"] == "[Maple Pediatrics] URGENT page Q4ZT9"


def test_starttls_is_required_by_default() -> None:
    with smtp_server() as (sink, port):
        env = make_env(SMTP_URL=f"smtp://127.0.0.1:{port}", SMTP_PASSWORD=None)
        notifier = build_notifiers(NotifySettings.from_env(env, base_url="https://x.test"))[
            Channel.EMAIL
        ]
        receipt = notifier.send(make_notification(Channel.EMAIL, "lnguyen@maple.test"))
    assert receipt.status is DeliveryStatus.FAILED
    assert sink.envelopes == []


def test_webhook_from_the_environment_is_signed_with_the_secret() -> None:
    with hook_server() as server:
        settings = NotifySettings.from_env(make_env(), base_url="https://x.test")
        notifier = build_notifiers(settings, webhook_clock=lambda: NOW)[Channel.WEBHOOK]
        receipt = notifier.send(make_notification(Channel.WEBHOOK, f"{server.url}/hook"))
        assert server.arrived.wait(WAIT)
    assert receipt.status is DeliveryStatus.SENT
    (post,) = server.posts
    assert post.path == "/hook"
    assert verify_webhook(
        WEBHOOK_SECRET.encode(),
        timestamp=post.headers.get("x-triageline-timestamp"),
        signature=post.headers.get("x-triageline-signature"),
        body=post.body,
        now=NOW,
    )
    assert not verify_webhook(
        b"x" * 40,
        timestamp=post.headers.get("x-triageline-timestamp"),
        signature=post.headers.get("x-triageline-signature"),
        body=post.body,
        now=NOW,
    )
    assert json.loads(post.body)["code"] == "Q4ZT9"


@pytest.mark.parametrize("address", ["person:dr-alvarez", "queue:operators"])
def test_push_to_an_unregistered_address_fails_at_once_without_a_request(address: str) -> None:
    notifier = notifiers_from_env("https://x.test", make_env())[Channel.PUSH]
    receipt = notifier.send(make_notification(Channel.PUSH, address))
    assert receipt.status is DeliveryStatus.FAILED
    assert "no browser push subscription" in receipt.detail


def test_push_to_an_inline_subscription_reaches_the_push_service() -> None:
    with hook_server() as server:
        server.status = 201
        subscription = json.dumps(
            {
                "endpoint": f"{server.url}/push/abc",
                "keys": {
                    # a real P-256 public key and auth secret (the browser's side of RFC 8291)
                    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-"
                    "Ts1XbjhazAkj7I99e8QcYP7DkM",
                    "auth": "tBHItJI5svbpez7KI4CCXg",
                },
            }
        )
        notifier = notifiers_from_env("https://x.test", make_env())[Channel.PUSH]
        receipt = notifier.send(make_notification(Channel.PUSH, subscription))
        assert server.arrived.wait(WAIT)
    assert receipt.status is DeliveryStatus.SENT
    (post,) = server.posts
    assert post.path == "/push/abc"
    assert post.headers["content-encoding"] == "aes128gcm"
    assert post.headers["authorization"].startswith("vapid ")
    assert b"Q4ZT9" not in post.body  # encrypted for the browser
