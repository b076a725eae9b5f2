"""The batched paging storage calls (memory, SQLite, PostgreSQL): same answers as one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from paging_service_builders import T0, Rig, make_rig

from triageline.domain.paging import Page, PageUrgency, ScheduledTimer, TimerToken
from triageline.services.paging_targets import practice_resolver
from triageline.services.ports import UnitOfWork
from triageline.services.ports_paging import PageRecord, SendState, TimerState

UowFactory = Callable[[], UnitOfWork]


@pytest.fixture
def rig(any_uow_factory: UowFactory) -> Rig:
    return make_rig(any_uow_factory)


def open_page(rig: Rig, message_id: str = "msg-1") -> str:
    return rig.service.open_page(rig.practice.id, message_id, PageUrgency.URGENT, T0).page_id


def test_open_page_twice_for_a_message_stores_one_page(rig: Rig) -> None:
    first = rig.service.open_page(rig.practice.id, "msg-1", PageUrgency.URGENT, T0)
    again = rig.service.open_page(rig.practice.id, "msg-1", PageUrgency.URGENT, T0)
    assert first.created and not again.created
    assert again.page_id == first.page_id
    with rig.uow_factory() as uow:
        assert len(uow.pages.list_recent()) == 1
        assert len(uow.timers.for_page(first.page_id)) == 1


def test_schedule_ignores_a_token_written_before(rig: Rig) -> None:
    page_id = open_page(rig)
    with rig.uow_factory() as uow:
        (timer,) = uow.timers.for_page(page_id)
        again = ScheduledTimer(_token(rig, page_id), timer.due_at + timedelta(hours=1))
        assert uow.timers.schedule(page_id, again) is False
        uow.commit()
    with rig.uow_factory() as uow:
        (still,) = uow.timers.for_page(page_id)
    assert still.due_at == timer.due_at


def _token(rig: Rig, page_id: str) -> TimerToken:
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None and record.page.timer is not None
    return record.page.timer.token


def test_finish_claimed_only_for_the_holder_of_a_pending_timer(rig: Rig) -> None:
    page_id = open_page(rig)
    due = T0 + timedelta(minutes=10)
    with rig.uow_factory() as uow:
        (timer,) = uow.timers.claim_due(due, "w1", due + timedelta(minutes=1), 10)
        uow.commit()
    assert timer.page_id == page_id
    with rig.uow_factory() as uow:
        assert uow.timers.finish_claimed(timer.id, "w2", due, TimerState.DONE) is None
        uow.commit()
    with rig.uow_factory() as uow:
        done = uow.timers.finish_claimed(timer.id, "w1", due, TimerState.DONE)
        assert done is not None and done.state is TimerState.DONE and done.done_at == due
        uow.commit()
    with rig.uow_factory() as uow:
        assert uow.timers.finish_claimed(timer.id, "w1", due, TimerState.DONE) is None
        (stored,) = uow.timers.for_page(page_id)
    assert stored.state is TimerState.DONE


def test_finish_claimed_is_undone_by_a_rollback(rig: Rig) -> None:
    page_id = open_page(rig)
    due = T0 + timedelta(minutes=10)
    with rig.uow_factory() as uow:
        (timer,) = uow.timers.claim_due(due, "w1", due + timedelta(minutes=1), 10)
        uow.commit()
    with rig.uow_factory() as uow:
        assert uow.timers.finish_claimed(timer.id, "w1", due, TimerState.DONE) is not None
    with rig.uow_factory() as uow:
        (row,) = uow.timers.for_page(page_id)
    assert row.state is TimerState.PENDING and row.done_at is None and row.claimed_by == "w1"


def test_finish_many_marks_pending_notifications_and_keeps_the_rest(rig: Rig) -> None:
    page_id = open_page(rig)
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
        assert record is not None
        ids = [n.id for n in record.page.notifications]
        before = {i: uow.outbox.get(i) for i in ids}
    assert all(item is not None and item.state is SendState.SENT for item in before.values())
    with rig.uow_factory() as uow:
        uow.outbox.finish_many([(i, "other") for i in ids], SendState.CANCELLED)
        uow.commit()
    with rig.uow_factory() as uow:
        after = {i: uow.outbox.get(i) for i in ids}
    assert after == before  # sent notifications are not pending: left as they were


def test_finish_many_sets_the_state_and_a_given_provider_id(rig: Rig) -> None:
    transition = Page.trigger(
        page_id="page-batch",
        practice_id=rig.practice.id,
        urgency=PageUrgency.URGENT,
        subject_ref="msg-batch",
        chain=rig.practice.escalation.chain_for(PageUrgency.URGENT),  # type: ignore[union-attr]
        now=T0,
        resolve=practice_resolver(rig.practice),
    )
    first, second = (n.id for n in transition.page.notifications[:2])
    with rig.uow_factory() as uow:
        assert uow.pages.add(PageRecord(transition.page))
        uow.commit()
    with rig.uow_factory() as uow:
        uow.outbox.finish_many([(first, "SM123"), (second, "")], SendState.SENT)
        uow.commit()
    with rig.uow_factory() as uow:
        one, two = uow.outbox.get(first), uow.outbox.get(second)
    assert one is not None and one.state is SendState.SENT and one.provider_id == "SM123"
    assert two is not None and two.state is SendState.SENT and two.provider_id == ""
