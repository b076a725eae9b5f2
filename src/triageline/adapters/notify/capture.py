"""A notifier that keeps what it was asked to send in memory (for `simulate` and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from triageline.domain.paging import Channel, DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification


@dataclass
class CapturingNotifier:
    """Records every notification; `fail_channels`/`fail_addresses` make chosen sends fail."""

    sent: list[Notification] = field(default_factory=list)
    fail_channels: set[Channel] = field(default_factory=set)
    fail_addresses: set[str] = field(default_factory=set)
    status: DeliveryStatus = DeliveryStatus.SENT
    on_send: Callable[[Notification], None] | None = None

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Record the notification and return the configured receipt."""
        self.sent.append(notification)
        if self.on_send is not None:
            self.on_send(notification)
        provider_id = f"cap-{len(self.sent)}"
        if (
            notification.channel in self.fail_channels
            or notification.address in self.fail_addresses
        ):
            return DeliveryReceipt(DeliveryStatus.FAILED, provider_id, "configured to fail")
        return DeliveryReceipt(self.status, provider_id)

    def for_recipient(self, recipient_id: str) -> list[Notification]:
        """Everything sent to one recipient, in order."""
        return [n for n in self.sent if n.recipient_id == recipient_id]
