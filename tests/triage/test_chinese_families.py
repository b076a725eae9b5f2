"""Spoken-Mandarin phrasing families at the urgent/emergency boundary and in admin requests.

The utterances in fixtures/zh_families.jsonl were written for these tests, independently of the
evaluation and paraphrase sets. Each line names its family (post-op wound or pain, bites that
broke the skin, contractions, fetal movement, speech cut short by breathlessness, dry nappies,
bloody stools in a child, refills running low, cancel/confirm/staff/complaint phrasings...);
the ``*_trap`` lines check that negation, look-alikes ("咬到舌头", "蚊子咬", "胃病又犯了",
"十分钟") and minor versions do not raise the level.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.types import Language

FIXTURE = Path(__file__).parent / "fixtures" / "zh_families.jsonl"


def _cases() -> list[dict[str, str]]:
    """The labelled utterances of the fixture file."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: f"{c['family']}:{c['text'][:16]}")
def test_chinese_family_reaches_the_spec_level(engine: TriageEngine, case: dict[str, str]) -> None:
    result = engine.classify(case["text"], lang=Language.ZH)
    if "triage" in case:
        assert result.triage.value == case["triage"], [h.rule_id for h in result.rules]
    if "intent" in case:
        assert result.intent.value == case["intent"]


def test_every_family_has_a_case_and_traps_stay_below_emergency() -> None:
    cases = _cases()
    families = {c["family"] for c in cases}
    assert len(families) >= 20
    traps = [c for c in cases if c["family"].endswith("_trap")]
    assert traps
    assert all(c.get("triage") != "emergency" for c in traps)


def test_minutes_are_not_a_pain_score(engine: TriageEngine) -> None:
    result = engine.classify("宫缩每隔十分钟一次，怀孕三十二周", lang=Language.ZH)
    assert "adult.severe_pain" not in [h.rule_id for h in result.rules]
    assert result.triage.value == "urgent"
