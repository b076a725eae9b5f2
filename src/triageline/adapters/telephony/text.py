"""Render dialogue actions for typed channels: SMS text (and its TwiML) and web-chat bubbles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from twilio.twiml.messaging_response import MessagingResponse

from triageline.domain.dialogue.actions import Action, Ask, Hangup, Say


class ChatBubble(TypedDict):
    """One chat bubble as the browser receives it (JSON-serialisable as is).

    ``kind`` is ``say`` (a line), ``ask`` (a question; ``expect`` says what it accepts) or
    ``end`` (the conversation is over; ``text`` is empty).
    """

    kind: str
    text: str
    lang: str
    expect: str


def render_sms(actions: Sequence[Action]) -> str:
    """The reply text: every line and question of the turn, in order, one per line."""
    lines: list[str] = []
    for action in actions:
        if isinstance(action, Say) and action.text:
            lines.append(action.text)
        elif isinstance(action, Ask) and action.prompt:
            lines.append(action.prompt)
    return "\n".join(lines)


def render_sms_twiml(actions: Sequence[Action]) -> str:
    """The reply as messaging TwiML (an empty ``<Response/>`` when there is nothing to say)."""
    response = MessagingResponse()
    body = render_sms(actions)
    if body:
        response.message(body)
    return str(response.to_xml())


def render_chat(actions: Sequence[Action]) -> list[ChatBubble]:
    """The turn as chat bubbles, in order."""
    bubbles: list[ChatBubble] = []
    for action in actions:
        if isinstance(action, Say) and action.text:
            bubbles.append(ChatBubble(kind="say", text=action.text, lang=action.lang, expect=""))
        elif isinstance(action, Ask):
            bubbles.append(
                ChatBubble(
                    kind="ask", text=action.prompt, lang=action.lang, expect=action.expect.value
                )
            )
        elif isinstance(action, Hangup):
            bubbles.append(ChatBubble(kind="end", text="", lang="", expect=""))
    return bubbles
