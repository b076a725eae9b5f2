"""The four situations (office/after hours x emergency/routine) in each of the three languages."""

from __future__ import annotations

import pytest

from triageline.domain.coverage import CoverageMode
from triageline.domain.dialogue import (
    Ask,
    AuditKind,
    AuditNote,
    Hangup,
    MessageQueue,
    MessageReason,
    Page,
    PageUrgency,
    Phase,
    Say,
    SetLanguage,
    TakeMessage,
    Transfer,
    TransferReason,
)
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.triage.types import Language, TriageLevel

from .builders import (
    CHEST,
    NEXT_OPENING,
    REFILL,
    Call,
    last_ask,
    make_context,
    of_type,
    office_emergency_transfer,
    spoken,
)

MENU_KEY = {Language.EN: None, Language.ES: "2", Language.ZH: "3"}


def _choose_language(call: Call, lang: Language) -> None:
    opening = call.connect()
    assert isinstance(opening[0], Say)
    assert "Maple Family Medicine" in opening[0].text
    key = MENU_KEY[lang]
    if key is not None:
        actions = call.press(key)
        assert actions[0] == SetLanguage(lang)
        assert last_ask(actions).lang is lang
        assert last_ask(actions).prompt == phrase(P.ASK_REASON_FIRST, lang)


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("coverage", [CoverageMode.OFFICE_HOURS, CoverageMode.AFTER_HOURS])
def test_emergency_gets_911_first_then_notice_then_configured_offer(
    lang: Language, coverage: CoverageMode
) -> None:
    call = Call(make_context(coverage=coverage, handling=office_emergency_transfer()))
    _choose_language(call, lang)

    actions = call.say(f"my husband has {CHEST[lang]} and is sweating")

    first = actions[0]
    assert isinstance(first, Say)
    assert first.text == phrase(P.EMERGENCY_911, lang)
    assert first.lang is lang
    assert not of_type(actions, Ask), "no data collection in an emergency"
    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.EMERGENCY
    assert message.reason is MessageReason.EMERGENCY_NOTICE
    assert message.details.reason_text is not None and CHEST[lang] in message.details.reason_text
    assert of_type(actions, Page) == [Page(PageUrgency.EMERGENCY, message.ref)]
    assert actions.index(message) < actions.index(of_type(actions, Page)[0])
    assert AuditNote in {type(a) for a in actions}
    if coverage is CoverageMode.OFFICE_HOURS:
        assert actions[-1] == Transfer("+15555550111", TransferReason.EMERGENCY)
        assert call.state.phase is Phase.TRANSFERRING
    else:
        assert actions[-1] == Hangup()
        assert phrase(P.EMERGENCY_GOODBYE, lang) in spoken(actions)
        assert call.state.phase is Phase.DONE


@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("coverage", [CoverageMode.OFFICE_HOURS, CoverageMode.AFTER_HOURS])
def test_routine_refill_takes_a_message_and_says_when_we_will_call(
    lang: Language, coverage: CoverageMode
) -> None:
    next_opening = dict(NEXT_OPENING)
    call = Call(make_context(coverage=coverage))
    _choose_language(call, lang)

    actions = call.say(f"I need a {REFILL[lang]} of my blood pressure pills")
    assert phrase(P.MESSAGE_INTRO, lang) in spoken(actions)
    assert last_ask(actions).prompt == phrase(P.ASK_CALLER_NAME, lang)
    call.say("Ana Ruiz")
    actions = call.press("1")  # the patient is me
    assert last_ask(actions).prompt == phrase(P.ASK_DOB, lang)
    dob_digits = {Language.EN: "03141962", Language.ES: "14031962", Language.ZH: "19620314"}
    actions = call.press(dob_digits[lang])
    confirm = last_ask(actions)
    assert "4 1 5, 8 6 7, 5 3 0 9" in confirm.prompt
    actions = call.press("1")

    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.ROUTINE
    assert message.queue is MessageQueue.CLINICAL
    assert message.reason is MessageReason.CLINICAL_CALLBACK
    assert not message.flagged_partial
    assert message.lang is lang
    assert message.details.caller_name == "Ana Ruiz"
    assert message.details.patient_name == "Ana Ruiz"
    assert message.details.patient_is_caller is True
    assert message.details.patient_dob == "1962-03-14"
    assert message.details.callback_number == "+14158675309"
    assert message.details.callback_confirmed
    assert message.assessment is not None and message.assessment.protocol_version == "test-1"
    assert not of_type(actions, Page)
    assert next_opening[lang] in spoken(actions)
    assert all(a.lang is lang for a in of_type(actions, Say))
    assert actions[-1] == Hangup()


def test_greeting_names_the_location_and_offers_the_other_languages() -> None:
    call = Call(make_context(location_name="Eastside Clinic"))
    actions = call.connect()
    assert actions[0] == Say(
        "Thank you for calling Maple Family Medicine, Eastside Clinic.", Language.EN
    )
    offers = [a for a in actions if isinstance(a, Say) and a.barge_in]
    assert [(a.text, a.lang) for a in offers] == [
        ("Para español, oprima 2.", Language.ES),
        ("中文服务请按3。", Language.ZH),
    ]
    opening = last_ask(actions)
    assert opening.num_digits == 1
    assert call.state.details.callback_number == "+14158675309"


def test_spanish_speech_switches_language_without_the_menu() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("necesito una receta", language=Language.ES)
    assert actions[0] == SetLanguage(Language.ES)
    assert last_ask(actions).lang is Language.ES
    assert call.state.language is Language.ES


def test_engine_detected_language_is_adopted_on_the_first_reason() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("我需要续药")
    assert actions[0] == SetLanguage(Language.ZH)
    assert last_ask(actions).prompt == phrase(P.ASK_CALLER_NAME, Language.ZH)


def test_saying_a_language_name_switches_and_asks_again() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("Español")
    assert actions[0] == SetLanguage(Language.ES)
    assert last_ask(actions).prompt == phrase(P.ASK_REASON_FIRST, Language.ES)
    assert call.state.phase is Phase.REASON


def test_triage_is_audited_with_rules_and_protocol_but_no_words() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("I need a refill please")
    [note] = [a for a in of_type(actions, AuditNote) if a.kind is AuditKind.TRIAGED]
    assert "rules=r.refill" in note.detail and "protocol=test-1" in note.detail
    assert "please" not in note.detail
