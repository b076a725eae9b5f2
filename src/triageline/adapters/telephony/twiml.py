"""Render dialogue actions as Twilio voice TwiML with the ``twilio`` library."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from triageline.domain.dialogue.actions import Action, Ask, Expect, Hangup, Say, Transfer
from triageline.domain.triage.types import Language


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    """How one language is heard and spoken on Twilio: recogniser language, TTS language, voice."""

    stt_language: str
    tts_language: str
    voice: str


VOICE_PROFILES: Mapping[Language, VoiceProfile] = MappingProxyType(
    {
        Language.EN: VoiceProfile("en-US", "en-US", "Polly.Joanna-Neural"),
        Language.ES: VoiceProfile("es-US", "es-US", "Polly.Lupe-Neural"),
        Language.ZH: VoiceProfile("cmn-Hans-CN", "cmn-CN", "Polly.Zhiyu-Neural"),
    }
)
"""Defaults; Twilio's language x model x voice tables change, so deployments may override them."""

_INPUT = {Expect.SPEECH: "speech", Expect.DIGITS: "dtmf", Expect.BOTH: "speech dtmf"}
DIAL_TIMEOUT_S = 25
"""Seconds a transfer rings before Twilio reports no-answer to the action URL."""


def _hints(ask_hints: Iterable[str], practice_hints: Iterable[str]) -> str | None:
    seen: dict[str, None] = {}
    for hint in (*ask_hints, *practice_hints):
        for part in hint.split(","):
            cleaned = " ".join(part.split())
            if cleaned:
                seen.setdefault(cleaned, None)
    return ", ".join(seen) or None


def render_twiml(
    actions: Sequence[Action],
    lang: Language,
    action_url: str,
    hints: Sequence[str] = (),
    *,
    profiles: Mapping[Language, VoiceProfile] = VOICE_PROFILES,
    caller_id: str | None = None,
    dial_timeout_s: int = DIAL_TIMEOUT_S,
) -> str:
    """TwiML for one turn.

    ``lang`` is the conversation's language (used for any line without its own); ``action_url``
    receives the caller's answer (``<Gather>``, with ``actionOnEmptyResult`` so silence comes back
    too) and a transfer's outcome (``<Dial>``); ``hints`` is the practice's vocabulary, added to
    each question's own hints. ``Say`` lines are spoken before the question and cannot be
    interrupted, except ``barge_in`` lines directly before a question (the language menu), which
    go inside the ``<Gather>`` so a keypress cuts them short. Side-effect actions (messages,
    pages, audit notes, language changes) render nothing.
    """
    response = VoiceResponse()
    interruptible: list[Say] = []

    def speak(target: VoiceResponse | Gather, say: Say) -> None:
        profile = profiles[say.lang or lang]
        target.say(say.text, voice=profile.voice, language=profile.tts_language)

    def flush() -> None:
        for say in interruptible:
            speak(response, say)
        interruptible.clear()

    for action in actions:
        if isinstance(action, Say):
            if action.barge_in:
                interruptible.append(action)
            else:
                flush()
                speak(response, action)
        elif isinstance(action, Ask):
            profile = profiles[action.lang or lang]
            gather = Gather(
                input=_INPUT[action.expect],
                action=action_url,
                method="POST",
                language=profile.stt_language,
                hints=_hints(action.hints, hints),
                action_on_empty_result=True,
                timeout=action.timeout_s,
                speech_timeout=action.speech_timeout_s,
                num_digits=action.num_digits,
                profanity_filter=False,
            )
            for say in interruptible:
                speak(gather, say)
            interruptible.clear()
            speak(gather, Say(action.prompt, action.lang))
            response.append(gather)
        elif isinstance(action, Transfer):
            flush()
            dial = Dial(
                action=action_url,
                method="POST",
                answer_on_bridge=True,
                timeout=dial_timeout_s,
                caller_id=caller_id,
            )
            dial.number(action.number)
            response.append(dial)
        elif isinstance(action, Hangup):
            flush()
            response.hangup()
    flush()
    return str(response.to_xml())
