"""The triage engine: applies protocol packs to an utterance and explains its verdict."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from triageline.domain.triage.language import LanguageDetector
from triageline.domain.triage.matcher import Kind, PhraseIndex, scan_concepts
from triageline.domain.triage.normalise import fold, normalise, normalise_folded
from triageline.domain.triage.pack import (
    BOOLEAN_FACTS,
    FACTS,
    TEXT_FACTS,
    Concept,
    IfMissing,
    IntentRule,
    ProtocolPack,
    Rule,
)
from triageline.domain.triage.quantities import Quantities, extract, to_fahrenheit
from triageline.domain.triage.types import (
    FollowUp,
    Intent,
    Language,
    RuleHit,
    TriageLevel,
    TriageResult,
)

FEVER_F = 100.4
HIGH_FEVER_F = 104.0
BP_CRISIS = (180.0, 120.0)

SYNTHETIC_CONCEPTS: frozenset[str] = frozenset(
    {
        "q_fever",
        "q_high_fever",
        "q_bp_crisis",
        "q_infant",
        "q_young_infant",
        "q_pregnant",
        "q_child",
        "q_elderly",
    }
)
"""Concepts the engine derives from quantities (a reading of 39.5 °C is a fever)."""

CONTEXT_CONCEPTS: frozenset[str] = frozenset(
    {
        "pregnant",
        "term_pregnancy",
        "child",
        "infant",
        "post_op",
        "anticoagulant",
        "diabetes",
        "chemo",
        "dangerous_med",
        "allergen",
        "co_source",
        "sudden",
        "ran_out",
    }
)
"""Who or what background a rule needs (pregnant, on chemo, after surgery): a test, visit or
document word next to one ("pregnancy test", "chemo appointment") still states the context, so
it is never dropped as a mere topic the way a symptom word is ("strep test", "asthma form")."""

_ADMIN_INTENTS = frozenset(
    {
        Intent.APPOINTMENT_NEW,
        Intent.APPOINTMENT_CHANGE,
        Intent.APPOINTMENT_CANCEL,
        Intent.APPOINTMENT_CONFIRM,
        Intent.FAQ_HOURS,
        Intent.FAQ_LOCATION,
        Intent.FAQ_INSURANCE,
        Intent.BILLING,
        Intent.RECORDS,
        Intent.SPEAK_TO_STAFF,
    }
)
_YES = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "correct",
        "right",
        "si",
        "claro",
        "是",
        "是的",
        "有",
        "对",
        "嗯",
        "对的",
        "会",
        "能",
    ]
)
_NO = frozenset(["no", "nope", "nah", "not", "不", "不是", "没有", "没", "不会", "不能", "否"])
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


class ProtocolError(ValueError):
    """Packs or practice rules that are inconsistent or would weaken a built-in emergency."""


@dataclass(frozen=True, slots=True)
class _Evaluation:
    """How one rule fared on one utterance."""

    rule: Rule
    fired: bool
    pending_fact: str | None
    evidence: tuple[str, ...]


class TriageEngine:
    """Deterministic protocol engine: normalise, detect language, match, apply rules."""

    def __init__(self, packs: Sequence[ProtocolPack], extra_rules: Sequence[Rule] = ()) -> None:
        """Compile the packs (and practice red flags) into per-language phrase indexes."""
        if not packs:
            raise ProtocolError("at least one protocol pack is required")
        self._packs = tuple(packs)
        self.protocol_version = "+".join(f"{p.name}@{p.version}" for p in packs)
        concepts: dict[str, Concept] = {}
        for pack in packs:
            for concept in pack.concepts:
                concepts[concept.id] = _merge(concepts.get(concept.id), concept)
        rules: list[Rule] = [rule for pack in packs for rule in pack.rules]
        builtin = {rule.id: rule for rule in rules}
        for extra in extra_rules:
            check_not_weaker(extra, builtin)
        merged: list[Rule] = []
        overridden = {r.id for r in extra_rules}
        merged.extend(r for r in rules if r.id not in overridden)
        merged.extend(extra_rules)
        for rule in merged:
            if rule.phrases:
                concepts[_inline_id(rule)] = Concept(_inline_id(rule), rule.phrases)
        self._concepts = concepts
        self._rules = tuple(_with_inline(rule) for rule in merged)
        self._intents: tuple[IntentRule, ...] = tuple(
            sorted((i for p in packs for i in p.intents), key=lambda i: -i.priority)
        )
        self._validate()
        self._intent_sets = tuple(
            (i.intent, frozenset(i.unless), tuple(frozenset(g) for g in i.match))
            for i in self._intents
        )
        self._by_trigger: dict[str, list[int]] = {}
        for position, rule in enumerate(self._rules):
            for trigger in rule.match[0] if rule.match else ():
                self._by_trigger.setdefault(trigger, []).append(position)
        self._indexes = {lang: PhraseIndex(lang) for lang in Language}
        for concept in concepts.values():
            for lang, phrases in concept.phrases.items():
                for phrase in phrases:
                    self._indexes[lang].add(phrase, concept.id)
            for lang, phrases in concept.exclude.items():
                for phrase in phrases:
                    self._indexes[lang].add(phrase, concept.id, Kind.EXCLUDE)
        self._clinical = frozenset(c.id for c in concepts.values() if c.clinical)
        self._synthetic_or_clinical = self._clinical | SYNTHETIC_CONCEPTS
        self._topics = self._clinical - CONTEXT_CONCEPTS
        in_rules = {c for r in self._rules for g in (*r.match, r.unless) for c in g}
        in_intents = {c for i in self._intents for g in (*i.match, i.unless) for c in g}
        # What a past-time marker may make history: everything but the admin keywords ("the
        # school needs the form" after "as a child" is still a records request).
        self._historical = frozenset(concepts) - (in_intents - in_rules)
        self._defaults: dict[TriageLevel, Mapping[Language, str]] = {}
        self._crisis: Mapping[Language, str] = {}
        for pack in packs:
            for level, text in pack.instructions.items():
                self._defaults.setdefault(level, text)
            if pack.crisis_instruction and not self._crisis:
                self._crisis = pack.crisis_instruction
        self._detector = LanguageDetector(
            _vocabulary(concepts.values(), Language.EN), _vocabulary(concepts.values(), Language.ES)
        )

    def _candidate_rules(self, present: Mapping[str, list[str]]) -> list[Rule]:
        """Rules whose first concept group has a match, in pack order."""
        hit: set[int] = set()
        for concept in present:
            hit.update(self._by_trigger.get(concept, ()))
        return [self._rules[i] for i in sorted(hit)]

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule in force (built-in and practice-added)."""
        return self._rules

    def _validate(self) -> None:
        """Every referenced concept exists; qualifiers name known facts; ASK has a question."""
        known = set(self._concepts) | SYNTHETIC_CONCEPTS
        seen: set[str] = set()
        for rule in self._rules:
            if rule.id in seen:
                raise ProtocolError(f"rule {rule.id}: defined twice")
            seen.add(rule.id)
            for group in rule.match:
                for concept in group:
                    if concept not in known:
                        raise ProtocolError(f"rule {rule.id}: unknown concept {concept!r}")
            for concept in rule.unless:
                if concept not in known:
                    raise ProtocolError(f"rule {rule.id}: unknown concept {concept!r} in unless")
            asked = {q.fact for q in rule.questions}
            for qualifier in rule.qualifiers:
                if qualifier.fact not in FACTS:
                    raise ProtocolError(f"rule {rule.id}: unknown fact {qualifier.fact!r}")
                asks = qualifier.if_missing in {IfMissing.ASK, IfMissing.ASK_ASSUME}
                if asks and qualifier.fact not in asked:
                    raise ProtocolError(
                        f"rule {rule.id}: asks for {qualifier.fact} without a question"
                    )
            if rule.level is TriageLevel.EMERGENCY and rule.instruction:
                for lang, text in rule.instruction.items():
                    if "911" not in text:
                        raise ProtocolError(
                            f"rule {rule.id}: emergency instruction ({lang}) lacks 911"
                        )
        for intent in self._intents:
            for group in intent.match:
                for concept in group:
                    if concept not in known:
                        raise ProtocolError(f"intent {intent.intent}: unknown concept {concept!r}")

    def detect_language(self, text: str) -> Language:
        """Language of an utterance (en, es or zh)."""
        return self._detector.detect(text)

    def classify(
        self,
        text: str,
        *,
        lang: Language | None = None,
        answers: Mapping[str, str] | None = None,
    ) -> TriageResult:
        """Triage and intent for what a caller said, with rules, evidence and any follow-up."""
        folded = fold(text)
        language = lang or self._detector.detect(text, folded=folded)
        norm = normalise_folded(folded, language)
        quantities = extract(norm)
        matches, past = scan_concepts(self._indexes[language], norm, self._topics, self._historical)
        present: dict[str, list[str]] = {}
        for m in matches:
            present.setdefault(m.concept, []).append(m.evidence)
        _add_synthetic(present, quantities)
        facts: dict[str, float] = quantities.facts()
        unknown: set[str] = set()
        for fact, reply in (answers or {}).items():
            if fact in TEXT_FACTS:
                said, _past = scan_concepts(
                    self._indexes[language],
                    normalise(reply, language),
                    self._topics,
                    self._historical,
                )
                for m in said:
                    present.setdefault(m.concept, []).append(m.evidence)
                if said:
                    facts[fact] = 1.0
                else:
                    unknown.add(fact)
                continue
            parsed = _parse_answer(fact, reply, language)
            if parsed is None:
                unknown.add(fact)
            else:
                facts[fact] = parsed
        evaluations = [
            self._evaluate(rule, present, facts, unknown, quantities)
            for rule in self._candidate_rules(present)
        ]
        fired = [e for e in evaluations if e.fired]
        hits = tuple(
            RuleHit(e.rule.id, e.rule.level, e.rule.pack, e.evidence)
            for e in sorted(fired, key=lambda e: -e.rule.level.rank)
        )
        level = TriageLevel.highest(*(e.rule.level for e in fired))
        clinical = not self._synthetic_or_clinical.isdisjoint(present)
        intent = self._intent(present, fired, level, clinical)
        if intent is Intent.OTHER and any(m.concept in self._clinical for m in past):
            # Talk about past illness with no request ("my brother had a heart attack at
            # forty, should I be checked?") is a clinical question: routine, never a rule.
            intent = Intent.SYMPTOM
        if intent is Intent.SPEAK_TO_STAFF and clinical:
            intent = Intent.SYMPTOM
        if intent in _ADMIN_INTENTS and level.rank < TriageLevel.URGENT.rank:
            # An admin request stays `none` unless it also carries current clinical content
            # (a rule fired on a symptom that is not negated, past history or paperwork): then
            # the clinical content decides, which below urgent is `routine`.
            level = TriageLevel.ROUTINE if hits else TriageLevel.NONE
        elif intent in {Intent.REFILL, Intent.RESULTS, Intent.SYMPTOM} or (
            clinical and intent is Intent.OTHER
        ):
            level = TriageLevel.highest(level, TriageLevel.ROUTINE)
        crisis = any(e.rule.crisis for e in fired if e.rule.level is level)
        deciding = [e for e in fired if e.rule.level is level]
        provisional = bool(deciding) and all(e.pending_fact is not None for e in deciding)
        return TriageResult(
            triage=level,
            intent=intent,
            lang=language,
            rules=hits,
            instruction=dict(self._instruction(level, fired, crisis)),
            follow_up=self._follow_up(level, evaluations, answers or {}),
            protocol_version=self.protocol_version,
            crisis=crisis,
            provisional=provisional,
        )

    def _evaluate(
        self,
        rule: Rule,
        present: Mapping[str, list[str]],
        facts: Mapping[str, float],
        unknown: set[str],
        quantities: Quantities,
    ) -> _Evaluation:
        """Whether a rule fires, is waiting on a fact, or does not apply."""
        evidence: list[str] = []
        for group in rule.match:
            for concept in group:
                words = present.get(concept)
                if words is not None:
                    evidence.extend(words[:1])
                    break
            else:
                return _Evaluation(rule, False, None, ())
        for concept in rule.unless:
            if concept in present:
                return _Evaluation(rule, False, None, ())
        pending: str | None = None
        provisional = True
        for qualifier in rule.qualifiers:
            value = facts.get(qualifier.fact)
            if value is not None:
                if not qualifier.test(value):
                    return _Evaluation(rule, False, None, ())
                said = quantities.evidence.get(_EVIDENCE_KEY.get(qualifier.fact, qualifier.fact))
                if said:
                    evidence.append(said)
                continue
            if qualifier.fact in unknown:
                continue
            if qualifier.if_missing is IfMissing.ASSUME:
                continue
            if qualifier.if_missing is IfMissing.SKIP:
                return _Evaluation(rule, False, None, ())
            pending = pending or qualifier.fact
            provisional = provisional and qualifier.if_missing is IfMissing.ASK_ASSUME
        if pending is not None:
            return _Evaluation(rule, provisional, pending, tuple(dict.fromkeys(evidence)))
        return _Evaluation(rule, True, None, tuple(dict.fromkeys(evidence)))

    def _intent(
        self,
        present: Mapping[str, list[str]],
        fired: list[_Evaluation],
        level: TriageLevel,
        clinical: bool,
    ) -> Intent:
        """What the caller wants: the deciding rule's intent, an admin intent, or symptom."""
        top = [e.rule for e in fired if e.rule.level is level]
        if level.rank >= TriageLevel.URGENT.rank and top:
            return top[0].intent or Intent.SYMPTOM
        said = present.keys()
        for intent, unless, groups in self._intent_sets:
            if unless and not unless.isdisjoint(said):
                continue
            if all(not group.isdisjoint(said) for group in groups):
                return intent
        if top and top[0].intent is not None:
            return top[0].intent
        return Intent.SYMPTOM if clinical else Intent.OTHER

    def _instruction(
        self, level: TriageLevel, fired: list[_Evaluation], crisis: bool
    ) -> Mapping[Language, str]:
        """Caller-facing instruction: the deciding rule's own, else the level's default."""
        if crisis and level is TriageLevel.URGENT and self._crisis:
            return self._crisis
        for e in fired:
            if e.rule.level is level and e.rule.instruction:
                return e.rule.instruction
        return self._defaults.get(level, {})

    def _follow_up(
        self, level: TriageLevel, evaluations: list[_Evaluation], answers: Mapping[str, str]
    ) -> FollowUp | None:
        """The question for the most dangerous rule that is only waiting on a missing fact."""
        confirmed = TriageLevel.highest(
            *(e.rule.level for e in evaluations if e.fired and e.pending_fact is None)
        )
        floor = confirmed if confirmed.rank < level.rank else level
        waiting = [
            e
            for e in evaluations
            if e.pending_fact is not None
            and e.rule.level.rank > floor.rank
            and e.pending_fact not in answers
        ]
        if not waiting:
            return None
        best = max(waiting, key=lambda e: e.rule.level.rank)
        question = next(q for q in best.rule.questions if q.fact == best.pending_fact)
        return FollowUp(fact=question.fact, rule_id=best.rule.id, question=dict(question.text))


