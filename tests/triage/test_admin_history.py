"""Admin requests with clinical content, past history and paperwork, in en/es/zh.

Spec: admin intents are `none` unless the utterance also carries clinical content (then the
clinical content decides); medical words inside an admin request, past history and documents
are not current symptoms. The utterances are written for these tests (not from any data set).
"""

from __future__ import annotations

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.types import Intent, Language, TriageLevel

EN, ES, ZH = Language.EN, Language.ES, Language.ZH

ADMIN_WITH_SYMPTOM = [
    (EN, "I need an appointment, my ear has hurt for three days", Intent.APPOINTMENT_NEW),
    (EN, "can you move my visit to friday, my cough is worse and I feel achy", None),
    (EN, "please cancel tomorrow, my daughter has a rash and a sore throat", None),
    (ES, "quiero sacar una cita, me duele la garganta desde el lunes", Intent.APPOINTMENT_NEW),
    (ES, "necesito cambiar mi cita porque tengo gripa y tos", None),
    (ZH, "我想预约，我耳朵疼了三天", Intent.APPOINTMENT_NEW),
    (ZH, "帮我改一下预约，孩子咳嗽流鼻涕", None),
]
"""Admin request + a current, non-negated symptom -> at least routine."""

ADMIN_ONLY = [
    (EN, "reschedule my chest x-ray"),
    (EN, "the cardiologist needs my mother's records from her heart attack last year"),
    (EN, "my son had a seizure two years ago, the school needs his seizure action plan form"),
    (EN, "my dad had a stroke at sixty, I'd like a checkup"),
    (EN, "i gotta reschedule my blood draws for next week"),
    (EN, "please cancel my mammogram, I'll call back to rebook"),
    (EN, "can you bump my appointment to the afternoon"),
    (EN, "my ride fell through, can we switch to a video visit"),
    (EN, "why did I get a bill for my son's strep test"),
    (EN, "I need his asthma form signed for camp"),
    (ES, "necesito cambiar la cita de la radiografía del pecho"),
    (ES, "mi hijo tuvo una convulsión hace dos años, la escuela necesita el formulario"),
    (ES, "a qué hora abre el laboratorio para sacar sangre"),
    (ES, "me piden el plan de acción para las convulsiones de mi hijo, necesito una cita"),
    (ES, "ocupo la carta para el trabajo de que estuve enfermo"),
    (ZH, "我儿子去年抽搐过，学校要他的表格"),
    (ZH, "学校要孩子的癫痫应急计划表"),
    (ZH, "流感疫苗几点到几点"),
    (ZH, "我爸以前中风过，我想给他预约体检"),
]
"""Admin request whose medical words are history, tests or paperwork -> none."""

NOT_CURRENT = [
    (EN, "when he was little he had seizures, now I need his school physical form"),
    (EN, "she had chest pain in 2019, can you fax her records to the cardiologist"),
    (EN, "with my first pregnancy my water broke at 33 weeks, I want to book a prenatal visit"),
    (ES, "cuando era niño tuvo convulsiones, necesito su expediente"),
    (ES, "en el embarazo pasado se me rompió la fuente, quiero una cita prenatal"),
    (ZH, "他小时候抽搐过，现在要体检表"),
    (ZH, "我妈前年心脏病发作过，医生要她的病历"),
]
"""History or paperwork: never an emergency or urgent rule."""

STILL_CURRENT = [
    (EN, "he had chest pain at 3 and now his left arm is numb and he is sweating"),
    (EN, "I have a fever of 104 and need an appointment", TriageLevel.URGENT),
    (EN, "my son is having a seizure right now, it started 10 minutes ago"),
    (EN, "she had a heart attack last year and now she has crushing chest pain and is sweating"),
    (ES, "mi hijo está convulsionando ahorita, necesito ayuda"),
    (ZH, "我爸去年中风过，现在又半边身子动不了，嘴也歪了"),
]
"""Current danger next to history or admin words still reaches the spec's level."""

NEGATED = [
    (EN, "no chest pain, no trouble breathing, I just need a refill"),
    (ES, "no tiene fiebre ni dolor de pecho, solo quiero una cita"),
    (ZH, "没有胸口疼，也没有发烧，我想预约体检"),
]


@pytest.mark.parametrize(("lang", "text", "intent"), ADMIN_WITH_SYMPTOM)
def test_admin_request_with_a_current_symptom_is_routine(
    engine: TriageEngine, lang: Language, text: str, intent: Intent | None
) -> None:
    result = engine.classify(text, lang=lang)
    assert result.triage is TriageLevel.ROUTINE, result.rules
    assert result.rules, "the clinical rule that raised it is recorded"
    if intent is not None:
        assert result.intent is intent


@pytest.mark.parametrize(("lang", "text"), ADMIN_ONLY)
def test_medical_words_inside_an_admin_request_stay_none(
    engine: TriageEngine, lang: Language, text: str
) -> None:
    result = engine.classify(text, lang=lang)
    assert result.triage is TriageLevel.NONE, (result.rules, result.evidence)
    assert result.intent is not Intent.SYMPTOM


@pytest.mark.parametrize(("lang", "text"), NOT_CURRENT)
def test_history_and_paperwork_fire_no_urgent_rule(
    engine: TriageEngine, lang: Language, text: str
) -> None:
    result = engine.classify(text, lang=lang)
    assert result.triage.rank < TriageLevel.URGENT.rank, result.rules
    assert all(hit.level.rank < TriageLevel.URGENT.rank for hit in result.rules)


@pytest.mark.parametrize("case", STILL_CURRENT, ids=lambda c: str(c[1])[:40])
def test_current_danger_next_to_history_words_still_fires(
    engine: TriageEngine, case: tuple[Language, str] | tuple[Language, str, TriageLevel]
) -> None:
    lang, text = case[0], case[1]
    expected = case[2] if len(case) == 3 else TriageLevel.EMERGENCY
    assert engine.classify(text, lang=lang).triage is expected


@pytest.mark.parametrize(("lang", "text"), NEGATED)
def test_negated_symptoms_do_not_raise_an_admin_request(
    engine: TriageEngine, lang: Language, text: str
) -> None:
    result = engine.classify(text, lang=lang)
    assert result.triage.rank <= TriageLevel.ROUTINE.rank
    assert not any(h.level.rank >= TriageLevel.URGENT.rank for h in result.rules)


def test_ill_from_a_contraction_is_not_a_symptom(engine: TriageEngine) -> None:
    assert engine.classify("I'll call back tomorrow", lang=EN).triage is TriageLevel.NONE
    assert engine.classify("he is ill and vomiting", lang=EN).triage is TriageLevel.ROUTINE


def test_an_age_in_the_past_is_history_but_a_time_or_reading_is_not(engine: TriageEngine) -> None:
    assert engine.classify("my dad had a stroke at 60.", lang=EN).triage is not (
        TriageLevel.EMERGENCY
    )
    assert engine.classify("his face drooped at 3 today", lang=EN).triage is (TriageLevel.EMERGENCY)
