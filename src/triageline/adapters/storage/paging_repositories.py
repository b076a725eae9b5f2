"""SQL implementations of the paging ports; the caller's number is sealed, the chain is JSON.

Timers are claimed with one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`` on
PostgreSQL, so concurrent workers never claim the same row; SQLite ignores the locking clause
and serialises writers (one worker).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.paging_tables import (
    PageNotificationRow,
    PageRow,
    TimerRowModel,
    UsedNonceRow,
)
from triageline.adapters.storage.repositories import aad
from triageline.domain.paging import (
    Channel,
    ContactMethod,
    DeliveryStatus,
    EscalationChain,
    EscalationStep,
    Notify,
    Page,
    PageNotification,
    PageStatus,
    PageUrgency,
    Repeat,
    ScheduledTimer,
    Target,
    TimerToken,
    Wait,
)
from triageline.domain.records import new_id
from triageline.domain.triage.types import Language
from triageline.services.ports_paging import (
    ACTIVE_STATUSES,
    ActivePage,
    CallerUpdate,
    OutboxItem,
    PageRecord,
    SendState,
    TimerRow,
    TimerState,
)

_CALLER_AAD = aad("pages", "caller_number")


def _insert_ignoring_conflicts(session: Session, model: type[object]) -> Insert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for the session's dialect."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()


# ----------------------------------------------------------------------------- JSON snapshots


def _notify_json(step: Notify) -> dict[str, object]:
    return {"notify": str(step.target), "channels": [c.value for c in step.channels]}


def _notify_from(data: dict[str, object]) -> Notify:
    channels = data["channels"]
    if not isinstance(channels, list):
        raise ValueError("bad chain snapshot")
    return Notify(Target.parse(str(data["notify"])), tuple(Channel(str(c)) for c in channels))


def chain_to_json(chain: EscalationChain) -> str:
    """The chain snapshot as JSON."""
    steps: list[dict[str, object]] = []
    for step in chain.steps:
        if isinstance(step, Notify):
            steps.append(_notify_json(step))
        elif isinstance(step, Wait):
            steps.append({"wait": step.minutes})
        else:
            steps.append({"repeat": step.times})
    return json.dumps(
        {
            "steps": steps,
            "fallback": _notify_json(chain.fallback) if chain.fallback else None,
            "renotify_after_ack_s": int(chain.renotify_after_ack.total_seconds()),
        },
        separators=(",", ":"),
    )


def chain_from_json(text: str) -> EscalationChain:
    """Inverse of `chain_to_json`."""
    data = json.loads(text)
    steps: list[EscalationStep] = []
    for item in data["steps"]:
        if "notify" in item:
            steps.append(_notify_from(item))
        elif "wait" in item:
            steps.append(Wait(int(item["wait"])))
        else:
            steps.append(Repeat(int(item["repeat"])))
    fallback = data.get("fallback")
    return EscalationChain(
        steps=tuple(steps),
        fallback=_notify_from(fallback) if fallback else None,
        renotify_after_ack=timedelta(seconds=int(data["renotify_after_ack_s"])),
    )


def _contacts_json(contacts: Sequence[ContactMethod]) -> str:
    return json.dumps([[c.channel.value, c.address] for c in contacts], separators=(",", ":"))


def _contacts_from(text: str) -> tuple[ContactMethod, ...]:
    return tuple(ContactMethod(Channel(ch), address) for ch, address in json.loads(text))


# ----------------------------------------------------------------------------- pages


class SqlPageRepository:
    """Pages and their notifications in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring
        self._rows: dict[str, PageRow] = {}
        """Page rows read in this transaction (the session only holds them weakly)."""
        self._notes: dict[str, dict[str, PageNotificationRow]] = {}
        """Notification rows read (or written) with their page in this transaction, by page."""

    def add(self, record: PageRecord) -> bool:
        """Store a new page; False when one exists for its subject (also after losing a race).

        One ``INSERT ... ON CONFLICT DO NOTHING``: a concurrent insert of the same subject makes
        it wait for that transaction and then insert nothing.
        """
        row = PageRow(id=record.page.id)
        self._fill(row, record)
        values = {column.key: getattr(row, column.key) for column in PageRow.__table__.columns}
        inserted = self._s.execute(
            _insert_ignoring_conflicts(self._s, PageRow).values(values).returning(PageRow.id)
        ).first()
        if inserted is None:
            return False
        self._notes[record.page.id] = {}
        self._sync_notifications(record.page)
        return True

    def get(self, page_id: str) -> PageRecord | None:
        """The page, or None (the page and its notifications in one query)."""
        return self._with_notifications(page_id, lock=False)

    def lock(self, page_id: str) -> PageRecord | None:
        """The page, locked until commit (FOR UPDATE on PostgreSQL), or None."""
        return self._with_notifications(page_id, lock=True)

    def _with_notifications(self, page_id: str, *, lock: bool) -> PageRecord | None:
        """The page joined with its notifications (one round trip), fresh from the database."""
        query = (
            select(PageRow, PageNotificationRow)
            .outerjoin(PageNotificationRow, PageNotificationRow.page_id == PageRow.id)
            .where(PageRow.id == page_id)
            .order_by(PageNotificationRow.seq)
            .execution_options(populate_existing=True)
        )
        if lock:
            query = query.with_for_update(of=PageRow)
        rows = self._s.execute(query).all()
        if not rows:
            return None
        notes = [note for _, note in rows if note is not None]
        return self._record(rows[0][0], notes)

    def for_subject(self, subject_ref: str) -> PageRecord | None:
        """The page for this message id, or None."""
        row = self._s.scalars(select(PageRow).where(PageRow.subject_ref == subject_ref)).first()
        return None if row is None else self._record(row)

    def with_code(self, code: str) -> Sequence[PageRecord]:
        """Pages with this code, newest first."""
        rows = self._s.scalars(
            select(PageRow).where(PageRow.code == code).order_by(PageRow.created_at.desc())
        )
        return [self._record(row) for row in rows]

    def notified_address(self, address: str, *, since: datetime) -> Sequence[PageRecord]:
        """Pages since ``since`` that notified ``address``, newest first."""
        page_ids = select(PageNotificationRow.page_id).where(PageNotificationRow.address == address)
        rows = self._s.scalars(
            select(PageRow)
            .where(PageRow.id.in_(page_ids), PageRow.created_at >= since)
            .order_by(PageRow.created_at.desc())
        )
        return [self._record(row) for row in rows]

    def save(self, record: PageRecord) -> None:
        """Overwrite the page and add or update its notifications."""
        row = self._rows.get(record.page.id) or self._s.get(PageRow, record.page.id)
        if row is None:
            raise KeyError(record.page.id)
        self._fill(row, record)
        self._sync_notifications(record.page)

    def list_recent(self, *, practice_id: str | None = None, limit: int = 100) -> Sequence[Page]:
        """Pages, newest first."""
        query = select(PageRow)
        if practice_id is not None:
            query = query.where(PageRow.practice_id == practice_id)
        rows = self._s.scalars(query.order_by(PageRow.created_at.desc()).limit(limit))
        return [self._record(row).page for row in rows]

    def active_since(self, since: datetime) -> Sequence[ActivePage]:
        """Pages created since ``since`` that still need a timer, oldest first (no PHI read)."""
        rows = self._s.execute(
            select(
                PageRow.id,
                PageRow.practice_id,
                PageRow.status,
                PageRow.timer_token,
                PageRow.timer_due_at,
            )
            .where(
                PageRow.status.in_([s.value for s in ACTIVE_STATUSES]),
                PageRow.created_at >= since,
            )
            .order_by(PageRow.created_at)
        ).all()
        return [
            ActivePage(
                page_id,
                practice_id,
                PageStatus(status),
                ScheduledTimer(TimerToken.parse(token), due_at)
                if token is not None and due_at is not None
                else None,
            )
            for page_id, practice_id, status, token, due_at in rows
        ]

    def _fill(self, row: PageRow, record: PageRecord) -> None:
        page = record.page
        row.practice_id = page.practice_id
        row.subject_ref = page.subject_ref
        row.call_id = record.call_id
        row.code = page.code
        row.urgency = page.urgency.value
        row.status = page.status.value
        if row.chain is None:
            row.chain = chain_to_json(page.chain)
        row.state = json.dumps(
            {
                "cursor": page.cursor,
                "pass_no": page.pass_no,
                "round_no": page.round_no,
                "timer_seq": page.timer_seq,
                "reopen_count": page.reopen_count,
                "history": [s.value for s in page.history],
            },
            separators=(",", ":"),
        )
        row.timer_token = str(page.timer.token) if page.timer else None
        row.timer_due_at = page.timer.due_at if page.timer else None
        row.created_at = page.created_at
        row.acknowledged_at = page.acknowledged_at
        row.acknowledged_by = page.acknowledged_by
        row.ack_channel = record.ack_channel
        row.resolved_at = page.resolved_at
        row.resolved_by = page.resolved_by
        row.exhausted_at = page.exhausted_at
        update_ = record.caller_update
        if update_ is None:
            row.caller_number = None
            row.caller_lang = None
        elif row.caller_number is None or self._k.open(row.caller_number, aad=_CALLER_AAD) != (
            update_.number
        ):
            row.caller_number = self._k.seal(update_.number, aad=_CALLER_AAD)
            row.caller_lang = update_.lang.value
        else:
            row.caller_lang = update_.lang.value
        row.caller_notified_at = record.caller_notified_at

    def _sync_notifications(self, page: Page) -> None:
        """Add new notification rows, update changed ones (written at the next flush)."""
        existing = self._notes.get(page.id)
        if existing is None:
            existing = {
                row.id: row
                for row in self._s.scalars(
                    select(PageNotificationRow).where(PageNotificationRow.page_id == page.id)
                )
            }
            self._notes[page.id] = existing
        for seq, item in enumerate(page.notifications):
            row = existing.get(item.id)
            if row is None:
                row = existing[item.id] = PageNotificationRow(
                    id=item.id,
                    page_id=page.id,
                    seq=seq,
                    recipient_id=item.recipient_id,
                    recipient_name=item.recipient_name,
                    channel=item.channel.value,
                    address=item.address,
                    round_no=item.round_no,
                    created_at=item.created_at,
                    contacts=_contacts_json(item.contacts),
                    status=item.status.value if item.status else None,
                    sent_at=item.sent_at,
                    status_at=item.status_at,
                    fallback=item.fallback,
                    send_state=SendState.PENDING.value,
                    provider_id="",
                    attempts=0,
                )
                self._s.add(row)
                continue
            status = item.status.value if item.status else None
            if (row.status, row.sent_at, row.status_at) != (status, item.sent_at, item.status_at):
                row.status = status
                row.sent_at = item.sent_at
                row.status_at = item.status_at

    def _record(
        self, row: PageRow, notes: Sequence[PageNotificationRow] | None = None
    ) -> PageRecord:
        """The record of a page row; its notifications are read unless given (in seq order)."""
        state = json.loads(row.state)
        rows = notes
        if rows is None:
            rows = self._s.scalars(
                select(PageNotificationRow)
                .where(PageNotificationRow.page_id == row.id)
                .order_by(PageNotificationRow.seq)
            ).all()
        self._rows[row.id] = row
        self._notes[row.id] = {n.id: n for n in rows}
        notifications = tuple(
            PageNotification(
                id=n.id,
                page_id=n.page_id,
                recipient_id=n.recipient_id,
                recipient_name=n.recipient_name,
                channel=Channel(n.channel),
                address=n.address,
                round_no=n.round_no,
                created_at=n.created_at,
                contacts=_contacts_from(n.contacts),
                status=DeliveryStatus(n.status) if n.status else None,
                sent_at=n.sent_at,
                status_at=n.status_at,
                fallback=n.fallback,
            )
            for n in rows
        )
        timer = (
            ScheduledTimer(TimerToken.parse(row.timer_token), row.timer_due_at)
            if row.timer_token and row.timer_due_at
            else None
        )
        page = Page(
            id=row.id,
            practice_id=row.practice_id,
            code=row.code,
            urgency=PageUrgency(row.urgency),
            subject_ref=row.subject_ref,
            chain=chain_from_json(row.chain),
            created_at=row.created_at,
            status=PageStatus(row.status),
            cursor=int(state["cursor"]),
            pass_no=int(state["pass_no"]),
            round_no=int(state["round_no"]),
            timer_seq=int(state["timer_seq"]),
            timer=timer,
            notifications=notifications,
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
            exhausted_at=row.exhausted_at,
            reopen_count=int(state["reopen_count"]),
            history=tuple(PageStatus(s) for s in state["history"]),
        )
        caller = None
        if row.caller_number is not None and row.caller_lang is not None:
            caller = CallerUpdate(
                self._k.open(row.caller_number, aad=_CALLER_AAD), Language(row.caller_lang)
            )
        return PageRecord(
            page=page,
            call_id=row.call_id,
            caller_update=caller,
            ack_channel=row.ack_channel,
            caller_notified_at=row.caller_notified_at,
        )


