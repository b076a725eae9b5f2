"""Over HTTP, in Spanish and Chinese: silence, an unanswered transfer, a retried turn."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from calls.calls_builders import CALLER, Harness
from triageline.adapters.telephony import VOICE_PROFILES
from triageline.domain.dialogue.machine import MAX_REPROMPTS
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.records import Channel
from triageline.domain.triage.types import Language, TriageLevel

from .voice_caller import VoiceCaller
from .voice_scenarios import (
    FRIDAY_AFTER_CLOSING,
    REFILL,
    URGENT,
    Scenario,
    finish,
    messages_of,
    play,
    record_of,
    sid_for,
)


def test_spanish_silence_reprompts_twice_then_takes_a_flagged_message(harness: Harness) -> None:
    harness.clock.set(FRIDAY_AFTER_CLOSING)
    caller = VoiceCaller(harness, "CA" + "5" * 32)
    caller.dial_in()
    caller.press("2")
    caller.say(REFILL[Language.ES])
    reprompts = [caller.silence() for _ in range(MAX_REPROMPTS)]
    still_there = phrase(P.STILL_THERE, Language.ES)
    for twiml in reprompts:
        assert still_there in twiml and "<Gather" in twiml
        assert 'language="es-US"' in twiml
    final = caller.silence()
    assert "<Gather" not in final and "<Hangup" in final
    spoken = ET.fromstring(final.encode("utf-8")).findall("Say")
    assert spoken
    assert {say.get("language") for say in spoken} == {VOICE_PROFILES[Language.ES].tts_language}
    assert "Adiós" in final

    record = record_of(harness, caller.sid)
    assert record.language is Language.ES
    assert record.disposition == "partial_message"
    assert record.ended_at == FRIDAY_AFTER_CLOSING
    messages = messages_of(harness, record.id)
    assert len(messages) == 1
    message = messages[0]
    assert message.flagged_partial is True
    assert message.urgency is TriageLevel.ROUTINE
    assert message.queue == "refills"
    assert message.reason is not None and REFILL[Language.ES] in message.reason
    assert message.callback_number == CALLER
    assert message.caller_name is None
    assert harness.paging.requests == []
    taken = [e for e in harness.audit() if e.entry.action == "message.taken"]
    assert [e.entry.subject for e in taken] == [f"message:{message.id}"]


def _office_urgent(lang: Language) -> Scenario:
    return next(s for s in URGENT if s.lang is lang and s.transfer_to is not None)


@pytest.mark.parametrize("lang", [Language.ES, Language.ZH])
def test_unanswered_nurse_transfer_pages_the_urgent_message(
    harness: Harness, lang: Language
) -> None:
    scenario = _office_urgent(lang)
    caller = play(harness, scenario, sid_for(scenario))
    assert "<Dial" in caller.last
    fallback = caller.dial_result("no-answer", duration_s=0)
    assert "<Hangup" in fallback and "911" in fallback
    record = record_of(harness, caller.sid)
    (message,) = messages_of(harness, record.id)
    assert message.urgency is TriageLevel.URGENT
    pages = [r for r in harness.paging.requests if r.message_id == message.id]
    assert [p.urgency for p in pages] == [TriageLevel.URGENT], "a callback was promised"
    assert record.disposition == "paged"
    actions = [e.entry.action for e in harness.audit()]
    assert "page.opened" in actions
    assert "page.unresolved_ref" not in actions


def test_retried_spanish_turn_repeats_nothing(harness: Harness) -> None:
    scenario = next(s for s in URGENT if s.lang is Language.ES and s.transfer_to is None)
    caller = play(harness, scenario, sid_for(scenario))
    before = len(harness.paging.requests)
    assert caller.retry_last() == caller.last
    assert len(harness.paging.requests) == before
    finish(harness, caller, scenario)
    with harness.container.uow_factory() as uow:
        record = uow.calls.find_external("demo", Channel.VOICE, caller.sid)
        assert record is not None
        assert len(uow.messages.list_for_call(record.id)) == 1
