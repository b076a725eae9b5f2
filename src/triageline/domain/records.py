"""Stored records of calls, transcript turns and practice configuration versions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from triageline.domain.coverage import CoverageMode
from triageline.domain.triage.types import Intent, Language, TriageLevel


def new_id() -> str:
    """A fresh random identifier (32 hex digits) for a record."""
    return uuid.uuid4().hex


class Channel(StrEnum):
    """How a contact reached the practice."""

    VOICE = "voice"
    SMS = "sms"
    CHAT = "chat"


class TurnRole(StrEnum):
    """Who spoke a transcript turn."""

    CALLER = "caller"
    ASSISTANT = "assistant"
    STAFF = "staff"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class PracticeRecord:
    """A practice known to this installation."""

    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ConfigVersion:
    """One stored version of a practice's YAML configuration."""

    practice_id: str
    version: int
    yaml_text: str
    sha256: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One contact (voice call, SMS thread or chat) and what was decided about it.

    ``from_number``, ``to_number`` and ``dialogue_state`` (the dialogue engine's JSON) are PHI
    and are stored encrypted. ``external_id`` is the channel's id (Twilio CallSid, ...), unique
    per practice and channel so that a retried webhook finds the same call.
    """

    id: str
    practice_id: str
    channel: Channel
    external_id: str
    started_at: datetime
    from_number: str | None = None
    to_number: str | None = None
    language: Language | None = None
    coverage_mode: CoverageMode | None = None
    disposition: str | None = None
    triage: TriageLevel | None = None
    intent: Intent | None = None
    dialogue_state: str | None = None
    ended_at: datetime | None = None
    time_to_answer: timedelta | None = None
    abandoned: bool = False


@dataclass(frozen=True, slots=True)
class Turn:
    """One utterance in a contact's transcript; ``seq`` numbers turns from 0 within the call."""

    call_id: str
    seq: int
    role: TurnRole
    text: str
    created_at: datetime
