"""Build the dialogue's context from a practice's configuration at one instant."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from triageline.domain.coverage import (
    CoverageMode,
    NeverOpensError,
    coverage_at,
    next_opening,
    opening_phrase,
)
from triageline.domain.dialogue.context import (
    DialogueContext,
    Handling,
    HandlingAction,
    RecordingPolicy,
    SituationTime,
    TransferNumbers,
)
from triageline.domain.practice import FaqTopic, LevelHandling, Practice, SituationHandling
from triageline.domain.practice import HandlingAction as ConfiguredAction
from triageline.domain.triage.types import Intent, Language, TriageLevel
from triageline.services.calls_ports import TriageFn

CRISIS_LINE = "988"
"""The US suicide and crisis lifeline."""

_FAQ_TOPICS: Mapping[Intent, tuple[FaqTopic, ...]] = {
    Intent.FAQ_HOURS: (FaqTopic.HOURS,),
    Intent.FAQ_LOCATION: (FaqTopic.LOCATIONS, FaqTopic.DIRECTIONS, FaqTopic.PARKING),
    Intent.FAQ_INSURANCE: (FaqTopic.INSURANCE, FaqTopic.FEES),
}


def dialogue_action(handling: SituationHandling) -> HandlingAction:
    """The dialogue's action for a configured handling."""
    action = handling.action
    if action is ConfiguredAction.INSTRUCT_911:
        return HandlingAction.INSTRUCT_911
    if action is ConfiguredAction.INSTRUCT_911_AND_TRANSFER:
        return HandlingAction.TRANSFER_NURSE
    if action is ConfiguredAction.PAGE_ONCALL:
        return HandlingAction.PAGE_ON_CALL
    if action is ConfiguredAction.TRANSFER_NURSE_LINE:
        return HandlingAction.TRANSFER_NURSE
    return HandlingAction.TAKE_MESSAGE


def _per_level(
    situation: SituationTime, levels: LevelHandling
) -> dict[tuple[SituationTime, TriageLevel], Handling]:
    table: dict[tuple[SituationTime, TriageLevel], Handling] = {}
    for level in (TriageLevel.EMERGENCY, TriageLevel.URGENT, TriageLevel.ROUTINE):
        configured = levels.for_level(level)
        table[(situation, level)] = Handling(
            dialogue_action(configured), MappingProxyType(dict(configured.text))
        )
    return table


def handling_table(practice: Practice) -> Mapping[tuple[SituationTime, TriageLevel], Handling]:
    """The practice's handling for the six situations, in the dialogue's terms."""
    table = _per_level(SituationTime.OFFICE_HOURS, practice.handling.office_hours)
    table.update(_per_level(SituationTime.AFTER_HOURS, practice.handling.after_hours))
    return MappingProxyType(table)


def faq_answers(practice: Practice) -> Mapping[Intent, Mapping[Language, str]]:
    """FAQ answers per intent and language (several topics of one intent joined)."""
    answers: dict[Intent, Mapping[Language, str]] = {}
    for intent, topics in _FAQ_TOPICS.items():
        per_lang: dict[Language, str] = {}
        for lang in practice.languages:
            parts = [practice.text(faq.answer, lang) for t in topics if (faq := practice.faq(t))]
            text = " ".join(p for p in parts if p)
            if text:
                per_lang[lang] = text
        if per_lang:
            answers[intent] = MappingProxyType(per_lang)
    return MappingProxyType(answers)


def opening_phrases(
    practice: Practice, location_id: str | None, at: datetime
) -> Mapping[Language, str]:
    """When the office next opens, per language ("tomorrow at 8:00 AM"); empty if never."""
    try:
        opening = next_opening(practice, location_id, at)
    except NeverOpensError:
        return MappingProxyType({})
    return MappingProxyType(
        {lang: opening_phrase(opening, at, lang) for lang in practice.languages}
    )


def callback_minutes(practice: Practice) -> int:
    """The after-hours urgent callback promise in minutes (30 when not configured)."""
    minutes = practice.handling.after_hours.urgent.callback_minutes
    return minutes if minutes and minutes > 0 else 30


def transfer_numbers(practice: Practice, situation: SituationTime) -> TransferNumbers:
    """Where calls can be connected in this situation."""
    levels = (
        practice.handling.office_hours
        if situation is SituationTime.OFFICE_HOURS
        else practice.handling.after_hours
    )
    nurse = levels.urgent.transfer_to or levels.emergency.transfer_to or practice.phones.nurse_line
    return TransferNumbers(
        front_desk=levels.routine.transfer_to,
        nurse_line=nurse,
        crisis_line=CRISIS_LINE,
    )


def build_context(
    practice: Practice,
    triage: TriageFn,
    *,
    at: datetime,
    location_id: str | None = None,
    caller_id: str | None = None,
    coverage: CoverageMode | None = None,
) -> DialogueContext:
    """Everything ``step`` needs about the practice at ``at`` (coverage computed unless given)."""
    mode = coverage if coverage is not None else coverage_at(practice, location_id, at)
    location_name = None
    if location_id is not None:
        location_name = practice.location(location_id).name
    return DialogueContext(
        practice_name=practice.name,
        triage=triage,
        coverage=mode,
        languages=practice.languages,
        location_name=location_name,
        recording=RecordingPolicy(
            enabled=practice.recording.enabled,
            announcement=MappingProxyType(dict(practice.recording.announcement)),
        ),
        handling=handling_table(practice),
        urgent_callback_minutes=callback_minutes(practice),
        next_opening=opening_phrases(practice, location_id, at),
        faq=faq_answers(practice),
        transfers=transfer_numbers(practice, SituationTime.of(mode)),
        caller_id=caller_id,
    )
