"""TwiML rendering: golden files compared exactly, plus the properties callers depend on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from triageline.adapters.telephony import VOICE_PROFILES, render_twiml
from triageline.domain.dialogue import (
    Action,
    Ask,
    AskKind,
    AuditKind,
    AuditNote,
    Expect,
    Hangup,
    Page,
    PageUrgency,
    Say,
    SetLanguage,
    Transfer,
    TransferReason,
)
from triageline.domain.triage.types import Language

from .scenes import ACTION_URL, HINTS, SCENES

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(SCENES))
def test_matches_golden(name: str) -> None:
    actions, lang = SCENES[name]()
    rendered = render_twiml(actions, lang, ACTION_URL, HINTS, caller_id="+15555550000")
    expected = (GOLDEN / f"{name}.xml").read_text(encoding="utf-8").rstrip("\n")
    assert rendered == expected


def test_every_golden_file_has_a_scene() -> None:
    assert {p.stem for p in GOLDEN.glob("*.xml")} == set(SCENES)


def _root(xml_text: str) -> ET.Element:
    return ET.fromstring(xml_text.encode("utf-8"))


def test_gather_attributes_follow_the_question() -> None:
    ask = Ask(
        "What is the best number?",
        Language.ES,
        Expect.BOTH,
        hints=("sí",),
        num_digits=None,
        kind=AskKind.CALLBACK_NUMBER,
        timeout_s=15,
        speech_timeout_s=4,
    )
    gather = _root(render_twiml([ask], Language.ES, "/turn", ("receta",))).find("Gather")
    assert gather is not None
    assert gather.attrib == {
        "action": "/turn",
        "method": "POST",
        "input": "speech dtmf",
        "language": "es-US",
        "hints": "sí, receta",
        "actionOnEmptyResult": "true",
        "timeout": "15",
        "speechTimeout": "4",
        "profanityFilter": "false",
    }
    say = gather.find("Say")
    assert say is not None and say.attrib["voice"] == VOICE_PROFILES[Language.ES].voice


@pytest.mark.parametrize(("expect", "value"), [(Expect.SPEECH, "speech"), (Expect.DIGITS, "dtmf")])
def test_gather_input_kinds(expect: Expect, value: str) -> None:
    xml_text = render_twiml([Ask("Q", Language.EN, expect)], Language.EN, "/t")
    gather = _root(xml_text).find("Gather")
    assert gather is not None and gather.attrib["input"] == value
    assert "hints" not in gather.attrib


def test_plain_lines_are_outside_the_gather_and_menu_lines_inside() -> None:
    actions: list[Action] = [
        Say("Recorded line.", Language.EN),
        Say("Para español, oprima 2.", Language.ES, barge_in=True),
        Ask("How can we help?", Language.EN, Expect.BOTH, num_digits=1),
    ]
    root = _root(render_twiml(actions, Language.EN, "/t"))
    assert [child.tag for child in root] == ["Say", "Gather"]
    gather = root.find("Gather")
    assert gather is not None
    assert [s.text for s in gather.findall("Say")] == [
        "Para español, oprima 2.",
        "How can we help?",
    ]


def test_side_effects_render_nothing_and_transfer_dials_with_answer_on_bridge() -> None:
    actions: list[Action] = [
        Say("Connecting you.", Language.EN),
        AuditNote(AuditKind.TRIAGED, "x"),
        Page(PageUrgency.URGENT, "m1"),
        SetLanguage(Language.EN),
        Transfer("+15555550111", TransferReason.URGENT),
    ]
    root = _root(render_twiml(actions, Language.EN, "/t"))
    assert [child.tag for child in root] == ["Say", "Dial"]
    dial = root.find("Dial")
    assert dial is not None and dial.attrib["answerOnBridge"] == "true"
    assert dial.attrib["action"] == "/t"
    number = dial.find("Number")
    assert number is not None and number.text == "+15555550111"


def test_hangup_and_no_recording_verbs() -> None:
    for name, scene in SCENES.items():
        actions, lang = scene()
        xml_text = render_twiml(actions, lang, ACTION_URL)
        assert "<Record" not in xml_text and "record=" not in xml_text, name
    root = _root(render_twiml([Say("Bye.", Language.ZH), Hangup()], Language.ZH, "/t"))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    say = root.find("Say")
    assert say is not None and say.attrib["language"] == "cmn-CN"


def test_recording_consent_is_spoken_before_the_first_gather() -> None:
    actions, lang = SCENES["opening_recording_en"]()
    root = _root(render_twiml(actions, lang, ACTION_URL))
    tags = [child.tag for child in root]
    texts = [child.text or "" for child in root if child.tag == "Say"]
    assert tags.index("Gather") > 0
    assert any("recorded" in text for text in texts)


def test_empty_turn_is_an_empty_response() -> None:
    assert render_twiml([], Language.EN, "/t").endswith("<Response />")
