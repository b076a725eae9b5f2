"""End to end over HTTP: office hours / after hours x emergency / urgent / routine, in en, es, zh.

Each scenario is a Twilio call made of correctly signed webhooks against the real web app and
database (SQLite and PostgreSQL) with the demo practice and an injected clock. It checks what the
caller heard (language and configured words), the call record, the stored message, the page
requested and the audit trail.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import timedelta

import pytest

from calls.calls_builders import CALLER, MAIN_NUMBER, Harness
from triageline.adapters.telephony import VOICE_PROFILES
from triageline.domain.audit import AuditEvent
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.records import Channel, TurnRole
from triageline.domain.triage.types import Language, TriageLevel

from .twiml_order import verbs_of
from .voice_caller import VoiceCaller
from .voice_scenarios import (
    CALLER_NAME,
    COVERAGE,
    FOUR_SITUATIONS,
    URGENT,
    Scenario,
    demo_practice,
    finish,
    messages_of,
    play,
    record_of,
    sid_for,
)


def _audit_for(harness: Harness, call_id: str, message_ids: Sequence[str]) -> list[AuditEvent]:
    subjects = {f"call:{call_id}"}
    subjects |= {f"message:{m}" for m in message_ids}
    subjects |= {f"page:page-{m}" for m in message_ids}
    return [e for e in harness.audit() if e.entry.subject in subjects]


def _spoken_language_is(twiml: str, lang: Language) -> None:
    """Every line is spoken, and every answer listened for, in ``lang``."""
    profile = VOICE_PROFILES[lang]
    root = ET.fromstring(twiml.encode("utf-8"))
    assert list(root.iter("Say")), twiml
    for say in root.iter("Say"):
        assert say.get("language") == profile.tts_language, twiml
        assert say.get("voice") == profile.voice, twiml
    for gather in root.iter("Gather"):
        assert gather.get("language") == profile.stt_language, twiml


def _check(harness: Harness, scenario: Scenario, caller: VoiceCaller) -> None:
    lang = scenario.lang
    handling = demo_practice().handling.for_situation(scenario.situation, scenario.level)
    configured_words = handling.text[lang]
    # The reply carrying the practice's configured words for this situation and urgency.
    decisive = next(r for r in caller.responses if configured_words in r)
    _spoken_language_is(decisive, lang)

    if scenario.level is TriageLevel.EMERGENCY:
        first = verbs_of(decisive)[0]
        assert first.tag == "Say" and first.text == phrase(P.EMERGENCY_911, lang), decisive
    if scenario.transfer_to is not None:
        assert f"<Number>{scenario.transfer_to}</Number>" in decisive, decisive
        assert 'answerOnBridge="true"' in decisive
    else:
        assert all("<Dial" not in r for r in caller.responses)
        assert "<Hangup" in decisive

    record = record_of(harness, caller.sid)
    assert record.channel is Channel.VOICE
    assert (record.from_number, record.to_number) == (CALLER, MAIN_NUMBER)
    assert record.language is lang
    assert record.coverage_mode is COVERAGE[scenario.situation]
    assert record.disposition == scenario.disposition
    assert record.triage is scenario.level
    assert record.intent is scenario.intent
    assert record.started_at == scenario.at
    assert record.ended_at == scenario.at
    assert record.time_to_answer == timedelta(0)
    assert record.abandoned is False

    messages = messages_of(harness, record.id)
    assert len(messages) == 1, messages
    message = messages[0]
    assert message.urgency is scenario.level
    assert message.flagged_partial is False
    assert message.queue == scenario.queue
    assert message.callback_number == CALLER
    assert message.reason is not None
    spoken_reason = next(line for line in scenario.lines if not line.startswith("#"))
    assert spoken_reason in message.reason
    if scenario.level is not TriageLevel.EMERGENCY:
        assert message.caller_name == CALLER_NAME[lang]
        assert message.date_of_birth is not None and "1960" in message.date_of_birth

    pages = [r for r in harness.paging.requests if r.message_id == message.id]
    paged = scenario.level is TriageLevel.EMERGENCY or scenario.disposition == "paged"
    if not paged:
        assert pages == []
    else:
        assert [p.urgency for p in pages] == [scenario.level]
        assert pages[0].call_id == record.id

    events = _audit_for(harness, record.id, [message.id])
    actions = [e.entry.action for e in events]
    assert "dialogue.recording_announced" in actions
    assert "dialogue.triaged" in actions
    assert actions.count("message.taken") == 1
    if scenario.level is TriageLevel.EMERGENCY:
        assert "dialogue.emergency_instruction_given" in actions
        assert actions.count("page.requested") == 1
        assert actions.count("page.opened") == 1
    elif paged:
        assert "dialogue.emergency_instruction_given" not in actions
        assert actions.count("page.opened") == 1
    else:
        assert "dialogue.emergency_instruction_given" not in actions
        assert not any(a.startswith("page.") for a in actions)
    if scenario.transfer_to is not None:
        assert f"call.transfer.{scenario.level.value}" in actions, actions
    assert all(e.entry.channel == "voice" for e in events)
    assert all(e.entry.practice_id == "demo" for e in events)
    assert all(e.entry.at == scenario.at for e in events)
    with harness.container.uow_factory() as uow:
        assert uow.audit.verify() is None
        turns = uow.turns.list_for_call(record.id)
    said = [t.text for t in turns if t.role is TurnRole.CALLER]
    assert spoken_reason in said


@pytest.mark.parametrize("scenario", FOUR_SITUATIONS, ids=lambda s: s.id)
def test_four_situations_in_three_languages(harness: Harness, scenario: Scenario) -> None:
    caller = play(harness, scenario, sid_for(scenario))
    finish(harness, caller, scenario)
    _check(harness, scenario, caller)


@pytest.mark.parametrize("scenario", URGENT, ids=lambda s: s.id)
def test_urgent_in_three_languages(harness: Harness, scenario: Scenario) -> None:
    caller = play(harness, scenario, sid_for(scenario))
    finish(harness, caller, scenario)
    _check(harness, scenario, caller)
