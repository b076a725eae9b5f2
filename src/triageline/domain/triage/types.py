"""Value types shared by the triage engine and everything that consumes its verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Language(StrEnum):
    """A language a caller can be served in."""

    EN = "en"
    ES = "es"
    ZH = "zh"


class TriageLevel(StrEnum):
    """How soon a clinician must know (see shared/triage-spec.md)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"
    NONE = "none"

    @property
    def rank(self) -> int:
        """Higher is more urgent: none=0, routine=1, urgent=2, emergency=3."""
        return _RANK[self]

    @classmethod
    def highest(cls, *levels: TriageLevel) -> TriageLevel:
        """The most urgent of the given levels (NONE when none are given)."""
        return max(levels, key=lambda level: level.rank, default=cls.NONE)


_RANK = {
    TriageLevel.NONE: 0,
    TriageLevel.ROUTINE: 1,
    TriageLevel.URGENT: 2,
    TriageLevel.EMERGENCY: 3,
}


class Intent(StrEnum):
    """What the caller wants; a closed set."""

    SYMPTOM = "symptom"
    REFILL = "refill"
    APPOINTMENT_NEW = "appointment_new"
    APPOINTMENT_CHANGE = "appointment_change"
    APPOINTMENT_CANCEL = "appointment_cancel"
    APPOINTMENT_CONFIRM = "appointment_confirm"
    FAQ_HOURS = "faq_hours"
    FAQ_LOCATION = "faq_location"
    FAQ_INSURANCE = "faq_insurance"
    BILLING = "billing"
    RECORDS = "records"
    RESULTS = "results"
    SPEAK_TO_STAFF = "speak_to_staff"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One protocol rule that fired, with the words that made it fire."""

    rule_id: str
    level: TriageLevel
    pack: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A question to ask because a deciding fact is missing.

    ``fact`` names what is missing (``age``, ``temperature``, ``pregnancy_weeks``,
    ``bleeding_controlled``, ``awake_breathing``, ``self_harm_now``, ...); the caller's reply is
    passed back to the engine keyed by it. ``question`` is the caller-facing text per language.
    """

    fact: str
    rule_id: str
    question: dict[Language, str]


@dataclass(frozen=True, slots=True)
class TriageResult:
    """The engine's verdict on what a caller said; explains itself."""

    triage: TriageLevel
    intent: Intent
    lang: Language
    rules: tuple[RuleHit, ...] = ()
    instruction: dict[Language, str] = field(default_factory=dict)
    follow_up: FollowUp | None = None
    protocol_version: str = ""
    crisis: bool = False
    provisional: bool = False
    """True when the level rests only on rules still waiting for ``follow_up``'s fact.

    The worst case is assumed (so the label is safe), but a conversation should ask the
    question before acting on it; a caller who cannot answer stays at this level.
    """

    @property
    def evidence(self) -> tuple[str, ...]:
        """Every matched phrase, in rule order, without repeats."""
        seen: dict[str, None] = {}
        for hit in self.rules:
            for word in hit.evidence:
                seen.setdefault(word, None)
        return tuple(seen)
