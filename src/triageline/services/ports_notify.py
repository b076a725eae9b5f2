"""Port for sending page notifications (SMS, voice page, e-mail, web push, webhook)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from triageline.domain.page_text import page_text
from triageline.domain.paging import Channel, DeliveryStatus, PageNotification, PageUrgency


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one address; `subject`/`body` are PHI-free (see `page_text`)."""

    notification_id: str
    page_id: str
    recipient_id: str
    channel: Channel
    address: str
    practice_name: str
    urgency: PageUrgency
    code: str
    link: str
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the notifier got back: a status, the provider's id and a PHI-free detail."""

    status: DeliveryStatus
    provider_id: str = ""
    detail: str = ""


class Notifier(Protocol):
    """Sends a notification; transport errors come back as a failed receipt, not an exception."""

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Send one notification and report what happened."""
        ...


def build_notification(
    dispatch: PageNotification, *, practice_name: str, urgency: PageUrgency, code: str, link: str
) -> Notification:
    """Turn a page's dispatch into a notification whose words come only from `page_text`."""
    text = page_text(
        practice_name=practice_name, urgency=urgency, code=code, link=link, channel=dispatch.channel
    )
    return Notification(
        notification_id=dispatch.id,
        page_id=dispatch.page_id,
        recipient_id=dispatch.recipient_id,
        channel=dispatch.channel,
        address=dispatch.address,
        practice_name=practice_name,
        urgency=urgency,
        code=code,
        link=link,
        subject=text.subject,
        body=text.body,
    )
