"""Paging: escalation chains and the Page aggregate that keeps notifying until a human answers.

A `Page` is created from an urgent disposition with a *snapshot* of the practice's
`EscalationChain`. Every change is a method returning a `Transition`: the new page, the outcome,
the domain events to audit, the notifications to hand to notifiers now (`dispatches`) and the one
timer to (re)schedule. Only the page's current timer token is honoured when a timer fires, so a
stale timer does nothing. The module is pure: time and the target resolver are passed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

DEFAULT_RENOTIFY_AFTER_ACK = timedelta(minutes=30)
_CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"  # no I, L, O
_CODE_DIGITS = "23456789"  # no 0, 1


class PagingError(ValueError):
    """A paging rule was broken (bad chain, unknown notification, wrong page)."""


class IllegalTransitionError(PagingError):
    """A page status change that the lifecycle does not allow."""


class Channel(StrEnum):
    """A way to reach a person."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    PUSH = "push"
    WEBHOOK = "webhook"


class TargetKind(StrEnum):
    """Whom an escalation step notifies."""

    ONCALL_PRIMARY = "oncall_primary"
    ONCALL_BACKUP = "oncall_backup"
    PERSON = "person"
    ROLE = "role"
    PRACTICE_MANAGER = "practice_manager"
    OPERATOR_QUEUE = "operator_queue"


_NAMED_KINDS = (TargetKind.PERSON, TargetKind.ROLE)


@dataclass(frozen=True, slots=True)
class Target:
    """An escalation target; `name` is the person id or role name for those two kinds."""

    kind: TargetKind
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind in _NAMED_KINDS and not self.name.strip():
            raise PagingError(f"target {self.kind} needs a name")
        if self.kind not in _NAMED_KINDS and self.name:
            raise PagingError(f"target {self.kind} takes no name")

    @classmethod
    def parse(cls, text: str) -> Target:
        """Read `oncall_primary`, `person:dr-lee`, `role:nurse`, ... into a target."""
        kind_text, _, name = text.strip().partition(":")
        try:
            kind = TargetKind(kind_text)
        except ValueError:
            known = ", ".join(k.value for k in TargetKind)
            raise PagingError(f"unknown target {text!r}; expected one of {known}") from None
        return cls(kind, name.strip())

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.name}" if self.name else self.kind.value


@dataclass(frozen=True, slots=True)
class Notify:
    """Escalation step: notify a target on the given channels, all at once."""

    target: Target
    channels: tuple[Channel, ...]

    def __post_init__(self) -> None:
        if not self.channels:
            raise PagingError(f"notify {self.target} has no channels")
        if len(set(self.channels)) != len(self.channels):
            raise PagingError(f"notify {self.target} lists a channel twice")


@dataclass(frozen=True, slots=True)
class Wait:
    """Escalation step: give the people notified so far this long to acknowledge."""

    minutes: int

    def __post_init__(self) -> None:
        if self.minutes < 1:
            raise PagingError("a wait lasts at least 1 minute")


@dataclass(frozen=True, slots=True)
class Repeat:
    """Escalation step (last only): run the chain from the top `times` more times."""

    times: int

    def __post_init__(self) -> None:
        if self.times < 0:
            raise PagingError("repeat times cannot be negative")


EscalationStep = Notify | Wait | Repeat


