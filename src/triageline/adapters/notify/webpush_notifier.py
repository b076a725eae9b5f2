"""Web Push notifier (VAPID, RFC 8291 encryption) through pywebpush."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_private_key,
    load_pem_private_key,
)
from py_vapid import VapidException
from pywebpush import WebPushException, webpush

from triageline.domain.paging import DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification


@dataclass(frozen=True, slots=True)
class WebPushSettings:
    """The VAPID private key (PEM or base64url DER) and the `mailto:`/`https:` contact."""

    vapid_private_key: str
    vapid_subject: str
    ttl_seconds: int = 3600
    timeout: float = 10.0


def parse_subscription(address: str) -> dict[str, object]:
    """A push subscription as stored in a contact address: JSON with endpoint and keys."""
    data = json.loads(address)
    if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
        raise ValueError("a push subscription needs an endpoint")
    keys = data.get("keys")
    if not isinstance(keys, dict) or not {"p256dh", "auth"} <= keys.keys():
        raise ValueError("a push subscription needs keys.p256dh and keys.auth")
    return {"endpoint": data["endpoint"], "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}


def push_payload(notification: Notification) -> str:
    """The JSON the service worker receives; PHI-free by construction."""
    return json.dumps(
        {
            "title": notification.subject,
            "body": notification.body,
            "url": notification.link,
            "page_id": notification.page_id,
            "code": notification.code,
            "tag": notification.page_id,
        },
        ensure_ascii=False,
    )


def vapid_key_for_pywebpush(private_key: str) -> str:
    """The VAPID key as base64url PKCS#8 DER (accepts PEM or base64url DER); ValueError if bad."""
    text = private_key.strip()
    if "BEGIN" in text:
        key = load_pem_private_key(text.encode(), password=None)
    else:
        key = load_der_private_key(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), None)
    der = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    return base64.urlsafe_b64encode(der).rstrip(b"=").decode()


class WebPushNotifier:
    """Encrypts the payload for the subscription and posts it to the push service."""

    def __init__(self, settings: WebPushSettings) -> None:
        self._settings = settings
        self._vapid_key = vapid_key_for_pywebpush(settings.vapid_private_key)

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Push; 201 from the push service means queued for the browser, 404/410 means gone."""
        try:
            subscription = parse_subscription(notification.address)
        except ValueError:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", "bad subscription")
        try:
            response = webpush(
                subscription_info=subscription,
                data=push_payload(notification),
                vapid_private_key=self._vapid_key,
                vapid_claims={"sub": self._settings.vapid_subject},
                ttl=self._settings.ttl_seconds,
                timeout=self._settings.timeout,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            detail = f"push service answered {status}" if status else "push failed"
            return DeliveryReceipt(DeliveryStatus.FAILED, "", detail)
        except VapidException:
            # The endpoint gives no audience the VAPID claims can name (not an https origin).
            return DeliveryReceipt(DeliveryStatus.FAILED, "", "endpoint unusable for VAPID")
        except OSError as error:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)
        location = str(response.headers.get("Location", ""))
        return DeliveryReceipt(DeliveryStatus.SENT, location)
