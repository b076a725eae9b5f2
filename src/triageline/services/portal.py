"""Portal use cases: inbox, call detail, live board, users, break-glass, settings and audit.

Every method takes the acting ``User`` and the request's address; every query is scoped to the
practices the user may see (deny by default), an id outside them is reported as not found, and
every view or change of PHI appends an audit event.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from triageline.domain.audit import AuditEntry, AuditEvent
from triageline.domain.dialogue.state import DialogueState
from triageline.domain.errors import IllegalTransitionError
from triageline.domain.messages import Message, MessageStatus
from triageline.domain.paging import (
    AckSource,
    Channel,
    DeliveryStatus,
    Page,
    PageOutcome,
    PageStatus,
    PageUrgency,
)
from triageline.domain.records import CallRecord, ConfigVersion, Turn, new_id
from triageline.domain.triage.types import TriageLevel
from triageline.services.auth import PORTAL_CHANNEL, portal_source
from triageline.services.portal_model import (
    BREAK_GLASS_DURATION,
    Access,
    BreakGlassGrant,
    MessageWork,
    Permission,
    PortalAlert,
    Role,
    User,
    grantable_roles,
    normalise_username,
    password_problem,
)
from triageline.services.portal_oncall import (
    OnCallCalendar,
    OverrideError,
    OverrideRequest,
    add_override,
    calendar,
)
from triageline.services.portal_ports import (
    AuditQuery,
    ConfigChecker,
    PageAcknowledger,
    PasswordHasher,
    PortalClock,
    PortalUnitOfWork,
    PortalUnitOfWorkFactory,
)
from triageline.services.ports_notify import Notification, Notifier


class NotFoundError(LookupError):
    """The thing does not exist or the user may not know it exists (shown as 404)."""


class ForbiddenError(PermissionError):
    """The user may not do this (shown as 403); used only where existence is not secret."""


class InvalidInputError(ValueError):
    """A submitted value is unacceptable; the message says why (no PHI)."""


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """Inbox filters; None means any."""

    practice_id: str | None = None
    status: MessageStatus | None = None
    urgency: TriageLevel | None = None
    assigned_to: str | None = None


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One message as the inbox and message page show it."""

    message: Message
    work: MessageWork
    practice_name: str


@dataclass(frozen=True, slots=True)
class CallDetail:
    """A call with its transcript, triage explanation, messages and page timeline."""

    call: CallRecord
    practice_name: str
    turns: tuple[Turn, ...]
    rule_ids: tuple[str, ...]
    evidence: tuple[str, ...]
    protocol_version: str
    messages: tuple[Message, ...]
    timeline: tuple[TimelineEntry, ...]


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One moment of a call's page timeline (no PHI)."""

    at: datetime
    what: str
    who: str


@dataclass(frozen=True, slots=True)
class BoardCall:
    """An active contact on the live board (no PHI)."""

    call_id: str
    practice_id: str
    channel: str
    started_at: datetime
    triage: str | None
    disposition: str | None


@dataclass(frozen=True, slots=True)
class BoardPage:
    """An active page on the live board (no PHI: ids, code, statuses, clinician names)."""

    page_id: str
    practice_id: str
    code: str
    status: str
    urgency: str
    created_at: datetime
    last_notified: str | None
    last_notified_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None

    @property
    def needs_ack(self) -> bool:
        """True while nobody has acknowledged (still escalating, or the chain ran out)."""
        return self.status in (
            PageStatus.TRIGGERED.value,
            PageStatus.NOTIFIED.value,
            PageStatus.EXHAUSTED.value,
        )


@dataclass(frozen=True, slots=True)
class Board:
    """The live board: active calls, active pages and open urgent messages (no PHI)."""

    calls: tuple[BoardCall, ...]
    open_urgent: tuple[tuple[str, int], ...]
    unacknowledged: tuple[Message, ...]
    pages: tuple[BoardPage, ...] = ()


class BreakGlassReason(StrEnum):
    """Why emergency access was opened (a code the alert may carry; the free text stays sealed)."""

    PATIENT_EMERGENCY = "patient_emergency"
    COVERING_CLINICIAN = "covering_clinician"
    PRACTICE_REQUEST = "practice_request"
    TECHNICAL_SUPPORT = "technical_support"
    OTHER = "other"


