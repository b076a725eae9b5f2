"""Twilio SMS and voice notifiers against a local HTTP server posing as api.twilio.com."""

from __future__ import annotations

import base64
import json
import socket
from urllib.parse import parse_qs
from xml.etree import ElementTree

import pytest
from notify_builders import RecordedRequest, make_notification, recording_server

from triageline.adapters.notify.twilio_notifier import (
    RebasedHttpClient,
    TwilioSettings,
    TwilioSmsNotifier,
    TwilioVoiceNotifier,
    call_delivery_status,
    message_delivery_status,
)
from triageline.domain.paging import Channel, DeliveryStatus

SID = "AC" + "0" * 32


def make_settings(base_url: str) -> TwilioSettings:
    """Twilio settings pointed at the local server."""
    return TwilioSettings(
        account_sid=SID,
        auth_token="secret-token",
        from_number="+15557654321",
        status_callback_url="https://triageline.test/twilio/status",
        voice_gather_url="https://triageline.test/twilio/voice/page-ack",
        base_url=base_url,
    )


def created(sid: str, status: str) -> tuple[int, dict[str, str], bytes]:
    """A Twilio-style 201 answer."""
    body = json.dumps({"sid": sid, "status": status, "account_sid": SID}).encode()
    return 201, {"Content-Type": "application/json"}, body


def form(request: RecordedRequest) -> dict[str, list[str]]:
    """The request's form fields."""
    return parse_qs(request.body.decode())


def test_sms_posts_the_form_twilio_expects() -> None:
    with recording_server(lambda r: created("SM123", "queued")) as server:
        receipt = TwilioSmsNotifier(make_settings(server.url)).send(make_notification())
    assert receipt.status is DeliveryStatus.QUEUED and receipt.provider_id == "SM123"
    (request,) = server.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Messages.json"
    auth = base64.b64decode(request.headers["authorization"].split()[1]).decode()
    assert auth == f"{SID}:secret-token"
    fields = form(request)
    assert fields["To"] == ["+15550000001"]
    assert fields["From"] == ["+15557654321"]
    assert fields["Body"] == [make_notification().body]
    assert "K7P4X" in fields["Body"][0] and "Reply 1" in fields["Body"][0]
    assert fields["StatusCallback"] == [
        "https://triageline.test/twilio/status?notification=pg-1-n1"
    ]


def test_sms_rejected_by_twilio_is_a_failed_receipt() -> None:
    def reject(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps({"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
        return 400, {"Content-Type": "application/json"}, body.encode()

    with recording_server(reject) as server:
        receipt = TwilioSmsNotifier(make_settings(server.url)).send(make_notification())
    assert receipt.status is DeliveryStatus.FAILED
    assert receipt.detail == "twilio error 21211"


def test_unreachable_twilio_is_a_failed_receipt() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    receipt = TwilioSmsNotifier(make_settings(f"http://127.0.0.1:{port}")).send(make_notification())
    assert receipt.status is DeliveryStatus.FAILED


def test_voice_page_places_a_call_with_press_one_twiml() -> None:
    with recording_server(lambda r: created("CA9", "queued")) as server:
        notifier = TwilioVoiceNotifier(make_settings(server.url))
        receipt = notifier.send(make_notification(Channel.VOICE))
    assert receipt.status is DeliveryStatus.QUEUED and receipt.provider_id == "CA9"
    (request,) = server.requests
    assert request.path == f"/2010-04-01/Accounts/{SID}/Calls.json"
    fields = form(request)
    assert fields["To"] == ["+15550000001"] and fields["From"] == ["+15557654321"]
    assert fields["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    root = ElementTree.fromstring(fields["Twiml"][0])
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1" and gather.get("input") == "dtmf"
    assert gather.get("action") == (
        "https://triageline.test/twilio/voice/page-ack?page=pg-1&notification=pg-1-n1"
    )
    spoken = " ".join(s.text or "" for s in gather.iter("Say"))
    assert "K, 7, P, 4, X" in spoken and "Press 1" in spoken
    assert root.find("Record") is None


def test_voice_notifier_requires_a_gather_url() -> None:
    settings = make_settings("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="voice_gather_url"):
        TwilioVoiceNotifier(TwilioSettings(settings.account_sid, "t", "+1", base_url="http://x"))


def test_rebase_keeps_path_and_query() -> None:
    client = RebasedHttpClient("http://127.0.0.1:8080/fake")
    rebased = client.rebase("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls.json?a=1")
    assert rebased == "http://127.0.0.1:8080/fake/2010-04-01/Accounts/AC1/Calls.json?a=1"
    with pytest.raises(ValueError):
        RebasedHttpClient("not a url")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("queued", DeliveryStatus.QUEUED),
        ("accepted", DeliveryStatus.QUEUED),
        ("sent", DeliveryStatus.SENT),
        ("delivered", DeliveryStatus.DELIVERED),
        ("undelivered", DeliveryStatus.UNDELIVERED),
        ("failed", DeliveryStatus.FAILED),
        ("receiving", None),
    ],
)
def test_message_status_mapping(status: str, expected: DeliveryStatus | None) -> None:
    assert message_delivery_status(status) is expected


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("initiated", DeliveryStatus.QUEUED),
        ("ringing", DeliveryStatus.SENT),
        ("completed", DeliveryStatus.DELIVERED),
        ("busy", DeliveryStatus.BUSY),
        ("no-answer", DeliveryStatus.NO_ANSWER),
        ("failed", DeliveryStatus.FAILED),
        ("canceled", DeliveryStatus.FAILED),
    ],
)
def test_call_status_mapping(status: str, expected: DeliveryStatus) -> None:
    assert call_delivery_status(status) is expected
    assert call_delivery_status(status.upper()) is expected
