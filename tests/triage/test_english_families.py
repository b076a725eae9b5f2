"""English phrasing families (procedures, inability, fetal movement, admin phrasings, traps).

The utterances in fixtures/en_families.jsonl were written for these tests, independently of the
evaluation and paraphrase sets: each checks that a family of ways of speaking (not one sentence)
reaches the spec's level, and the traps check that negation, history, refills and look-alike
words ("nose still running", "open on Monday", "an extra EpiPen for school") raise no alarm.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.normalise import normalise
from triageline.domain.triage.quantities import extract
from triageline.domain.triage.types import Language

FIXTURE = Path(__file__).parent / "fixtures" / "en_families.jsonl"


def _cases() -> list[dict[str, str]]:
    """The labelled utterances of the fixture file."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["text"][:48])
def test_english_family_reaches_the_spec_level(engine: TriageEngine, case: dict[str, str]) -> None:
    result = engine.classify(case["text"])
    assert result.lang is Language.EN
    assert (result.triage.value, result.intent.value) == (case["triage"], case["intent"]), (
        result.rules
    )


def make_weeks(text: str) -> float | None:
    """Weeks of pregnancy read from an English utterance."""
    return extract(normalise(text, Language.EN)).pregnancy_weeks


@pytest.mark.parametrize(
    ("text", "weeks"),
    [
        ("im 39 weeks and the baby is moving fine", 39),
        ("i'm only 12 weeks and my son has a cold", 12),
        ("my daughter's water broke and she's only 35 weeks", 35),
        ("my wife is thirty one weeks and hasnt felt the baby kick", 31),
    ],
)
def test_weeks_said_of_a_pregnancy(text: str, weeks: float) -> None:
    assert make_weeks(text) == weeks


@pytest.mark.parametrize(
    "text",
    [
        "my baby is 6 weeks old and has a fever",
        "my son is 8 weeks and has a cough",
        "im 3 weeks out from surgery",
        "im 6 weeks postpartum and bleeding",
        "i've had this cough for 4 weeks",
    ],
)
def test_weeks_that_are_not_a_pregnancy(text: str) -> None:
    assert make_weeks(text) is None


def test_a_title_period_is_not_a_sentence_end() -> None:
    assert normalise("Is Dr. Chen in?", Language.EN).units[:4] == ("is", "dr", "chen", "in")


def test_a_fetus_not_moving_is_not_a_limp_infant(engine: TriageEngine) -> None:
    fetus = engine.classify("im 30 weeks and the baby is not moving much today")
    newborn = engine.classify("my newborn is not moving and feels floppy")
    assert "pediatric.infant_limp_blue" not in [h.rule_id for h in fetus.rules]
    assert fetus.triage.value == "urgent"
    assert "pediatric.infant_limp_blue" in [h.rule_id for h in newborn.rules]
