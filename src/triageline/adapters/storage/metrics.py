"""Operational figures read from the database at scrape time (true across all workers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triageline.adapters.storage.models import CallRow, MessageRow
from triageline.adapters.storage.paging_tables import PageRow, TimerRowModel

PENDING_TIMER = "pending"
"""The timer state that still has work to do (see services.ports_paging.TimerState)."""


@dataclass(frozen=True, slots=True)
class Count:
    """One labelled count."""

    labels: tuple[tuple[str, str], ...]
    value: float


@dataclass(frozen=True, slots=True)
class OperationsSnapshot:
    """What an operator graphs and alerts on; no PHI, only ids, statuses and counts."""

    messages: tuple[Count, ...]
    pages: tuple[Count, ...]
    calls_last_hour: tuple[Count, ...]
    timers_pending: int
    timers_overdue: int
    oldest_overdue_seconds: float


def read_snapshot(
    session_factory: Callable[[], Session], now: datetime, *, overdue_after: timedelta
) -> OperationsSnapshot:
    """Count messages and pages by status, recent calls, and pending or overdue timers."""
    with session_factory() as session:
        messages = session.execute(
            select(MessageRow.practice_id, MessageRow.status, MessageRow.urgency, func.count())
            .group_by(MessageRow.practice_id, MessageRow.status, MessageRow.urgency)
            .order_by(MessageRow.practice_id, MessageRow.status, MessageRow.urgency)
        ).all()
        pages = session.execute(
            select(PageRow.practice_id, PageRow.status, func.count())
            .group_by(PageRow.practice_id, PageRow.status)
            .order_by(PageRow.practice_id, PageRow.status)
        ).all()
        calls = session.execute(
            select(CallRow.practice_id, CallRow.channel, func.count())
            .where(CallRow.started_at >= now - timedelta(hours=1))
            .group_by(CallRow.practice_id, CallRow.channel)
            .order_by(CallRow.practice_id, CallRow.channel)
        ).all()
        pending = session.scalar(select(func.count()).where(TimerRowModel.state == PENDING_TIMER))
        late_cutoff = now - overdue_after
        overdue = session.scalar(
            select(func.count()).where(
                TimerRowModel.state == PENDING_TIMER, TimerRowModel.due_at < late_cutoff
            )
        )
        oldest = session.scalar(
            select(func.min(TimerRowModel.due_at)).where(
                TimerRowModel.state == PENDING_TIMER, TimerRowModel.due_at < late_cutoff
            )
        )
    return OperationsSnapshot(
        messages=tuple(
            Count((("practice", p), ("status", s), ("urgency", u)), float(n))
            for p, s, u, n in messages
        ),
        pages=tuple(Count((("practice", p), ("status", s)), float(n)) for p, s, n in pages),
        calls_last_hour=tuple(
            Count((("practice", p), ("channel", c)), float(n)) for p, c, n in calls
        ),
        timers_pending=int(pending or 0),
        timers_overdue=int(overdue or 0),
        oldest_overdue_seconds=(now - oldest).total_seconds() if oldest is not None else 0.0,
    )
