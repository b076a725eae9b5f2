"""Go-live check: send a PHI-free test notification to each of a person's configured contacts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from triageline.domain.paging import Channel, ContactMethod, DeliveryStatus, PageUrgency
from triageline.domain.practice import Practice
from triageline.services.paging_targets import recipient_for
from triageline.services.ports_notify import DeliveryReceipt, Notification, Notifier

TEST_CODE = "TEST"
_DELIVERED = (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


class NotifyCheckError(ValueError):
    """The person or channel asked for does not exist in the practice configuration."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What happened to one test notification."""

    channel: Channel
    address: str
    receipt: DeliveryReceipt

    @property
    def ok(self) -> bool:
        """True when the provider accepted the notification."""
        return self.receipt.status in _DELIVERED

    def line(self) -> str:
        """One printable line: channel, address, status, provider id or failure detail."""
        shown = self.address if len(self.address) <= 60 else self.address[:57] + "..."
        outcome = self.receipt.provider_id if self.ok else self.receipt.detail
        return f"{self.channel.value:<8} {shown:<40} {self.receipt.status.value:<11} {outcome}"


def check_contacts(
    practice: Practice, person_id: str, channel: Channel | None
) -> list[ContactMethod]:
    """The person's contacts to test (only ``channel``'s when given); NotifyCheckError if none."""
    person = practice.person(person_id)
    if person is None:
        ids = [p.id for p in practice.providers] + [s.id for s in practice.staff]
        known = ", ".join(sorted(ids))
        raise NotifyCheckError(f"no provider or staff member {person_id!r} (known: {known})")
    contacts = [
        c for c in recipient_for(person).contacts if channel is None or c.channel is channel
    ]
    if not contacts:
        wanted = f"{channel.value} contact" if channel is not None else "contact"
        raise NotifyCheckError(f"{person_id} has no {wanted} in the practice configuration")
    return contacts


def probe_notification(
    practice: Practice, person_id: str, contact: ContactMethod, *, link: str, at: datetime
) -> Notification:
    """A test notification: practice name, a reference and a link only (no PHI, no page)."""
    ref = uuid.uuid4().hex[:12]
    subject = f"[{practice.name}] triageline test notification"
    stamp = at.strftime("%Y-%m-%d %H:%M UTC")
    if contact.channel is Channel.VOICE:
        body = (
            f"This is a test call from triageline for {practice.name}. "
            "This contact works. No action is needed."
        )
    else:
        body = (
            f"Test from triageline for {practice.name}: this {contact.channel.value} contact "
            f"works. No action is needed. Ref {ref}, sent {stamp}."
        )
    return Notification(
        notification_id=f"test-{ref}",
        page_id=f"test-{ref}",
        recipient_id=person_id,
        channel=contact.channel,
        address=contact.address,
        practice_name=practice.name,
        urgency=PageUrgency.URGENT,
        code=TEST_CODE,
        link=link,
        subject=subject,
        body=body,
    )


def send_test_notifications(
    practice: Practice,
    person_id: str,
    notifiers: Mapping[Channel, Notifier],
    *,
    channel: Channel | None,
    link: str,
    at: datetime,
) -> Sequence[CheckResult]:
    """Send one test notification per contact; an unconfigured channel is a failed result."""
    results: list[CheckResult] = []
    for contact in check_contacts(practice, person_id, channel):
        notifier = notifiers.get(contact.channel)
        if notifier is None:
            receipt = DeliveryReceipt(
                DeliveryStatus.FAILED, "", f"no notifier configured for {contact.channel.value}"
            )
        else:
            notification = probe_notification(practice, person_id, contact, link=link, at=at)
            receipt = notifier.send(notification)
        results.append(CheckResult(contact.channel, contact.address, receipt))
    return results
