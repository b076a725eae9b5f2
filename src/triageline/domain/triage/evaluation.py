"""Evaluation metrics of triage verdicts against labelled utterances (pure; no I/O)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from triageline.domain.triage.types import Intent, Language, TriageLevel

LEVELS: tuple[TriageLevel, ...] = (
    TriageLevel.EMERGENCY,
    TriageLevel.URGENT,
    TriageLevel.ROUTINE,
    TriageLevel.NONE,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One labelled utterance and what the engine said about it."""

    id: str
    lang: Language
    triage: TriageLevel
    intent: Intent
    predicted_lang: Language
    predicted_triage: TriageLevel
    predicted_intent: Intent


def _ratio(num: int, den: int) -> float:
    """num/den, 1.0 when there is nothing to measure."""
    return num / den if den else 1.0


@dataclass(frozen=True, slots=True)
class Metrics:
    """Triage and intent quality over a set of outcomes."""

    count: int
    triage_accuracy: float
    emergency_recall: float
    urgent_or_emergency_recall: float
    under_triage_rate: float
    false_emergency_rate: float
    intent_accuracy: float
    language_accuracy: float
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        return {
            "count": self.count,
            "triage_accuracy": round(self.triage_accuracy, 4),
            "emergency_recall": round(self.emergency_recall, 4),
            "urgent_or_emergency_recall": round(self.urgent_or_emergency_recall, 4),
            "under_triage_rate": round(self.under_triage_rate, 4),
            "false_emergency_rate": round(self.false_emergency_rate, 4),
            "intent_accuracy": round(self.intent_accuracy, 4),
            "language_accuracy": round(self.language_accuracy, 4),
            "confusion": self.confusion,
        }


def measure(outcomes: Iterable[Outcome]) -> Metrics:
    """Compute the metrics; under-triage counts any prediction less urgent than the label."""
    items = list(outcomes)
    emergency = [o for o in items if o.triage is TriageLevel.EMERGENCY]
    serious = [o for o in items if o.triage.rank >= TriageLevel.URGENT.rank]
    clinical = [o for o in items if o.triage is not TriageLevel.NONE]
    not_emergency = [o for o in items if o.triage is not TriageLevel.EMERGENCY]
    confusion = {g.value: {p.value: 0 for p in LEVELS} for g in LEVELS}
    for o in items:
        confusion[o.triage.value][o.predicted_triage.value] += 1
    return Metrics(
        count=len(items),
        triage_accuracy=_ratio(sum(o.triage is o.predicted_triage for o in items), len(items)),
        emergency_recall=_ratio(
            sum(o.predicted_triage is TriageLevel.EMERGENCY for o in emergency), len(emergency)
        ),
        urgent_or_emergency_recall=_ratio(
            sum(o.predicted_triage.rank >= TriageLevel.URGENT.rank for o in serious), len(serious)
        ),
        under_triage_rate=(
            sum(o.predicted_triage.rank < o.triage.rank for o in clinical) / len(clinical)
            if clinical
            else 0.0
        ),
        false_emergency_rate=(
            sum(o.predicted_triage is TriageLevel.EMERGENCY for o in not_emergency)
            / len(not_emergency)
            if not_emergency
            else 0.0
        ),
        intent_accuracy=_ratio(sum(o.intent is o.predicted_intent for o in items), len(items)),
        language_accuracy=_ratio(sum(o.lang is o.predicted_lang for o in items), len(items)),
        confusion=confusion,
    )


def measure_by_language(outcomes: Iterable[Outcome]) -> dict[str, Metrics]:
    """Metrics per labelled language plus `all`."""
    items = list(outcomes)
    out = {lang.value: measure(o for o in items if o.lang is lang) for lang in Language}
    out["all"] = measure(items)
    return {k: v for k, v in out.items() if v.count}
