"""Storage ports of the paging service: pages, the notification outbox, durable timers, ack links.

All four live on the shared unit of work (``uow.pages``, ``uow.outbox``, ``uow.timers``,
``uow.ack_links``), so a page, its notifications, its next timer and its audit events are written
in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from triageline.domain.paging import Page, PageStatus, ScheduledTimer
from triageline.domain.triage.types import Language


class Clock(Protocol):
    """Tells the time (timezone-aware); tests and `simulate` pass a settable one."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True, slots=True)
class CallerUpdate:
    """Where to text the caller once the page is acknowledged (only when they agreed to texts).

    ``number`` is PHI: it is stored encrypted and never logged.
    """

    number: str
    lang: Language


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A page as stored: the aggregate plus what only storage knows about it."""

    page: Page
    call_id: str | None = None
    caller_update: CallerUpdate | None = None
    ack_channel: str | None = None
    caller_notified_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ActivePage:
    """A page that still needs a timer (escalating, or acknowledged awaiting resolution)."""

    page_id: str
    practice_id: str
    status: PageStatus
    timer: ScheduledTimer | None


ACTIVE_STATUSES = (PageStatus.TRIGGERED, PageStatus.NOTIFIED, PageStatus.ACKNOWLEDGED)
"""Statuses in which a page must always have a next timer."""


class PageRepository(Protocol):
    """Pages with their notifications; one page per subject (message id)."""

    def add(self, record: PageRecord) -> bool:
        """Store a new page; False (nothing stored) when a page for its subject exists."""
        ...

    def get(self, page_id: str) -> PageRecord | None:
        """The page, or None."""
        ...

    def lock(self, page_id: str) -> PageRecord | None:
        """The page, locked until commit (SELECT ... FOR UPDATE on PostgreSQL), or None."""
        ...

    def for_subject(self, subject_ref: str) -> PageRecord | None:
        """The page opened for this message id, or None."""
        ...

    def with_code(self, code: str) -> Sequence[PageRecord]:
        """Pages with this code, newest first (codes are short, so they may repeat over time)."""
        ...

    def notified_address(self, address: str, *, since: datetime) -> Sequence[PageRecord]:
        """Pages created since ``since`` that notified ``address``, newest first."""
        ...

    def save(self, record: PageRecord) -> None:
        """Overwrite the page and add its new notifications (KeyError if unknown)."""
        ...

    def list_recent(self, *, practice_id: str | None = None, limit: int = 100) -> Sequence[Page]:
        """Pages, newest first."""
        ...

    def active_since(self, since: datetime) -> Sequence[ActivePage]:
        """Pages created since ``since`` in an ACTIVE_STATUSES status, with their current timer."""
        ...


class SendState(StrEnum):
    """Whether a notification has been handed to a notifier yet."""

    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """The sending bookkeeping of one notification (a claim is a lease on sending it)."""

    notification_id: str
    page_id: str
    state: SendState
    claimed_by: str | None
    claimed_until: datetime | None
    provider_id: str = ""
    attempts: int = 0


class NotificationOutbox(Protocol):
    """Notifications to hand to notifiers; a crashed sender's claim expires and is retaken."""

    def hold(self, notification_ids: Sequence[str], worker_id: str, until: datetime) -> None:
        """Claim freshly created notifications for the worker that created them."""
        ...

    def get(self, notification_id: str) -> OutboxItem | None:
        """The bookkeeping of one notification, or None."""
        ...

    def claim_stale(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[OutboxItem]:
        """Claim pending notifications whose claim expired (their sender died)."""
        ...

    def finish(
        self, notification_id: str, state: SendState, *, provider_id: str = ""
    ) -> OutboxItem | None:
        """Mark a notification sent or cancelled; None when it was not pending."""
        ...

    def finish_many(self, finished: Sequence[tuple[str, str]], state: SendState) -> None:
        """Mark pending notifications ``(id, provider id)`` sent or cancelled (one round trip).

        An empty provider id keeps the stored one; a notification not pending is left as it is.
        """
        ...

    def by_provider_id(self, provider_id: str) -> str | None:
        """The notification id a provider's message or call id belongs to, or None."""
        ...


class TimerState(StrEnum):
    """What became of a durable timer."""

    PENDING = "pending"
    DONE = "done"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class TimerRow:
    """One durable timer: fire ``token`` of ``page_id`` at ``due_at``."""

    id: str
    page_id: str
    token: str
    due_at: datetime
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    done_at: datetime | None = None
    state: TimerState = TimerState.PENDING


class TimerRepository(Protocol):
    """Durable timers; each token exists once, and a done timer is never run again."""

    def schedule(self, page_id: str, timer: ScheduledTimer) -> bool:
        """Write the timer; False when a timer with that token exists already."""
        ...

    def claim_due(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[TimerRow]:
        """Claim up to ``limit`` due, unfinished timers not under a live claim (oldest first).

        PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent workers never claim the same row.
        """
        ...

    def finish_claimed(
        self, timer_id: str, worker_id: str, at: datetime, state: TimerState
    ) -> TimerRow | None:
        """Finish (and lock) a pending timer ``worker_id`` still holds; None when it does not."""
        ...

    def lock(self, timer_id: str) -> TimerRow | None:
        """The timer, locked until commit, or None."""
        ...

    def finish(self, timer_id: str, at: datetime, state: TimerState) -> None:
        """Mark the timer done (it ran) or stale (its token was no longer current)."""
        ...

    def for_page(self, page_id: str) -> Sequence[TimerRow]:
        """Every timer of a page, by due time."""
        ...

    def next_due(self) -> datetime | None:
        """The earliest due time of an unfinished timer, or None."""
        ...

    def by_token(self, token: str) -> TimerRow | None:
        """The timer written for ``token``, or None."""
        ...

    def take_over(self, timer_id: str, worker_id: str, until: datetime) -> TimerRow | None:
        """Claim an unfinished timer even under a live claim (the auditor's re-drive), or None."""
        ...


class AckLinkNonces(Protocol):
    """Used acknowledgement-link nonces: each signed link works once."""

    def consume(self, nonce: str, page_id: str, at: datetime) -> bool:
        """Record the nonce as used; False when it was used before."""
        ...
