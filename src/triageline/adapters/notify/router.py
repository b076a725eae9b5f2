"""A notifier that hands each notification to the notifier configured for its channel."""

from __future__ import annotations

from collections.abc import Mapping

from triageline.domain.paging import Channel, DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification, Notifier


class ChannelRouter:
    """Routes by channel; a channel with no notifier fails (so the page tries the next one)."""

    def __init__(self, notifiers: Mapping[Channel, Notifier]) -> None:
        self._notifiers = dict(notifiers)

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Send through the channel's notifier, or fail at once if none is configured."""
        notifier = self._notifiers.get(notification.channel)
        if notifier is None:
            detail = f"no notifier configured for {notification.channel.value}"
            return DeliveryReceipt(DeliveryStatus.FAILED, "", detail)
        return notifier.send(notification)
