"""Everything ``step`` needs to know about the practice and the moment, passed in by the service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from triageline.domain.coverage import CoverageMode
from triageline.domain.triage.types import Intent, Language, TriageLevel, TriageResult

TriageFn = Callable[[str, Language | None, Mapping[str, str]], TriageResult]
"""The triage engine's classify: (text, language or None, follow-up answers) -> verdict."""


class SituationTime(StrEnum):
    """The two halves of the handling table: staff at the desk or not."""

    OFFICE_HOURS = "office_hours"
    AFTER_HOURS = "after_hours"

    @classmethod
    def of(cls, mode: CoverageMode) -> SituationTime:
        """Office hours only while staff are at the desk; lunch, holidays and nights are after."""
        return cls.OFFICE_HOURS if mode.is_open else cls.AFTER_HOURS


class HandlingAction(StrEnum):
    """What the practice wants done in one situation.

    For an emergency the 911 instruction and the practice notification always happen first;
    the action is the offer after them (``transfer_*``) or none (``instruct_911``, and any other
    value). For urgent and routine calls the caller's details are collected, a message is taken,
    and then the action applies (a routine ``page_on_call`` is treated as ``take_message``).
    """

    INSTRUCT_911 = "instruct_911"
    TRANSFER_911 = "transfer_911"
    TRANSFER_NURSE = "transfer_nurse"
    TRANSFER_FRONT_DESK = "transfer_front_desk"
    PAGE_ON_CALL = "page_on_call"
    TAKE_MESSAGE = "take_message"


@dataclass(frozen=True, slots=True)
class Handling:
    """The configured action for one situation and its caller-facing line per language."""

    action: HandlingAction
    text: Mapping[Language, str] = field(default_factory=lambda: MappingProxyType({}))


Situation = tuple[SituationTime, TriageLevel]
"""(office or after hours, emergency/urgent/routine)."""


def default_handling() -> Mapping[Situation, Handling]:
    """The spec's default handling for the six situations."""
    office, after = SituationTime.OFFICE_HOURS, SituationTime.AFTER_HOURS
    return MappingProxyType(
        {
            (office, TriageLevel.EMERGENCY): Handling(HandlingAction.INSTRUCT_911),
            (after, TriageLevel.EMERGENCY): Handling(HandlingAction.INSTRUCT_911),
            (office, TriageLevel.URGENT): Handling(HandlingAction.TRANSFER_NURSE),
            (after, TriageLevel.URGENT): Handling(HandlingAction.PAGE_ON_CALL),
            (office, TriageLevel.ROUTINE): Handling(HandlingAction.TAKE_MESSAGE),
            (after, TriageLevel.ROUTINE): Handling(HandlingAction.TAKE_MESSAGE),
        }
    )


@dataclass(frozen=True, slots=True)
class TransferNumbers:
    """Where calls can be connected; ``None`` means not configured."""

    front_desk: str | None = None
    nurse_line: str | None = None
    crisis_line: str | None = None
    emergency: str = "911"


@dataclass(frozen=True, slots=True)
class RecordingPolicy:
    """Whether calls are recorded, and the announcement per language (else the phrasebook's)."""

    enabled: bool = False
    announcement: Mapping[Language, str] = field(default_factory=lambda: MappingProxyType({}))


def _no_faq() -> Mapping[Intent, Mapping[Language, str]]:
    return MappingProxyType({})


def _no_phrase() -> Mapping[Language, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class DialogueContext:
    """The practice, the moment and the triage engine, as ``step`` sees them.

    ``languages[0]`` is the language the call opens in. ``next_opening`` is the phrase the service
    computed from the coverage logic for when the office next opens, written to follow "we will
    call you" (e.g. "tomorrow, Tuesday, after 8 AM"). ``faq`` holds the answer per intent per
    language. ``caller_id`` overrides the ``Connected.from_number`` when the service has a
    better-normalised one. ``booking_enabled``: appointment requests are booked in the
    conversation (the service answers ``Book`` actions) instead of becoming messages.
    """

    practice_name: str
    triage: TriageFn
    coverage: CoverageMode
    languages: tuple[Language, ...] = (Language.EN, Language.ES, Language.ZH)
    location_name: str | None = None
    recording: RecordingPolicy = field(default_factory=RecordingPolicy)
    handling: Mapping[Situation, Handling] = field(default_factory=default_handling)
    urgent_callback_minutes: int = 30
    next_opening: Mapping[Language, str] = field(default_factory=_no_phrase)
    faq: Mapping[Intent, Mapping[Language, str]] = field(default_factory=_no_faq)
    transfers: TransferNumbers = field(default_factory=TransferNumbers)
    on_call_name: str | None = None
    caller_id: str | None = None
    booking_enabled: bool = False

    def __post_init__(self) -> None:
        """Reject contexts the dialogue cannot serve."""
        if not self.languages:
            raise ValueError("a practice must offer at least one language")
        if self.urgent_callback_minutes <= 0:
            raise ValueError("urgent_callback_minutes must be positive")

    @property
    def default_language(self) -> Language:
        """The language a call opens in."""
        return self.languages[0]

    @property
    def situation_time(self) -> SituationTime:
        """Office hours or after hours, now."""
        return SituationTime.of(self.coverage)

    def handling_for(self, level: TriageLevel) -> Handling:
        """The configured handling for ``level`` now (the spec default when not configured)."""
        key = (self.situation_time, level)
        configured = self.handling.get(key)
        if configured is not None:
            return configured
        return default_handling()[key]
