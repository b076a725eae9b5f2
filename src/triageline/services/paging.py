"""The paging service: open pages, run due escalation timers, acknowledge, resolve, record delivery.

Every state change is one transaction over the page (locked), its new timer, its notification
outbox rows and its audit events. Notifications are handed to notifiers after that commit; the
receipts are recorded in a second transaction. A worker that dies after claiming a timer or a
notification loses nothing: the claim is a lease, and once it expires another worker takes over.
Exactly-once execution of a step comes from the timer row (marked done in the same transaction as
the page change) and the page's current-token check (a stale or repeated token does nothing).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from triageline.domain.acknowledgement import (
    AckLinkClaims,
    AckLinkError,
    parse_sms_reply,
    sign_ack_token,
    verify_ack_token,
)
from triageline.domain.audit import AuditEntry
from triageline.domain.errors import IllegalTransitionError
from triageline.domain.oncall import GapReport, gap_report
from triageline.domain.page_text import callback_deadline, caller_update_text
from triageline.domain.paging import (
    AcknowledgementIgnored,
    AckSource,
    Channel,
    DeliveryStatus,
    NotificationFailed,
    NotificationSent,
    Page,
    PageEvent,
    PageNotification,
    PageOutcome,
    PageStatus,
    PageUrgency,
    PagingError,
    Recipient,
    Target,
    TimerToken,
    Transition,
)
from triageline.domain.practice import Practice, StaffRole
from triageline.domain.records import new_id
from triageline.domain.triage.types import TriageLevel
from triageline.services.paging_targets import practice_resolver, recipient_for
from triageline.services.ports import UnitOfWork, UnitOfWorkFactory
from triageline.services.ports_notify import (
    DeliveryReceipt,
    Notification,
    Notifier,
    build_notification,
)
from triageline.services.ports_paging import (
    ACTIVE_STATUSES,
    ActivePage,
    CallerUpdate,
    Clock,
    OutboxItem,
    PageRecord,
    SendState,
    TimerRow,
    TimerState,
)

log = logging.getLogger("triageline.paging")

DEFAULT_CALLBACK_MINUTES = 30


class PagingServiceError(Exception):
    """A paging request cannot be carried out (unknown practice or page, no chain configured)."""


class AckLinkRefusedError(PagingServiceError):
    """An acknowledgement link is invalid, expired or already used."""


class PracticeSource(Protocol):
    """The practices this installation serves (the latest stored configuration)."""

    def get(self, practice_id: str) -> Practice | None:
        """The practice, or None when unknown."""
        ...

    def practice_ids(self) -> Sequence[str]:
        """Every practice id served."""
        ...


@dataclass(frozen=True, slots=True)
class PagingConfig:
    """Settings of the paging service.

    ``link_secret`` signs acknowledgement links (at least 32 bytes); ``lease`` is how long a
    claim on a timer or a notification lasts before another worker may take it over.
    """

    public_base_url: str
    link_secret: bytes
    ack_link_valid: timedelta = timedelta(hours=12)
    lease: timedelta = timedelta(seconds=60)
    sms_ack_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PageRef:
    """The page opened (or found) for a message."""

    page_id: str
    code: str
    status: PageStatus
    created: bool


@dataclass(frozen=True, slots=True)
class AckResult:
    """What an acknowledgement or resolution did."""

    page_id: str
    code: str
    outcome: PageOutcome
    status: PageStatus
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class AckLinkView:
    """What the confirm page of an acknowledgement link shows (no PHI)."""

    page_id: str
    code: str
    practice_name: str
    urgency: PageUrgency
    status: PageStatus
    recipient_id: str


class AuditProblem(StrEnum):
    """What the escalation auditor found wrong with an active page."""

    NO_TIMER = "no_timer"
    TIMER_MISSING = "timer_missing"
    TIMER_OVERDUE = "timer_overdue"
    TIMER_FINISHED = "timer_finished"


class AuditAction(StrEnum):
    """What the auditor did about it (a page is re-driven at most once per timer)."""

    RESCHEDULED = "rescheduled"
    REDRIVEN = "redriven"
    ALREADY_REDRIVEN = "already_redriven"
    NONE_POSSIBLE = "none_possible"


@dataclass(frozen=True, slots=True)
class AuditFinding:
    """One active page whose next step was missing or late, and what was done."""

    page_id: str
    practice_id: str
    problem: AuditProblem
    action: AuditAction


@dataclass(frozen=True, slots=True)
class EscalationAudit:
    """The result of one auditor run; it passed only when nothing was found."""

    at: datetime
    checked: int
    findings: tuple[AuditFinding, ...]

    @property
    def passed(self) -> bool:
        """True when every active page had a valid, timely next timer."""
        return not self.findings


def urgency_for(level: TriageLevel) -> PageUrgency:
    """The page urgency for a triage level (emergency: the caller was sent to 911, notify)."""
    if level is TriageLevel.EMERGENCY:
        return PageUrgency.EMERGENCY_NOTIFY
    if level is TriageLevel.URGENT:
        return PageUrgency.URGENT
    raise PagingServiceError(f"a {level.value} matter does not page anyone")


def _nobody(target: Target, at: datetime) -> Sequence[Recipient]:
    return ()


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def audit_entry(event: PageEvent, practice_id: str) -> AuditEntry:
    """The audit record of a page event (ids, codes and statuses only)."""
    outcome = "ok"
    if isinstance(event, AcknowledgementIgnored):
        outcome = event.reason
    elif isinstance(event, NotificationFailed | NotificationSent):
        outcome = event.status.value
    actor = "system:paging" if event.actor == "system" else event.actor
    return AuditEntry(
        actor=actor,
        action=f"page.{_snake(type(event).__name__)}",
        subject=f"page:{event.page_id}",
        channel=event.channel,
        outcome=outcome,
        at=event.at,
        practice_id=practice_id,
    )


class PagingService:
    """Pages on-call clinicians until a human acknowledges; see the module docstring."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        notifiers: Mapping[Channel, Notifier],
        practices: PracticeSource,
        config: PagingConfig,
        worker_id: str = "web",
    ) -> None:
        """Wire the service; ``notifiers`` maps each channel to its notifier (missing: fails)."""
        self._uow_factory = uow_factory
        self._clock = clock
        self._notifiers = dict(notifiers)
        self._practices = practices
        self._config = config
        self._worker_id = worker_id

    @property
    def clock(self) -> Clock:
        """The clock the service runs on."""
        return self._clock

    # -- opening ----------------------------------------------------------------------------

    def open_page(
        self,
        practice_id: str,
        message_id: str,
        urgency: PageUrgency,
        at: datetime,
        *,
        call_id: str | None = None,
        caller_update: CallerUpdate | None = None,
    ) -> PageRef:
        """Open the page for a message and notify the first people now (idempotent per message).

        Who is on call is resolved at ``at``; the practice's chain is copied into the page; the
        first notifications go out at once (PHI-free: practice, urgency, code, link) and the
        timer of the next step is written in the same transaction as the page.
        """
        practice = self._practice(practice_id)
        if practice.escalation is None:
            raise PagingServiceError(f"practice {practice_id} has no escalation section")
        chain = practice.escalation.chain_for(urgency)
        with self._uow_factory() as uow:
            transition = Page.trigger(
                page_id=new_id(),
                practice_id=practice_id,
                urgency=urgency,
                subject_ref=message_id,
                chain=chain,
                now=at,
                resolve=practice_resolver(practice),
            )
            record = PageRecord(transition.page, call_id=call_id, caller_update=caller_update)
            if not uow.pages.add(record):  # the page exists (a retry, or a racer won)
                found = uow.pages.for_subject(message_id)
                if found is None:
                    raise PagingServiceError(f"page for message {message_id} vanished")
                return _ref(found.page, created=False)
            self._write(uow, transition, None, at)
            uow.commit()
        self._deliver(practice, transition.page, transition.dispatches, recheck=False)
        return _ref(transition.page, created=True)

    def _practice(self, practice_id: str) -> Practice:
        practice = self._practices.get(practice_id)
        if practice is None:
            raise PagingServiceError(f"unknown practice {practice_id}")
        return practice

    # -- the worker -------------------------------------------------------------------------

    def run_due(self, now: datetime, worker_id: str, limit: int = 100) -> int:
        """Claim and run due timers (and retake notifications a dead worker left unsent).

        Returns how many timers were run (stale ones included). Safe with any number of workers
        on PostgreSQL; SQLite supports one worker.
        """
        until = now + self._config.lease
        with self._uow_factory() as uow:
            claimed = list(uow.timers.claim_due(now, worker_id, until, limit))
            uow.commit()
        ran = 0
        for timer in claimed:
            if self._fire(timer, now, worker_id):
                ran += 1
        with self._uow_factory() as uow:
            stale = list(uow.outbox.claim_stale(now, worker_id, until, limit))
            uow.commit()
        for item in stale:
            self._resend(item, now, worker_id)
        return ran

    def next_due(self) -> datetime | None:
        """When the earliest unfinished timer is due (for the worker's sleep), or None."""
        with self._uow_factory() as uow:
            return uow.timers.next_due()

    # -- the escalation auditor -------------------------------------------------------------

    def audit_escalations(
        self,
        now: datetime,
        worker_id: str,
        *,
        max_late: timedelta = timedelta(minutes=5),
        horizon: timedelta = timedelta(days=2),
    ) -> EscalationAudit:
        """Check every active page of the last ``horizon`` has a next timer not ``max_late`` late.

        A missing timer row is written again; an overdue one is taken over and run now. Each
        timer is re-driven at most once (remembered durably); every finding is audited.
        """
        with self._uow_factory() as uow:
            active = list(uow.pages.active_since(now - horizon))
            rows = {
                str(a.timer.token): uow.timers.by_token(str(a.timer.token))
                for a in active
                if a.timer is not None
            }
        findings: list[AuditFinding] = []
        for page in active:
            token = str(page.timer.token) if page.timer is not None else None
            row = rows.get(token) if token is not None else None
            if _problem(page, row, now, max_late) is None:
                continue
            finding = self._redrive(page, now, max_late, worker_id)
            if finding is not None:
                findings.append(finding)
        result = EscalationAudit(now, len(active), tuple(findings))
        log.info(
            "escalation audit: %d active pages, %d findings, %d re-driven",
            result.checked,
            len(findings),
            sum(f.action in (AuditAction.RESCHEDULED, AuditAction.REDRIVEN) for f in findings),
        )
        return result

    def _redrive(
        self, found: ActivePage, now: datetime, max_late: timedelta, worker_id: str
    ) -> AuditFinding | None:
        """Re-check under the page lock (a worker may just have run it), then re-drive once."""
        with self._uow_factory() as uow:
            record = uow.pages.lock(found.page_id)
            if record is None or record.page.status not in ACTIVE_STATUSES:
                return None
            timer = record.page.timer
            page = replace(found, status=record.page.status, timer=timer)
            row = uow.timers.by_token(str(timer.token)) if timer is not None else None
            problem = _problem(page, row, now, max_late)
            if problem is None:
                return None
            if timer is None or problem is AuditProblem.TIMER_FINISHED:
                action = AuditAction.NONE_POSSIBLE
            elif not uow.ack_links.consume(f"escalation-audit:{timer.token}", page.page_id, now):
                action = AuditAction.ALREADY_REDRIVEN
            elif problem is AuditProblem.TIMER_MISSING:
                uow.timers.schedule(page.page_id, timer)
                action = AuditAction.RESCHEDULED
            else:
                action = AuditAction.REDRIVEN
            uow.audit.append(
                AuditEntry(
                    actor="system:auditor",
                    action="page.escalation_audit",
                    subject=f"page:{page.page_id}",
                    channel="worker",
                    outcome=f"{problem.value}:{action.value}",
                    at=now,
                    practice_id=page.practice_id,
                )
            )
            taken = None
            if action is AuditAction.REDRIVEN and row is not None:
                taken = uow.timers.take_over(row.id, worker_id, now + self._config.lease)
            uow.commit()
        log.warning("escalation auditor: page %s %s, %s", page.page_id, problem.value, action.value)
        if taken is not None:
            self._fire(taken, now, worker_id)
        return AuditFinding(page.page_id, page.practice_id, problem, action)

    def _fire(self, timer: TimerRow, now: datetime, worker_id: str) -> bool:
        with self._uow_factory() as uow:
            # Marked done first (one statement that locks the row and re-checks our claim);
            # rolled back below if the step turns out not due, restamped if stale.
            row = uow.timers.finish_claimed(timer.id, worker_id, now, TimerState.DONE)
            if row is None:
                return False  # another worker took it over after our lease ran out
            record = uow.pages.lock(row.page_id)
            if record is None:
                uow.timers.finish(row.id, now, TimerState.STALE)
                uow.commit()
                return True
            practice = self._practices.get(record.page.practice_id)
            resolve = practice_resolver(practice) if practice is not None else _nobody
            transition = record.page.due_step(TimerToken.parse(row.token), now, resolve)
            if transition.outcome is PageOutcome.NOT_DUE:
                return False  # leaving the block without commit rolls the finish back
            if transition.outcome is PageOutcome.STALE_TIMER:
                uow.timers.finish(row.id, now, TimerState.STALE)
                uow.commit()
                return True
            uow.pages.save(replace(record, page=transition.page))
            self._write(uow, transition, record.page, now, worker_id)
            uow.commit()
        if practice is not None:
            self._deliver(practice, transition.page, transition.dispatches, worker_id)
        return True

    def _resend(self, item: OutboxItem, now: datetime, worker_id: str) -> None:
        with self._uow_factory() as uow:
            record = uow.pages.get(item.page_id)
            if record is None:
                return
            page = record.page
        practice = self._practices.get(page.practice_id)
        if practice is None:
            return
        self._deliver(practice, page, (page.notification(item.notification_id),), worker_id)

    # -- sending ----------------------------------------------------------------------------

    def ack_link(self, page_id: str, notification_id: str, now: datetime) -> str:
        """A signed, single-use, expiring acknowledgement link for one notification."""
        nonce = f"{notification_id}.{secrets.token_urlsafe(9)}"
        token = sign_ack_token(
            self._config.link_secret, page_id, nonce, now + self._config.ack_link_valid
        )
        return f"{self._config.public_base_url.rstrip('/')}/ack/{token}"

    def _send(self, notification: Notification) -> DeliveryReceipt:
        notifier = self._notifiers.get(notification.channel)
        if notifier is None:
            return DeliveryReceipt(DeliveryStatus.FAILED, "", "no notifier for the channel")
        try:
            return notifier.send(notification)
        except Exception as error:  # a notifier must not stop the chain
            log.warning(
                "notifier raised for notification %s: %s",
                notification.notification_id,
                type(error).__name__,
            )
            return DeliveryReceipt(DeliveryStatus.FAILED, "", type(error).__name__)

    def _deliver(
        self,
        practice: Practice,
        page: Page,
        dispatches: Sequence[PageNotification],
        worker_id: str | None = None,
        *,
        recheck: bool = True,
    ) -> None:
        """Hand notifications to notifiers, record receipts; a failure falls back at once.

        Before each batch the page is re-read, so nothing goes out once it is acknowledged
        (skipped only for the first batch of a page this call has just created).
        """
        pending = list(dispatches)
        while pending:
            if recheck:
                pending = self._still_wanted(page.id, pending)
            recheck = True
            if not pending:
                return
            sent_at = self._clock.now()
            receipts = []
            for item in pending:
                notification = build_notification(
                    item,
                    practice_name=practice.name,
                    urgency=page.urgency,
                    code=page.code,
                    link=self.ack_link(page.id, item.id, sent_at),
                )
                receipts.append((item, self._send(notification)))
            pending = self._record_receipts(page.id, receipts, worker_id or self._worker_id)

    def _still_wanted(
        self, page_id: str, items: Sequence[PageNotification]
    ) -> list[PageNotification]:
        """Re-check just before sending: drop (and cancel) what an acknowledgement made moot."""
        with self._uow_factory() as uow:
            record = uow.pages.get(page_id)
            if record is None:
                return []
            wanted = [i for i in items if record.page.wants_delivery(i.id)]
            moot = [i for i in items if i not in wanted]
            if moot:
                uow.outbox.finish_many([(i.id, "") for i in moot], SendState.CANCELLED)
                uow.commit()
        return wanted

    def _record_receipts(
        self,
        page_id: str,
        receipts: Sequence[tuple[PageNotification, DeliveryReceipt]],
        worker_id: str,
    ) -> list[PageNotification]:
        now = self._clock.now()
        more: list[PageNotification] = []
        with self._uow_factory() as uow:
            record = uow.pages.lock(page_id)
            if record is None:
                return []
            uow.outbox.finish_many(
                [(item.id, receipt.provider_id) for item, receipt in receipts], SendState.SENT
            )
            steps: list[tuple[Transition, Page | None]] = []
            for item, receipt in receipts:
                before = record.page
                transition = before.record_delivery(item.id, receipt.status, now)
                record = replace(record, page=transition.page)
                steps.append((transition, before))
                more.extend(transition.dispatches)
            uow.pages.save(record)
            self._write_all(uow, steps, now, worker_id)
            uow.commit()
        return more

    def record_delivery(
        self, notification_id: str, status: DeliveryStatus, at: datetime | None = None
    ) -> PageOutcome | None:
        """Record a provider status callback; a failure tries the next channel at once.

        Returns None when the notification is unknown (e.g. the caller's update text).
        """
        now = at or self._clock.now()
        with self._uow_factory() as uow:
            item = uow.outbox.get(notification_id)
            if item is None:
                return None
            record = uow.pages.lock(item.page_id)
            if record is None:
                return None
            transition = record.page.record_delivery(notification_id, status, now)
            uow.pages.save(replace(record, page=transition.page))
            self._write(uow, transition, record.page, now)
            uow.commit()
        practice = self._practices.get(transition.page.practice_id)
        if practice is not None and transition.dispatches:
            self._deliver(practice, transition.page, transition.dispatches)
        return transition.outcome

    def notification_for_provider_id(self, provider_id: str) -> str | None:
        """The notification a provider's message/call id belongs to, or None."""
        with self._uow_factory() as uow:
            return uow.outbox.by_provider_id(provider_id)

    def _write(
        self,
        uow: UnitOfWork,
        transition: Transition,
        before: Page | None,
        now: datetime,
        worker_id: str | None = None,
    ) -> None:
        """Persist what a transition adds: its new timer, outbox claims and audit events."""
        self._write_all(uow, [(transition, before)], now, worker_id)

    def _write_all(
        self,
        uow: UnitOfWork,
        steps: Sequence[tuple[Transition, Page | None]],
        now: datetime,
        worker_id: str | None = None,
    ) -> None:
        """Persist what transitions (each with the page before it) add, in one go.

        New timers (a token written before is left as it is), one claim over every new
        notification, then the audit events in order: last, so the audit chain head, which
        every writer shares, is held from there to the commit only.
        """
        held = [d.id for transition, _ in steps for d in transition.dispatches]
        if held:  # first: rows not written yet take the claim into their INSERT
            uow.outbox.hold(held, worker_id or self._worker_id, now + self._config.lease)
        for transition, before in steps:
            timer = transition.timer
            if timer is not None and (before is None or before.timer != timer):
                uow.timers.schedule(transition.page.id, timer)
        for transition, _ in steps:
            for event in transition.events:
                uow.audit.append(audit_entry(event, transition.page.practice_id))

    # -- acknowledging ----------------------------------------------------------------------

    def acknowledge(
        self,
        *,
        actor: str,
        channel: AckSource,
        at: datetime,
        page_id: str | None = None,
        code: str | None = None,
    ) -> AckResult:
        """Acknowledge a page by id or code; a duplicate or late acknowledgement is a no-op.

        The caller, if they agreed to texts, is told who got the message and by when to expect
        a call (in their language, without PHI).
        """
        return self._acknowledge(actor=actor, channel=channel, at=at, page_id=page_id, code=code)

    def _acknowledge(
        self,
        *,
        actor: str,
        channel: AckSource,
        at: datetime,
        page_id: str | None,
        code: str | None,
        nonce: AckLinkClaims | None = None,
    ) -> AckResult:
        with self._uow_factory() as uow:
            record = self._find(uow, page_id, code)
            if nonce is not None and not uow.ack_links.consume(nonce.nonce, record.page.id, at):
                raise AckLinkRefusedError("this acknowledgement link was already used")
            before = record.page
            transition = before.acknowledge(by=actor, via=channel, now=at)
            record = replace(record, page=transition.page)
            if transition.outcome is PageOutcome.ACKNOWLEDGED:
                record = replace(record, ack_channel=channel.value)
                self._acknowledge_message(uow, before.subject_ref, actor, at)
            uow.pages.save(record)
            self._write(uow, transition, before, at)
            uow.commit()
        page = transition.page
        if transition.outcome is PageOutcome.ACKNOWLEDGED and record.caller_update is not None:
            self._tell_caller(record, page, actor, at)
        return AckResult(
            page.id,
            page.code,
            transition.outcome,
            page.status,
            page.acknowledged_by,
            page.acknowledged_at,
        )

    def resolve(
        self,
        *,
        actor: str,
        channel: AckSource,
        at: datetime,
        page_id: str | None = None,
        code: str | None = None,
    ) -> AckResult:
        """Close a page for good (the callback was done); a repeat is a recorded no-op."""
        with self._uow_factory() as uow:
            record = self._find(uow, page_id, code)
            before = record.page
            transition = before.resolve(by=actor, via=channel, now=at)
            uow.pages.save(replace(record, page=transition.page))
            if transition.outcome is PageOutcome.RESOLVED:
                message = uow.messages.get(record.page.subject_ref)
                if message is not None:
                    with contextlib.suppress(IllegalTransitionError):
                        uow.messages.save(message.resolve(actor, at))
            self._write(uow, transition, before, at)
            uow.commit()
        page = transition.page
        return AckResult(
            page.id,
            page.code,
            transition.outcome,
            page.status,
            page.acknowledged_by,
            page.acknowledged_at,
        )

    def try_acknowledge_sms(self, from_number: str, body: str, at: datetime) -> bool:
        """Treat an inbound SMS as a clinician's acknowledgement if it is one.

        True when ``from_number`` was paged (within the last day) and the body is `1`, an ack
        word or a page code of such a page: the page is acknowledged (or the duplicate is
        recorded). False otherwise: the SMS is not for paging and the caller flow handles it.
        """
        reply = parse_sms_reply(body)
        if not reply.is_ack:
            return False
        with self._uow_factory() as uow:
            records = list(
                uow.pages.notified_address(from_number, since=at - self._config.sms_ack_window)
            )
        if reply.code is not None:
            records = [r for r in records if r.page.code == reply.code]
        if not records:
            return False
        open_first = sorted(records, key=lambda r: not r.page.status.is_open)
        chosen = open_first[0].page
        actor = next(n.recipient_id for n in chosen.notifications if n.address == from_number)
        self.acknowledge(actor=actor, channel=AckSource.SMS_REPLY, at=at, page_id=chosen.id)
        return True

    def view_ack_link(self, token: str, at: datetime) -> AckLinkView:
        """Check a link (signature, expiry, not used) and describe its page; consumes nothing."""
        claims = self._claims(token, at)
        with self._uow_factory() as uow:
            record = uow.pages.get(claims.page_id)
        if record is None:
            raise AckLinkRefusedError("unknown page")
        practice = self._practices.get(record.page.practice_id)
        page = record.page
        return AckLinkView(
            page_id=page.id,
            code=page.code,
            practice_name=practice.name if practice is not None else page.practice_id,
            urgency=page.urgency,
            status=page.status,
            recipient_id=_link_recipient(page, claims),
        )

    def page_view(self, page_id: str, notification_id: str) -> AckLinkView | None:
        """The PHI-free summary of a page as one notification's recipient sees it, or None.

        None when the page is unknown or the notification is not one of its own (a voice page
        may only be acknowledged by the person that call was placed to).
        """
        with self._uow_factory() as uow:
            record = uow.pages.get(page_id)
        if record is None:
            return None
        page = record.page
        try:
            recipient = page.notification(notification_id).recipient_id
        except PagingError:
            return None
        practice = self._practices.get(page.practice_id)
        return AckLinkView(
            page_id=page.id,
            code=page.code,
            practice_name=practice.name if practice is not None else page.practice_id,
            urgency=page.urgency,
            status=page.status,
            recipient_id=recipient,
        )

    def acknowledge_link(self, token: str, at: datetime) -> AckResult:
        """Acknowledge through a signed link; it works once (else AckLinkRefusedError)."""
        claims = self._claims(token, at)
        with self._uow_factory() as uow:
            record = uow.pages.get(claims.page_id)
        if record is None:
            raise AckLinkRefusedError("unknown page")
        actor = _link_recipient(record.page, claims)
        return self._acknowledge(
            actor=actor,
            channel=AckSource.LINK,
            at=at,
            page_id=claims.page_id,
            code=None,
            nonce=claims,
        )

    def _claims(self, token: str, at: datetime) -> AckLinkClaims:
        try:
            return verify_ack_token(self._config.link_secret, token, at)
        except AckLinkError as error:
            raise AckLinkRefusedError(str(error)) from None

    def _find(self, uow: UnitOfWork, page_id: str | None, code: str | None) -> PageRecord:
        if page_id is not None:
            record = uow.pages.lock(page_id)
        elif code is not None:
            found = uow.pages.with_code(code.strip().upper())
            record = uow.pages.lock(found[0].page.id) if found else None
        else:
            raise PagingServiceError("give a page id or a page code")
        if record is None:
            raise PagingServiceError("no such page")
        return record

    def _acknowledge_message(
        self, uow: UnitOfWork, message_id: str, actor: str, at: datetime
    ) -> None:
        message = uow.messages.get(message_id)
        if message is None:
            return
        try:
            uow.messages.save(message.acknowledge(actor, at))
        except IllegalTransitionError:
            return

    def _tell_caller(self, record: PageRecord, page: Page, actor: str, at: datetime) -> None:
        update = record.caller_update
        practice = self._practices.get(page.practice_id)
        if update is None or practice is None:
            return
        person = practice.person(actor)
        if person is None:
            return  # only a named clinician's acknowledgement is announced to the caller
        minutes = practice.handling.after_hours.urgent.callback_minutes or DEFAULT_CALLBACK_MINUTES
        expect_by = callback_deadline(at, minutes).astimezone(practice.tz)
        body = caller_update_text(update.lang, person.name, expect_by)
        notification = Notification(
            notification_id=f"{page.id}-caller",
            page_id=page.id,
            recipient_id="caller",
            channel=Channel.SMS,
            address=update.number,
            practice_name=practice.name,
            urgency=page.urgency,
            code=page.code,
            link="",
            subject=practice.name,
            body=body,
        )
        receipt = self._send(notification)
        with self._uow_factory() as uow:
            current = uow.pages.lock(page.id)
            if current is not None:
                uow.pages.save(replace(current, caller_notified_at=at))
            uow.audit.append(
                AuditEntry(
                    actor="system:paging",
                    action="page.caller_updated",
                    subject=f"page:{page.id}",
                    channel="sms",
                    outcome=receipt.status.value,
                    at=at,
                    practice_id=page.practice_id,
                )
            )
            uow.commit()

    # -- the daily gap report ---------------------------------------------------------------

    def send_gap_reports(self, now: datetime, days: int = 7) -> int:
        """Tell each practice manager, once a day, about on-call gaps in the next ``days`` days.

        No PHI: roles, layers and times only. Returns how many reports were sent.
        """
        sent = 0
        for practice_id in self._practices.practice_ids():
            practice = self._practices.get(practice_id)
            if practice is None or practice.on_call is None:
                continue
            report = gap_report(practice.on_call, now, days)
            if not report.has_gaps:
                continue
            day = now.astimezone(practice.tz).date().isoformat()
            key = f"gap-report:{practice_id}:{day}"
            with self._uow_factory() as uow:
                if not uow.ack_links.consume(key, f"practice:{practice_id}", now):
                    continue
                uow.audit.append(
                    AuditEntry(
                        actor="system:worker",
                        action="oncall.gap_report_sent",
                        subject=f"practice:{practice_id}",
                        channel="worker",
                        outcome=f"{len(report.gaps)} gaps",
                        at=now,
                        practice_id=practice_id,
                    )
                )
                uow.commit()
            self._send_gap_report(practice, report, key)
            sent += 1
        return sent

    def _send_gap_report(self, practice: Practice, report: GapReport, key: str) -> None:
        lines = [
            gap_line(practice, gap.role, gap.layer.value, gap.start, gap.end) for gap in report.gaps
        ]
        body = (
            f"{practice.name}: nobody is on call in {len(lines)} interval(s) in the next 7 days:\n"
            + "\n".join(lines)
            + "\nPlease update the on-call schedule."
        )
        managers = [m for m in practice.staff if m.role is StaffRole.PRACTICE_MANAGER]
        for manager in managers:
            recipient = recipient_for(manager)
            for contact in recipient.contacts:
                if contact.channel not in (Channel.EMAIL, Channel.SMS):
                    continue
                self._send(
                    Notification(
                        notification_id=f"{key}:{manager.id}:{contact.channel.value}",
                        page_id="",
                        recipient_id=manager.id,
                        channel=contact.channel,
                        address=contact.address,
                        practice_name=practice.name,
                        urgency=PageUrgency.URGENT,
                        code="GAPS",
                        link=f"{self._config.public_base_url.rstrip('/')}/portal/oncall",
                        subject=f"[{practice.name}] On-call gaps in the next 7 days",
                        body=body,
                    )
                )
                break


