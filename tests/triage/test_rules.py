"""Every rule fires on its positive case and not on its negated/trap case, in en, es and zh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from triageline.domain.triage.engine import TriageEngine
from triageline.domain.triage.types import Language

CASES = yaml.safe_load((Path(__file__).parent / "rule_cases.yaml").read_text(encoding="utf-8"))
PARAMS = [
    pytest.param(rule_id, lang, case, id=f"{rule_id}-{lang}")
    for rule_id, by_lang in CASES.items()
    for lang, case in by_lang.items()
]


def test_every_rule_has_cases_in_every_language(engine: TriageEngine) -> None:
    missing = [
        f"{rule.id}:{lang.value}"
        for rule in engine.rules
        for lang in Language
        if lang.value not in CASES.get(rule.id, {})
    ]
    assert missing == []


@pytest.mark.parametrize(("rule_id", "lang", "case"), PARAMS)
def test_positive_case_fires(
    engine: TriageEngine, rule_id: str, lang: str, case: dict[str, Any]
) -> None:
    answers = case.get("answers")
    result = engine.classify(str(case["pos"]), answers=answers)
    fired = [hit.rule_id for hit in result.rules]
    assert result.lang.value == lang
    assert rule_id in fired, (case["pos"], fired)
    level = next(hit.level for hit in result.rules if hit.rule_id == rule_id)
    if answers is None:
        assert result.triage.rank >= level.rank or result.intent.value != "symptom"


@pytest.mark.parametrize(("rule_id", "lang", "case"), PARAMS)
def test_negative_case_does_not_fire(
    engine: TriageEngine, rule_id: str, lang: str, case: dict[str, Any]
) -> None:
    result = engine.classify(str(case["neg"]), answers=case.get("neg_answers"))
    fired = [hit.rule_id for hit in result.rules]
    assert result.lang.value == lang
    assert rule_id not in fired, (case["neg"], fired)