_EVIDENCE_KEY = {
    "age_days": "age",
    "temperature_f": "temperature",
    "bp_systolic": "bp",
    "bp_diastolic": "bp",
    "duration_minutes": "duration",
}


def check_not_weaker(extra: Rule, builtin: Mapping[str, Rule]) -> None:
    """Reject a practice rule that reuses a built-in id at a lower level (safety invariant 1)."""
    base = builtin.get(extra.id)
    if base is not None and extra.level.rank < base.level.rank:
        raise ProtocolError(
            f"rule {extra.id}: level {extra.level} would lower built-in level {base.level}"
        )


def _inline_id(rule: Rule) -> str:
    """Concept id for a rule's inline phrases."""
    return f"@{rule.id}"


def _with_inline(rule: Rule) -> Rule:
    """A rule whose inline phrases become a required concept group."""
    if not rule.phrases:
        return rule
    return replace(rule, match=((_inline_id(rule),), *rule.match))


def _merge(old: Concept | None, new: Concept) -> Concept:
    """Union of two packs' phrases for the same concept id."""
    if old is None:
        return new
    phrases = {lang: (*old.phrases.get(lang, ()), *new.phrases.get(lang, ())) for lang in Language}
    exclude = {lang: (*old.exclude.get(lang, ()), *new.exclude.get(lang, ())) for lang in Language}
    return Concept(new.id, phrases, exclude, old.clinical and new.clinical)


