"""The dialogue asks the engine's awake-and-breathing and ambiguous-"ataque" questions.

A fall or blow to the head with the person's state unknown asks "Is the person awake and
breathing?"; an ambiguous Spanish "ataque" asks whether it is a seizure, the heart or nerves.
The answer settles the rule; a caller who cannot answer is handled at the higher level.
"""

from __future__ import annotations

from collections.abc import Mapping

from triageline.adapters.protocols.loader import build_engine
from triageline.domain.dialogue import Phase, Say, TakeMessage
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.triage.types import Language, TriageLevel, TriageResult

from .builders import Call, last_ask, make_context, of_type

ENGINE = build_engine(None)
AWAKE = {
    Language.EN: "Is the person awake and breathing?",
    Language.ES: "¿La persona está despierta y respirando?",
}


def classify(text: str, lang: Language | None, answers: Mapping[str, str]) -> TriageResult:
    """The engine behind the dialogue's TriageFn signature."""
    return ENGINE.classify(text, lang=lang, answers=answers)


def make_call() -> Call:
    call = Call(make_context(triage=classify))
    call.connect()
    return call


def test_an_elderly_fall_asks_awake_and_breathing_and_no_is_911() -> None:
    call = make_call()
    actions = call.say("my grandmother fell and hit her head")
    assert call.state.phase is Phase.FOLLOW_UP
    assert last_ask(actions).prompt == AWAKE[Language.EN]
    actions = call.say("no, she's not answering me")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.EN), Language.EN)


def test_an_elderly_fall_with_the_person_awake_is_not_an_emergency() -> None:
    call = make_call()
    call.say("my grandmother fell and hit her head")
    actions = call.say("yes")
    assert Say(phrase(P.EMERGENCY_911, Language.EN), Language.EN) not in actions
    assert call.state.triage is not None
    assert call.state.triage.level is TriageLevel.ROUTINE


def test_a_head_blow_in_spanish_asks_in_spanish_and_dont_know_is_911() -> None:
    call = make_call()
    call.press("2")
    actions = call.say("mi abuelo se cayó y se pegó en la cabeza")
    assert last_ask(actions).prompt == AWAKE[Language.ES]
    actions = call.say("no sé")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES)


def test_an_ambiguous_ataque_is_asked_about_before_911() -> None:
    call = make_call()
    call.press("2")
    actions = call.say("a mi hija le dio un ataque")
    assert call.state.phase is Phase.FOLLOW_UP
    assert "convulsión" in last_ask(actions).prompt
    assert Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES) not in actions


def test_an_ataque_of_nerves_is_a_clinical_message_not_911() -> None:
    call = make_call()
    call.press("2")
    call.say("a mi hija le dio un ataque")
    actions = call.say("fue de nervios, ya se calmó")
    assert Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES) not in actions
    assert call.state.triage is not None
    assert call.state.triage.level is TriageLevel.ROUTINE


def test_an_ataque_of_the_heart_is_911() -> None:
    call = make_call()
    call.press("2")
    call.say("a mi hija le dio un ataque")
    actions = call.say("del corazón, se agarra el pecho")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES)
    [message] = of_type(actions, TakeMessage)
    assert message.assessment is not None
    assert "adult.attack_heart" in message.assessment.rule_ids


def test_an_ataque_that_is_a_seizure_goes_on_to_the_seizure_question() -> None:
    call = make_call()
    call.press("2")
    call.say("a mi hija le dio un ataque")
    actions = call.say("una convulsión, se sacudía toda")
    assert call.state.phase is Phase.FOLLOW_UP
    assert call.state.follow_up is not None
    assert call.state.follow_up.fact == "seizure_first_or_long"
    assert Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES) not in actions