@dataclass(frozen=True, slots=True)
class EscalationChain:
    """Ordered escalation steps, an optional final fallback and the re-notify-after-ack time.

    Rules: at least one Notify; a Repeat may only be the last step; the steps before the end
    (or before the Repeat) finish with a Wait, so the last people notified get time to answer.
    """

    steps: tuple[EscalationStep, ...]
    fallback: Notify | None = None
    renotify_after_ack: timedelta = DEFAULT_RENOTIFY_AFTER_ACK

    def __post_init__(self) -> None:
        if not any(isinstance(step, Notify) for step in self.steps):
            raise PagingError("an escalation chain needs at least one notify step")
        for index, step in enumerate(self.steps):
            if isinstance(step, Repeat) and index != len(self.steps) - 1:
                raise PagingError("repeat may only be the last step")
        body = self.steps[:-1] if isinstance(self.steps[-1], Repeat) else self.steps
        if not body or not isinstance(body[-1], Wait):
            raise PagingError("the steps must end with a wait (before any repeat)")
        if self.renotify_after_ack <= timedelta(0):
            raise PagingError("re-notify after acknowledgement must be positive")

    @property
    def repeat_times(self) -> int:
        """How many extra passes the chain makes (0 without a Repeat step)."""
        last = self.steps[-1]
        return last.times if isinstance(last, Repeat) else 0


class PageUrgency(StrEnum):
    """Why the page exists; selects the practice's chain."""

    URGENT = "urgent"
    EMERGENCY_NOTIFY = "emergency_notify"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    """A practice's escalation chains, one per urgency."""

    urgent: EscalationChain
    emergency_notify: EscalationChain

    def chain_for(self, urgency: PageUrgency) -> EscalationChain:
        """The chain a new page of this urgency snapshots."""
        if urgency is PageUrgency.EMERGENCY_NOTIFY:
            return self.emergency_notify
        return self.urgent


@dataclass(frozen=True, slots=True)
class ContactMethod:
    """One address at which a recipient can be reached on a channel."""

    channel: Channel
    address: str


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person (or queue) a target resolves to, with contact methods in preference order."""

    id: str
    display_name: str
    contacts: tuple[ContactMethod, ...]

    def address_for(self, channel: Channel) -> str | None:
        """The first address for the channel, or None."""
        for contact in self.contacts:
            if contact.channel is channel:
                return contact.address
        return None


TargetResolver = Callable[[Target, datetime], Sequence[Recipient]]
"""Maps a target to the recipients it means at an instant (the on-call schedule plugs in here)."""


class DeliveryStatus(StrEnum):
    """What a notifier or a provider status callback says about one notification."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    NO_ANSWER = "no-answer"
    BUSY = "busy"

    @property
    def is_failure(self) -> bool:
        """True when the notification did not reach the person."""
        return self in _FAILURES

    @property
    def rank(self) -> int:
        """Progress order; a status callback never moves a notification backwards."""
        return 3 if self.is_failure else _PROGRESS.index(self)


