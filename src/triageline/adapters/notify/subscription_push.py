"""Web push to the browsers registered in the portal for ``user:``, ``person:`` and operators.

Each stored subscription gets the page through the `WebPushNotifier` (RFC 8291 encryption,
VAPID); a 404 or 410 from the push service deletes the subscription, any other failure is
counted on it. The send is reported accepted when at least one device accepted it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)

from triageline.adapters.notify.webpush_notifier import vapid_key_for_pywebpush
from triageline.domain.paging import DeliveryStatus
from triageline.services.portal_push import (
    GONE_STATUSES,
    PushDirectory,
    PushSubscription,
    parse_push_address,
)
from triageline.services.ports_notify import DeliveryReceipt, Notification, Notifier

_ANSWERED = re.compile(r"answered (\d{3})")


def subscription_address(subscription: PushSubscription) -> str:
    """The subscription as the JSON address `WebPushNotifier` sends to."""
    return json.dumps(
        {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
    )


def vapid_public_key(private_key: str) -> str:
    """The VAPID public key browsers need (base64url uncompressed P-256 point, no padding)."""
    der = vapid_key_for_pywebpush(private_key)
    key = load_der_private_key(base64.urlsafe_b64decode(der + "=" * (-len(der) % 4)), None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the VAPID key must be an elliptic-curve (P-256) key")
    raw = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def push_service_status(receipt: DeliveryReceipt) -> int | None:
    """The HTTP status a failed push reported (from its PHI-free detail), or None."""
    found = _ANSWERED.search(receipt.detail)
    return int(found.group(1)) if found else None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SubscriptionPushNotifier:
    """Pushes one notification to every browser its address reaches."""

    def __init__(
        self,
        sender: Notifier,
        directory: PushDirectory,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        """Send each device through ``sender`` (a `WebPushNotifier`); find them in ``directory``."""
        self._sender = sender
        self._directory = directory
        self._clock = clock

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Push to every device; accepted when any accepted, else failed with counts."""
        if notification.address.lstrip().startswith("{"):
            return self._sender.send(notification)
        address = parse_push_address(notification.address)
        if address is None:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", "not a push address")
        devices = self._directory.subscriptions(address, notification.page_id)
        if not devices:
            return DeliveryReceipt(
                DeliveryStatus.FAILED, "", "no browser push subscription registered for address"
            )
        accepted = gone = 0
        for device in devices:
            receipt = self._send_one(notification, device)
            if not receipt.status.is_failure:
                accepted += 1
                self._directory.delivered(device.id, self._clock())
            elif push_service_status(receipt) in GONE_STATUSES:
                gone += 1
                self._directory.gone(device.id)
            else:
                self._directory.failed(device.id)
        detail = f"{accepted} of {len(devices)} devices accepted"
        if gone:
            detail += f", {gone} gone (removed)"
        status = DeliveryStatus.SENT if accepted else DeliveryStatus.FAILED
        return DeliveryReceipt(status, "", detail)

    def _send_one(self, notification: Notification, device: PushSubscription) -> DeliveryReceipt:
        """One device; an exception from the push library is that device's failure only."""
        try:
            return self._sender.send(replace(notification, address=subscription_address(device)))
        except Exception as error:  # one bad device must not stop the others
            return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)
