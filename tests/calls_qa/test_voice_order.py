"""Over HTTP: the 911 line and the recording announcement are never interruptible nor late.

A caller must hear the 911 instruction whole, before anything listens for speech or keys, and
must hear the recording announcement before anything could be captured. Only the language menu
(``barge_in`` lines) and the question itself sit inside ``<Gather>``.
"""

from __future__ import annotations

from functools import cache

import pytest

from calls.calls_builders import DEMO, OFFICE_HOURS, Harness
from triageline.adapters.config.loader import load_practice
from triageline.domain.practice import Practice
from triageline.domain.triage.types import Language

from .twiml_order import (
    assert_spoken_before_capture,
    says_inside_gather,
    verbs_of,
)
from .voice_caller import VoiceCaller

CHEST_PAIN = {
    Language.EN: "I have crushing chest pain and I cannot breathe",
    Language.ES: "tengo un dolor de pecho muy fuerte y no puedo respirar",
    Language.ZH: "我胸口剧痛，喘不过气",
}
MENU_KEY = {Language.EN: "1", Language.ES: "2", Language.ZH: "3"}


@cache
def _demo() -> Practice:
    return load_practice(DEMO)


def _announcement(lang: Language) -> str:
    return _demo().recording.announcement[lang]


def _sid(tag: str) -> str:
    return "CA" + tag.encode().hex().ljust(32, "0")[:32]


def test_greeting_speaks_911_and_recording_announcement_before_gathering(
    harness: Harness,
) -> None:
    caller = VoiceCaller(harness, _sid("greet"))
    twiml = caller.dial_in()
    notice = assert_spoken_before_capture(twiml, "911")
    announced = assert_spoken_before_capture(twiml, _announcement(Language.EN))
    assert notice.index < announced.index
    interruptible = says_inside_gather(twiml)
    assert interruptible, "the language menu and the question are inside the Gather"
    assert not any("911" in text or "record" in text for text in interruptible)
    assert "<Record" not in twiml


@pytest.mark.parametrize("lang", [Language.ES, Language.ZH])
def test_language_switch_replays_announcement_before_gathering(
    harness: Harness, lang: Language
) -> None:
    caller = VoiceCaller(harness, _sid(f"menu-{lang.value}"))
    caller.dial_in()
    twiml = caller.press(MENU_KEY[lang])
    assert_spoken_before_capture(twiml, _announcement(lang))
    assert "<Gather" in twiml


@pytest.mark.parametrize("lang", list(Language))
def test_after_hours_emergency_911_first_and_outside_any_gather(
    harness: Harness, lang: Language
) -> None:
    caller = VoiceCaller(harness, _sid(f"ah-911-{lang.value}"))
    caller.dial_in()
    twiml = caller.say(CHEST_PAIN[lang])
    verbs = verbs_of(twiml)
    assert verbs[0].tag == "Say" and "911" in verbs[0].text, twiml
    assert_spoken_before_capture(twiml, "911")
    assert not any("911" in text for text in says_inside_gather(twiml))


@pytest.mark.parametrize("lang", list(Language))
def test_low_confidence_emergency_instructs_911_before_the_confirming_gather(
    harness: Harness, lang: Language
) -> None:
    caller = VoiceCaller(harness, _sid(f"lc-911-{lang.value}"))
    caller.dial_in()
    twiml = caller.say(CHEST_PAIN[lang], confidence=0.3)
    assert "<Gather" in twiml, "a low-confidence emergency is confirmed after acting"
    line = assert_spoken_before_capture(twiml, "911")
    assert line.index == 0
    assert not any("911" in text for text in says_inside_gather(twiml))


@pytest.mark.parametrize("lang", list(Language))
def test_office_hours_emergency_911_before_the_transfer(harness: Harness, lang: Language) -> None:
    harness.clock.set(OFFICE_HOURS)
    caller = VoiceCaller(harness, _sid(f"oh-911-{lang.value}"))
    caller.dial_in()
    twiml = caller.say(CHEST_PAIN[lang])
    verbs = verbs_of(twiml)
    line = assert_spoken_before_capture(twiml, "911")
    assert line.index == 0
    dial = [v for v in verbs if v.tag == "Dial"]
    assert dial and dial[0].index > line.index, twiml
    assert not any(v.inside_gather for v in verbs if "911" in v.text)


def test_the_order_check_rejects_an_interruptible_911_line() -> None:
    wrapped = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech dtmf">'
        "<Say>Hang up now and dial 911.</Say><Say>Anything else?</Say></Gather></Response>"
    )
    late = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Record/>'
        "<Say>This call may be recorded.</Say></Response>"
    )
    with pytest.raises(AssertionError):
        assert_spoken_before_capture(wrapped, "911")
    with pytest.raises(AssertionError):
        assert_spoken_before_capture(late, "recorded")
