"""SMTP, Web Push and webhook notifiers against real servers on loopback."""

from __future__ import annotations

import base64
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from notify_builders import WAIT, RecordedRequest, make_notification, recording_server, smtp_server
from py_vapid import Vapid  # type: ignore[import-untyped]

from triageline.adapters.notify.email_notifier import SmtpNotifier, SmtpSettings
from triageline.adapters.notify.webhook_notifier import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookNotifier,
    sign_webhook,
    verify_webhook,
)
from triageline.adapters.notify.webpush_notifier import WebPushNotifier, WebPushSettings
from triageline.domain.paging import Channel, DeliveryStatus

NOW = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)
SECRET = b"w" * 32


def ok(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
    """A 201 answer with a location."""
    return 201, {"Location": "/msg/1"}, b""


# ----------------------------------------------------------------------------- SMTP


def test_email_reaches_a_real_smtp_server() -> None:
    with smtp_server() as (sink, port):
        notifier = SmtpNotifier(
            SmtpSettings("127.0.0.1", port, "pages@maple.test", starttls=False, timeout=WAIT)
        )
        receipt = notifier.send(make_notification(Channel.EMAIL, "dr.lee@maple.test"))
        assert sink.arrived.wait(WAIT)
    assert receipt.status is DeliveryStatus.SENT
    (envelope,) = sink.envelopes
    assert envelope.mail_from == "pages@maple.test"
    assert envelope.rcpt_tos == ["dr.lee@maple.test"]
    mail = message_from_bytes(envelope.original_content, policy=default)
    assert mail["Subject"] == "[Maple Pediatrics] URGENT page K7P4X"
    assert mail["X-Triageline-Page"] == "pg-1"
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "https://triageline.test/a/abc.def" in body and "K7P4X" in body


def test_email_to_a_closed_port_fails() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    notifier = SmtpNotifier(SmtpSettings("127.0.0.1", port, "p@x.test", starttls=False))
    receipt = notifier.send(make_notification(Channel.EMAIL, "dr.lee@maple.test"))
    assert receipt.status is DeliveryStatus.FAILED


def test_email_requires_starttls_by_default() -> None:
    with smtp_server() as (sink, port):
        notifier = SmtpNotifier(SmtpSettings("127.0.0.1", port, "p@x.test", timeout=WAIT))
        receipt = notifier.send(make_notification(Channel.EMAIL, "dr.lee@maple.test"))
    assert receipt.status is DeliveryStatus.FAILED
    assert sink.envelopes == []


# ----------------------------------------------------------------------------- Web Push


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_web_push_is_vapid_signed_and_decrypts_to_the_page_text() -> None:
    vapid = Vapid()
    vapid.generate_keys()
    browser_key = ec.generate_private_key(ec.SECP256R1())
    auth = os.urandom(16)
    public = browser_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    with recording_server(ok) as server:
        subscription = {
            "endpoint": f"{server.url}/push/abc",
            "keys": {"p256dh": _b64(public), "auth": _b64(auth)},
        }
        notifier = WebPushNotifier(
            WebPushSettings(vapid.private_pem().decode(), "mailto:ops@maple.test", ttl_seconds=600)
        )
        receipt = notifier.send(make_notification(Channel.PUSH, json.dumps(subscription)))
    assert receipt.status is DeliveryStatus.SENT and receipt.provider_id == "/msg/1"
    (request,) = server.requests
    assert request.path == "/push/abc"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert request.headers["ttl"] == "600"
    assert request.headers["authorization"].startswith("vapid t=")
    plain = http_ece.decrypt(request.body, private_key=browser_key, auth_secret=auth)
    payload = json.loads(plain)
    assert payload["code"] == "K7P4X" and payload["url"] == "https://triageline.test/a/abc.def"


def test_web_push_gone_subscription_fails() -> None:
    vapid = Vapid()
    vapid.generate_keys()
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    public = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    with recording_server(lambda r: (410, {}, b"")) as server:
        subscription = {
            "endpoint": f"{server.url}/push/gone",
            "keys": {"p256dh": _b64(public), "auth": _b64(os.urandom(16))},
        }
        notifier = WebPushNotifier(WebPushSettings(vapid.private_pem().decode(), "mailto:a@b.c"))
        receipt = notifier.send(make_notification(Channel.PUSH, json.dumps(subscription)))
    assert receipt.status is DeliveryStatus.FAILED and "410" in receipt.detail


def test_web_push_bad_subscription_fails_without_network() -> None:
    vapid = Vapid()
    vapid.generate_keys()
    notifier = WebPushNotifier(WebPushSettings(vapid.private_pem().decode(), "mailto:a@b.c"))
    receipt = notifier.send(make_notification(Channel.PUSH, '{"endpoint": 1}'))
    assert receipt.status is DeliveryStatus.FAILED


@pytest.mark.parametrize("endpoint", ["not a url", "mailto:someone@example.org", "https://"])
def test_web_push_endpoint_the_vapid_claims_cannot_use_fails_cleanly(endpoint: str) -> None:
    vapid = Vapid()
    vapid.generate_keys()
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    public = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    subscription = {
        "endpoint": endpoint,
        "keys": {"p256dh": _b64(public), "auth": _b64(os.urandom(16))},
    }
    notifier = WebPushNotifier(WebPushSettings(vapid.private_pem().decode(), "mailto:a@b.c"))
    receipt = notifier.send(make_notification(Channel.PUSH, json.dumps(subscription)))
    assert receipt.status is DeliveryStatus.FAILED


# ----------------------------------------------------------------------------- webhook


def test_webhook_is_signed_and_the_receiver_can_verify_it() -> None:
    verdicts: list[bool] = []

    def receiver(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        verdicts.append(
            verify_webhook(
                SECRET,
                timestamp=request.headers.get(TIMESTAMP_HEADER.lower()),
                signature=request.headers.get(SIGNATURE_HEADER.lower()),
                body=request.body,
                now=NOW + timedelta(seconds=3),
            )
        )
        return (200 if verdicts[-1] else 401), {"X-Request-Id": "req-7"}, b"{}"

    with recording_server(receiver) as server:
        notifier = WebhookNotifier(SECRET, clock=lambda: NOW)
        receipt = notifier.send(make_notification(Channel.WEBHOOK, f"{server.url}/hook"))
    assert verdicts == [True]
    assert receipt.status is DeliveryStatus.SENT and receipt.provider_id == "req-7"
    (request,) = server.requests
    assert request.headers[SIGNATURE_HEADER.lower()].startswith("sha256=")
    assert request.headers[TIMESTAMP_HEADER.lower()] == str(int(NOW.timestamp()))
    payload = json.loads(request.body)
    assert payload["page_id"] == "pg-1" and payload["code"] == "K7P4X"


def test_webhook_with_wrong_secret_is_refused_by_receiver() -> None:
    def receiver(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        good = verify_webhook(
            SECRET,
            timestamp=request.headers.get(TIMESTAMP_HEADER.lower()),
            signature=request.headers.get(SIGNATURE_HEADER.lower()),
            body=request.body,
            now=NOW,
        )
        return (200 if good else 401), {}, b""

    with recording_server(receiver) as server:
        notifier = WebhookNotifier(b"x" * 32, clock=lambda: NOW)
        receipt = notifier.send(make_notification(Channel.WEBHOOK, f"{server.url}/hook"))
    assert receipt.status is DeliveryStatus.FAILED and "401" in receipt.detail


def test_webhook_verification_fails_closed() -> None:
    body = b'{"a":1}'
    ts = int(NOW.timestamp())
    good = sign_webhook(SECRET, ts, body)
    check = {"timestamp": str(ts), "signature": good, "body": body, "now": NOW}
    assert verify_webhook(SECRET, **check)  # type: ignore[arg-type]
    assert not verify_webhook(b"", **check)  # type: ignore[arg-type]
    assert not verify_webhook(SECRET, **{**check, "body": b'{"a":2}'})  # type: ignore[arg-type]
    assert not verify_webhook(SECRET, **{**check, "signature": None})  # type: ignore[arg-type]
    assert not verify_webhook(SECRET, **{**check, "timestamp": "x"})  # type: ignore[arg-type]
    late = NOW + timedelta(minutes=6)
    assert not verify_webhook(SECRET, **{**check, "now": late})  # type: ignore[arg-type]


def test_webhook_refuses_a_weak_secret() -> None:
    try:
        WebhookNotifier(b"short")
    except ValueError as error:
        assert "32 bytes" in str(error)
    else:
        raise AssertionError("a short secret was accepted")


def test_web_push_rejects_a_broken_vapid_key_at_start() -> None:
    try:
        WebPushNotifier(WebPushSettings("not-a-key", "mailto:a@b.c"))
    except ValueError:
        return
    raise AssertionError("a broken VAPID key was accepted")