# ----------------------------------------------------------------------------- outbox


def _outbox_item(row: PageNotificationRow) -> OutboxItem:
    return OutboxItem(
        notification_id=row.id,
        page_id=row.page_id,
        state=SendState(row.send_state),
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        provider_id=row.provider_id,
        attempts=row.attempts,
    )


class SqlNotificationOutbox:
    """The notification outbox (columns of ``page_notifications``)."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def hold(self, notification_ids: Sequence[str], worker_id: str, until: datetime) -> None:
        """Claim freshly created notifications for their creator.

        Rows added in this transaction and not written yet get the claim in their INSERT (no
        statement of its own); any others are claimed with one UPDATE.
        """
        if not notification_ids:
            return
        wanted = set(notification_ids)
        for row in self._s.new:
            if isinstance(row, PageNotificationRow) and row.id in wanted:
                row.claimed_by = worker_id
                row.claimed_until = until
                row.attempts = (row.attempts or 0) + 1
                wanted.discard(row.id)
        if not wanted:
            return
        self._s.execute(
            update(PageNotificationRow)
            .where(PageNotificationRow.id.in_(sorted(wanted)))
            .values(
                claimed_by=worker_id,
                claimed_until=until,
                attempts=PageNotificationRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )

    def get(self, notification_id: str) -> OutboxItem | None:
        """The bookkeeping of one notification, or None."""
        row = self._s.get(PageNotificationRow, notification_id)
        return None if row is None else _outbox_item(row)

    def claim_stale(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[OutboxItem]:
        """Claim pending notifications whose claim expired (SKIP LOCKED on PostgreSQL)."""
        candidates = (
            select(PageNotificationRow.id)
            .where(
                PageNotificationRow.send_state == SendState.PENDING.value,
                or_(
                    PageNotificationRow.claimed_until.is_(None),
                    PageNotificationRow.claimed_until < now,
                ),
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        ids = self._s.scalars(
            update(PageNotificationRow)
            .where(PageNotificationRow.id.in_(candidates))
            .values(
                claimed_by=worker_id,
                claimed_until=until,
                attempts=PageNotificationRow.attempts + 1,
            )
            .returning(PageNotificationRow.id)
            .execution_options(synchronize_session=False)
        ).all()
        if not ids:
            return []
        rows = self._s.scalars(
            select(PageNotificationRow)
            .where(PageNotificationRow.id.in_(ids))
            .execution_options(populate_existing=True)
        )
        return [_outbox_item(row) for row in rows]

    def finish(
        self, notification_id: str, state: SendState, *, provider_id: str = ""
    ) -> OutboxItem | None:
        """Mark a pending notification sent or cancelled."""
        row = self._s.get(PageNotificationRow, notification_id, populate_existing=True)
        if row is None or row.send_state != SendState.PENDING.value:
            return None
        row.send_state = state.value
        if provider_id:
            row.provider_id = provider_id
        self._s.flush()
        return _outbox_item(row)

    def finish_many(self, finished: Sequence[tuple[str, str]], state: SendState) -> None:
        """Mark pending notifications ``(id, provider id)`` sent or cancelled, in one statement.

        An empty provider id keeps the stored one; a notification no longer pending is left.
        """
        if not finished:
            return
        self._s.flush()
        table = cast(Table, PageNotificationRow.__table__)
        self._s.connection().execute(
            update(table)
            .where(
                table.c.id == bindparam("b_id"),
                table.c.send_state == SendState.PENDING.value,
            )
            .values(
                send_state=state.value,
                provider_id=func.coalesce(
                    func.nullif(bindparam("b_provider"), ""), table.c.provider_id
                ),
            ),
            [{"b_id": nid, "b_provider": provider} for nid, provider in finished],
        )

    def by_provider_id(self, provider_id: str) -> str | None:
        """The notification id for a provider id, or None."""
        if not provider_id:
            return None
        return self._s.scalars(
            select(PageNotificationRow.id).where(PageNotificationRow.provider_id == provider_id)
        ).first()


# ----------------------------------------------------------------------------- timers


def _timer(row: TimerRowModel) -> TimerRow:
    return TimerRow(
        id=row.id,
        page_id=row.page_id,
        token=row.token,
        due_at=row.due_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        done_at=row.done_at,
        state=TimerState(row.state),
    )


_TIMER_COLUMNS = (
    TimerRowModel.id,
    TimerRowModel.page_id,
    TimerRowModel.token,
    TimerRowModel.due_at,
    TimerRowModel.claimed_by,
    TimerRowModel.claimed_until,
    TimerRowModel.done_at,
    TimerRowModel.state,
)


def _timer_of(row: Any) -> TimerRow:
    """A timer from a row of ``_TIMER_COLUMNS`` (e.g. an UPDATE's RETURNING)."""
    return TimerRow(
        id=row.id,
        page_id=row.page_id,
        token=row.token,
        due_at=row.due_at,
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        done_at=row.done_at,
        state=TimerState(row.state),
    )


class SqlTimerRepository:
    """Durable timers in SQL."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def schedule(self, page_id: str, timer: ScheduledTimer) -> bool:
        """Write the timer; False when its token exists (one insert that ignores the conflict)."""
        values = {
            "id": new_id(),
            "page_id": page_id,
            "token": str(timer.token),
            "due_at": timer.due_at,
            "state": TimerState.PENDING.value,
        }
        inserted = self._s.execute(
            _insert_ignoring_conflicts(self._s, TimerRowModel)
            .values(values)
            .returning(TimerRowModel.id)
        ).first()
        return inserted is not None

    def claim_due(
        self, now: datetime, worker_id: str, until: datetime, limit: int
    ) -> Sequence[TimerRow]:
        """Claim due, unfinished, unclaimed (or lease-expired) timers, oldest first."""
        candidates = (
            select(TimerRowModel.id)
            .where(
                TimerRowModel.state == TimerState.PENDING.value,
                TimerRowModel.due_at <= now,
                or_(TimerRowModel.claimed_until.is_(None), TimerRowModel.claimed_until < now),
            )
            .order_by(TimerRowModel.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        rows = self._s.execute(
            update(TimerRowModel)
            .where(TimerRowModel.id.in_(candidates))
            .values(claimed_by=worker_id, claimed_until=until)
            .returning(*_TIMER_COLUMNS)
            .execution_options(synchronize_session=False)
        ).all()
        timers = [_timer_of(row) for row in rows]
        return sorted(timers, key=lambda t: (t.due_at, t.id))

    def finish_claimed(
        self, timer_id: str, worker_id: str, at: datetime, state: TimerState
    ) -> TimerRow | None:
        """Finish a pending timer ``worker_id`` still holds, locking it; None if it does not.

        One ``UPDATE ... RETURNING``: it waits for a concurrent holder of the row and re-checks
        the claim afterwards, so a timer taken over (or finished) by another worker is left.
        """
        row = self._s.execute(
            update(TimerRowModel)
            .where(
                TimerRowModel.id == timer_id,
                TimerRowModel.claimed_by == worker_id,
                TimerRowModel.state == TimerState.PENDING.value,
                TimerRowModel.done_at.is_(None),
            )
            .values(done_at=at, state=state.value)
            .returning(*_TIMER_COLUMNS)
            .execution_options(synchronize_session=False)
        ).first()
        return None if row is None else _timer_of(row)

    def lock(self, timer_id: str) -> TimerRow | None:
        """The timer, locked until commit, or None."""
        row = self._s.scalars(
            select(TimerRowModel)
            .where(TimerRowModel.id == timer_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return None if row is None else _timer(row)

    def finish(self, timer_id: str, at: datetime, state: TimerState) -> None:
        """Mark the timer done or stale."""
        self._s.execute(
            update(TimerRowModel)
            .where(TimerRowModel.id == timer_id)
            .values(done_at=at, state=state.value)
            .execution_options(synchronize_session=False)
        )

    def for_page(self, page_id: str) -> Sequence[TimerRow]:
        """Every timer of a page, by due time."""
        rows = self._s.scalars(
            select(TimerRowModel)
            .where(TimerRowModel.page_id == page_id)
            .order_by(TimerRowModel.due_at, TimerRowModel.id)
            .execution_options(populate_existing=True)
        )
        return [_timer(row) for row in rows]

    def next_due(self) -> datetime | None:
        """The earliest due time of an unfinished timer."""
        return self._s.scalars(
            select(TimerRowModel.due_at)
            .where(TimerRowModel.state == TimerState.PENDING.value)
            .order_by(TimerRowModel.due_at)
            .limit(1)
        ).first()

    def by_token(self, token: str) -> TimerRow | None:
        """The timer for ``token``, or None."""
        row = self._s.scalars(
            select(TimerRowModel)
            .where(TimerRowModel.token == token)
            .execution_options(populate_existing=True)
        ).first()
        return None if row is None else _timer(row)

    def take_over(self, timer_id: str, worker_id: str, until: datetime) -> TimerRow | None:
        """Claim an unfinished timer regardless of its current claim."""
        ids = self._s.scalars(
            update(TimerRowModel)
            .where(
                TimerRowModel.id == timer_id,
                TimerRowModel.state == TimerState.PENDING.value,
            )
            .values(claimed_by=worker_id, claimed_until=until)
            .returning(TimerRowModel.id)
            .execution_options(synchronize_session=False)
        ).all()
        return self.lock(timer_id) if ids else None


class SqlAckLinkNonces:
    """Used single-use keys in SQL."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def consume(self, nonce: str, page_id: str, at: datetime) -> bool:
        """Record the nonce as used; False when it was used before (or a racer used it)."""
        if self._s.get(UsedNonceRow, nonce) is not None:
            return False
        try:
            with self._s.begin_nested():
                self._s.add(UsedNonceRow(nonce=nonce, subject=page_id, used_at=at))
                self._s.flush()
        except IntegrityError:
            return False
        return True
