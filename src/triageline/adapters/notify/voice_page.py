"""TwiML for a voice page: a PHI-free read-back, then "press 1" (voicemail never acknowledges)."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

_PROMPTS = {
    "en-US": (
        "Press 1 to acknowledge this page.",
        "The page was not acknowledged. Goodbye.",
    ),
    "es-US": (
        "Oprima 1 para confirmar este aviso.",
        "El aviso no fue confirmado. Adiós.",
    ),
    "zh-CN": ("请按1确认此呼叫。", "呼叫未被确认。再见。"),
}


def voice_page_twiml(
    read_back: str, gather_action: str, *, language: str = "en-US", repeats: int = 2
) -> str:
    """A voice page: say `read_back`, then gather one digit; only `1` posted to the action acks.

    If nobody presses a key (a voicemail box, a pocket answer) the call ends unacknowledged, and
    the gather action is not called with `1`, so the page keeps escalating.
    """
    press, goodbye = _PROMPTS.get(language, _PROMPTS["en-US"])
    response = VoiceResponse()
    gather = Gather(
        input="dtmf",
        num_digits=1,
        action=gather_action,
        method="POST",
        timeout=8,
        action_on_empty_result=False,
    )
    for _ in range(max(1, repeats)):
        gather.say(read_back, language=language)
        gather.say(press, language=language)
    response.append(gather)
    response.say(goodbye, language=language)
    response.hangup()
    return str(response)
