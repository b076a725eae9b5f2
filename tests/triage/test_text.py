"""Normaliser, spoken numbers, quantities, negation and language detection."""

from __future__ import annotations

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.normalise import normalise
from triageline.domain.triage.quantities import extract
from triageline.domain.triage.types import Language, TriageLevel

EN, ES, ZH = Language.EN, Language.ES, Language.ZH


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("a hundred and one point five", EN, "101.5"),
        ("one ninety six over one twenty one", EN, "196 over 121"),
        ("ninety eight point six", EN, "98.6"),
        ("one oh four", EN, "104"),
        ("oh my god", EN, "oh my god"),
        ("two and a half months old", EN, "2.5 months old"),
        ("I can not breathe, help!", EN, "i cant breathe , help"),
        ("it hurts. No, really", EN, "it hurts . no , really"),
        ("My son's throat's tight and she's scared", EN, "my son throat tight and shes scared"),
        ("she's talkin funny and breathin hard", EN, "shes talking funny and breathing hard"),
        ("cousin", EN, "cousin"),
        ("ciento uno punto cinco", ES, "101.5"),
        ("treinta y ocho y medio", ES, "38.5"),
        ("ciento noventa y seis", ES, "196"),
        ("Está EMBARAZADA", ES, "esta embarazada"),
        ("tiene una fiebre", ES, "tiene una fiebre"),
        ("三十九度五", ZH, "39度5"),
        ("一百零四度", ZH, "104度"),
        ("三十八点五度", ZH, "38.5度"),
        ("一直吐", ZH, "一直吐"),
    ],
)
def test_normalise(text: str, lang: Language, expected: str) -> None:
    assert normalise(text, lang).text == expected


def test_misspellings_are_corrected() -> None:
    assert normalise("cheast pain and brething hard", EN).text == "chest pain and breathing hard"


@pytest.mark.parametrize(
    ("text", "lang", "fact", "value"),
    [
        (
            "my seven week old has a temp of a hundred and one point five",
            EN,
            "temperature_f",
            101.5,
        ),
        ("my seven week old has a temp of a hundred and one point five", EN, "age_days", 49.0),
        ("his temperature is 39.4 C", EN, "temperature_f", 102.9),
        ("bp is 196 over 121", EN, "bp_systolic", 196.0),
        ("bp is 196 over 121", EN, "bp_diastolic", 121.0),
        ("she is 32 weeks pregnant", EN, "pregnancy_weeks", 32.0),
        ("seizure lasting ten minutes", EN, "duration_minutes", 10.0),
        ("mi bebe de 2 meses tiene calentura de 38.5", ES, "age_days", 60.8),
        ("mi bebe de 2 meses tiene calentura de 38.5", ES, "temperature_f", 101.3),
        ("estoy embarazada de 38 semanas", ES, "pregnancy_weeks", 38.0),
        ("ciento noventa sobre ciento veinte", ES, "bp_systolic", 190.0),
        ("我儿子两个月大发烧三十九度五", ZH, "age_days", 60.8),
        ("我儿子两个月大发烧三十九度五", ZH, "temperature_f", 103.1),
        ("怀孕三十二周", ZH, "pregnancy_weeks", 32.0),
        ("血压一百九十/一百二十", ZH, "bp_systolic", 190.0),
        ("抽搐了十分钟", ZH, "duration_minutes", 10.0),
        ("she was born 18 days ago and feels hot", EN, "age_days", 18.0),
        ("I'm 36 weeks and my head is pounding", EN, "pregnancy_weeks", 36.0),
        ("my wife is 20 weeks", EN, "pregnancy_weeks", 20.0),
        ("Thirty-two weeks and bleeding", EN, "pregnancy_weeks", 32.0),
        ("his top number is 210 and the bottom is 130", EN, "bp_systolic", 210.0),
        ("his top number is 210 and the bottom is 130", EN, "bp_diastolic", 130.0),
        ("she has been at a hundred and three all day", EN, "temperature_f", 103.0),
    ],
)
def test_quantities(text: str, lang: Language, fact: str, value: float) -> None:
    assert extract(normalise(text, lang)).facts()[fact] == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "lang", "absent"),
    [
        ("had a seizure 3 days ago", EN, "duration_minutes"),
        ("she is 38 weeks pregnant", EN, "age_days"),
        ("my son has had a cough for 3 weeks", EN, "age_days"),
        ("my 38 year old wife", EN, "temperature_f"),
        ("I am 6 weeks out from surgery", EN, "pregnancy_weeks"),
        ("my son is 6 weeks old", EN, "pregnancy_weeks"),
        ("the cough started 5 weeks ago", EN, "pregnancy_weeks"),
        ("we are still at 101 Main Street", EN, "temperature_f"),
    ],
)
def test_quantities_not_misread(text: str, lang: Language, absent: str) -> None:
    assert absent not in extract(normalise(text, lang)).facts()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("no chest pain just heartburn", EN),
        ("he denies chest pain or shortness of breath", EN),
        ("sin dolor de pecho, solo agruras", ES),
        ("no tiene dolor en el pecho", ES),
        ("没有胸痛，就是烧心", ZH),
    ],
)
def test_negated_chest_pain_is_not_an_emergency(
    engine: TriageEngine, text: str, lang: Language
) -> None:
    result = engine.classify(text)
    assert result.lang is lang
    assert result.triage is not TriageLevel.EMERGENCY
    assert not any(hit.rule_id.startswith("adult.chest_pain") for hit in result.rules)


@pytest.mark.parametrize(
    "text",
    [
        "no fever but he has chest pain and is sweating",
        "sin fiebre pero con dolor de pecho y sudando",
        "没有发烧但是胸口痛出冷汗",
        "I dont know why but my chest hurts and im sweating",
        "he didnt eat and is vomiting blood",
        "no fever, he is clutching his chest and sweating",
    ],
)
def test_negation_scope_stops_at_but_and_other_clauses(engine: TriageEngine, text: str) -> None:
    assert engine.classify(text).triage is TriageLevel.EMERGENCY


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my son cant breathe", EN),
        ("um yeah hi so my wife is having chest pain", EN),
        ("mi hijo no puede respirar", ES),
        ("le duele el pecho a mi esposo", ES),
        ("tengo calentura", ES),
        ("我儿子喘不上气", ZH),
        ("我想预约", ZH),
        ("ok", EN),
    ],
)
def test_language_detection(engine: TriageEngine, text: str, lang: Language) -> None:
    assert engine.detect_language(text) is lang


def test_explicit_language_wins(engine: TriageEngine) -> None:
    assert engine.classify("dolor", lang=ES).lang is ES
