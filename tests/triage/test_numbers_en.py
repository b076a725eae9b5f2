"""English numbers: typed readings in a row are two values; spoken numbers still combine."""

from __future__ import annotations

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.normalise import normalise
from triageline.domain.triage.quantities import extract
from triageline.domain.triage.types import Language, TriageLevel


def make_facts(text: str) -> dict[str, float]:
    """Quantities read from an English utterance."""
    return extract(normalise(text, Language.EN)).facts()


@pytest.mark.parametrize(
    ("text", "systolic", "diastolic"),
    [
        ("185 125", 185.0, 125.0),
        ("blood pressure 190 115", 190.0, 115.0),
        ("my bp was 210 130 this morning", 210.0, 130.0),
        ("cuff says 176 104", 176.0, 104.0),
    ],
)
def test_two_typed_numbers_in_a_row_are_a_blood_pressure(
    text: str, systolic: float, diastolic: float
) -> None:
    facts = make_facts(text)
    assert facts["bp_systolic"] == systolic
    assert facts["bp_diastolic"] == diastolic


@pytest.mark.parametrize(
    ("text", "fact", "value"),
    [
        ("temp is one oh one point five", "temperature_f", 101.5),
        ("a temp of a hundred and three", "temperature_f", 103.0),
        ("one ninety six over one twenty one", "bp_systolic", 196.0),
        ("she is 36 weeks", "pregnancy_weeks", 36.0),
    ],
)
def test_spoken_numbers_still_combine(text: str, fact: str, value: float) -> None:
    assert make_facts(text)[fact] == value


def test_close_readings_are_not_a_blood_pressure() -> None:
    assert "bp_systolic" not in make_facts("his temp went 103 102 overnight")


def test_a_typed_crisis_reading_with_headache_is_urgent(engine: TriageEngine) -> None:
    result = engine.classify("bp 190 125 and a pounding headache", lang=Language.EN)
    assert result.triage is TriageLevel.URGENT
    assert "adult.bp_crisis_headache" in {h.rule_id for h in result.rules}
