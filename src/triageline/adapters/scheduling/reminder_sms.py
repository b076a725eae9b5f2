"""Reminder texts through Twilio (Messages.create), or nowhere when Twilio is not configured."""

from __future__ import annotations

import logging
from typing import Any

from twilio.base.exceptions import TwilioException

from triageline.adapters.notify.twilio_notifier import TwilioSettings, twilio_client
from triageline.domain.practice import Practice

log = logging.getLogger("triageline.reminders")


class TwilioTextSender:
    """Sends reminder texts from the practice's SMS number (else the configured sender)."""

    def __init__(self, settings: TwilioSettings, client: Any | None = None) -> None:
        """Use ``client`` or a REST client built from ``settings``."""
        self._settings = settings
        self._client = client or twilio_client(settings)

    def send_text(self, practice: Practice, to: str, body: str) -> bool:
        """True when Twilio accepted the message (no body or number is ever logged)."""
        sender = practice.phones.sms or self._settings.from_number
        try:
            self._client.messages.create(to=to, from_=sender, body=body)
        except (TwilioException, OSError) as error:
            log.warning("reminder text failed", extra={"error": type(error).__name__})
            return False
        return True


class UnconfiguredTextSender:
    """Used when no SMS provider is configured: every send fails, and is recorded as failed."""

    def send_text(self, practice: Practice, to: str, body: str) -> bool:
        """Nothing is sent."""
        log.warning("reminder not sent: no SMS provider configured")
        return False
