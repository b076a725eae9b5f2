"""Spanish phrasing families (regional words, accent-less ASR, Spanglish, number words, negation).

The utterances in fixtures/es_families.jsonl were written for these tests, independently of the
evaluation and paraphrase sets: each checks that a family of ways of speaking (not one sentence)
reaches the spec's level, and the traps check that negation, history and look-alike words
("ataque de risa", "dar pecho", "en guagua") do not raise a false alarm.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.normalise import normalise
from triageline.domain.triage.quantities import extract
from triageline.domain.triage.types import Language

FIXTURE = Path(__file__).parent / "fixtures" / "es_families.jsonl"


def _cases() -> list[dict[str, str]]:
    """The labelled utterances of the fixture file."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["text"][:48])
def test_spanish_family_reaches_the_spec_level(engine: TriageEngine, case: dict[str, str]) -> None:
    result = engine.classify(case["text"], lang=Language.ES)
    if "triage" in case:
        assert result.triage.value == case["triage"], result.rules
    if "intent" in case:
        assert result.intent.value == case["intent"]


def make_facts(text: str) -> dict[str, float]:
    """Quantities read from a Spanish utterance."""
    return extract(normalise(text, Language.ES)).facts()


@pytest.mark.parametrize(
    ("text", "fact", "value"),
    [
        ("amaneció con treinta y ocho tres", "temperature_f", 100.9),
        ("tiene ciento dos punto cinco", "temperature_f", 102.5),
        ("le subió la presión a 185 125", "bp_systolic", 185.0),
        ("mi bebé tiene mes y medio", "age_days", 45.6),
        ("el niño tiene dos meses y medio", "age_days", 76.0),
        ("estoy de siete meses de embarazo", "pregnancy_weeks", 30.3),
        ("mi esposa tiene treinta y dos semanas", "pregnancy_weeks", 32.0),
        ("tengo 36 weeks", "pregnancy_weeks", 36.0),
        ("la presión me dio ciento noventa con ciento veinte", "bp_systolic", 190.0),
        ("la presión me dio ciento noventa con ciento veinte", "bp_diastolic", 120.0),
        ("tiene treinta y ocho con cinco décimas", "temperature_f", 101.3),
        ("le tomé 37.1 en la axila", "temperature_f", 98.8),
        ("mi chiquita de cinco semanas está caliente", "age_days", 35.0),
    ],
)
def test_spanish_quantities(text: str, fact: str, value: float) -> None:
    assert make_facts(text).get(fact) == pytest.approx(value, abs=0.1)


@pytest.mark.parametrize(
    "text",
    ["tengo tres semanas con tos", "desde hace 2 meses me duele", "tiene fiebre de 38 3 dias"],
)
def test_spells_of_illness_are_not_pregnancy(text: str) -> None:
    assert "pregnancy_weeks" not in make_facts(text)


@pytest.mark.parametrize(
    "text",
    [
        "mi hijo de 8 con 2 hermanos",
        "me cobraron 150 con 20 centavos",
        "pulso de 40 con 2 pastillas",
    ],
)
def test_con_joins_only_readings_in_range(text: str) -> None:
    facts = make_facts(text)
    assert "bp_systolic" not in facts
    assert facts.get("temperature_f") is None


def test_no_se_as_i_dont_know_is_not_a_negation(engine: TriageEngine) -> None:
    assert engine.classify("no sé si respira", lang=Language.ES).triage.value == "emergency"
    negated = engine.classify("se pegó en la cabeza, no se desmayó", lang=Language.ES)
    assert "adult.major_trauma_head" not in [h.rule_id for h in negated.rules]
