"""Voice capacity and load shedding: a safe answer (911 first, hold, retry or dial), audited."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from calls.calls_builders import Harness, load_demo
from triageline.bootstrap import Container
from triageline.domain.records import Channel
from triageline.entrypoints.web import calls_app, operations
from triageline.entrypoints.web.calls_wiring import build_calls
from triageline.entrypoints.web.voice_capacity import (
    VoiceCapacity,
    shed_attempt,
    shed_twiml,
    with_shed,
)
from triageline.services.calls_memory import RecordingPaging, SettableClock

T = TypeVar("T")
AFTER_HOURS_CLOCK = "2026-03-04T04:00:00+00:00"


class NoCapacity(VoiceCapacity):
    """A capacity that never has a free slot (every step is shed)."""

    async def run(self, work: Callable[[], T]) -> T | None:
        """Run nothing."""
        return None


@pytest.fixture
def shedding(container: Container) -> Iterator[Harness]:
    """The calls web app whose voice steps are all shed."""
    clock = SettableClock(datetime.fromisoformat(AFTER_HOURS_CLOCK))
    load_demo(container, clock.now())
    paging = RecordingPaging()
    web = build_calls(
        container,
        clock=clock,
        paging=paging,
        environ={"TRIAGELINE_TWILIO_AUTH_TOKEN": "test-auth-token-0123456789"},
    )
    web = replace(web, capacity=NoCapacity())
    app = FastAPI()
    operations.install(app, container)
    calls_app.install(app, container, web)
    with TestClient(app) as client:
        yield Harness(client, web, clock, paging, container)


def make_fields(sid: str = "CA" + "5" * 32, **extra: str) -> dict[str, str]:
    """Twilio voice form fields."""
    return {
        "CallSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": "+15125550199",
        "To": "+15125550100",
        "CallStatus": "in-progress",
        **extra,
    }


def test_a_shed_call_hears_911_in_every_language_then_is_held_and_retried(
    shedding: Harness,
) -> None:
    reply = shedding.post("/twilio/voice", make_fields())
    assert reply.status_code == 200
    twiml = reply.text
    assert twiml.index("dial 911") < twiml.index("marque el 911") < twiml.index("拨打911")
    assert "<Redirect" in twiml and "/twilio/voice?shed=1" in twiml
    assert "<Dial" not in twiml
    actions = [e.entry.action for e in shedding.audit()]
    assert "call.shed" in actions
    with shedding.container.uow_factory() as uow:
        assert uow.calls.find_external("demo", Channel.VOICE, "CA" + "5" * 32) is None


def test_a_second_shed_of_a_turn_dials_the_nurse_line_and_comes_back(
    shedding: Harness,
) -> None:
    fields = make_fields(SpeechResult="my chest hurts", Confidence="0.9")
    reply = shedding.post("/twilio/voice/turn?step=2&shed=1", fields)
    assert reply.status_code == 200
    assert "dial 911" in reply.text
    assert "+15125550150</Dial>" in reply.text
    assert 'action="/twilio/voice/turn?step=2&amp;shed=2"' in reply.text


def test_the_retry_url_runs_the_step_once_capacity_is_back(harness: Harness) -> None:
    reply = harness.post("/twilio/voice?shed=1", make_fields("CA" + "6" * 32))
    assert reply.status_code == 200
    assert "Riverbend" in reply.text and "<Gather" in reply.text


def test_shed_counter_and_twiml_helpers() -> None:
    assert shed_attempt(None) == 0
    assert shed_attempt("2") == 2
    assert shed_attempt("x") == 0
    assert shed_attempt("100000") == 99
    assert with_shed("/twilio/voice/turn?step=3&shed=1", 2) == "/twilio/voice/turn?step=3&shed=2"
    assert with_shed("/twilio/voice?", 1) == "/twilio/voice?shed=1"
    no_nurse = shed_twiml("/twilio/voice?shed=2", 2, None)
    assert "<Dial" not in no_nurse and "<Redirect" in no_nurse and "<Pause" in no_nurse


def test_capacity_sheds_only_while_every_slot_is_busy() -> None:
    capacity = VoiceCapacity(slots=1, budget_s=0.05)
    release = threading.Event()
    started = threading.Event()

    def hold() -> str:
        started.set()
        release.wait(timeout=10)
        return "held"

    async def scenario() -> list[str | None]:
        results: list[str | None] = []
        async with anyio.create_task_group() as group:

            async def first() -> None:
                results.append(await capacity.run(hold))

            group.start_soon(first)
            await anyio.to_thread.run_sync(started.wait, 10)
            results.append(await capacity.run(lambda: "too late"))
            release.set()
        results.append(await capacity.run(lambda: "after"))
        return results

    assert anyio.run(scenario) == [None, "held", "after"]


def test_capacity_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        VoiceCapacity(slots=0)
    with pytest.raises(ValueError):
        VoiceCapacity(budget_s=0)


@pytest.mark.parametrize(
    ("url", "environ", "slots"),
    [
        ("sqlite:////tmp/x.db", {}, 2),
        ("postgresql+psycopg://postgres@127.0.0.1/test", {}, 8),
        ("sqlite:////tmp/x.db", {"TRIAGELINE_VOICE_SLOTS": "5"}, 5),
        ("postgresql+psycopg://postgres@127.0.0.1/test", {"TRIAGELINE_VOICE_SLOTS": " 12 "}, 12),
    ],
)
def test_voice_slots_default_per_database_and_can_be_set(
    url: str, environ: dict[str, str], slots: int
) -> None:
    from triageline.entrypoints.web.voice_capacity import capacity_for

    assert capacity_for(url, environ).slots == slots


@pytest.mark.parametrize("raw", ["0", "-3", "many", "2.5"])
def test_bad_voice_slots_name_the_variable(raw: str) -> None:
    from triageline.entrypoints.web.voice_capacity import capacity_for

    with pytest.raises(ValueError, match="TRIAGELINE_VOICE_SLOTS"):
        capacity_for("sqlite:///x.db", {"TRIAGELINE_VOICE_SLOTS": raw})