def _problem(
    page: ActivePage, row: TimerRow | None, now: datetime, max_late: timedelta
) -> AuditProblem | None:
    """What is wrong with an active page's next step, or None."""
    if page.timer is None:
        return AuditProblem.NO_TIMER
    if row is None:
        return AuditProblem.TIMER_MISSING
    if row.done_at is not None or row.state is not TimerState.PENDING:
        return AuditProblem.TIMER_FINISHED
    if row.due_at < now - max_late:
        return AuditProblem.TIMER_OVERDUE
    return None


def gap_line(practice: Practice, role: str, layer: str, start: datetime, end: datetime) -> str:
    """One gap in the practice's local time: `physician primary: Sat 28 Nov 18:00 - ...`."""
    fmt = "%a %d %b %H:%M"
    local_start = start.astimezone(practice.tz).strftime(fmt)
    local_end = end.astimezone(practice.tz).strftime(fmt)
    return f"{role} {layer}: {local_start} - {local_end}"


def _ref(page: Page, *, created: bool) -> PageRef:
    return PageRef(page.id, page.code, page.status, created)


def _link_recipient(page: Page, claims: AckLinkClaims) -> str:
    notification_id = claims.nonce.rsplit(".", 1)[0]
    try:
        return page.notification(notification_id).recipient_id
    except PagingError:
        return "link"


ClockFn = Callable[[], datetime]
"""A bare function returning the time, adaptable to ``Clock`` with ``FunctionClock``."""


@dataclass(frozen=True, slots=True)
class FunctionClock:
    """A Clock over a function (``FunctionClock(lambda: datetime.now(UTC))``)."""

    fn: ClockFn

    def now(self) -> datetime:
        """The function's answer."""
        return self.fn()
