"""Scripted calls through ``step`` with the real protocol engine and the default packs."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from triageline.adapters.protocols.loader import build_engine
from triageline.domain.dialogue import (
    Hangup,
    MessageQueue,
    Page,
    PageUrgency,
    Phase,
    Say,
    TakeMessage,
)
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.triage.types import Intent, Language, TriageLevel, TriageResult

from .builders import Call, last_ask, make_context, of_type, spoken

ENGINE = build_engine(None)


def classify(text: str, lang: Language | None, answers: Mapping[str, str]) -> TriageResult:
    """The engine behind the dialogue's TriageFn signature."""
    return ENGINE.classify(text, lang=lang, answers=answers)


def engine_call() -> Call:
    return Call(make_context(triage=classify))


CHEST_PAIN = {
    Language.EN: "my husband has chest pain and he is sweating",
    Language.ES: "mi esposo tiene dolor de pecho y está sudando",
    Language.ZH: "我丈夫胸痛，出汗",
}


@pytest.mark.parametrize("lang", list(Language))
def test_chest_pain_hears_911_first_in_the_callers_language(lang: Language) -> None:
    call = engine_call()
    call.connect()
    actions = call.say(CHEST_PAIN[lang])
    assert actions[0] == Say(phrase(P.EMERGENCY_911, lang), lang)
    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.EMERGENCY
    assert message.assessment is not None
    assert "adult.chest_pain_danger" in message.assessment.rule_ids
    assert message.assessment.protocol_version
    assert of_type(actions, Page) == [Page(PageUrgency.EMERGENCY, message.ref)]
    assert actions[-1] == Hangup()


def test_fever_in_a_six_week_old_after_hours_is_paged() -> None:
    call = engine_call()
    call.connect()
    actions = call.say("my baby has a fever")
    assert last_ask(actions).prompt == "How old is the baby?"
    actions = call.say("six weeks")
    assert phrase(P.URGENT_INTRO, Language.EN) in spoken(actions)
    call.say("Maria Lopez")
    call.say("Sofia Lopez")
    call.press("01202025")
    actions = call.press("1")
    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.URGENT
    assert message.answers == (("age_days", "six weeks"),)
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]


def test_fever_in_a_three_week_old_in_spanish_is_an_emergency() -> None:
    call = engine_call()
    call.connect()
    call.press("2")
    call.say("mi bebé tiene calentura")
    actions = call.say("tres semanas")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES)


def test_suicidal_thoughts_hear_988_then_the_danger_question() -> None:
    call = engine_call()
    call.connect()
    actions = call.say("I want to kill myself")
    assert actions[0] == Say(phrase(P.CRISIS_988, Language.EN), Language.EN)
    assert call.state.phase is Phase.FOLLOW_UP
    actions = call.say("yes, I have the pills right here")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.EN), Language.EN)


def test_refill_in_spanish_takes_a_clinical_message() -> None:
    call = engine_call()
    call.connect()
    actions = call.say("necesito una receta de mi medicina para la presión")
    assert call.state.language is Language.ES
    assert last_ask(actions).prompt == phrase(P.ASK_CALLER_NAME, Language.ES)
    call.say("Ana Ruiz")
    call.say("yo")
    call.press("14031962")
    actions = call.say("sí")
    [message] = of_type(actions, TakeMessage)
    assert message.intent is Intent.REFILL and message.queue is MessageQueue.CLINICAL


def test_hours_question_in_chinese_is_answered() -> None:
    call = engine_call()
    call.connect()
    call.press("3")
    actions = call.say("你们几点开门")
    assert "上午8点到下午5点" in spoken(actions)
    assert last_ask(actions).prompt == phrase(P.ANYTHING_ELSE, Language.ZH)