class OperatorAckReason(StrEnum):
    """Why an operator acknowledged a page on a clinician's behalf (a code, never free text)."""

    CONFIRMED_BY_PHONE = "clinician_confirmed_by_phone"
    CONFIRMED_IN_PERSON = "clinician_confirmed_in_person"
    HANDLED_BY_COLLEAGUE = "handled_by_another_clinician"
    CALLER_SENT_TO_EMERGENCY = "caller_sent_to_emergency_services"
    DUPLICATE = "duplicate_page"


@dataclass(frozen=True, slots=True)
class SettingsPreview:
    """A proposed configuration: its problems, or the diff against the current version."""

    practice_id: str
    issues: tuple[str, ...]
    diff: str
    current_version: int | None


URGENCY_ORDER = {level: -level.rank for level in TriageLevel}
PAGE_WINDOW = timedelta(hours=24)
"""Pages created longer ago than this are no longer shown on the live board."""
STATUS_ORDER = {MessageStatus.NEW: 0, MessageStatus.ACKNOWLEDGED: 1, MessageStatus.RESOLVED: 2}
ACTIVE_CALL_WINDOW = timedelta(hours=2)


class PortalService:
    """What the portal pages do, scoped and audited."""

    def __init__(
        self,
        uow_factory: PortalUnitOfWorkFactory,
        clock: PortalClock,
        hasher: PasswordHasher,
        checker: ConfigChecker,
        pager: PageAcknowledger | None = None,
        alerts: Notifier | None = None,
        base_url: str = "",
    ) -> None:
        """Work through ``uow_factory`` with this clock, hasher and checker.

        ``pager`` acknowledges pages for operators; ``alerts`` sends PHI-free alerts (break-glass)
        to practice administrators, with links under ``base_url``.
        """
        self._uow = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._checker = checker
        self._pager = pager
        self._alerts = alerts
        self._base_url = base_url.rstrip("/")

    @property
    def clock(self) -> PortalClock:
        """The clock the service reads."""
        return self._clock

    # Access --------------------------------------------------------------------------------

    def access(self, user: User) -> Access:
        """The user's permissions now (role plus active break-glass grants)."""
        with self._uow() as uow:
            return self._access(uow, user, self._clock.now())

    def _access(self, uow: PortalUnitOfWork, user: User, now: datetime) -> Access:
        grants = tuple(uow.break_glass.active_for_user(user.id, now))
        return Access(user, tuple(uow.practices.list_ids()), grants)

    def practice_names(self, practice_ids: Sequence[str]) -> dict[str, str]:
        """Display names of practices."""
        with self._uow() as uow:
            names: dict[str, str] = {}
            for pid in practice_ids:
                record = uow.practices.get(pid)
                names[pid] = record.name if record else pid
            return names

    def alerts(self, user: User) -> Sequence[PortalAlert]:
        """Banners for this user: break-glass alerts of practices they administer."""
        now = self._clock.now()
        with self._uow() as uow:
            access = self._access(uow, user, now)
            practices = access.practices(Permission.MANAGE_USERS)
            return list(uow.break_glass.alerts_for(practices, now)) if practices else []

    # Inbox ---------------------------------------------------------------------------------

    def inbox(self, user: User, ip: str, filters: InboxFilter) -> list[InboxItem]:
        """Messages the user may see, most urgent and newest first; each listed one audited."""
        now = self._clock.now()
        with self._uow() as uow:
            access = self._access(uow, user, now)
            practices = access.practices(Permission.VIEW_PHI)
            if filters.practice_id is not None:
                practices = tuple(p for p in practices if p == filters.practice_id)
            items: list[InboxItem] = []
            for pid in practices:
                record = uow.practices.get(pid)
                name = record.name if record else pid
                for message in uow.messages.list_for_practice(
                    pid, status=filters.status, limit=200
                ):
                    if filters.urgency is not None and message.urgency is not filters.urgency:
                        continue
                    work = uow.message_work.get(message.id)
                    if filters.assigned_to is not None and work.assigned_to != filters.assigned_to:
                        continue
                    items.append(InboxItem(message, work, name))
            items.sort(key=lambda i: i.message.created_at, reverse=True)
            items.sort(
                key=lambda i: (STATUS_ORDER[i.message.status], URGENCY_ORDER[i.message.urgency])
            )
            for item in items:
                self._audit(
                    uow,
                    user,
                    "message.listed",
                    f"message:{item.message.id}",
                    ip,
                    now,
                    item.message.practice_id,
                )
            uow.commit()
        return items

    def message(self, user: User, ip: str, message_id: str) -> InboxItem:
        """One message (audited as viewed); NotFoundError outside the user's practices."""
        now = self._clock.now()
        with self._uow() as uow:
            item = self._visible_message(uow, user, ip, message_id, now, Permission.VIEW_PHI)
            self._audit(
                uow,
                user,
                "message.viewed",
                f"message:{message_id}",
                ip,
                now,
                item.message.practice_id,
            )
            uow.commit()
        return item

    def acknowledge(self, user: User, ip: str, message_id: str) -> Message:
        """Mark a message as seen by this user (a repeat is a recorded no-op)."""
        return self._transition(user, ip, message_id, "acknowledge")

    def resolve(self, user: User, ip: str, message_id: str, note: str) -> Message:
        """Close a message with a note (the note is PHI, stored sealed)."""
        return self._transition(user, ip, message_id, "resolve", note=note)

    def _transition(
        self, user: User, ip: str, message_id: str, verb: str, *, note: str = ""
    ) -> Message:
        now = self._clock.now()
        with self._uow() as uow:
            item = self._visible_message(uow, user, ip, message_id, now, Permission.HANDLE_MESSAGES)
            message = item.message
            try:
                if verb == "acknowledge":
                    updated = message.acknowledge(user.id, now)
                else:
                    updated = message.resolve(user.id, now)
            except IllegalTransitionError as error:
                raise InvalidInputError(str(error)) from None
            outcome = "ok" if updated != message else "noop"
            if updated != message:
                uow.messages.save(updated)
            if verb == "resolve" and note.strip():
                uow.message_work.save(replace(item.work, note=note.strip()[:4000]))
            action = "message.acknowledged" if verb == "acknowledge" else "message.resolved"
            self._audit(
                uow,
                user,
                action,
                f"message:{message_id}",
                ip,
                now,
                message.practice_id,
                outcome=outcome,
            )
            uow.commit()
        return updated

    def assign(self, user: User, ip: str, message_id: str, assignee_id: str | None) -> None:
        """Assign a message to a user of its practice (None: unassign)."""
        now = self._clock.now()
        with self._uow() as uow:
            item = self._visible_message(uow, user, ip, message_id, now, Permission.HANDLE_MESSAGES)
            if assignee_id:
                assignee = uow.users.get(assignee_id)
                if assignee is None or not self._access(uow, assignee, now).allows(
                    Permission.VIEW_PHI, item.message.practice_id
                ):
                    raise InvalidInputError("that user cannot see this practice's messages")
            uow.message_work.save(replace(item.work, assigned_to=assignee_id or None))
            self._audit(
                uow,
                user,
                "message.assigned",
                f"message:{message_id}",
                ip,
                now,
                item.message.practice_id,
            )
            uow.commit()

    def callback_done(self, user: User, ip: str, message_id: str) -> None:
        """Record that the caller has been called back."""
        now = self._clock.now()
        with self._uow() as uow:
            item = self._visible_message(uow, user, ip, message_id, now, Permission.HANDLE_MESSAGES)
            if item.work.callback_done_at is None:
                uow.message_work.save(
                    replace(item.work, callback_done_at=now, callback_done_by=user.id)
                )
            self._audit(
                uow,
                user,
                "message.callback_done",
                f"message:{message_id}",
                ip,
                now,
                item.message.practice_id,
            )
            uow.commit()

    def assignable_users(self, user: User, practice_id: str) -> list[User]:
        """Users who may see the practice's messages (for the assign menu)."""
        now = self._clock.now()
        with self._uow() as uow:
            if not self._access(uow, user, now).allows(Permission.HANDLE_MESSAGES, practice_id):
                raise NotFoundError(practice_id)
            return [
                u
                for u in uow.users.list([practice_id])
                if u.active and self._access(uow, u, now).allows(Permission.VIEW_PHI, practice_id)
            ]

    def _visible_message(
        self,
        uow: PortalUnitOfWork,
        user: User,
        ip: str,
        message_id: str,
        now: datetime,
        permission: Permission,
    ) -> InboxItem:
        message = uow.messages.get(message_id)
        access = self._access(uow, user, now)
        if message is None or not access.allows(permission, message.practice_id):
            self._audit(
                uow,
                user,
                "message.denied",
                f"message:{message_id}",
                ip,
                now,
                None,
                outcome="denied",
            )
            uow.commit()
            raise NotFoundError(message_id)
        record = uow.practices.get(message.practice_id)
        return InboxItem(
            message,
            uow.message_work.get(message_id),
            record.name if record else message.practice_id,
        )

    # Calls ---------------------------------------------------------------------------------

    def call(self, user: User, ip: str, call_id: str) -> CallDetail:
        """A call's transcript and triage explanation (audited); NotFoundError outside scope."""
        now = self._clock.now()
        with self._uow() as uow:
            call = uow.calls.get(call_id)
            access = self._access(uow, user, now)
            if call is None or not access.allows(Permission.VIEW_PHI, call.practice_id):
                self._audit(
                    uow, user, "call.denied", f"call:{call_id}", ip, now, None, outcome="denied"
                )
                uow.commit()
                raise NotFoundError(call_id)
            rule_ids: tuple[str, ...] = ()
            evidence: tuple[str, ...] = ()
            protocol = ""
            if call.dialogue_state:
                try:
                    summary = DialogueState.from_json(call.dialogue_state).triage
                except ValueError:
                    summary = None
                if summary is not None:
                    rule_ids, evidence, protocol = (
                        summary.rule_ids,
                        summary.evidence,
                        summary.protocol_version,
                    )
            record = uow.practices.get(call.practice_id)
            messages = tuple(uow.messages.list_for_call(call_id))
            timeline = self._timeline(uow, call_id)
            detail = CallDetail(
                call=call,
                practice_name=record.name if record else call.practice_id,
                turns=tuple(uow.turns.list_for_call(call_id)),
                rule_ids=rule_ids,
                evidence=evidence,
                protocol_version=protocol,
                messages=messages,
                timeline=timeline,
            )
            self._audit(uow, user, "call.viewed", f"call:{call_id}", ip, now, call.practice_id)
            uow.commit()
        return detail

    @staticmethod
    def _timeline(uow: PortalUnitOfWork, call_id: str) -> tuple[TimelineEntry, ...]:
        """What the audit trail recorded about this call and its messages and pages, in order."""
        messages = uow.messages.list_for_call(call_id)
        subjects = [f"call:{call_id}"] + [f"message:{m.id}" for m in messages]
        entries: list[TimelineEntry] = []
        for message in messages:
            record = uow.pages.for_subject(message.id)
            if record is None:
                continue
            subjects.append(f"page:{record.page.id}")
            for sent in record.page.notifications:
                if sent.sent_at is not None:
                    what = f"notification {sent.channel.value} ({sent.status or 'sent'})"
                    entries.append(TimelineEntry(sent.sent_at, what, sent.recipient_name))
        events = uow.audit_search.search(AuditQuery(subjects=tuple(subjects), limit=500))
        entries.extend(
            TimelineEntry(e.entry.at, e.entry.action, e.entry.actor)
            for e in events
            if not e.entry.action.endswith((".viewed", ".listed", ".denied"))
        )
        return tuple(sorted(entries, key=lambda t: t.at))

    # Live board ----------------------------------------------------------------------------

    def board(self, user: User) -> Board:
        """Active calls and unacknowledged urgent messages across the user's practices."""
        now = self._clock.now()
        with self._uow() as uow:
            access = self._access(uow, user, now)
            practices = access.practices(Permission.LIVE_BOARD)
            if not practices:
                raise ForbiddenError("live board")
            calls: list[BoardCall] = []
            counts: list[tuple[str, int]] = []
            waiting: list[Message] = []
            pages: list[BoardPage] = []
            for pid in practices:
                for call in uow.calls.list_for_practice(pid, since=now - ACTIVE_CALL_WINDOW):
                    if call.ended_at is None:
                        calls.append(
                            BoardCall(
                                call.id,
                                pid,
                                call.channel.value,
                                call.started_at,
                                call.triage.value if call.triage else None,
                                call.disposition,
                            )
                        )
                new = uow.messages.list_for_practice(pid, status=MessageStatus.NEW, limit=200)
                urgent = [m for m in new if m.urgency.rank >= TriageLevel.URGENT.rank]
                counts.append((pid, len(urgent)))
                waiting.extend(urgent)
                pages.extend(
                    _board_page(page)
                    for page in uow.pages.list_recent(practice_id=pid, limit=200)
                    if page.status is not PageStatus.RESOLVED
                    and page.created_at >= now - PAGE_WINDOW
                )
        calls.sort(key=lambda c: c.started_at, reverse=True)
        waiting.sort(key=lambda m: m.created_at)
        pages.sort(key=lambda p: (not p.needs_ack, p.created_at))
        return Board(tuple(calls), tuple(counts), tuple(waiting), tuple(pages))

    def acknowledge_page(
        self, user: User, ip: str, page_id: str, reason: OperatorAckReason
    ) -> PageStatus:
        """Acknowledge a page on a clinician's behalf (operator, with a reason code; audited).

        The page must belong to one of the user's live-board practices (else NotFoundError,
        audited as denied). The paging service records the acknowledgement with source
        ``operator``; a second event ``page.operator_acknowledged`` carries the reason code.
        """
        now = self._clock.now()
        with self._uow() as uow:
            record = uow.pages.get(page_id)
            access = self._access(uow, user, now)
            if record is None or not access.allows(Permission.LIVE_BOARD, record.page.practice_id):
                self._audit(
                    uow, user, "page.denied", f"page:{page_id}", ip, now, None, outcome="denied"
                )
                uow.commit()
                raise NotFoundError(page_id)
            practice_id = record.page.practice_id
        if self._pager is None:
            raise InvalidInputError("paging is not available in this process")
        result = self._pager.acknowledge(
            actor=user.id, channel=AckSource.OPERATOR, at=now, page_id=page_id
        )
        acknowledged = result.outcome is PageOutcome.ACKNOWLEDGED
        with self._uow() as uow:
            self._audit(
                uow,
                user,
                "page.operator_acknowledged",
                f"page:{page_id}",
                ip,
                now,
                practice_id,
                outcome=reason.value if acknowledged else f"noop:{reason.value}",
            )
            uow.commit()
        return result.status

    # Break-glass ---------------------------------------------------------------------------

    def break_glass(
        self,
        user: User,
        ip: str,
        practice_id: str,
        reason: str,
        code: BreakGlassReason = BreakGlassReason.OTHER,
    ) -> BreakGlassGrant:
        """Open time-boxed emergency access to a practice; alerts its administrators.

        The administrators see a banner and are sent a PHI-free alert through the notifier
        (practice, user id, reason code, link); each send is audited as ``breakglass.alerted``.
        """
        now = self._clock.now()
        reason = reason.strip()
        if len(reason) < 10:
            raise InvalidInputError("give a reason of at least 10 characters")
        with self._uow() as uow:
            practice = uow.practices.get(practice_id)
            if practice is None:
                raise NotFoundError(practice_id)
            admins = [
                u
                for u in uow.users.list([practice_id])
                if u.active and u.role is Role.PRACTICE_ADMIN and practice_id in u.practice_ids
            ]
            grant = BreakGlassGrant(
                id=new_id(),
                user_id=user.id,
                practice_id=practice_id,
                reason=reason[:1000],
                started_at=now,
                expires_at=now + BREAK_GLASS_DURATION,
            )
            uow.break_glass.add(grant)
            until = grant.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            uow.break_glass.add_alert(
                PortalAlert(
                    id=new_id(),
                    practice_id=practice_id,
                    kind="break_glass",
                    text=f"{user.display_name} ({user.username}) opened emergency access "
                    f"until {until} (reason code: {code.value})",
                    created_at=now,
                    expires_at=now + timedelta(days=7),
                )
            )
            self._audit(
                uow,
                user,
                "breakglass.opened",
                f"breakglass:{grant.id}",
                ip,
                now,
                practice_id,
                outcome="alerted",
            )
            uow.commit()
        self._alert_admins(user, ip, grant, practice.name, code, admins)
        return grant

    def _alert_admins(
        self,
        user: User,
        ip: str,
        grant: BreakGlassGrant,
        practice_name: str,
        code: BreakGlassReason,
        admins: Sequence[User],
    ) -> None:
        """Send each practice administrator the PHI-free break-glass alert; audit every send."""
        now = self._clock.now()
        link = f"{self._base_url}/portal/audit?action=breakglass."
        subject = f"triageline: break-glass access opened in {practice_name}"
        body = (
            f"Break-glass access was opened in {practice_name} by user {user.id}, "
            f"reason code {code.value}, until {grant.expires_at:%Y-%m-%d %H:%M} UTC. "
            f"Review: {link}"
        )
        results: list[tuple[str, str]] = []
        for admin in admins:
            contacts = [(Channel.PUSH, f"user:{admin.id}")]
            if "@" in admin.username:
                contacts.insert(0, (Channel.EMAIL, admin.username))
            for channel, address in contacts:
                if self._alerts is None:
                    results.append((f"user:{admin.id}", "no_notifier"))
                    continue
                receipt = self._alerts.send(
                    Notification(
                        notification_id=new_id(),
                        page_id=f"breakglass:{grant.id}",
                        recipient_id=admin.id,
                        channel=channel,
                        address=address,
                        practice_name=practice_name,
                        urgency=PageUrgency.URGENT,
                        code=code.value,
                        link=link,
                        subject=subject,
                        body=body,
                    )
                )
                sent = receipt.status is not DeliveryStatus.FAILED
                outcome = f"{channel.value}:{'sent' if sent else 'failed'}"
                results.append((f"user:{admin.id}", outcome))
        if not admins:
            results.append(("user:none", "no_admin"))
        with self._uow() as uow:
            for recipient, outcome in results:
                self._audit(
                    uow,
                    user,
                    "breakglass.alerted",
                    f"breakglass:{grant.id}:{recipient}",
                    ip,
                    now,
                    grant.practice_id,
                    outcome=outcome,
                )
            uow.commit()

    # Users ---------------------------------------------------------------------------------

    def users(self, user: User) -> list[User]:
        """Users the acting user may manage."""
        now = self._clock.now()
        with self._uow() as uow:
            access = self._access(uow, user, now)
            practices = access.practices(Permission.MANAGE_USERS)
            if not practices:
                raise ForbiddenError("users")
            if user.role is Role.SERVICE_ADMIN:
                return list(uow.users.list())
            return list(uow.users.list(practices))

    def create_user(
        self,
        actor: User | None,
        ip: str,
        *,
        username: str,
        display_name: str,
        role: Role,
        practice_ids: Sequence[str],
        password: str,
        language: str = "en",
        totp_secret: str | None = None,
    ) -> User:
        """Create a user; ``actor`` None means the command line (no scope check)."""
        now = self._clock.now()
        username = normalise_username(username)
        if not username or len(username) > 200:
            raise InvalidInputError("a username of 1-200 characters is required")
        problem = password_problem(password, username)
        if problem:
            raise InvalidInputError(problem)
        practice_ids = tuple(sorted(set(practice_ids)))
        if role is not Role.SERVICE_ADMIN and not practice_ids:
            raise InvalidInputError("choose at least one practice")
        if role is Role.SERVICE_ADMIN:
            practice_ids = ()
        with self._uow() as uow:
            known = set(uow.practices.list_ids())
            unknown = [p for p in practice_ids if p not in known]
            if unknown:
                raise InvalidInputError(f"unknown practice: {', '.join(unknown)}")
            if actor is not None:
                self._check_manage(uow, actor, role, practice_ids, now)
            if uow.users.by_username(username) is not None:
                raise InvalidInputError("that username is taken")
            created = User(
                id=new_id(),
                username=username,
                display_name=display_name.strip()[:200] or username,
                role=role,
                practice_ids=practice_ids,
                password_hash=self._hasher.hash(password),
                created_at=now,
                totp_secret=totp_secret,
                totp_confirmed=totp_secret is not None,
                language=language,
            )
            uow.users.add(created)
            self._audit(
                uow,
                actor,
                "user.created",
                f"user:{created.id}",
                ip,
                now,
                practice_ids[0] if len(practice_ids) == 1 else None,
            )
            uow.commit()
        return created

    def update_user(
        self,
        actor: User,
        ip: str,
        user_id: str,
        *,
        role: Role | None = None,
        active: bool | None = None,
        reset_mfa: bool = False,
    ) -> User:
        """Change role or active flag, or reset MFA; ends the user's sessions when needed."""
        now = self._clock.now()
        with self._uow() as uow:
            target = uow.users.get(user_id)
            if target is None:
                raise NotFoundError(user_id)
            self._check_manage(uow, actor, target.role, target.practice_ids, now)
            changed = target
            if role is not None and role is not target.role:
                self._check_manage(uow, actor, role, target.practice_ids, now)
                changed = replace(changed, role=role)
                self._audit(uow, actor, f"user.role_{role.value}", f"user:{user_id}", ip, now)
            if active is not None and active != target.active:
                changed = replace(changed, active=active)
                self._audit(
                    uow,
                    actor,
                    "user.enabled" if active else "user.disabled",
                    f"user:{user_id}",
                    ip,
                    now,
                )
            if reset_mfa:
                changed = replace(changed, totp_secret=None, totp_confirmed=False, totp_last_step=0)
                self._audit(uow, actor, "user.mfa_reset", f"user:{user_id}", ip, now)
            if changed != target:
                uow.users.save(changed)
                if reset_mfa or active is False or changed.role is not target.role:
                    uow.sessions.delete_for_user(user_id)
            uow.commit()
        return changed

    def _check_manage(
        self,
        uow: PortalUnitOfWork,
        actor: User,
        role: Role,
        practice_ids: Sequence[str],
        now: datetime,
    ) -> None:
        if role not in grantable_roles(actor.role):
            raise ForbiddenError("that role")
        if actor.role is Role.SERVICE_ADMIN:
            return
        allowed = set(self._access(uow, actor, now).practices(Permission.MANAGE_USERS))
        if not practice_ids or not set(practice_ids) <= allowed:
            raise NotFoundError("user")

    # Settings ------------------------------------------------------------------------------

    def current_config(self, user: User, practice_id: str) -> ConfigVersion | None:
        """The practice's newest configuration version (settings editors only)."""
        with self._uow() as uow:
            self._require(uow, user, Permission.EDIT_SETTINGS, practice_id)
            return uow.practices.latest_config(practice_id)

    def preview_config(self, user: User, practice_id: str, yaml_text: str) -> SettingsPreview:
        """Validate a proposed configuration and diff it against the current version."""
        with self._uow() as uow:
            self._require(uow, user, Permission.EDIT_SETTINGS, practice_id)
            current = uow.practices.latest_config(practice_id)
        return self._preview(practice_id, yaml_text, current)

    def _preview(
        self, practice_id: str, yaml_text: str, current: ConfigVersion | None
    ) -> SettingsPreview:
        checked = self._checker.check(yaml_text, f"{practice_id}.yaml")
        issues = list(checked.issues)
        if not issues and checked.practice_id != practice_id:
            issues.append(f"{practice_id}.yaml: id: must stay {practice_id!r}")
        old = current.yaml_text if current else ""
        diff = "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                yaml_text.splitlines(keepends=True),
                fromfile=f"version {current.version}" if current else "(none)",
                tofile="proposed",
            )
        )
        return SettingsPreview(
            practice_id, tuple(issues), diff, current.version if current else None
        )

    def save_config(
        self, user: User, ip: str, practice_id: str, yaml_text: str, base_version: int | None
    ) -> ConfigVersion:
        """Store a validated configuration as a new version (refused if someone saved since)."""
        now = self._clock.now()
        with self._uow() as uow:
            self._require(uow, user, Permission.EDIT_SETTINGS, practice_id)
            current = uow.practices.latest_config(practice_id)
            if (current.version if current else None) != base_version:
                raise InvalidInputError("the configuration changed meanwhile; review again")
            preview = self._preview(practice_id, yaml_text, current)
            if preview.issues:
                raise InvalidInputError("; ".join(preview.issues))
            record = uow.practices.get(practice_id)
            version, created = uow.practices.store_config(
                practice_id,
                record.name if record else practice_id,
                yaml_text,
                created_by=user.id,
                at=now,
            )
            if created:
                self._audit(
                    uow,
                    user,
                    "practice.config_stored",
                    f"practice_config:{practice_id}:{version.version}",
                    ip,
                    now,
                    practice_id,
                )
            uow.commit()
        return version

    def config_history(self, user: User, practice_id: str) -> ConfigVersion | None:
        """The newest version, for the on-call page (on-call viewers)."""
        with self._uow() as uow:
            self._require(uow, user, Permission.VIEW_ONCALL, practice_id)
            return uow.practices.latest_config(practice_id)

    def require(self, user: User, permission: Permission, practice_id: str) -> None:
        """NotFoundError unless the user has ``permission`` in the practice."""
        with self._uow() as uow:
            self._require(uow, user, permission, practice_id)

    def _require(
        self, uow: PortalUnitOfWork, user: User, permission: Permission, practice_id: str
    ) -> None:
        if not self._access(uow, user, self._clock.now()).allows(permission, practice_id):
            raise NotFoundError(practice_id)

    # On-call -------------------------------------------------------------------------------

    def oncall(self, user: User, practice_id: str, days: int = 14) -> OnCallCalendar:
        """The practice's on-call calendar from today (on-call viewers only)."""
        with self._uow() as uow:
            self._require(uow, user, Permission.VIEW_ONCALL, practice_id)
            current = uow.practices.latest_config(practice_id)
        if current is None:
            raise NotFoundError(practice_id)
        checked = self._checker.check(current.yaml_text, f"{practice_id}.yaml")
        if checked.practice is None:
            raise InvalidInputError("; ".join(checked.issues))
        return calendar(checked.practice, self._clock.now(), days)

    def add_override(
        self, user: User, ip: str, practice_id: str, request: OverrideRequest
    ) -> ConfigVersion:
        """Add an on-call override as a new, validated configuration version."""
        with self._uow() as uow:
            self._require(uow, user, Permission.EDIT_ONCALL, practice_id)
            current = uow.practices.latest_config(practice_id)
        if current is None:
            raise NotFoundError(practice_id)
        try:
            text = add_override(current.yaml_text, request)
        except OverrideError as error:
            raise InvalidInputError(str(error)) from None
        return self.save_config(user, ip, practice_id, text, current.version)

    # Audit log -----------------------------------------------------------------------------

    def audit_log(
        self,
        user: User,
        ip: str,
        *,
        actor: str | None = None,
        action: str | None = None,
        patient: str | None = None,
        source: str | None = None,
        limit: int = 200,
    ) -> list[AuditEvent]:
        """Audit events of the user's practices, filtered; a patient filter is itself audited."""
        now = self._clock.now()
        with self._uow() as uow:
            access = self._access(uow, user, now)
            practices = access.practices(Permission.VIEW_AUDIT)
            if not practices:
                raise ForbiddenError("audit")
            subjects: tuple[str, ...] | None = None
            if patient:
                subjects = self._patient_subjects(uow, access, patient)
                self._audit(uow, user, "audit.patient_search", "audit:patient", ip, now, None)
            scope = None if user.role is Role.SERVICE_ADMIN else practices
            events = uow.audit_search.search(
                AuditQuery(
                    practice_ids=scope,
                    actor=actor or None,
                    action=action or None,
                    subjects=subjects,
                    source=source or None,
                    limit=limit,
                )
            )
            self._audit(uow, user, "audit.viewed", "audit:log", ip, now, None)
            uow.commit()
        return list(events)

    @staticmethod
    def _patient_subjects(uow: PortalUnitOfWork, access: Access, patient: str) -> tuple[str, ...]:
        """Subjects (messages and their calls) whose patient or caller name contains the text."""
        needle = patient.strip().casefold()
        subjects: list[str] = []
        for pid in access.practices(Permission.VIEW_AUDIT):
            for message in uow.messages.list_for_practice(pid, limit=10_000):
                names = (message.patient_name or "", message.caller_name or "")
                if any(needle in name.casefold() for name in names):
                    subjects.append(f"message:{message.id}")
                    if message.call_id:
                        subjects.append(f"call:{message.call_id}")
        return tuple(subjects)

    def record_export(self, user: User, ip: str, rows: int) -> None:
        """Audit that the user exported the audit log."""
        now = self._clock.now()
        with self._uow() as uow:
            self._audit(uow, user, "audit.exported", f"audit:rows:{rows}", ip, now, None)
            uow.commit()

    # Internals -----------------------------------------------------------------------------

    @staticmethod
    def _audit(
        uow: PortalUnitOfWork,
        user: User | None,
        action: str,
        subject: str,
        ip: str,
        now: datetime,
        practice_id: str | None = None,
        *,
        outcome: str = "ok",
    ) -> None:
        uow.audit.append(
            AuditEntry(
                actor=user.id if user else "system:cli",
                action=action,
                subject=subject,
                channel=PORTAL_CHANNEL if user else "cli",
                outcome=outcome,
                at=now,
                practice_id=practice_id,
                source=portal_source(ip) if user else None,
            )
        )


def _board_page(page: Page) -> BoardPage:
    """A page as the live board shows it: who was notified last and who acknowledged."""
    sent = page.sent_notifications
    last = max(sent, key=lambda n: n.sent_at or n.created_at) if sent else None
    return BoardPage(
        page_id=page.id,
        practice_id=page.practice_id,
        code=page.code,
        status=page.status.value,
        urgency=page.urgency.value,
        created_at=page.created_at,
        last_notified=f"{last.recipient_name} ({last.channel.value})" if last else None,
        last_notified_at=last.sent_at if last else None,
        acknowledged_by=page.acknowledged_by,
        acknowledged_at=page.acknowledged_at,
    )
