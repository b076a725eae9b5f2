"""PagingService on the in-memory store, SQLite and PostgreSQL: every path of a page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from paging_service_builders import PRIMARY_SMS, T0, Rig, make_rig

from triageline.domain.audit import AuditEntry
from triageline.domain.messages import Message, MessageStatus
from triageline.domain.paging import (
    AckSource,
    Channel,
    DeliveryStatus,
    PageOutcome,
    PageStatus,
    PageUrgency,
    TimerToken,
)
from triageline.domain.triage.types import Language, TriageLevel
from triageline.services.paging import AckLinkRefusedError, PagingServiceError, urgency_for
from triageline.services.ports import UnitOfWork
from triageline.services.ports_paging import CallerUpdate, SendState, TimerState

UowFactory = Callable[[], UnitOfWork]
PHI = ("Jane Roe", "+15550001111", "chest pain", "1980-02-03")


@pytest.fixture
def rig(any_uow_factory: UowFactory) -> Rig:
    return make_rig(any_uow_factory)


def open_demo_page(rig: Rig, message_id: str = "msg-1", **options: object) -> str:
    ref = rig.service.open_page(
        rig.practice.id,
        message_id,
        PageUrgency.URGENT,
        rig.at(0),
        **options,  # type: ignore[arg-type]
    )
    return ref.page_id


def audit_actions(rig: Rig, page_id: str) -> list[tuple[str, str, str, str]]:
    with rig.uow_factory() as uow:
        events = uow.audit.list(subject=f"page:{page_id}", limit=1000)
    return [
        (e.entry.action, e.entry.actor, e.entry.channel, e.entry.outcome) for e in reversed(events)
    ]


def test_open_page_notifies_the_primary_at_once_without_phi(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    assert rig.sent() == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]
    sms = rig.notifier.sent[0]
    assert sms.practice_name in sms.body and sms.code in sms.body
    assert sms.link.startswith("https://triageline.test/ack/") and sms.link in sms.body
    assert not any(word in sms.body for word in PHI)
    with rig.uow_factory() as uow:
        timers = uow.timers.for_page(page_id)
        record = uow.pages.get(page_id)
    assert [t.due_at for t in timers] == [T0 + timedelta(minutes=5)]
    assert record is not None and record.page.status is PageStatus.NOTIFIED
    assert {n.sent_at for n in record.page.notifications} == {T0}


def test_open_page_is_idempotent_per_message(rig: Rig) -> None:
    first = rig.service.open_page(rig.practice.id, "msg-9", PageUrgency.URGENT, rig.at(0))
    again = rig.service.open_page(rig.practice.id, "msg-9", PageUrgency.URGENT, rig.at(1))
    assert first.created and not again.created and again.page_id == first.page_id
    assert len(rig.notifier.sent) == 2


def test_unknown_practice_is_refused(rig: Rig) -> None:
    with pytest.raises(PagingServiceError):
        rig.service.open_page("nope", "m", PageUrgency.URGENT, T0)
    assert urgency_for(TriageLevel.EMERGENCY) is PageUrgency.EMERGENCY_NOTIFY
    with pytest.raises(PagingServiceError):
        urgency_for(TriageLevel.ROUTINE)


def test_unacknowledged_page_runs_the_whole_chain_then_the_fallback(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    timeline: list[tuple[int, str, str]] = [(0, r, c) for r, c in rig.sent()]
    for minute in range(1, 70):
        before = len(rig.notifier.sent)
        rig.run(minute)
        timeline += [(minute, n.recipient_id, n.channel.value) for n in rig.notifier.sent[before:]]
    firsts = [(m, r) for m, r, c in timeline if c in ("sms", "push")]
    assert firsts == [
        (0, "dr-alvarez"),
        (5, "dr-alvarez"),
        (10, "dr-chen"),
        (20, "pm-nguyen"),
        (30, "dr-alvarez"),
        (35, "dr-alvarez"),
        (40, "dr-chen"),
        (50, "pm-nguyen"),
        (60, "operator_queue"),
    ]
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
        timers = uow.timers.for_page(page_id)
    assert record is not None and record.page.status is PageStatus.EXHAUSTED
    assert all(t.state is TimerState.DONE and t.done_at == t.due_at for t in timers)
    assert len(timers) == 8


def test_acknowledgement_stops_the_chain_and_reminds_if_unresolved(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    result = rig.service.acknowledge(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.PORTAL, at=rig.at(3)
    )
    assert result.outcome is PageOutcome.ACKNOWLEDGED
    assert rig.run(5) == 1  # the escalation timer fires and finds its token stale
    assert len(rig.notifier.sent) == 2
    with rig.uow_factory() as uow:
        states = [(t.token.split(":")[2], t.state) for t in uow.timers.for_page(page_id)]
    assert states[0] == ("escalate", TimerState.STALE)
    for minute in range(6, 33):
        rig.run(minute)
    assert len(rig.notifier.sent) == 2
    rig.run(33)  # acknowledged 30 minutes ago and not resolved: remind the acknowledger
    assert rig.sent()[2:4] == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]


def test_resolved_page_never_notifies_again(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    rig.service.acknowledge(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.LINK, at=rig.at(2)
    )
    done = rig.service.resolve(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.PORTAL, at=rig.at(9)
    )
    again = rig.service.resolve(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.PORTAL, at=rig.at(10)
    )
    assert done.outcome is PageOutcome.RESOLVED and again.outcome is PageOutcome.ALREADY_RESOLVED
    for minute in range(10, 90, 5):
        rig.run(minute)
    assert len(rig.notifier.sent) == 2


def test_duplicate_and_late_acknowledgements_are_recorded_no_ops(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    first = rig.service.acknowledge(
        code=rig.notifier.sent[0].code,
        actor="dr-alvarez",
        channel=AckSource.SMS_REPLY,
        at=rig.at(1),
    )
    second = rig.service.acknowledge(
        page_id=page_id, actor="dr-chen", channel=AckSource.VOICE_KEYPRESS, at=rig.at(2)
    )
    assert first.outcome is PageOutcome.ACKNOWLEDGED
    assert (
        second.outcome is PageOutcome.ALREADY_ACKNOWLEDGED
        and second.acknowledged_by == "dr-alvarez"
    )
    actions = audit_actions(rig, page_id)
    assert ("page.page_acknowledged", "dr-alvarez", "sms_reply", "ok") in actions
    assert (
        "page.acknowledgement_ignored",
        "dr-chen",
        "voice_keypress",
        "already_acknowledged",
    ) in actions
    assert actions[0][0] == "page.page_triggered"


def test_every_transition_is_audited_and_the_chain_verifies(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    rig.run(5)
    rig.service.acknowledge(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.LINK, at=rig.at(6)
    )
    actions = [a[0] for a in audit_actions(rig, page_id)]
    for expected in (
        "page.page_triggered",
        "page.notification_dispatched",
        "page.notification_sent",
        "page.escalation_advanced",
        "page.page_acknowledged",
    ):
        assert expected in actions
    with rig.uow_factory() as uow:
        assert uow.audit.verify() is None
        entries = uow.audit.list(subject=f"page:{page_id}", limit=1000)
    assert not any(word in str(e.entry) for e in entries for word in (*PHI, PRIMARY_SMS))


def test_a_killed_workers_claim_is_taken_over_after_its_lease(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    now = rig.at(5)
    with rig.uow_factory() as uow:  # worker "dead" claims the timer and is never heard of again
        claimed = uow.timers.claim_due(now, "dead", now + timedelta(seconds=60), 10)
        uow.commit()
    assert len(claimed) == 1
    assert rig.service.run_due(now, "w2") == 0
    assert rig.service.run_due(now + timedelta(seconds=59), "w2") == 0
    assert len(rig.notifier.sent) == 2
    assert rig.service.run_due(now + timedelta(seconds=61), "w2") == 1
    assert rig.sent()[2:] == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]
    assert rig.service.run_due(now + timedelta(seconds=200), "w3") == 0
    with rig.uow_factory() as uow:
        timers = uow.timers.for_page(page_id)
    assert [t.claimed_by for t in timers if t.state is TimerState.DONE] == ["w2"]


def test_a_stale_or_repeated_token_does_nothing(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    rig.run(5)
    assert len(rig.notifier.sent) == 4
    from triageline.domain.paging import ScheduledTimer, TimerPurpose

    old = ScheduledTimer(TimerToken(page_id, 99, TimerPurpose.ESCALATE, 2), T0)
    with rig.uow_factory() as uow:
        assert uow.timers.schedule(page_id, old)
        uow.commit()
    assert rig.run(6) == 1
    assert len(rig.notifier.sent) == 4


def test_failed_delivery_moves_to_the_next_channel_at_once(any_uow_factory: UowFactory) -> None:
    rig = make_rig(any_uow_factory, fail_channels={Channel.SMS})
    page_id = open_demo_page(rig)
    assert rig.sent() == [("dr-alvarez", "sms"), ("dr-alvarez", "voice"), ("dr-alvarez", "push")]
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    sms, voice, push = record.page.notifications
    assert sms.status is DeliveryStatus.FAILED and push.fallback
    # Twilio later reports the voice page unanswered and the push undelivered: every channel
    # of this round failed, so the next step (primary again) runs now, not at +5 minutes.
    rig.at(1)
    assert (
        rig.service.record_delivery(voice.id, DeliveryStatus.NO_ANSWER)
        is PageOutcome.DELIVERY_RECORDED
    )
    assert rig.service.record_delivery(push.id, DeliveryStatus.FAILED) is PageOutcome.HURRIED
    assert rig.run(1) == 1
    assert rig.sent()[3:5] == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]
    assert rig.service.record_delivery("unknown-n1", DeliveryStatus.FAILED) is None


def test_status_callbacks_never_move_backwards(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    sms = record.page.notifications[0]
    rig.service.record_delivery(sms.id, DeliveryStatus.DELIVERED, rig.at(1))
    rig.service.record_delivery(sms.id, DeliveryStatus.SENT, rig.at(2))
    with rig.uow_factory() as uow:
        after = uow.pages.get(page_id)
        item = uow.outbox.get(sms.id)
    assert after is not None and after.page.notifications[0].status is DeliveryStatus.DELIVERED
    assert item is not None and item.state is SendState.SENT and item.provider_id == "cap-1"
    assert rig.service.notification_for_provider_id("cap-1") == sms.id


def test_sms_reply_acknowledges_only_for_a_paged_number(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    code = rig.notifier.sent[0].code
    assert not rig.service.try_acknowledge_sms("+15550009999", "1", rig.at(1))
    assert not rig.service.try_acknowledge_sms(PRIMARY_SMS, "what is this about?", rig.at(1))
    assert not rig.service.try_acknowledge_sms(PRIMARY_SMS, "ZZ99Z", rig.at(1))
    assert rig.service.try_acknowledge_sms(PRIMARY_SMS, f"ack {code}", rig.at(2))
    assert rig.service.try_acknowledge_sms(PRIMARY_SMS, "1", rig.at(3))  # duplicate, recorded
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None and record.page.acknowledged_by == "dr-alvarez"
    assert record.ack_channel == "sms_reply"
    assert record.page.acknowledged_at == T0 + timedelta(minutes=2)


def test_ack_link_is_signed_single_use_and_expires(rig: Rig) -> None:
    page_id = open_demo_page(rig)
    token = rig.notifier.sent[0].link.rsplit("/", 1)[1]
    view = rig.service.view_ack_link(token, rig.at(1))
    assert (view.page_id, view.recipient_id, view.status) == (
        page_id,
        "dr-alvarez",
        PageStatus.NOTIFIED,
    )
    with pytest.raises(AckLinkRefusedError):
        rig.service.view_ack_link(token[:-2] + "xx", rig.at(1))
    result = rig.service.acknowledge_link(token, rig.at(2))
    assert result.outcome is PageOutcome.ACKNOWLEDGED and result.acknowledged_by == "dr-alvarez"
    with pytest.raises(AckLinkRefusedError, match="already used"):
        rig.service.acknowledge_link(token, rig.at(3))
    other = rig.notifier.sent[1].link.rsplit("/", 1)[1]
    with pytest.raises(AckLinkRefusedError, match="expired"):
        rig.service.acknowledge_link(other, rig.at(12 * 60 + 1))


def test_caller_who_agreed_to_texts_hears_back_in_their_language(rig: Rig) -> None:
    page_id = open_demo_page(rig, caller_update=CallerUpdate("+15550001111", Language.ES))
    rig.service.acknowledge(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.SMS_REPLY, at=rig.at(4)
    )
    text = rig.notifier.sent[-1]
    assert text.address == "+15550001111" and text.channel is Channel.SMS
    # Acknowledged 22:04 in Austin; the demo's after-hours callback time is 30 minutes.
    assert (
        text.body
        == "Su mensaje le llegó a Dr. Maria Alvarez; espere una llamada antes de las 22:34."
    )
    rig.service.acknowledge(
        page_id=page_id, actor="dr-chen", channel=AckSource.SMS_REPLY, at=rig.at(5)
    )
    assert rig.notifier.sent[-1] is text  # a duplicate acknowledgement texts nobody
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None and record.caller_update == CallerUpdate("+15550001111", Language.ES)
    assert record.caller_notified_at == T0 + timedelta(minutes=4)


def test_acknowledging_the_page_acknowledges_the_message(rig: Rig) -> None:
    with rig.uow_factory() as uow:
        uow.practices.store_config(
            rig.practice.id, rig.practice.name, "id: demo\n", created_by="t", at=T0
        )
        uow.messages.add(
            Message(
                id="msg-7",
                practice_id=rig.practice.id,
                queue="clinical",
                urgency=TriageLevel.URGENT,
                created_at=T0,
            )
        )
        uow.commit()
    page_id = open_demo_page(rig, message_id="msg-7")
    rig.service.acknowledge(
        page_id=page_id, actor="dr-alvarez", channel=AckSource.PORTAL, at=rig.at(2)
    )
    with rig.uow_factory() as uow:
        message = uow.messages.get("msg-7")
    assert message is not None and message.status is MessageStatus.ACKNOWLEDGED
    assert message.acknowledged_by == "dr-alvarez"


def test_daily_gap_report_goes_to_the_practice_manager_once(rig: Rig) -> None:
    from datetime import UTC, datetime

    monday = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the demo's gap is Saturday night
    assert rig.service.send_gap_reports(monday) == 1
    report = rig.notifier.sent[-1]
    assert report.recipient_id == "pm-nguyen" and report.channel is Channel.EMAIL
    assert "physician primary: Sat 28 Nov 18:00 - Sun 29 Nov 08:00" in report.body
    assert rig.service.send_gap_reports(monday + timedelta(hours=2)) == 0
    assert rig.service.send_gap_reports(monday + timedelta(days=1)) == 1
    with rig.uow_factory() as uow:
        entries = uow.audit.list(subject=f"practice:{rig.practice.id}")
    assert [e.entry.action for e in entries] == ["oncall.gap_report_sent"] * 2
    assert isinstance(entries[0].entry, AuditEntry)
