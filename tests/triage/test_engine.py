"""Engine behaviour: follow-ups, instructions, intents, practice red flags, safety invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from triageline.adapters.config.triage_section import TriageSection
from triageline.adapters.protocols import build_engine, load_packs
from triageline.domain.triage.engine import ProtocolError, TriageEngine
from triageline.domain.triage.pack import Rule
from triageline.domain.triage.types import Intent, Language, TriageLevel


def test_baby_fever_without_age_asks_age_and_is_handled_high(engine: TriageEngine) -> None:
    result = engine.classify("my baby has a fever")
    assert result.follow_up is not None
    assert result.follow_up.fact == "age_days"
    assert set(result.follow_up.question) == set(Language)
    assert result.triage is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("ten days", TriageLevel.EMERGENCY),
        ("she is 6 weeks old", TriageLevel.URGENT),
        ("I don't know", TriageLevel.EMERGENCY),
    ],
)
def test_answer_to_age_question_decides(
    engine: TriageEngine, reply: str, expected: TriageLevel
) -> None:
    result = engine.classify("my baby has a fever", answers={"age_days": reply})
    assert result.triage is expected
    assert result.follow_up is None or result.follow_up.fact != "age_days"


def test_most_dangerous_question_first(engine: TriageEngine) -> None:
    result = engine.classify("my husband is short of breath")
    assert result.triage is TriageLevel.URGENT
    assert result.follow_up is not None and result.follow_up.fact == "breathing_severe"
    worse = engine.classify("my husband is short of breath", answers={"breathing_severe": "yes"})
    assert worse.triage is TriageLevel.EMERGENCY


def test_suicidal_thoughts_take_the_crisis_path(engine: TriageEngine) -> None:
    result = engine.classify("I have been thinking about killing myself, I am safe right now")
    assert result.triage is TriageLevel.URGENT
    assert result.crisis
    assert all("988" in text for text in result.instruction.values())
    assert result.follow_up is not None and result.follow_up.fact == "self_harm_now"
    unable = engine.classify(
        "I have been thinking about killing myself", answers={"self_harm_now": "mmm"}
    )
    assert unable.triage is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    "text",
    ["my son is not breathing", "mi hijo no respira", "我儿子没有呼吸了"],
)
def test_emergency_instruction_says_911_in_every_language(engine: TriageEngine, text: str) -> None:
    result = engine.classify(text)
    assert result.triage is TriageLevel.EMERGENCY
    assert set(result.instruction) == set(Language)
    assert all("911" in said for said in result.instruction.values())


def test_result_explains_itself(engine: TriageEngine) -> None:
    result = engine.classify("my dad has chest pain going down his left arm")
    assert result.rules[0].rule_id == "adult.chest_pain_danger"
    assert "chest pain" in result.evidence
    assert result.protocol_version.startswith("core@")
    assert "adult@" in result.protocol_version


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I need to reschedule my chest x-ray", Intent.APPOINTMENT_CHANGE),
        (
            "my mother had a heart attack last year, the cardiologist needs her records",
            Intent.RECORDS,
        ),
        ("what are your hours on saturday", Intent.FAQ_HOURS),
        ("¿aceptan medicaid?", Intent.FAQ_INSURANCE),
        ("我想取消明天的预约", Intent.APPOINTMENT_CANCEL),
    ],
)
def test_admin_requests_with_medical_words_are_not_clinical(
    engine: TriageEngine, text: str, intent: Intent
) -> None:
    result = engine.classify(text)
    assert result.intent is intent
    assert result.triage is TriageLevel.NONE


def test_refill_is_routine_unless_out_of_a_dangerous_medicine(engine: TriageEngine) -> None:
    routine = engine.classify("I need a refill of my lisinopril, I have a week left")
    assert (routine.intent, routine.triage) == (Intent.REFILL, TriageLevel.ROUTINE)
    urgent = engine.classify("we ran out of his keppra this morning")
    assert (urgent.intent, urgent.triage) == (Intent.REFILL, TriageLevel.URGENT)


def test_classification_is_deterministic(engine: TriageEngine) -> None:
    text = "mi bebe de tres semanas tiene calentura de treinta y ocho"
    assert engine.classify(text) == engine.classify(text)


RED_FLAGS = [
    "my son is not breathing",
    "she has crushing chest pain and is sweating",
    "mi esposo no responde",
    "孩子误食了纽扣电池",
]
FILLERS = st.sampled_from(
    [
        "I need to reschedule my appointment",
        "no fever",
        "he had a cold last week",
        "also what are your hours",
        "no tiene fiebre",
        "我想预约",
        "my insurance changed",
        "",
    ]
)


@settings(max_examples=60, deadline=None)
@given(before=FILLERS, after=FILLERS, flag=st.sampled_from(RED_FLAGS))
def test_adding_a_red_flag_sentence_never_lowers_the_level(
    before: str, after: str, flag: str
) -> None:
    engine = build_engine()
    alone = engine.classify(flag)
    combined = engine.classify(f"{before}. {flag}. {after}", lang=alone.lang)
    assert combined.triage.rank >= alone.triage.rank
    assert combined.triage is TriageLevel.EMERGENCY


def test_practice_red_flag_fires() -> None:
    section = TriageSection(
        red_flags=[
            {
                "id": "practice.post_lasik_pain",
                "level": "urgent",
                "phrases": {"en": ["eye pain ... lasik"], "es": ["dolor de ojo ... lasik"]},
            }
        ]
    )
    engine = build_engine(section)
    result = engine.classify("severe eye pain after my lasik yesterday")
    assert result.triage is TriageLevel.URGENT
    assert "practice.post_lasik_pain" in [h.rule_id for h in result.rules]


def test_practice_may_raise_but_not_lower_a_builtin_rule() -> None:
    raised = build_engine(TriageSection(raise_levels={"adult.bite": "emergency"}))
    assert raised.classify("a dog bit me and broke the skin").triage is TriageLevel.EMERGENCY
    with pytest.raises(ValidationError, match="would lower"):
        TriageSection(raise_levels={"adult.stroke": "urgent"})
    with pytest.raises(ValidationError, match="would lower"):
        TriageSection(
            red_flags=[{"id": "adult.stroke", "level": "routine", "phrases": {"en": ["stroke"]}}]
        )


def test_mandatory_packs_cannot_be_dropped() -> None:
    with pytest.raises(ValidationError, match="mandatory"):
        TriageSection(packs=["pediatric", "obstetric"])


def test_engine_rejects_a_weaker_override_directly() -> None:
    packs = load_packs()
    weaker = Rule(
        id="adult.not_breathing",
        level=TriageLevel.ROUTINE,
        pack="practice",
        match=(("not_breathing",),),
    )
    with pytest.raises(ProtocolError, match="lower"):
        TriageEngine(packs, [weaker])


def test_bad_red_flag_phrase_is_rejected() -> None:
    with pytest.raises(ValidationError):
        TriageSection(red_flags=[{"id": "x", "level": "urgent", "phrases": {"en": ["... pain"]}}])