_FAILURES = frozenset(
    {
        DeliveryStatus.FAILED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.NO_ANSWER,
        DeliveryStatus.BUSY,
    }
)
_PROGRESS = (DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


class PageStatus(StrEnum):
    """The one lifecycle status of a page."""

    TRIGGERED = "triggered"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"

    @property
    def is_open(self) -> bool:
        """True while the page still escalates (nobody has acknowledged, chain not run out)."""
        return self in (PageStatus.TRIGGERED, PageStatus.NOTIFIED)


_ALLOWED: dict[PageStatus, frozenset[PageStatus]] = {
    PageStatus.TRIGGERED: frozenset(
        {PageStatus.NOTIFIED, PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED, PageStatus.EXHAUSTED}
    ),
    PageStatus.NOTIFIED: frozenset(
        {PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED, PageStatus.EXHAUSTED}
    ),
    PageStatus.ACKNOWLEDGED: frozenset({PageStatus.RESOLVED, PageStatus.NOTIFIED}),
    PageStatus.EXHAUSTED: frozenset({PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED}),
    PageStatus.RESOLVED: frozenset(),
}


def check_transition(current: PageStatus, new: PageStatus) -> None:
    """Raise IllegalTransitionError unless the lifecycle allows `current` -> `new`."""
    if new not in _ALLOWED[current]:
        raise IllegalTransitionError(f"page cannot go from {current} to {new}")


class AckSource(StrEnum):
    """Where an acknowledgement or resolution came from (audited)."""

    SMS_REPLY = "sms_reply"
    VOICE_KEYPRESS = "voice_keypress"
    LINK = "link"
    PORTAL = "portal"
    OPERATOR = "operator"
    SYSTEM = "system"


class TimerPurpose(StrEnum):
    """Why a page timer exists."""

    ESCALATE = "escalate"
    REMIND = "remind"


@dataclass(frozen=True, slots=True)
class TimerToken:
    """Identifies one scheduled step of one page; only the page's current token is honoured."""

    page_id: str
    seq: int
    purpose: TimerPurpose
    step: int

    def __str__(self) -> str:
        return f"{self.page_id}:{self.seq}:{self.purpose.value}:{self.step}"

    @classmethod
    def parse(cls, text: str) -> TimerToken:
        """Inverse of `str(token)`; page ids may contain colons."""
        try:
            page_id, seq, purpose, step = text.rsplit(":", 3)
            return cls(page_id, int(seq), TimerPurpose(purpose), int(step))
        except ValueError:
            raise PagingError(f"malformed timer token {text!r}") from None


@dataclass(frozen=True, slots=True)
class ScheduledTimer:
    """A durable timer to write: fire `token` at `due_at`."""

    token: TimerToken
    due_at: datetime


@dataclass(frozen=True, slots=True)
class PageNotification:
    """One notification of a page to one recipient on one channel, and what became of it."""

    id: str
    page_id: str
    recipient_id: str
    recipient_name: str
    channel: Channel
    address: str
    round_no: int
    created_at: datetime
    contacts: tuple[ContactMethod, ...] = ()
    status: DeliveryStatus | None = None
    sent_at: datetime | None = None
    status_at: datetime | None = None
    fallback: bool = False


# ----------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True, kw_only=True)
class PageEvent:
    """Something that happened to a page; `actor` and `channel` feed the audit trail."""

    page_id: str
    at: datetime
    actor: str = "system"
    channel: str = "system"


@dataclass(frozen=True, slots=True, kw_only=True)
class PageTriggered(PageEvent):
    """A page was created with a snapshot of its chain."""

    urgency: PageUrgency
    code: str
    subject_ref: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationDispatched(PageEvent):
    """A notification was handed out for sending."""

    notification_id: str
    recipient_id: str
    fallback: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationSent(PageEvent):
    """A notifier or provider accepted a notification."""

    notification_id: str
    recipient_id: str
    status: DeliveryStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationDelivered(PageEvent):
    """The provider confirmed delivery (a voice call answered is not an acknowledgement)."""

    notification_id: str
    recipient_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationFailed(PageEvent):
    """A notification did not reach its recipient; `next_channel` is tried at once if any."""

    notification_id: str
    recipient_id: str
    status: DeliveryStatus
    next_channel: Channel | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NobodyToNotify(PageEvent):
    """A step's target resolved to nobody reachable; the chain moved on at once."""

    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationAdvanced(PageEvent):
    """A timer fired and the chain moved on to its next steps."""

    step: int
    pass_no: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationHurried(PageEvent):
    """Every notification of the current round failed; the next step runs now."""

    round_no: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PageAcknowledged(PageEvent):
    """A human acknowledged the page; escalation stopped."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AcknowledgementIgnored(PageEvent):
    """A duplicate or late acknowledgement, recorded and otherwise ignored."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PageReopened(PageEvent):
    """An acknowledged page was not resolved in time; notifying again."""

    acknowledged_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PageResolved(PageEvent):
    """The callback was done (or staff closed the page)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolutionIgnored(PageEvent):
    """A repeated resolution, recorded and otherwise ignored."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PageExhausted(PageEvent):
    """The chain (and its fallback) ran out without an acknowledgement."""

    fallback_notified: bool


class PageOutcome(StrEnum):
    """What a page method did, for the caller to branch on and report."""

    TRIGGERED = "triggered"
    ESCALATED = "escalated"
    REOPENED = "reopened"
    EXHAUSTED = "exhausted"
    ACKNOWLEDGED = "acknowledged"
    ALREADY_ACKNOWLEDGED = "already_acknowledged"
    ACK_AFTER_RESOLVED = "ack_after_resolved"
    RESOLVED = "resolved"
    ALREADY_RESOLVED = "already_resolved"
    STALE_TIMER = "stale_timer"
    NOT_DUE = "not_due"
    DELIVERY_RECORDED = "delivery_recorded"
    CHANNEL_FALLBACK = "channel_fallback"
    HURRIED = "hurried"


@dataclass(frozen=True, slots=True)
class Transition:
    """Result of one page method: persist `page`, audit `events`, send `dispatches`, write `timer`.

    `timer` is the page's new current timer (None: keep no timer; any old timer is now stale).
    """

    page: Page
    outcome: PageOutcome
    events: tuple[PageEvent, ...] = ()
    dispatches: tuple[PageNotification, ...] = ()

    @property
    def timer(self) -> ScheduledTimer | None:
        """The timer the page now waits for, if any."""
        return self.page.timer


# ----------------------------------------------------------------------------- the aggregate


def page_code(seed: str, length: int = 5) -> str:
    """A short code derived from `seed` (e.g. the page id): letters and digits alternate (K7P4X).

    Easy to read aloud and type, no 0/O or 1/I/L, and no PHI.
    """
    if length < 4:
        raise PagingError("page codes have at least 4 characters")
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for position in range(length):
        alphabet = _CODE_LETTERS if position % 2 == 0 else _CODE_DIGITS
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def _require_aware(value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PagingError("times must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Page:
    """The paging aggregate: one urgent matter escalating through a snapshotted chain."""

    id: str
    practice_id: str
    code: str
    urgency: PageUrgency
    subject_ref: str
    chain: EscalationChain
    created_at: datetime
    status: PageStatus = PageStatus.TRIGGERED
    cursor: int = 0
    pass_no: int = 0
    round_no: int = 0
    timer_seq: int = 0
    timer: ScheduledTimer | None = None
    notifications: tuple[PageNotification, ...] = ()
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    exhausted_at: datetime | None = None
    reopen_count: int = 0
    history: tuple[PageStatus, ...] = field(default=(PageStatus.TRIGGERED,))

    # -- creation ---------------------------------------------------------------------------

    @classmethod
    def trigger(
        cls,
        *,
        page_id: str,
        practice_id: str,
        urgency: PageUrgency,
        subject_ref: str,
        chain: EscalationChain,
        now: datetime,
        resolve: TargetResolver,
        code: str | None = None,
    ) -> Transition:
        """Create a page, snapshotting `chain`, and run its first round of notifications now.

        `subject_ref` is an opaque id (message or call id), never PHI.
        """
        _require_aware(now)
        page = cls(
            id=page_id,
            practice_id=practice_id,
            code=code or page_code(page_id),
            urgency=urgency,
            subject_ref=subject_ref,
            chain=chain,
            created_at=now,
        )
        triggered = PageTriggered(
            page_id=page_id, at=now, urgency=urgency, code=page.code, subject_ref=subject_ref
        )
        page, events, dispatches = page._run(now, resolve)
        outcome = (
            PageOutcome.EXHAUSTED
            if page.status is PageStatus.EXHAUSTED
            else (PageOutcome.TRIGGERED)
        )
        return Transition(page, outcome, (triggered, *events), dispatches)

    # -- queries ----------------------------------------------------------------------------

    def notification(self, notification_id: str) -> PageNotification:
        """The notification with this id; PagingError if the page has none such."""
        for item in self.notifications:
            if item.id == notification_id:
                return item
        raise PagingError(f"page {self.id} has no notification {notification_id}")

    def wants_delivery(self, notification_id: str) -> bool:
        """Re-check just before sending: False once a human acknowledged or the page closed."""
        item = self.notification(notification_id)
        closed = self.status in (PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED)
        return item.status is None and not closed

    @property
    def sent_notifications(self) -> tuple[PageNotification, ...]:
        """Notifications a notifier accepted (any non-failed status), in order."""
        return tuple(n for n in self.notifications if n.sent_at is not None)

    # -- commands ---------------------------------------------------------------------------

    def due_step(self, token: TimerToken, now: datetime, resolve: TargetResolver) -> Transition:
        """Decide what a fired timer does: nothing if stale or early, else escalate or remind."""
        _require_aware(now)
        current = self.timer
        if current is None or token != current.token:
            return Transition(self, PageOutcome.STALE_TIMER)
        if now < current.due_at:
            return Transition(self, PageOutcome.NOT_DUE)
        if token.purpose is TimerPurpose.REMIND:
            return self._reopen(now, resolve)
        advanced = EscalationAdvanced(
            page_id=self.id, at=now, step=self.cursor, pass_no=self.pass_no
        )
        page, events, dispatches = replace(self, timer=None)._run(now, resolve)
        outcome = (
            PageOutcome.EXHAUSTED if page.status is PageStatus.EXHAUSTED else PageOutcome.ESCALATED
        )
        return Transition(page, outcome, (advanced, *events), dispatches)

    def acknowledge(self, *, by: str, via: AckSource, now: datetime) -> Transition:
        """A human acknowledged: stop escalating and start the re-notify-if-unresolved timer.

        A repeated acknowledgement, or one after resolution, is a recorded no-op.
        """
        _require_aware(now)
        if self.status is PageStatus.ACKNOWLEDGED:
            return self._ignored_ack(by, via, now, PageOutcome.ALREADY_ACKNOWLEDGED)
        if self.status is PageStatus.RESOLVED:
            return self._ignored_ack(by, via, now, PageOutcome.ACK_AFTER_RESOLVED)
        page = self._moved(PageStatus.ACKNOWLEDGED)
        seq = page.timer_seq + 1
        remind = ScheduledTimer(
            TimerToken(self.id, seq, TimerPurpose.REMIND, -1), now + self.chain.renotify_after_ack
        )
        page = replace(page, timer=remind, timer_seq=seq, acknowledged_at=now, acknowledged_by=by)
        event = PageAcknowledged(page_id=self.id, at=now, actor=by, channel=via.value)
        return Transition(page, PageOutcome.ACKNOWLEDGED, (event,))

    def resolve(self, *, by: str, via: AckSource, now: datetime) -> Transition:
        """The callback is done: close the page for good (a repeat is a recorded no-op)."""
        _require_aware(now)
        if self.status is PageStatus.RESOLVED:
            ignored = ResolutionIgnored(page_id=self.id, at=now, actor=by, channel=via.value)
            return Transition(self, PageOutcome.ALREADY_RESOLVED, (ignored,))
        page = replace(
            self._moved(PageStatus.RESOLVED), timer=None, resolved_at=now, resolved_by=by
        )
        event = PageResolved(page_id=self.id, at=now, actor=by, channel=via.value)
        return Transition(page, PageOutcome.RESOLVED, (event,))

    def record_delivery(
        self, notification_id: str, status: DeliveryStatus, now: datetime
    ) -> Transition:
        """Record a notifier receipt or provider callback; a failure tries the next channel now.

        When every notification of the current round has failed and no channel is left, the
        page's timer is moved to `now` so the next step runs at once.
        """
        _require_aware(now)
        item = self.notification(notification_id)
        if item.status is not None and status.rank <= item.status.rank:
            return Transition(self, PageOutcome.DELIVERY_RECORDED)
        updated = replace(
            item,
            status=status,
            status_at=now,
            sent_at=item.sent_at if (item.sent_at or status.is_failure) else now,
        )
        page = self._with_notification(updated)
        events: list[PageEvent] = []
        if not status.is_failure:
            if item.sent_at is None:
                events.append(self._sent_event(updated, status, now))
            if status is DeliveryStatus.DELIVERED:
                events.append(
                    NotificationDelivered(
                        page_id=self.id,
                        at=now,
                        channel=item.channel.value,
                        notification_id=item.id,
                        recipient_id=item.recipient_id,
                    )
                )
            if page.status is PageStatus.TRIGGERED:
                page = page._moved(PageStatus.NOTIFIED)
            return Transition(page, PageOutcome.DELIVERY_RECORDED, tuple(events))
        return page._after_failure(updated, status, now)

    # -- internals --------------------------------------------------------------------------

    def _sent_event(
        self, item: PageNotification, status: DeliveryStatus, now: datetime
    ) -> NotificationSent:
        return NotificationSent(
            page_id=self.id,
            at=now,
            channel=item.channel.value,
            notification_id=item.id,
            recipient_id=item.recipient_id,
            status=status,
        )

    def _after_failure(
        self, failed: PageNotification, status: DeliveryStatus, now: datetime
    ) -> Transition:
        same_round = failed.round_no == self.round_no
        still_paging = same_round and (self.status.is_open or self.status is PageStatus.EXHAUSTED)
        next_contact = self._next_contact(failed) if still_paging else None
        event = NotificationFailed(
            page_id=self.id,
            at=now,
            channel=failed.channel.value,
            notification_id=failed.id,
            recipient_id=failed.recipient_id,
            status=status,
            next_channel=next_contact.channel if next_contact else None,
        )
        if next_contact is not None:
            page, dispatch = self._dispatch(
                failed.recipient_id,
                failed.recipient_name,
                next_contact,
                failed.contacts,
                now,
                fallback=True,
                round_no=failed.round_no,
            )
            events = (event, page._dispatched_event(dispatch, now))
            return Transition(page, PageOutcome.CHANNEL_FALLBACK, events, (dispatch,))
        if self.status.is_open and self._round_all_failed() and self.timer is not None:
            seq = self.timer_seq + 1
            old = self.timer.token
            hurried = ScheduledTimer(TimerToken(self.id, seq, old.purpose, old.step), now)
            page = replace(self, timer=hurried, timer_seq=seq)
            rushed = EscalationHurried(page_id=self.id, at=now, round_no=self.round_no)
            return Transition(page, PageOutcome.HURRIED, (event, rushed))
        return Transition(self, PageOutcome.DELIVERY_RECORDED, (event,))

    def _round_all_failed(self) -> bool:
        current = [n for n in self.notifications if n.round_no == self.round_no]
        return bool(current) and all(n.status is not None and n.status.is_failure for n in current)

    def _next_contact(self, failed: PageNotification) -> ContactMethod | None:
        tried = {
            n.channel
            for n in self.notifications
            if n.round_no == failed.round_no and n.recipient_id == failed.recipient_id
        }
        for contact in failed.contacts:
            if contact.channel not in tried:
                return contact
        return None

    def _moved(self, status: PageStatus) -> Page:
        check_transition(self.status, status)
        return replace(self, status=status, history=(*self.history, status))

    def _with_notification(self, updated: PageNotification) -> Page:
        items = tuple(updated if n.id == updated.id else n for n in self.notifications)
        return replace(self, notifications=items)

    def _ignored_ack(
        self, by: str, via: AckSource, now: datetime, outcome: PageOutcome
    ) -> Transition:
        event = AcknowledgementIgnored(
            page_id=self.id, at=now, actor=by, channel=via.value, reason=outcome.value
        )
        return Transition(self, outcome, (event,))

    def _dispatched_event(self, item: PageNotification, now: datetime) -> NotificationDispatched:
        return NotificationDispatched(
            page_id=self.id,
            at=now,
            channel=item.channel.value,
            notification_id=item.id,
            recipient_id=item.recipient_id,
            fallback=item.fallback,
        )

    def _dispatch(
        self,
        recipient_id: str,
        recipient_name: str,
        contact: ContactMethod,
        contacts: tuple[ContactMethod, ...],
        now: datetime,
        *,
        fallback: bool,
        round_no: int,
    ) -> tuple[Page, PageNotification]:
        item = PageNotification(
            id=f"{self.id}-n{len(self.notifications) + 1}",
            page_id=self.id,
            recipient_id=recipient_id,
            recipient_name=recipient_name,
            channel=contact.channel,
            address=contact.address,
            round_no=round_no,
            created_at=now,
            contacts=contacts,
            fallback=fallback,
        )
        return replace(self, notifications=(*self.notifications, item)), item

    def _notify_recipient(
        self,
        recipient: Recipient,
        channels: Sequence[Channel],
        now: datetime,
        sent: set[tuple[str, Channel]],
    ) -> tuple[Page, list[PageNotification]]:
        page = self
        out: list[PageNotification] = []
        contacts: list[ContactMethod] = []
        for channel in channels:
            address = recipient.address_for(channel)
            if address is not None and (recipient.id, channel) not in sent:
                contacts.append(ContactMethod(channel, address))
        if not contacts and recipient.contacts:
            # None of the step's channels reach this person: use their first contact method.
            first = recipient.contacts[0]
            if (recipient.id, first.channel) not in sent:
                contacts = [first]
        for contact in contacts:
            page, item = page._dispatch(
                recipient.id,
                recipient.display_name,
                contact,
                recipient.contacts,
                now,
                fallback=False,
                round_no=page.round_no,
            )
            sent.add((recipient.id, contact.channel))
            out.append(item)
        return page, out

    def _notify_step(
        self,
        step: Notify,
        now: datetime,
        resolve: TargetResolver,
        sent: set[tuple[str, Channel]],
    ) -> tuple[Page, list[PageEvent], list[PageNotification]]:
        page = self
        events: list[PageEvent] = []
        dispatches: list[PageNotification] = []
        for recipient in resolve(step.target, now):
            page, items = page._notify_recipient(recipient, step.channels, now, sent)
            dispatches.extend(items)
        if not dispatches:
            events.append(NobodyToNotify(page_id=self.id, at=now, target=str(step.target)))
        events.extend(page._dispatched_event(item, now) for item in dispatches)
        return page, events, dispatches

    def _run(
        self,
        now: datetime,
        resolve: TargetResolver,
        *,
        new_round: bool = True,
        prefix: Sequence[PageNotification] = (),
        sent: set[tuple[str, Channel]] | None = None,
    ) -> tuple[Page, list[PageEvent], tuple[PageNotification, ...]]:
        """Walk the chain from the cursor until a Wait (with someone notified) or the end."""
        page = replace(self, round_no=self.round_no + 1) if new_round else self
        sent = sent if sent is not None else set()
        events: list[PageEvent] = []
        dispatches: list[PageNotification] = list(prefix)
        steps = page.chain.steps
        while page.cursor < len(steps):
            step = steps[page.cursor]
            if isinstance(step, Notify):
                page, step_events, items = page._notify_step(step, now, resolve, sent)
                events.extend(step_events)
                dispatches.extend(items)
                page = replace(page, cursor=page.cursor + 1)
            elif isinstance(step, Wait):
                page = replace(page, cursor=page.cursor + 1)
                if dispatches:
                    seq = page.timer_seq + 1
                    token = TimerToken(page.id, seq, TimerPurpose.ESCALATE, page.cursor)
                    due = now + timedelta(minutes=step.minutes)
                    page = replace(page, timer=ScheduledTimer(token, due), timer_seq=seq)
                    return page, events, tuple(dispatches)
            elif page.pass_no < step.times:
                page = replace(page, cursor=0, pass_no=page.pass_no + 1)
            else:
                page = replace(page, cursor=page.cursor + 1)
        return page._exhaust(now, resolve, events, dispatches, sent)

    def _exhaust(
        self,
        now: datetime,
        resolve: TargetResolver,
        events: list[PageEvent],
        dispatches: list[PageNotification],
        sent: set[tuple[str, Channel]],
    ) -> tuple[Page, list[PageEvent], tuple[PageNotification, ...]]:
        page = self
        notified_fallback = False
        if page.chain.fallback is not None:
            page, step_events, items = page._notify_step(page.chain.fallback, now, resolve, sent)
            events.extend(step_events)
            dispatches.extend(items)
            notified_fallback = bool(items)
        page = replace(page._moved(PageStatus.EXHAUSTED), timer=None, exhausted_at=now)
        events.append(PageExhausted(page_id=page.id, at=now, fallback_notified=notified_fallback))
        return page, events, tuple(dispatches)

    def _reopen(self, now: datetime, resolve: TargetResolver) -> Transition:
        acknowledger = self.acknowledged_by or ""
        page = replace(
            self._moved(PageStatus.NOTIFIED),
            timer=None,
            cursor=0,
            pass_no=0,
            round_no=self.round_no + 1,
            reopen_count=self.reopen_count + 1,
            acknowledged_at=None,
            acknowledged_by=None,
        )
        reopened = PageReopened(page_id=self.id, at=now, acknowledged_by=acknowledger)
        sent: set[tuple[str, Channel]] = set()
        reminders: list[PageNotification] = []
        earlier = [n for n in self.notifications if n.recipient_id == acknowledger]
        channels = list(dict.fromkeys(n.channel for n in earlier if not n.fallback))
        if earlier:
            who = Recipient(acknowledger, earlier[0].recipient_name, earlier[0].contacts)
            page, reminders = page._notify_recipient(who, channels, now, sent)
        events: list[PageEvent] = [reopened]
        events.extend(page._dispatched_event(item, now) for item in reminders)
        page, more, dispatches = page._run(
            now, resolve, new_round=False, prefix=reminders, sent=sent
        )
        events.extend(more)
        return Transition(page, PageOutcome.REOPENED, tuple(events), dispatches)


# ----------------------------------------------------------------------------- planning


@dataclass(frozen=True, slots=True)
class PlannedNotification:
    """One notify step of a plan: when (offset from the start), whom, how."""

    offset: timedelta
    at: datetime
    target: Target
    channels: tuple[Channel, ...]
    pass_no: int
    is_fallback: bool
    recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChainPlan:
    """The whole escalation of a chain if nobody ever acknowledges and every send succeeds."""

    start: datetime
    notifications: tuple[PlannedNotification, ...]
    exhausted_after: timedelta

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. `+5 min  oncall_primary  sms, voice  (dr-lee)`."""
        out = []
        for item in self.notifications:
            minutes = int(item.offset.total_seconds() // 60)
            label = "at once" if minutes == 0 else f"+{minutes} min"
            who = f"  ({', '.join(item.recipients)})" if item.recipients else ""
            tag = "  [fallback]" if item.is_fallback else ""
            channels = ", ".join(c.value for c in item.channels)
            out.append(f"{label:>8}  {item.target}  {channels}{who}{tag}")
        minutes = int(self.exhausted_after.total_seconds() // 60)
        out.append(f"{'+' + str(minutes) + ' min':>8}  exhausted")
        return out


def plan_chain(
    chain: EscalationChain, start: datetime, resolve: TargetResolver | None = None
) -> ChainPlan:
    """Lay out every notification of `chain` from `start` (used by `simulate` and the portal)."""
    _require_aware(start)
    offset = timedelta(0)
    planned: list[PlannedNotification] = []

    def add(step: Notify, pass_no: int, is_fallback: bool) -> None:
        at = start + offset
        who = tuple(r.id for r in resolve(step.target, at)) if resolve else ()
        planned.append(
            PlannedNotification(offset, at, step.target, step.channels, pass_no, is_fallback, who)
        )

    for pass_no in range(chain.repeat_times + 1):
        for step in chain.steps:
            if isinstance(step, Notify):
                add(step, pass_no, False)
            elif isinstance(step, Wait):
                offset += timedelta(minutes=step.minutes)
    if chain.fallback is not None:
        add(chain.fallback, chain.repeat_times, True)
    return ChainPlan(start, tuple(planned), offset)
