"""The Page aggregate: escalation through every path, acknowledgement, re-notify, failures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from paging_builders import (
    SMS_VOICE,
    T0,
    make_demo_chain,
    make_demo_roster,
    make_page,
    make_recipient,
    make_resolver,
    make_roster,
)

from triageline.domain.paging import (
    AcknowledgementIgnored,
    AckSource,
    Channel,
    DeliveryStatus,
    EscalationChain,
    EscalationHurried,
    IllegalTransitionError,
    NobodyToNotify,
    Notify,
    Page,
    PageAcknowledged,
    PageExhausted,
    PageOutcome,
    PageStatus,
    PageTriggered,
    PagingError,
    Repeat,
    Target,
    TimerPurpose,
    TimerToken,
    Transition,
    Wait,
    check_transition,
    page_code,
    plan_chain,
)


def sent_log(page: Page) -> list[tuple[int, str, str]]:
    """(minutes after creation, recipient, channel) of every notification handed out."""
    return [
        (int((n.created_at - page.created_at).total_seconds() // 60), n.recipient_id, n.channel)
        for n in page.notifications
    ]


def deliver_all(t: Transition, now: datetime, status: DeliveryStatus) -> Page:
    """Report `status` for every dispatch of a transition."""
    page = t.page
    for item in t.dispatches:
        page = page.record_delivery(item.id, status, now).page
    return page


def fire(page: Page, now: datetime | None = None) -> Transition:
    """Fire the page's current timer at its due time (or `now`)."""
    assert page.timer is not None
    return page.due_step(
        page.timer.token, now or page.timer.due_at, make_resolver(make_demo_roster())
    )


def test_trigger_notifies_primary_at_once_and_schedules_the_next_step() -> None:
    t = make_page()
    assert t.outcome is PageOutcome.TRIGGERED
    assert t.page.status is PageStatus.TRIGGERED
    assert [(d.recipient_id, d.channel) for d in t.dispatches] == [
        ("lee", Channel.SMS),
        ("lee", Channel.VOICE),
    ]
    assert isinstance(t.events[0], PageTriggered)
    assert t.timer is not None
    assert t.timer.due_at == T0 + timedelta(minutes=5)
    assert t.timer.token.purpose is TimerPurpose.ESCALATE
    page = deliver_all(t, T0, DeliveryStatus.QUEUED)
    assert page.status is PageStatus.NOTIFIED


def test_unacknowledged_page_runs_the_whole_chain_with_repeat_then_fallback() -> None:
    t = make_page()
    page = deliver_all(t, T0, DeliveryStatus.SENT)
    outcomes = []
    while page.timer is not None:
        due = page.timer.due_at
        t = fire(page)
        outcomes.append(t.outcome)
        page = deliver_all(t, due, DeliveryStatus.SENT)
    people = [(m, r) for m, r, c in sent_log(page) if c in (Channel.SMS, Channel.PUSH)]
    assert people == [
        (0, "lee"),
        (5, "lee"),
        (10, "chen"),
        (20, "pat"),
        (30, "lee"),
        (35, "lee"),
        (40, "chen"),
        (50, "pat"),
        (60, "ops"),
    ]
    assert outcomes[-1] is PageOutcome.EXHAUSTED
    assert page.status is PageStatus.EXHAUSTED
    assert page.exhausted_at == T0 + timedelta(minutes=60)
    assert isinstance(t.events[-1], PageExhausted) and t.events[-1].fallback_notified


