"""Twilio SMS and voice-page notifiers (REST via the twilio library) and status mapping."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from triageline.adapters.notify.voice_page import voice_page_twiml
from triageline.domain.paging import DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification

_quiet = logging.getLogger("triageline.notify.twilio_http")
_quiet.setLevel(logging.WARNING)  # the helper logs request parameters at INFO

_MESSAGE_STATUS = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
_CALL_STATUS = {
    "queued": DeliveryStatus.QUEUED,
    "initiated": DeliveryStatus.QUEUED,
    "ringing": DeliveryStatus.SENT,
    "in-progress": DeliveryStatus.DELIVERED,
    "answered": DeliveryStatus.DELIVERED,
    "completed": DeliveryStatus.DELIVERED,
    "busy": DeliveryStatus.BUSY,
    "no-answer": DeliveryStatus.NO_ANSWER,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}


def message_delivery_status(message_status: str) -> DeliveryStatus | None:
    """Map Twilio's `MessageStatus` to a DeliveryStatus (None for statuses we don't track)."""
    return _MESSAGE_STATUS.get(message_status.strip().lower())


def call_delivery_status(call_status: str) -> DeliveryStatus | None:
    """Map Twilio's `CallStatus` to a DeliveryStatus; an answered call is never an ack."""
    return _CALL_STATUS.get(call_status.strip().lower())


class RebasedHttpClient:
    """Twilio HTTP client that sends every request to `base_url` instead of *.twilio.com."""

    is_async = False

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self._inner = TwilioHttpClient(timeout=timeout, logger=_quiet)

    def rebase(self, url: str) -> str:
        """The same request URL, pointed at the configured base."""
        parts = urlsplit(url)
        return urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment)
        )

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Forward to the stock client with the rewritten URL."""
        return self._inner.request(method, self.rebase(url), *args, **kwargs)


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    """Account, sending number and callback URLs; `base_url` overrides api.twilio.com."""

    account_sid: str
    auth_token: str
    from_number: str
    status_callback_url: str | None = None
    voice_gather_url: str = ""
    base_url: str | None = None
    timeout: float = 10.0


def twilio_client(settings: TwilioSettings) -> Any:
    """A twilio REST client, rebased when `settings.base_url` is set."""
    http_client = (
        RebasedHttpClient(settings.base_url, settings.timeout)
        if settings.base_url
        else TwilioHttpClient(timeout=settings.timeout, logger=_quiet)
    )
    return Client(settings.account_sid, settings.auth_token, http_client=http_client)


def _failed(error: Exception) -> DeliveryReceipt:
    if isinstance(error, TwilioRestException):
        return DeliveryReceipt(
            DeliveryStatus.FAILED, "", f"twilio error {error.code or error.status}"
        )
    return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)


def _with_query(url: str, **params: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(params)}"


class TwilioSmsNotifier:
    """Sends page texts with Messages.create; the body is the PHI-free notification body."""

    def __init__(self, settings: TwilioSettings, client: Any | None = None) -> None:
        self._settings = settings
        self._client = client or twilio_client(settings)

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Create the message; Twilio's initial status becomes the receipt."""
        options: dict[str, str] = {}
        if self._settings.status_callback_url:
            options["status_callback"] = _with_query(
                self._settings.status_callback_url, notification=notification.notification_id
            )
        try:
            message = self._client.messages.create(
                to=notification.address,
                from_=self._settings.from_number,
                body=notification.body,
                **options,
            )
        except (TwilioException, OSError) as error:
            return _failed(error)
        status = message_delivery_status(str(message.status or "")) or DeliveryStatus.QUEUED
        return DeliveryReceipt(status, str(message.sid or ""))


class TwilioVoiceNotifier:
    """Places voice pages with Calls.create and inline TwiML (read-back + press 1)."""

    def __init__(
        self, settings: TwilioSettings, client: Any | None = None, language: str = "en-US"
    ) -> None:
        if not settings.voice_gather_url:
            raise ValueError("voice pages need voice_gather_url (where the keypress is posted)")
        self._settings = settings
        self._client = client or twilio_client(settings)
        self._language = language

    def twiml_for(self, notification: Notification) -> str:
        """The TwiML played to the clinician for this notification."""
        action = _with_query(
            self._settings.voice_gather_url,
            page=notification.page_id,
            notification=notification.notification_id,
        )
        return voice_page_twiml(notification.body, action, language=self._language)

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Place the call; no-answer/busy/failed come back later through status callbacks."""
        options: dict[str, Any] = {}
        if self._settings.status_callback_url:
            options["status_callback"] = _with_query(
                self._settings.status_callback_url, notification=notification.notification_id
            )
            options["status_callback_event"] = ["initiated", "ringing", "answered", "completed"]
        try:
            call = self._client.calls.create(
                to=notification.address,
                from_=self._settings.from_number,
                twiml=self.twiml_for(notification),
                timeout=30,
                **options,
            )
        except (TwilioException, OSError) as error:
            return _failed(error)
        status = call_delivery_status(str(call.status or "")) or DeliveryStatus.QUEUED
        return DeliveryReceipt(status, str(call.sid or ""))
