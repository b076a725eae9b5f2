"""Builders for paging tests: chains, recipients, a resolver over a plain roster."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from triageline.domain.paging import (
    Channel,
    ContactMethod,
    EscalationChain,
    Notify,
    Page,
    PageUrgency,
    Recipient,
    Repeat,
    Target,
    TargetResolver,
    Transition,
    Wait,
)

T0 = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)
SMS_VOICE = (Channel.SMS, Channel.VOICE)


def make_recipient(rid: str, *channels: Channel) -> Recipient:
    """A recipient with one address per channel (sms+voice by default)."""
    chosen = channels or SMS_VOICE
    contacts = tuple(ContactMethod(c, f"{c.value}://{rid}") for c in chosen)
    return Recipient(rid, f"Dr. {rid.title()}", contacts)


def make_roster(**targets: Sequence[Recipient]) -> dict[Target, list[Recipient]]:
    """Map target strings (underscored keys, `person__x` -> `person:x`) to recipients."""
    return {Target.parse(k.replace("__", ":")): list(v) for k, v in targets.items()}


def make_resolver(roster: dict[Target, list[Recipient]]) -> TargetResolver:
    """A resolver reading a fixed roster (time ignored)."""

    def resolve(target: Target, at: datetime) -> list[Recipient]:
        assert at.tzinfo is not None
        return list(roster.get(target, []))

    return resolve


def make_demo_chain(renotify_minutes: int = 30) -> EscalationChain:
    """Primary at once, +5 primary, +10 backup, +20 manager, wait 10, repeat 1, operator queue."""
    return EscalationChain(
        steps=(
            Notify(Target.parse("oncall_primary"), SMS_VOICE),
            Wait(5),
            Notify(Target.parse("oncall_primary"), SMS_VOICE),
            Wait(5),
            Notify(Target.parse("oncall_backup"), SMS_VOICE),
            Wait(10),
            Notify(Target.parse("practice_manager"), (Channel.SMS, Channel.EMAIL)),
            Wait(10),
            Repeat(1),
        ),
        fallback=Notify(Target.parse("operator_queue"), (Channel.PUSH, Channel.WEBHOOK)),
        renotify_after_ack=timedelta(minutes=renotify_minutes),
    )


def make_demo_roster() -> dict[Target, list[Recipient]]:
    """Lee primary, Chen backup, Pat the manager, the operator queue."""
    return make_roster(
        oncall_primary=[make_recipient("lee")],
        oncall_backup=[make_recipient("chen")],
        practice_manager=[make_recipient("pat", Channel.SMS, Channel.EMAIL)],
        operator_queue=[make_recipient("ops", Channel.PUSH, Channel.WEBHOOK)],
    )


def make_page(
    chain: EscalationChain | None = None,
    roster: dict[Target, list[Recipient]] | None = None,
    now: datetime = T0,
    page_id: str = "pg-1",
) -> Transition:
    """Trigger a page with the demo chain and roster unless told otherwise."""
    return Page.trigger(
        page_id=page_id,
        practice_id="demo",
        urgency=PageUrgency.URGENT,
        subject_ref="msg-1",
        chain=chain or make_demo_chain(),
        now=now,
        resolve=make_resolver(roster if roster is not None else make_demo_roster()),
    )
