"""Protocol packs as data: concepts (phrases per language), rules, qualifiers, follow-ups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from triageline.domain.triage.types import Intent, Language, TriageLevel


class Comparison(StrEnum):
    """How a qualifier compares a fact with its threshold."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IS = "is"


class IfMissing(StrEnum):
    """What a rule does when its qualifier's fact was not said."""

    ASSUME = "assume"
    """Fire anyway (the conservative reading)."""
    ASK = "ask"
    """Do not fire; ask the follow-up question; an unanswerable question fires the rule."""
    ASK_ASSUME = "ask_assume"
    """Fire provisionally (the caller is handled at the higher level) and ask the question."""
    SKIP = "skip"
    """Do not fire and do not ask."""


FACTS: frozenset[str] = frozenset(
    {
        "age_days",
        "temperature_f",
        "pregnancy_weeks",
        "bp_systolic",
        "bp_diastolic",
        "duration_minutes",
        "bleeding_controlled",
        "awake_breathing",
        "self_harm_now",
        "seizure_first_or_long",
        "chest_pain_danger",
        "breathing_severe",
        "fever_present",
        "attack_kind",
    }
)
"""Facts a qualifier may test; numeric ones come from the text, yes/no ones from answers."""

TEXT_FACTS: frozenset[str] = frozenset({"attack_kind"})
"""Facts answered in words that the engine reads as more of the utterance.

The reply's concepts join the utterance ("una convulsión" makes the seizure rules apply) and
the fact is 1 when the reply named anything the packs know; an unreadable reply is unknown,
so the rule waiting on it fires (the dangerous reading)."""

BOOLEAN_FACTS: frozenset[str] = frozenset(
    {
        "bleeding_controlled",
        "awake_breathing",
        "self_harm_now",
        "seizure_first_or_long",
        "chest_pain_danger",
        "breathing_severe",
        "fever_present",
    }
)


@dataclass(frozen=True, slots=True)
class Concept:
    """A clinical or administrative idea with its phrases per language.

    Phrase syntax (after normalisation): words separated by spaces; ``a|b`` alternatives;
    ``word*`` a prefix; ``word?`` optional; ``...`` up to three words (four characters in
    Chinese) in between. Chinese phrases are written as characters, spaces separate segments.
    ``exclude`` phrases veto an overlapping match ("no shortness of breath" for "short of").
    """

    id: str
    phrases: Mapping[Language, tuple[str, ...]]
    exclude: Mapping[Language, tuple[str, ...]] = field(default_factory=dict)
    clinical: bool = True


@dataclass(frozen=True, slots=True)
class Qualifier:
    """A condition on a fact, e.g. ``age_days < 28`` or ``bleeding_controlled is no``."""

    fact: str
    op: Comparison
    value: float
    if_missing: IfMissing = IfMissing.ASSUME

    def test(self, actual: float) -> bool:
        """Whether an actual value meets the condition."""
        if self.op is Comparison.LT:
            return actual < self.value
        if self.op is Comparison.LE:
            return actual <= self.value
        if self.op is Comparison.GT:
            return actual > self.value
        if self.op is Comparison.GE:
            return actual >= self.value
        return actual == self.value


@dataclass(frozen=True, slots=True)
class Question:
    """A follow-up question for a missing fact, per language."""

    fact: str
    text: Mapping[Language, str]


@dataclass(frozen=True, slots=True)
class Rule:
    """A protocol rule: when every group has a matching concept and qualifiers hold, it fires.

    ``match`` is a conjunction of groups; each group is a disjunction of concept ids.
    ``unless`` concepts block the rule. ``phrases`` (optional) are an inline concept that is
    required too; practices use it to add red flags.
    """

    id: str
    level: TriageLevel
    pack: str
    match: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()
    qualifiers: tuple[Qualifier, ...] = ()
    instruction: Mapping[Language, str] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    crisis: bool = False
    intent: Intent | None = None
    phrases: Mapping[Language, tuple[str, ...]] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True, slots=True)
class IntentRule:
    """An intent pattern: the highest-priority intent whose groups all match wins."""

    intent: Intent
    priority: int
    match: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProtocolPack:
    """A versioned set of concepts, rules, intents and default caller instructions."""

    name: str
    version: str
    concepts: tuple[Concept, ...] = ()
    rules: tuple[Rule, ...] = ()
    intents: tuple[IntentRule, ...] = ()
    instructions: Mapping[TriageLevel, Mapping[Language, str]] = field(default_factory=dict)
    crisis_instruction: Mapping[Language, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PracticeProtocols:
    """A practice's protocol choices: selected packs, added red flags, raised rule levels."""

    packs: tuple[str, ...]
    red_flags: tuple[Rule, ...] = ()
    raise_levels: Mapping[str, TriageLevel] = field(default_factory=dict)

    def extra_rules(self, packs: tuple[ProtocolPack, ...] | list[ProtocolPack]) -> list[Rule]:
        """Rules the engine adds: red flags, then raised copies of built-in rules."""
        builtin = {rule.id: rule for pack in packs for rule in pack.rules}
        rules = list(self.red_flags)
        flagged = {rule.id for rule in rules}
        for rule_id, level in self.raise_levels.items():
            base = builtin.get(rule_id)
            if base is not None and rule_id not in flagged:
                rules.append(replace(base, level=level))
        return rules
