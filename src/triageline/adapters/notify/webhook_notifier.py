"""Signed outbound webhook notifier: JSON POST with an HMAC-SHA256 signature header."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from triageline.domain.paging import DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification

SIGNATURE_HEADER = "X-Triageline-Signature"
TIMESTAMP_HEADER = "X-Triageline-Timestamp"
MIN_SECRET_BYTES = 32


def sign_webhook(secret: bytes, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `"<timestamp>." + body`."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_webhook(
    secret: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int = 300,
) -> bool:
    """Receiver side: true only for a correct signature on a fresh timestamp (fails closed)."""
    if not secret or not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign_webhook(secret, int(timestamp), body), signature)


def webhook_payload(notification: Notification) -> bytes:
    """The JSON body; PHI-free by construction."""
    return json.dumps(
        {
            "type": "page.notification",
            "notification_id": notification.notification_id,
            "page_id": notification.page_id,
            "recipient_id": notification.recipient_id,
            "practice": notification.practice_name,
            "urgency": notification.urgency.value,
            "code": notification.code,
            "link": notification.link,
            "text": notification.body,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


class WebhookNotifier:
    """POSTs the payload to the contact address; refuses to run without a strong secret."""

    def __init__(
        self,
        secret: bytes,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeout: float = 10.0,
    ) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the webhook secret must have at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self._client = client or httpx.Client(timeout=timeout)
        self._clock = clock

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Sign and POST; any 2xx is sent, anything else (or no answer) is failed."""
        body = webhook_payload(notification)
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_webhook(self._secret, timestamp, body),
        }
        try:
            response = self._client.post(notification.address, content=body, headers=headers)
        except httpx.HTTPError as error:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)
        if response.is_success:
            return DeliveryReceipt(DeliveryStatus.SENT, response.headers.get("X-Request-Id", ""))
        return DeliveryReceipt(
            DeliveryStatus.FAILED, "", f"endpoint answered {response.status_code}"
        )
