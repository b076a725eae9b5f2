"""Hypothesis state machine: random acks, resolutions, receipts and timers never break a page."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from paging_builders import T0, make_demo_roster, make_page, make_resolver

from triageline.domain.paging import (
    AckSource,
    DeliveryStatus,
    PageOutcome,
    PageStatus,
    TimerPurpose,
    TimerToken,
    Transition,
)


class PageMachine(RuleBasedStateMachine):
    """Drives one page with arbitrary events and checks the promises after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.resolve = make_resolver(make_demo_roster())
        first = make_page()
        self.page = first.page
        self.now = T0
        self.old_tokens: list[TimerToken] = []
        self.last: Transition = first

    def _apply(self, t: Transition) -> None:
        before = self.page
        if before.timer is not None and t.page.timer != before.timer:
            self.old_tokens.append(before.timer.token)
        if before.status in (PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED):
            # After an acknowledgement only the re-notify reminder may send anything.
            assert t.dispatches == () or t.outcome is PageOutcome.REOPENED
        self.page = t.page
        self.last = t

    @rule(minutes=st.integers(min_value=0, max_value=40))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @precondition(lambda self: self.page.timer is not None)
    @rule()
    def timer_fires(self) -> None:
        timer = self.page.timer
        assert timer is not None
        self.now = max(self.now, timer.due_at)
        self._apply(self.page.due_step(timer.token, self.now, self.resolve))

    @precondition(lambda self: bool(self.old_tokens))
    @rule(data=st.data())
    def stale_timer_fires(self, data: st.DataObject) -> None:
        token = data.draw(st.sampled_from(self.old_tokens))
        t = self.page.due_step(token, self.now + timedelta(hours=5), self.resolve)
        assert t.outcome is PageOutcome.STALE_TIMER
        assert t.page == self.page and t.events == () and t.dispatches == ()

    @rule(source=st.sampled_from(list(AckSource)))
    def acknowledged(self, source: AckSource) -> None:
        before = self.page.status
        t = self.page.acknowledge(by="lee", via=source, now=self.now)
        if before in (PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED):
            assert t.page == self.page and len(t.events) == 1
        self._apply(t)

    @rule()
    def resolved(self) -> None:
        self._apply(self.page.resolve(by="lee", via=AckSource.PORTAL, now=self.now))

    @precondition(lambda self: bool(self.page.notifications))
    @rule(data=st.data(), status=st.sampled_from(list(DeliveryStatus)))
    def receipt(self, data: st.DataObject, status: DeliveryStatus) -> None:
        item = data.draw(st.sampled_from(self.page.notifications))
        t = self.page.record_delivery(item.id, status, self.now)
        for d in t.dispatches:
            assert d.created_at == self.now and d.fallback
        self._apply(t)

    @invariant()
    def status_matches_history_and_timer(self) -> None:
        page = self.page
        assert page.history[-1] is page.status
        if page.status in (PageStatus.RESOLVED, PageStatus.EXHAUSTED):
            assert page.timer is None
        else:
            assert page.timer is not None
        if page.status is PageStatus.ACKNOWLEDGED:
            assert page.timer is not None
            assert page.timer.token.purpose is TimerPurpose.REMIND
            assert page.acknowledged_by == "lee"

    @invariant()
    def notification_ids_are_unique(self) -> None:
        ids = [n.id for n in self.page.notifications]
        assert len(ids) == len(set(ids))


PageMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
TestPageMachine = PageMachine.TestCase
