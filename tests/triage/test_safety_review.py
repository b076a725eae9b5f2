"""Safety review: adversarial utterances that probe the history, topic and FAQ heuristics.

fixtures/safety_review.jsonl was written for this review (not taken from any data set) and is
labelled strictly by shared/triage-spec.md. Families: current spells vs past history ("for the
last 10 hours", "hace 10 horas que no orina", "已经十个小时没尿了"), "last time" used for the
onset of a current problem or an absence ("the last time he peed was 14 hours ago"), visit-type
nouns inside admin requests ("asthma check", "糖尿病复诊", "control prenatal"), FAQ words inside
clinical sentences ("hours", "open", "parking", "insurance"), red flags inside long admin calls,
negation scope, third parties, numbers said in words, explicit past anchors next to current
content.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.normalise import normalise
from triageline.domain.triage.quantities import extract
from triageline.domain.triage.types import Language

FIXTURE = Path(__file__).parent / "fixtures" / "safety_review.jsonl"


def _cases() -> list[dict[str, str]]:
    """The labelled utterances of the fixture file."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize(
    "case", _cases(), ids=lambda c: f"{c['family']}-{c['lang']}-{c['text'][:40]}"
)
def test_adversarial_case_meets_the_spec(engine: TriageEngine, case: dict[str, str]) -> None:
    result = engine.classify(case["text"])
    got = (result.lang.value, result.triage.value, result.intent.value)
    want = (case["lang"], case["triage"], case["intent"])
    assert got == want, [hit.rule_id for hit in result.rules]


def test_every_family_is_probed_in_three_languages() -> None:
    cases = _cases()
    assert len(cases) >= 120
    for family in {c["family"] for c in cases}:
        assert {c["lang"] for c in cases if c["family"] == family} == {"en", "es", "zh"}, family


def make_quantities(text: str, lang: Language) -> tuple[float | None, float | None]:
    """(age in days rounded to 0.1, duration in minutes) read from an utterance."""
    found = extract(normalise(text, lang))
    age = None if found.age_days is None else round(found.age_days, 1)
    return age, found.duration_minutes


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("the last time he peed was 14 hours ago", Language.EN, (None, 840.0)),
        ("he had a fever 3 hours ago", Language.EN, (None, None)),
        ("la última vez que orinó fue hace 10 horas", Language.ES, (None, 600.0)),
        ("hace 10 horas que no orina", Language.ES, (None, 600.0)),
        ("hace 10 horas tuvo fiebre", Language.ES, (None, None)),
        ("desde hace 15 horas no orina", Language.ES, (None, 900.0)),
        ("他上一次尿尿是十四个小时以前", Language.ZH, (None, 840.0)),
        ("他十四个小时以前发烧了", Language.ZH, (None, None)),
        ("at two weeks old she had jaundice, now she's 2 months", Language.EN, (60.8, None)),
        ("when she was 3 weeks old she was in the hospital", Language.EN, (None, None)),
        ("a las dos semanas de nacida tuvo ictericia", Language.ES, (None, None)),
        ("孩子两周大的时候住过院，现在两个月了", Language.ZH, (60.8, None)),
        ("she's 2 and has a cough", Language.EN, (730.0, None)),
        ("she's 2 weeks and has a fever", Language.EN, (14.0, None)),
        ("my pain is 8 and it is constant", Language.EN, (None, None)),
    ],
)
def test_ages_and_spells_are_read_in_time(
    text: str, lang: Language, expected: tuple[float | None, float | None]
) -> None:
    assert make_quantities(text, lang) == expected
