"""E-mail notifier over SMTP (smtplib), optionally with STARTTLS and login."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from triageline.domain.paging import DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to submit mail; the password comes from the environment, not the config."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


class SmtpNotifier:
    """Sends the PHI-free page text as a plain-text e-mail."""

    def __init__(self, settings: SmtpSettings, ssl_context: ssl.SSLContext | None = None) -> None:
        self._settings = settings
        self._ssl_context = ssl_context

    def message_for(self, notification: Notification) -> EmailMessage:
        """The e-mail for a notification (subject and body from the page text only)."""
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = notification.address
        message["Subject"] = notification.subject
        domain = self._settings.sender.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(idstring=notification.notification_id, domain=domain)
        message["X-Triageline-Page"] = notification.page_id
        message.set_content(notification.body)
        return message

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Submit the message; a refused recipient or a network error is a failed receipt."""
        message = self.message_for(notification)
        settings = self._settings
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
                if settings.starttls:
                    smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                if settings.username and settings.password:
                    smtp.login(settings.username, settings.password)
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)
        if refused:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", "recipient refused")
        return DeliveryReceipt(DeliveryStatus.SENT, str(message["Message-ID"]))
