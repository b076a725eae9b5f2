"""What can happen to a conversation: the caller's side as a small tagged union of events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from triageline.domain.triage.types import Language


class Channel(StrEnum):
    """How the caller reaches the practice."""

    VOICE = "voice"
    SMS = "sms"
    CHAT = "chat"

    @property
    def is_text(self) -> bool:
        """True for typed channels (SMS, web chat), where nothing is spoken or transferred."""
        return self is not Channel.VOICE


# Names of the timers the service may fire back into ``step`` with ``TimerFired``.
TIMER_TRANSFER_FAILED = "transfer_failed"
"""A ``Transfer`` did not connect (no answer, busy, failed); the dialogue falls back."""
TIMER_IDLE = "idle"
"""A text conversation has waited too long for the caller; handled like silence."""


@dataclass(frozen=True, slots=True)
class Connected:
    """A new conversation: a call was answered, or a first text arrived."""

    at: datetime
    from_number: str | None
    to_number: str | None
    channel: Channel = Channel.VOICE


@dataclass(frozen=True, slots=True)
class Said:
    """The caller said or typed something (``language`` only when the channel detected it)."""

    text: str
    confidence: float
    language: Language | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Pressed:
    """The caller pressed keypad digits (or typed only digits on a text channel)."""

    digits: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Silence:
    """The caller gave no input before the prompt timed out."""

    at: datetime


@dataclass(frozen=True, slots=True)
class HungUp:
    """The caller left: the call ended or the chat closed."""

    at: datetime


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the service was keeping for this conversation fired (see ``TIMER_*`` names)."""

    name: str
    at: datetime


CallerEvent = Connected | Said | Pressed | Silence | HungUp | TimerFired
"""Everything ``step`` accepts."""