def test_plan_matches_what_the_page_actually_does() -> None:
    plan = plan_chain(make_demo_chain(), T0, make_resolver(make_demo_roster()))
    minutes = [int(p.offset.total_seconds() // 60) for p in plan.notifications]
    assert minutes == [0, 5, 10, 20, 30, 35, 40, 50, 60]
    assert [p.recipients for p in plan.notifications][:4] == [
        ("lee",),
        ("lee",),
        ("chen",),
        ("pat",),
    ]
    assert plan.notifications[-1].is_fallback
    lines = plan.lines()
    assert "at once" in lines[0] and "oncall_primary" in lines[0] and "sms, voice" in lines[0]
    assert lines[1].strip().startswith("+5 min") and "oncall_primary" in lines[1]
    assert lines[2].strip().startswith("+10 min") and "oncall_backup" in lines[2]
    assert lines[3].strip().startswith("+20 min") and "practice_manager" in lines[3]
    assert lines[-1].strip() == "+60 min  exhausted"


def test_acknowledgement_stops_escalation_and_old_token_is_stale() -> None:
    t = make_page()
    page = deliver_all(t, T0, DeliveryStatus.SENT)
    old = page.timer
    assert old is not None
    ack = page.acknowledge(by="lee", via=AckSource.SMS_REPLY, now=T0 + timedelta(minutes=2))
    assert ack.outcome is PageOutcome.ACKNOWLEDGED
    assert isinstance(ack.events[0], PageAcknowledged)
    assert ack.events[0].actor == "lee" and ack.events[0].channel == "sms_reply"
    page = ack.page
    stale = page.due_step(old.token, old.due_at, make_resolver(make_demo_roster()))
    assert stale.outcome is PageOutcome.STALE_TIMER
    assert stale.page == page and stale.events == () and stale.dispatches == ()


def test_acknowledged_but_unresolved_page_renotifies_after_30_minutes() -> None:
    page = deliver_all(make_page(), T0, DeliveryStatus.SENT)
    acked_at = T0 + timedelta(minutes=3)
    page = page.acknowledge(by="lee", via=AckSource.LINK, now=acked_at).page
    assert page.timer is not None
    assert page.timer.token.purpose is TimerPurpose.REMIND
    assert page.timer.due_at == acked_at + timedelta(minutes=30)
    early = page.due_step(page.timer.token, acked_at + timedelta(minutes=29), make_resolver({}))
    assert early.outcome is PageOutcome.NOT_DUE
    t = fire(page)
    assert t.outcome is PageOutcome.REOPENED
    assert t.page.status is PageStatus.NOTIFIED
    assert t.page.acknowledged_by is None
    assert {(d.recipient_id, d.channel) for d in t.dispatches} == {
        ("lee", Channel.SMS),
        ("lee", Channel.VOICE),
    }
    assert t.timer is not None and t.timer.due_at == acked_at + timedelta(minutes=35)
    again = t.page.acknowledge(
        by="lee", via=AckSource.SMS_REPLY, now=acked_at + timedelta(minutes=31)
    )
    assert again.outcome is PageOutcome.ACKNOWLEDGED


def test_configurable_renotify_time() -> None:
    page = make_page(chain=make_demo_chain(renotify_minutes=12)).page
    page = page.acknowledge(by="lee", via=AckSource.PORTAL, now=T0).page
    assert page.timer is not None and page.timer.due_at == T0 + timedelta(minutes=12)


def test_resolved_page_never_renotifies() -> None:
    page = make_page().page.acknowledge(by="lee", via=AckSource.PORTAL, now=T0).page
    remind = page.timer
    assert remind is not None
    resolved = page.resolve(by="lee", via=AckSource.PORTAL, now=T0 + timedelta(minutes=10)).page
    assert resolved.status is PageStatus.RESOLVED and resolved.timer is None
    t = resolved.due_step(remind.token, remind.due_at, make_resolver(make_demo_roster()))
    assert t.outcome is PageOutcome.STALE_TIMER and t.dispatches == ()


def test_duplicate_and_late_acknowledgements_are_recorded_no_ops() -> None:
    page = make_page().page.acknowledge(by="lee", via=AckSource.SMS_REPLY, now=T0).page
    dup = page.acknowledge(by="lee", via=AckSource.VOICE_KEYPRESS, now=T0 + timedelta(minutes=1))
    assert dup.outcome is PageOutcome.ALREADY_ACKNOWLEDGED
    assert dup.page == page
    assert isinstance(dup.events[0], AcknowledgementIgnored)
    assert dup.events[0].channel == "voice_keypress"
    resolved = page.resolve(by="lee", via=AckSource.PORTAL, now=T0 + timedelta(minutes=5)).page
    late = resolved.acknowledge(by="chen", via=AckSource.LINK, now=T0 + timedelta(minutes=9))
    assert late.outcome is PageOutcome.ACK_AFTER_RESOLVED
    assert late.page == resolved and isinstance(late.events[0], AcknowledgementIgnored)
    again = resolved.resolve(by="pat", via=AckSource.PORTAL, now=T0 + timedelta(minutes=9))
    assert again.outcome is PageOutcome.ALREADY_RESOLVED and again.page == resolved


def test_acknowledgement_during_a_send_stops_fallbacks_and_timers() -> None:
    t = make_page()
    sms, voice = t.dispatches
    assert t.page.wants_delivery(sms.id)
    acked = t.page.acknowledge(by="lee", via=AckSource.SMS_REPLY, now=T0)
    assert not acked.page.wants_delivery(sms.id) and not acked.page.wants_delivery(voice.id)
    page = acked.page.record_delivery(voice.id, DeliveryStatus.SENT, T0 + timedelta(seconds=2))
    assert page.dispatches == () and page.page.status is PageStatus.ACKNOWLEDGED
    failed = page.page.record_delivery(sms.id, DeliveryStatus.FAILED, T0 + timedelta(seconds=3))
    assert failed.dispatches == ()
    assert failed.outcome is PageOutcome.DELIVERY_RECORDED
    assert failed.page.timer is not None
    assert failed.page.timer.token.purpose is TimerPurpose.REMIND


def test_failed_delivery_moves_to_next_channel_at_once_then_hurries_escalation() -> None:
    chain = EscalationChain(
        steps=(
            Notify(Target.parse("oncall_primary"), (Channel.SMS,)),
            Wait(15),
            Notify(Target.parse("oncall_backup"), (Channel.SMS,)),
            Wait(15),
        )
    )
    lee = make_recipient("lee", Channel.SMS, Channel.VOICE, Channel.EMAIL)
    roster = make_roster(oncall_primary=[lee], oncall_backup=[make_recipient("chen")])
    t = make_page(chain=chain, roster=roster)
    assert [d.channel for d in t.dispatches] == [Channel.SMS]
    now = T0 + timedelta(seconds=4)
    t = t.page.record_delivery(t.dispatches[0].id, DeliveryStatus.UNDELIVERED, now)
    assert t.outcome is PageOutcome.CHANNEL_FALLBACK
    assert [(d.channel, d.created_at, d.fallback) for d in t.dispatches] == [
        (Channel.VOICE, now, True)
    ]
    t = t.page.record_delivery(t.dispatches[0].id, DeliveryStatus.NO_ANSWER, now)
    assert [d.channel for d in t.dispatches] == [Channel.EMAIL]
    t = t.page.record_delivery(t.dispatches[0].id, DeliveryStatus.FAILED, now)
    assert t.outcome is PageOutcome.HURRIED
    assert any(isinstance(e, EscalationHurried) for e in t.events)
    assert t.timer is not None and t.timer.due_at == now
    t = t.page.due_step(t.timer.token, now, make_resolver(roster))
    assert [(d.recipient_id, d.channel) for d in t.dispatches] == [("chen", Channel.SMS)]


def test_nobody_on_call_moves_on_at_once() -> None:
    roster = make_demo_roster()
    del roster[Target.parse("oncall_primary")]
    t = make_page(roster=roster)
    assert any(isinstance(e, NobodyToNotify) for e in t.events)
    assert [d.recipient_id for d in t.dispatches] == ["chen", "chen"]
    assert t.timer is not None and t.timer.due_at == T0 + timedelta(minutes=10)


def test_nobody_anywhere_exhausts_immediately() -> None:
    t = make_page(roster={})
    assert t.outcome is PageOutcome.EXHAUSTED
    assert t.page.status is PageStatus.EXHAUSTED and t.timer is None
    exhausted = [e for e in t.events if isinstance(e, PageExhausted)]
    assert exhausted and not exhausted[0].fallback_notified


def test_late_ack_after_exhaustion_is_accepted() -> None:
    page = make_page(roster={}).page
    t = page.acknowledge(by="lee", via=AckSource.PORTAL, now=T0 + timedelta(hours=1))
    assert t.outcome is PageOutcome.ACKNOWLEDGED
    assert t.page.history == (PageStatus.TRIGGERED, PageStatus.EXHAUSTED, PageStatus.ACKNOWLEDGED)


def test_status_callbacks_never_move_backwards() -> None:
    t = make_page()
    item = t.dispatches[0]
    page = t.page.record_delivery(item.id, DeliveryStatus.DELIVERED, T0).page
    later = page.record_delivery(item.id, DeliveryStatus.SENT, T0 + timedelta(seconds=1))
    assert later.page == page and later.events == ()
    assert page.notification(item.id).status is DeliveryStatus.DELIVERED
    assert page.notification(item.id).sent_at == T0


def test_unknown_notification_is_an_error() -> None:
    with pytest.raises(PagingError):
        make_page().page.record_delivery("nope", DeliveryStatus.SENT, T0)


def test_firing_a_made_up_token_does_nothing() -> None:
    page = make_page().page
    bogus = TimerToken(page.id, 99, TimerPurpose.ESCALATE, 2)
    assert page.due_step(bogus, T0 + timedelta(hours=1), make_resolver({})).outcome is (
        PageOutcome.STALE_TIMER
    )


def test_lifecycle_table_rejects_illegal_transitions() -> None:
    with pytest.raises(IllegalTransitionError):
        check_transition(PageStatus.RESOLVED, PageStatus.NOTIFIED)
    with pytest.raises(IllegalTransitionError):
        check_transition(PageStatus.NOTIFIED, PageStatus.TRIGGERED)
    check_transition(PageStatus.ACKNOWLEDGED, PageStatus.NOTIFIED)


def test_token_round_trips_through_text() -> None:
    token = TimerToken("pg:with:colons", 7, TimerPurpose.REMIND, -1)
    assert TimerToken.parse(str(token)) == token
    with pytest.raises(PagingError):
        TimerToken.parse("garbage")


@pytest.mark.parametrize(
    "steps",
    [
        (Wait(5),),
        (Notify(Target.parse("oncall_primary"), SMS_VOICE),),
        (Notify(Target.parse("oncall_primary"), SMS_VOICE), Repeat(1), Wait(5)),
        (Notify(Target.parse("oncall_primary"), SMS_VOICE), Repeat(2)),
    ],
)
def test_malformed_chains_are_rejected(steps: tuple[Notify | Wait | Repeat, ...]) -> None:
    with pytest.raises(PagingError):
        EscalationChain(steps=steps)


def test_targets_parse_and_print() -> None:
    assert str(Target.parse("person:dr-lee")) == "person:dr-lee"
    assert str(Target.parse("role: nurse")) == "role:nurse"
    for bad in ("person", "primary", "oncall_primary:x"):
        with pytest.raises(PagingError):
            Target.parse(bad)


def test_page_code_is_short_typeable_and_stable() -> None:
    code = page_code("pg-1")
    assert code == page_code("pg-1") and code != page_code("pg-2")
    assert len(code) == 5 and code.isalnum() and code.isupper()
    assert not set(code) & set("01ILO")
    assert make_page().page.code == code


def test_times_must_be_aware() -> None:
    with pytest.raises(PagingError):
        make_page(now=datetime(2026, 1, 1, 12, 0))
