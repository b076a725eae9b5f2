"""Renderers for the calls service, built on the telephony adapter (TwiML, SMS text, chat lines)."""

from __future__ import annotations

from collections.abc import Sequence

from triageline.adapters.telephony import render_sms, render_sms_twiml, render_twiml
from triageline.domain.dialogue.actions import Action
from triageline.services.calls import Renderer, RenderInfo

TURN_PATH = "/twilio/voice/turn"
"""Where a Gather posts the caller's answer (with ``?step=N``)."""


def voice_renderer(base_url: str = "", hints: Sequence[str] = ()) -> Renderer:
    """TwiML whose action URL carries the next step number (retries are then recognisable)."""

    def render(actions: Sequence[Action], info: RenderInfo) -> str:
        action_url = f"{base_url}{TURN_PATH}?step={info.next_step}"
        return render_twiml(actions, info.state.language, action_url, hints)

    return render


def render_text(actions: Sequence[Action], info: RenderInfo) -> str:
    """Plain text, one line per spoken line (web chat and the JSON API)."""
    return render_sms(actions)


def render_sms_reply(actions: Sequence[Action], info: RenderInfo) -> str:
    """Messaging TwiML carrying the step's text as one SMS."""
    return render_sms_twiml(actions)
