"""Builders for booking-conversation tests: the demo practice, a real in-memory scheduler."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from triageline.adapters.calls.directory import StaticPracticeDirectory
from triageline.adapters.config.loader import load_practice
from triageline.adapters.scheduling.memory import memory_scheduler
from triageline.domain.dialogue.actions import Action, Ask, Say
from triageline.domain.dialogue.events import Pressed, Said
from triageline.domain.practice import Practice
from triageline.domain.records import Channel
from triageline.entrypoints.web.calls_wiring import engine_triage
from triageline.services.booking_desk import BookingDesk, SchedulerDirectory
from triageline.services.calls import CallService, RenderInfo, StepRequest, StepResult
from triageline.services.calls_memory import MemoryCallsStore, RecordingPaging, SettableClock
from triageline.services.calls_ports import LoadedPractice
from triageline.services.ports_scheduling import Scheduler

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
CALLER = "+15125550199"

SUNDAY_NOON = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
"""Sunday 1 March 2026, noon in Austin (the office is closed)."""


def spoken(actions: tuple[Action, ...] | list[Action]) -> str:
    """Everything the caller hears in one step."""
    return " ".join(
        a.text if isinstance(a, Say) else a.prompt for a in actions if isinstance(a, Say | Ask)
    )


def _render(actions: object, info: RenderInfo) -> str:
    return f"{info.call_id}:{info.next_step}"


@dataclass
class Conversation:
    """One conversation with the real calls service, the real engine and a memory scheduler."""

    service: CallService
    practice: Practice
    scheduler: Scheduler
    clock: SettableClock
    channel: Channel = Channel.VOICE
    external_id: str = "CA-booking-1"
    steps: int = 0
    heard: list[str] = field(default_factory=list)
    last: StepResult | None = None

    def _send(self, event: Said | Pressed | None) -> str:
        self.steps += 1
        request = StepRequest(
            practice_id=self.practice.id,
            channel=self.channel,
            external_id=self.external_id,
            step_key=f"{self.channel.value}:{self.steps}",
            event=event,
            from_number=CALLER,
            to_number=self.practice.phones.main,
            step_number=self.steps,
        )
        self.last = self.service.handle(request, _render)
        text = spoken(self.last.actions)
        self.heard.append(text)
        return text

    def start(self) -> str:
        """The call connects."""
        return self._send(None)

    def say(self, text: str) -> str:
        """The caller says (or types) ``text``; returns what they hear back."""
        return self._send(Said(text, 0.93, None, self.clock.now()))

    def press(self, digits: str) -> str:
        """The caller presses keys."""
        return self._send(Pressed(digits, self.clock.now()))


def make_conversation(
    at: datetime = SUNDAY_NOON,
    channel: Channel = Channel.VOICE,
    scheduler: Scheduler | None = None,
    practice: Practice | None = None,
) -> Conversation:
    """A fresh conversation with the demo practice at ``at``."""
    practice = practice or load_practice(DEMO)
    assert practice.appointments is not None
    scheduler = scheduler or memory_scheduler(practice.appointments)
    store = MemoryCallsStore()
    with store.uow_factory() as uow:
        uow.practices.store_config(
            practice.id, practice.name, DEMO.read_text("utf-8"), created_by="test", at=at
        )
        uow.commit()
    clock = SettableClock(at)
    directory = StaticPracticeDirectory([LoadedPractice(practice, 1, engine_triage(practice))])
    desk = BookingDesk(SchedulerDirectory({practice.id: scheduler}))
    service = CallService(store.calls_uow, directory, clock, RecordingPaging(), booking=desk)
    return Conversation(service, practice, scheduler, clock, channel)
