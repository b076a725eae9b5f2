"""A notifier for demos and local runs: nothing leaves the machine, the send is recorded as sent."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from triageline.domain.paging import DeliveryStatus
from triageline.services.ports_notify import DeliveryReceipt, Notification

log = logging.getLogger("triageline.notify.dry_run")

DRY_RUN_PREFIX = "dry-run:"


class DryRunNotifier:
    """Logs a PHI-free line and reports the notification as sent (provider id `dry-run:<uuid>`).

    The page timeline and the escalation then behave as in production, except that no text,
    call, e-mail, push or webhook is delivered. Only ids and the channel are logged: never the
    address or the words of the notification.
    """

    def __init__(self, new_id: Callable[[], uuid.UUID] = uuid.uuid4) -> None:
        """Use ``new_id`` for provider ids (a random UUID by default)."""
        self._new_id = new_id

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Record nothing externally; log ids only and answer `sent`."""
        provider_id = f"{DRY_RUN_PREFIX}{self._new_id()}"
        log.info(
            "dry-run notification %s for page %s to %s by %s (not sent: TRIAGELINE_NOTIFY=dry-run)",
            notification.notification_id,
            notification.page_id,
            notification.recipient_id,
            notification.channel.value,
        )
        return DeliveryReceipt(DeliveryStatus.SENT, provider_id, "dry run: nothing was sent")