def _vocabulary(concepts: Iterable[Concept], lang: Language) -> set[str]:
    """Plain words used in a language's phrases (for language detection)."""
    words: set[str] = set()
    for concept in concepts:
        for phrase in concept.phrases.get(lang, ()):
            for part in phrase.split():
                for alt in part.split("|"):
                    alt = alt.rstrip("*?")
                    if alt.isalpha() and len(alt) > 2:
                        words.add(alt)
    return words


def _add_synthetic(present: dict[str, list[str]], q: Quantities) -> None:
    """Concepts implied by numbers: a fever reading, a blood-pressure crisis, an infant's age."""
    temp = q.evidence.get("temperature", "")
    if q.temperature_f is not None and q.temperature_f >= FEVER_F:
        present.setdefault("q_fever", []).append(temp)
        if q.temperature_f >= HIGH_FEVER_F:
            present.setdefault("q_high_fever", []).append(temp)
    if (q.bp_systolic or 0) >= BP_CRISIS[0] or (q.bp_diastolic or 0) >= BP_CRISIS[1]:
        present.setdefault("q_bp_crisis", []).append(q.evidence.get("bp", ""))
    if q.age_days is not None:
        if q.age_days < 365:
            present.setdefault("q_infant", []).append(q.evidence.get("age", ""))
        if q.age_days < 91:
            present.setdefault("q_young_infant", []).append(q.evidence.get("age", ""))
        if q.age_days < 18 * 365:
            present.setdefault("q_child", []).append(q.evidence.get("age", ""))
        if q.age_days >= 65 * 365:
            present.setdefault("q_elderly", []).append(q.evidence.get("age", ""))
    if q.pregnancy_weeks is not None:
        present.setdefault("q_pregnant", []).append(q.evidence.get("pregnancy_weeks", ""))


