"""SMS and chat renderers."""

from __future__ import annotations

import json

from dialogue.builders import Call, make_context
from triageline.adapters.telephony import render_chat, render_sms, render_sms_twiml
from triageline.domain.dialogue import (
    Action,
    Ask,
    Channel,
    Expect,
    Hangup,
    Page,
    PageUrgency,
    Say,
)
from triageline.domain.triage.types import Language


def test_sms_joins_lines_in_order() -> None:
    actions: list[Action] = [
        Say("Thank you.", Language.EN),
        Page(PageUrgency.URGENT, "m1"),
        Ask("Anything else?", Language.EN, Expect.BOTH),
    ]
    assert render_sms(actions) == "Thank you.\nAnything else?"
    twiml = render_sms_twiml(actions)
    assert "<Message>Thank you.\nAnything else?</Message>" in twiml


def test_empty_sms_reply_is_an_empty_response() -> None:
    assert render_sms_twiml([Page(PageUrgency.URGENT, "m1")]).endswith("<Response />")


def test_chat_bubbles_are_json_ready() -> None:
    bubbles = render_chat(
        [Say("Hola.", Language.ES), Ask("¿Algo más?", Language.ES, Expect.BOTH), Hangup()]
    )
    assert bubbles == [
        {"kind": "say", "text": "Hola.", "lang": "es", "expect": ""},
        {"kind": "ask", "text": "¿Algo más?", "lang": "es", "expect": "both"},
        {"kind": "end", "text": "", "lang": "", "expect": ""},
    ]
    assert json.loads(json.dumps(bubbles)) == bubbles


def test_a_real_chat_opening_renders() -> None:
    call = Call(make_context(), channel=Channel.CHAT)
    bubbles = render_chat(call.connect())
    assert bubbles[0]["text"] == "Thank you for contacting Maple Family Medicine."
    assert bubbles[-1]["kind"] == "ask"
    assert any(b["text"] == "Para español, responda 2." for b in bubbles)
