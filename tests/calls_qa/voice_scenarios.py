"""The call scenarios of the calls QA suite: situations, languages, scripts and expectations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from calls.calls_builders import DEMO, Harness
from triageline.adapters.config.loader import load_practice
from triageline.domain.coverage import CoverageMode
from triageline.domain.messages import Message
from triageline.domain.practice import Practice, Situation
from triageline.domain.records import CallRecord, Channel
from triageline.domain.triage.types import Intent, Language, TriageLevel

from .voice_caller import VoiceCaller

CENTRAL = ZoneInfo("America/Chicago")
# The demo's South Austin office: Thursday 08:00-19:00, Friday 08:00-16:00 (Central time).
THURSDAY_EVENING_OPEN = datetime(2026, 3, 5, 17, 30, tzinfo=CENTRAL)
FRIDAY_AFTER_CLOSING = datetime(2026, 3, 6, 16, 30, tzinfo=CENTRAL)
SITUATION_AT = {
    Situation.OFFICE_HOURS: THURSDAY_EVENING_OPEN,
    Situation.AFTER_HOURS: FRIDAY_AFTER_CLOSING,
}
COVERAGE = {
    Situation.OFFICE_HOURS: CoverageMode.OFFICE_HOURS,
    Situation.AFTER_HOURS: CoverageMode.AFTER_HOURS,
}
MENU_KEY = {Language.ES: "2", Language.ZH: "3"}

CHEST_PAIN = {
    Language.EN: "I have crushing chest pain and I cannot breathe",
    Language.ES: "tengo un dolor de pecho muy fuerte y no puedo respirar",
    Language.ZH: "我胸口剧痛，喘不过气",
}
FEVER_STIFF_NECK = {
    Language.EN: "my daughter has a fever of 103 and a stiff neck",
    Language.ES: "mi hija tiene fiebre de 40 y el cuello rígido",
    Language.ZH: "我女儿发烧40度，脖子僵硬",
}
REFILL = {
    Language.EN: "I need a refill of my lisinopril",
    Language.ES: "necesito un resurtido de mi receta de lisinopril",
    Language.ZH: "我需要续开降压药",
}
CALLER_NAME = {Language.EN: "Pat Doe", Language.ES: "Pedro Pérez", Language.ZH: "王伟"}
PATIENT_NAME = {Language.EN: "Ana Doe", Language.ES: "Ana Pérez", Language.ZH: "王丽"}
# 2 January 1960 keyed in each language's spoken order (month-day / day-month / year-month-day).
DOB_KEYS = {Language.EN: "01021960", Language.ES: "02011960", Language.ZH: "19600102"}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One call: who says what, when, and what must come of it."""

    lang: Language
    situation: Situation
    level: TriageLevel
    choose_by_key: bool
    lines: tuple[str, ...]
    disposition: str
    intent: Intent
    queue: str
    transfer_to: str | None

    @property
    def id(self) -> str:
        """A readable test id."""
        return f"{self.situation.value}-{self.level.value}-{self.lang.value}"

    @property
    def at(self) -> datetime:
        """When the call comes in."""
        return SITUATION_AT[self.situation]


def menu_lines(lang: Language, by_key: bool) -> tuple[str, ...]:
    """The keypress choosing ``lang`` at the opening menu (none for English or when heard)."""
    return (f"#press {MENU_KEY[lang]}",) if by_key and lang in MENU_KEY else ()


def emergency(lang: Language, situation: Situation) -> Scenario:
    """Chest pain, the language heard from the words."""
    office = situation is Situation.OFFICE_HOURS
    return Scenario(
        lang=lang,
        situation=situation,
        level=TriageLevel.EMERGENCY,
        choose_by_key=False,  # the language is heard from the words: 911 comes first in it
        lines=(CHEST_PAIN[lang],),
        disposition="emergency_instructed",
        intent=Intent.SYMPTOM,
        queue="nurse",
        transfer_to="+15125550150" if office else None,  # the demo's nurse line
    )


def urgent(lang: Language, situation: Situation) -> Scenario:
    """Fever with a stiff neck, the language chosen from the menu, details given."""
    office = situation is Situation.OFFICE_HOURS
    menu = menu_lines(lang, by_key=True)
    details = (CALLER_NAME[lang], PATIENT_NAME[lang], f"#press {DOB_KEYS[lang]}", "#press 1")
    return Scenario(
        lang=lang,
        situation=situation,
        level=TriageLevel.URGENT,
        choose_by_key=True,
        lines=(*menu, FEVER_STIFF_NECK[lang], *details),
        disposition="transferred" if office else "paged",
        intent=Intent.SYMPTOM,
        queue="nurse",
        transfer_to="+15125550150" if office else None,
    )


def routine(lang: Language, situation: Situation) -> Scenario:
    """A refill; by menu key in office hours, heard from the words after hours."""
    by_key = situation is Situation.OFFICE_HOURS  # after hours: language heard from the words
    details = (CALLER_NAME[lang], "#press 1", f"#press {DOB_KEYS[lang]}", "#press 1")
    return Scenario(
        lang=lang,
        situation=situation,
        level=TriageLevel.ROUTINE,
        choose_by_key=by_key,
        lines=(*menu_lines(lang, by_key), REFILL[lang], *details),
        disposition="message_taken",
        intent=Intent.REFILL,
        queue="refills",
        transfer_to=None,
    )


FOUR_SITUATIONS = [
    build(lang, situation)
    for lang in Language
    for situation in Situation
    for build in (emergency, routine)
]
URGENT = [urgent(lang, situation) for lang in Language for situation in Situation]


@cache
def demo_practice() -> Practice:
    """The demo practice as loaded from its YAML file."""
    return load_practice(DEMO)


def play(harness: Harness, scenario: Scenario, sid: str) -> VoiceCaller:
    """Place the scenario's call at its instant and play every line."""
    harness.clock.set(scenario.at)
    caller = VoiceCaller(harness, sid)
    caller.dial_in()
    for line in scenario.lines:
        caller.play(line)
    return caller


def record_of(harness: Harness, sid: str) -> CallRecord:
    """The stored call record for a CallSid."""
    with harness.container.uow_factory() as uow:
        record = uow.calls.find_external("demo", Channel.VOICE, sid)
    assert record is not None
    return record


def messages_of(harness: Harness, call_id: str) -> Sequence[Message]:
    """The messages taken on a call."""
    with harness.container.uow_factory() as uow:
        return uow.messages.list_for_call(call_id)


def sid_for(scenario: Scenario) -> str:
    """A CallSid unique to the scenario."""
    return "CA" + scenario.id.encode().hex().ljust(32, "0")[:32]


def finish(harness: Harness, caller: VoiceCaller, scenario: Scenario) -> None:
    """The transfer's result (when transferred) and Twilio's final status callback."""
    if scenario.transfer_to is not None:
        caller.dial_result("completed")
    assert caller.hang_up(sequence=9, duration_s=200) == 204