def _parse_answer(fact: str, reply: str, lang: Language) -> float | None:
    """A caller's reply to a follow-up as a fact value; None when they cannot say."""
    norm = normalise(reply, lang)
    if fact in BOOLEAN_FACTS:
        units = norm.units if lang is not Language.ZH else (norm.text,)
        for unit in units:
            if unit in _NO or (lang is Language.ZH and unit.startswith(("不", "没"))):
                return 0.0
            if unit in _YES or (lang is Language.ZH and unit.startswith(("是", "有", "对"))):
                return 1.0
        return None
    found = extract(norm).facts().get(fact)
    if found is not None:
        return found
    numbers = _NUMBER.findall(norm.text)
    if not numbers:
        return None
    value = float(numbers[0])
    if fact == "age_days":
        return _age_from_reply(value, norm.text)
    if fact == "temperature_f":
        return to_fahrenheit(value, None)
    if fact == "duration_minutes":
        return value * (60 if any(u in norm.text for u in ("hour", "hora", "小时")) else 1)
    return value


def _age_from_reply(value: float, text: str) -> float | None:
    """Age in days from a bare reply such as "three weeks" or "两个月"."""
    scales = (
        (("day", "dia", "天"), 1.0),
        (("week", "semana", "周", "星期"), 7.0),
        (("month", "mes", "月"), 30.4),
        (("year", "ano", "岁"), 365.0),
    )
    for words, scale in scales:
        if any(w in text for w in words):
            return value * scale
    return None


__all__ = ["ProtocolError", "TriageEngine", "check_not_weaker"]
