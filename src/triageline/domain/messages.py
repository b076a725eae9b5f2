"""The secure Message a caller leaves for the practice, and its status transitions."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from triageline.domain.errors import IllegalTransitionError
from triageline.domain.triage.types import TriageLevel


class MessageStatus(StrEnum):
    """Where a message is in the practice's inbox."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    def can_become(self, target: MessageStatus) -> bool:
        """True when ``target`` is reachable from this status in one step."""
        return target in _NEXT[self]


_NEXT: dict[MessageStatus, frozenset[MessageStatus]] = {
    MessageStatus.NEW: frozenset({MessageStatus.ACKNOWLEDGED, MessageStatus.RESOLVED}),
    MessageStatus.ACKNOWLEDGED: frozenset({MessageStatus.RESOLVED}),
    MessageStatus.RESOLVED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Message:
    """A message taken from a caller; every person-identifying field is PHI (stored encrypted).

    ``flagged_partial`` marks a message whose caller hung up before every field was collected.
    """

    id: str
    practice_id: str
    queue: str
    urgency: TriageLevel
    created_at: datetime
    call_id: str | None = None
    status: MessageStatus = MessageStatus.NEW
    flagged_partial: bool = False
    caller_name: str | None = None
    patient_name: str | None = None
    date_of_birth: str | None = None
    callback_number: str | None = None
    reason: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None

    def acknowledge(self, by: str, at: datetime) -> Message:
        """Mark as seen by ``by``; a repeated acknowledgement returns the message unchanged."""
        if self.status is MessageStatus.ACKNOWLEDGED:
            return self
        self._check(MessageStatus.ACKNOWLEDGED)
        return replace(
            self, status=MessageStatus.ACKNOWLEDGED, acknowledged_at=at, acknowledged_by=by
        )

    def resolve(self, by: str, at: datetime) -> Message:
        """Mark as handled by ``by``; resolving again returns the message unchanged."""
        if self.status is MessageStatus.RESOLVED:
            return self
        self._check(MessageStatus.RESOLVED)
        return replace(self, status=MessageStatus.RESOLVED, resolved_at=at, resolved_by=by)

    def _check(self, target: MessageStatus) -> None:
        if not self.status.can_become(target):
            raise IllegalTransitionError("message", self.status.value, target.value)
