"""Builders for paging-service tests: the demo practice, a settable clock, a wired service."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from triageline.adapters.config.loader import load_practice
from triageline.adapters.notify.capture import CapturingNotifier
from triageline.domain.paging import Channel
from triageline.domain.practice import Practice
from triageline.services.paging import PagingConfig, PagingService
from triageline.services.ports import UnitOfWorkFactory

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
CHICAGO = ZoneInfo("America/Chicago")
# Friday 9 January 2026, 22:00 in Austin: after hours; Dr. Alvarez primary, Dr. Chen backup.
T0 = datetime(2026, 1, 9, 22, 0, tzinfo=CHICAGO).astimezone(UTC)
LINK_SECRET = b"k" * 32
PRIMARY_SMS = "+15125550111"


@functools.cache
def demo_practice() -> Practice:
    """The demo practice (loaded once per test session)."""
    return load_practice(DEMO)


@dataclass
class SettableClock:
    """A clock the test moves by hand."""

    at: datetime = T0

    def now(self) -> datetime:
        """The current simulated instant."""
        return self.at

    def set(self, at: datetime) -> datetime:
        """Jump to ``at``."""
        self.at = at
        return at


@dataclass
class StaticPractices:
    """A PracticeSource over fixed practices."""

    practices: dict[str, Practice] = field(default_factory=dict)

    def get(self, practice_id: str) -> Practice | None:
        """The practice, or None."""
        return self.practices.get(practice_id)

    def practice_ids(self) -> Sequence[str]:
        """Every practice id."""
        return sorted(self.practices)


@dataclass
class Rig:
    """A wired paging service with its clock, capturing notifier and unit-of-work factory."""

    service: PagingService
    clock: SettableClock
    notifier: CapturingNotifier
    uow_factory: UnitOfWorkFactory
    practice: Practice

    def at(self, minutes: float) -> datetime:
        """Set the clock to T0 + ``minutes`` and return it."""
        return self.clock.set(T0 + timedelta(minutes=minutes))

    def run(self, minutes: float, worker: str = "w1") -> int:
        """Move the clock to T0 + ``minutes`` and run due timers."""
        return self.service.run_due(self.at(minutes), worker)

    def sent(self) -> list[tuple[str, str]]:
        """(recipient, channel) of everything handed to a notifier, in order."""
        return [(n.recipient_id, n.channel.value) for n in self.notifier.sent]


def make_rig(uow_factory: UnitOfWorkFactory, **notifier_options: Any) -> Rig:
    """A paging service over ``uow_factory`` with the demo practice and one capturing notifier."""
    practice = demo_practice()
    clock = SettableClock()
    notifier = CapturingNotifier(**notifier_options)
    service = PagingService(
        uow_factory=uow_factory,
        clock=clock,
        notifiers={channel: notifier for channel in Channel},
        practices=StaticPractices({practice.id: practice}),
        config=PagingConfig(public_base_url="https://triageline.test", link_secret=LINK_SECRET),
    )
    return Rig(service, clock, notifier, uow_factory, practice)


def make_short_chain_practice() -> Practice:
    """The demo practice with a short chain for load tests: primary, +5 backup, +10 manager,
    exhausted at +20 with the operator queue; no reminder within the test's horizon."""
    from dataclasses import replace

    from triageline.domain.paging import (
        EscalationChain,
        EscalationPolicy,
        Notify,
        Target,
        Wait,
    )

    sms = (Channel.SMS,)
    chain = EscalationChain(
        steps=(
            Notify(Target.parse("oncall_primary"), sms),
            Wait(5),
            Notify(Target.parse("oncall_backup"), sms),
            Wait(5),
            Notify(Target.parse("practice_manager"), sms),
            Wait(10),
        ),
        fallback=Notify(Target.parse("operator_queue"), (Channel.PUSH,)),
        renotify_after_ack=timedelta(hours=24),
    )
    return replace(demo_practice(), escalation=EscalationPolicy(chain, chain))


SHORT_CHAIN_PLAN = ((0, "dr-alvarez"), (5, "dr-chen"), (10, "pm-nguyen"), (20, "operator_queue"))
"""(minute, recipient) of every notification of the short chain when nobody acknowledges."""
