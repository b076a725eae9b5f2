"""In-memory implementations of the paging storage ports (standard library only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from triageline.domain.paging import Page, ScheduledTimer
from triageline.services.ports_paging import (
    ACTIVE_STATUSES,
    ActivePage,
    OutboxItem,
    PageRecord,
    SendState,
    TimerRow,
    TimerState,
)


@dataclass(slots=True)
class PagingTables:
    """The paging tables as plain containers of frozen records."""

    pages: dict[str, PageRecord] = field(default_factory=dict)
    outbox: dict[str, OutboxItem] = field(default_factory=dict)
    timers: dict[str, TimerRow] = field(default_factory=dict)
    nonces: dict[str, tuple[str, datetime]] = field(default_factory=dict)

    def copy(self) -> PagingTables:
        """A copy that can be edited without touching this one."""
        return PagingTables(
            pages=dict(self.pages),
            outbox=dict(self.outbox),
            timers=dict(self.timers),
            nonces=dict(self.nonces),
        )


def _created(record: PageRecord) -> datetime:
    return record.page.created_at


class MemoryPageRepository:
    """Pages in memory."""

    def __init__(self, tables: PagingTables) -> None:
        """Work on ``tables``."""
        self._t = tables

    def add(self, record: PageRecord) -> bool:
        """Store a new page unless one exists for its subject."""
        if self.for_subject(record.page.subject_ref) is not None:
            return False
        if record.page.id in self._t.pages:
            raise ValueError(f"page {record.page.id} exists")
        self._t.pages[record.page.id] = record
        self._add_outbox(record.page)
        return True

    def get(self, page_id: str) -> PageRecord | None:
        """The page, or None."""
        return self._t.pages.get(page_id)

    def lock(self, page_id: str) -> PageRecord | None:
        """The page (one process needs no lock), or None."""
        return self._t.pages.get(page_id)

    def for_subject(self, subject_ref: str) -> PageRecord | None:
        """The page for this message id, or None."""
        for record in self._t.pages.values():
            if record.page.subject_ref == subject_ref:
                return record
        return None

    def with_code(self, code: str) -> Sequence[PageRecord]:
        """Pages with this code, newest first."""
        found = [r for r in self._t.pages.values() if r.page.code == code]
        return sorted(found, key=_created, reverse=True)

    def notified_address(self, address: str, *, since: datetime) -> Sequence[PageRecord]:
        """Pages since ``since`` that notified ``address``, newest first."""
        found = [
            r
            for r in self._t.pages.values()
            if r.page.created_at >= since
            and any(n.address == address for n in r.page.notifications)
        ]
        return sorted(found, key=_created, reverse=True)

    def save(self, record: PageRecord) -> None:
        """Overwrite the page; its new notifications become pending in the outbox."""
        if record.page.id not in self._t.pages:
            raise KeyError(record.page.id)
        self._t.pages[record.page.id] = record
        self._add_outbox(record.page)

    def list_recent(self, *, practice_id: str | None = None, limit: int = 100) -> Sequence[Page]:
        """Pages, newest first."""
        found = [
            r.page
            for r in self._t.pages.values()
            if practice_id is None or r.page.practice_id == practice_id
        ]
        return sorted(found, key=lambda p: p.created_at, reverse=True)[:limit]

    def active_since(self, since: datetime) -> Sequence[ActivePage]:
        """Pages created since ``since`` that still need a timer, oldest first."""
        return [
            ActivePage(r.page.id, r.page.practice_id, r.page.status, r.page.timer)
            for r in sorted(self._t.pages.values(), key=_created)
            if r.page.status in ACTIVE_STATUSES and r.page.created_at >= since
        ]

    def _add_outbox(self, page: Page) -> None:
        for item in page.notifications:
            if item.id not in self._t.outbox:
                self._t.outbox[item.id] = OutboxItem(
                    item.id, page.id, SendState.PENDING, None, None
                )


class MemoryNotificationOutbox:
    """The notification outbox in memory."""

    def __init__(self, tables: PagingTables) -> None:
        """Work on ``tables``."""
        self._t = tables

    def hold(self, notification_ids: Sequence[str], worker_id: str, until: datetime) -> None:
        """Claim freshly created notifications for their creator."""
        for nid in notification_ids:
            item = self._t.outbox[nid]
            self._t.outbox[nid] = replace(
                item, claimed_by=worker_id, claimed_until=until, attempts=item.attempts + 1
            )

    def get(self, notification_id: str) -> OutboxItem | None:
        """The bookkeeping of one notification, or None."""
        return self._t.outbox.get(notification_id)

    def claim_stale(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[OutboxItem]:
        """Claim pending notifications whose claim expired."""
        stale = [
            item
            for item in self._t.outbox.values()
            if item.state is SendState.PENDING
            and (item.claimed_until is None or item.claimed_until < now)
        ][:limit]
        claimed = []
        for item in stale:
            taken = replace(
                item, claimed_by=worker_id, claimed_until=until, attempts=item.attempts + 1
            )
            self._t.outbox[item.notification_id] = taken
            claimed.append(taken)
        return claimed

    def finish(
        self, notification_id: str, state: SendState, *, provider_id: str = ""
    ) -> OutboxItem | None:
        """Mark a pending notification sent or cancelled."""
        item = self._t.outbox.get(notification_id)
        if item is None or item.state is not SendState.PENDING:
            return None
        done = replace(item, state=state, provider_id=provider_id or item.provider_id)
        self._t.outbox[notification_id] = done
        return done

    def finish_many(self, finished: Sequence[tuple[str, str]], state: SendState) -> None:
        """Mark pending notifications ``(id, provider id)`` sent or cancelled."""
        for notification_id, provider_id in finished:
            self.finish(notification_id, state, provider_id=provider_id)

    def by_provider_id(self, provider_id: str) -> str | None:
        """The notification id for a provider id, or None."""
        if not provider_id:
            return None
        for item in self._t.outbox.values():
            if item.provider_id == provider_id:
                return item.notification_id
        return None


class MemoryTimerRepository:
    """Durable timers in memory."""

    def __init__(self, tables: PagingTables) -> None:
        """Work on ``tables``."""
        self._t = tables

    def schedule(self, page_id: str, timer: ScheduledTimer) -> bool:
        """Write the timer unless its token exists."""
        token = str(timer.token)
        if token in self._t.timers:
            return False
        self._t.timers[token] = TimerRow(token, page_id, token, timer.due_at)
        return True

    def claim_due(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[TimerRow]:
        """Claim due, unfinished timers not under a live claim, oldest first."""
        due = sorted(
            (
                t
                for t in self._t.timers.values()
                if t.done_at is None
                and t.due_at <= now
                and (t.claimed_until is None or t.claimed_until < now)
            ),
            key=lambda t: (t.due_at, t.id),
        )[:limit]
        claimed = []
        for timer in due:
            taken = replace(timer, claimed_by=worker_id, claimed_until=until)
            self._t.timers[timer.id] = taken
            claimed.append(taken)
        return claimed

    def finish_claimed(
        self, timer_id: str, worker_id: str, at: datetime, state: TimerState
    ) -> TimerRow | None:
        """Finish a pending timer ``worker_id`` still holds; None when it does not."""
        row = self._t.timers.get(timer_id)
        if (
            row is None
            or row.claimed_by != worker_id
            or row.done_at is not None
            or row.state is not TimerState.PENDING
        ):
            return None
        done = replace(row, done_at=at, state=state)
        self._t.timers[timer_id] = done
        return done

    def lock(self, timer_id: str) -> TimerRow | None:
        """The timer, or None."""
        return self._t.timers.get(timer_id)

    def finish(self, timer_id: str, at: datetime, state: TimerState) -> None:
        """Mark the timer done or stale."""
        self._t.timers[timer_id] = replace(self._t.timers[timer_id], done_at=at, state=state)

    def for_page(self, page_id: str) -> Sequence[TimerRow]:
        """Every timer of a page, by due time."""
        found = [t for t in self._t.timers.values() if t.page_id == page_id]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def next_due(self) -> datetime | None:
        """The earliest due time of an unfinished timer."""
        due = [t.due_at for t in self._t.timers.values() if t.done_at is None]
        return min(due) if due else None

    def by_token(self, token: str) -> TimerRow | None:
        """The timer for ``token``, or None."""
        return self._t.timers.get(token)

    def take_over(self, timer_id: str, worker_id: str, until: datetime) -> TimerRow | None:
        """Claim an unfinished timer regardless of its current claim."""
        timer = self._t.timers.get(timer_id)
        if timer is None or timer.done_at is not None:
            return None
        taken = replace(timer, claimed_by=worker_id, claimed_until=until)
        self._t.timers[timer_id] = taken
        return taken


class MemoryAckLinkNonces:
    """Used acknowledgement-link nonces in memory."""

    def __init__(self, tables: PagingTables) -> None:
        """Work on ``tables``."""
        self._t = tables

    def consume(self, nonce: str, page_id: str, at: datetime) -> bool:
        """Record the nonce as used; False when it was used before."""
        if nonce in self._t.nonces:
            return False
        self._t.nonces[nonce] = (page_id, at)
        return True
