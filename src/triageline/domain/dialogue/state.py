"""The conversation's state between turns: frozen, explicit phases, JSON round-trippable."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from triageline.domain.dialogue.booking_records import BookingFlow, flow_from_obj, flow_to_obj
from triageline.domain.dialogue.events import Channel
from triageline.domain.dialogue.records import CallerDetails, TriageSummary
from triageline.domain.triage.types import FollowUp, Intent, Language, TriageLevel

STATE_FORMAT = 1
"""Version of the JSON form; bumped on incompatible change."""


class DialogueError(Exception):
    """The dialogue was asked to do something impossible (an illegal phase change, bad state)."""


class Phase(StrEnum):
    """Where the conversation is; each phase names what we are waiting for."""

    NEW = "new"
    OPENING = "opening"
    REASON = "reason"
    CONFIRM_REASON = "confirm_reason"
    FOLLOW_UP = "follow_up"
    EMERGENCY_CONFIRM = "emergency_confirm"
    CALLER_NAME = "caller_name"
    PATIENT_NAME = "patient_name"
    PATIENT_DOB = "patient_dob"
    CALLBACK_NUMBER = "callback_number"
    CALLBACK_CONFIRM = "callback_confirm"
    ANYTHING_ELSE = "anything_else"
    BOOKING = "booking"
    TRANSFERRING = "transferring"
    DONE = "done"

    def can_go_to(self, target: Phase) -> bool:
        """True when ``target`` is a legal next phase."""
        return target in _TRANSITIONS[self]


_P = Phase
_AFTER_TRIAGE = frozenset(
    {
        _P.FOLLOW_UP,
        _P.EMERGENCY_CONFIRM,
        _P.CALLER_NAME,
        _P.ANYTHING_ELSE,
        _P.TRANSFERRING,
        _P.DONE,
        _P.BOOKING,
    }
)
_COLLECTING_EXITS = frozenset({_P.DONE, _P.TRANSFERRING, _P.EMERGENCY_CONFIRM})
_TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    _P.NEW: frozenset({_P.OPENING}),
    _P.OPENING: _AFTER_TRIAGE | {_P.OPENING, _P.REASON, _P.CONFIRM_REASON},
    _P.REASON: _AFTER_TRIAGE | {_P.REASON, _P.CONFIRM_REASON},
    _P.CONFIRM_REASON: _AFTER_TRIAGE | {_P.CONFIRM_REASON, _P.REASON},
    _P.FOLLOW_UP: _AFTER_TRIAGE,
    _P.EMERGENCY_CONFIRM: _AFTER_TRIAGE | {_P.REASON},
    _P.CALLER_NAME: _COLLECTING_EXITS | {_P.CALLER_NAME, _P.PATIENT_NAME},
    _P.PATIENT_NAME: _COLLECTING_EXITS | {_P.PATIENT_NAME, _P.PATIENT_DOB},
    _P.PATIENT_DOB: _COLLECTING_EXITS | {_P.PATIENT_DOB, _P.CALLBACK_NUMBER, _P.CALLBACK_CONFIRM},
    _P.CALLBACK_NUMBER: _COLLECTING_EXITS | {_P.CALLBACK_NUMBER, _P.CALLBACK_CONFIRM},
    _P.CALLBACK_CONFIRM: _COLLECTING_EXITS | {_P.CALLBACK_CONFIRM, _P.CALLBACK_NUMBER},
    _P.ANYTHING_ELSE: _AFTER_TRIAGE | {_P.REASON, _P.CONFIRM_REASON},
    _P.BOOKING: _COLLECTING_EXITS
    | {_P.BOOKING, _P.REASON, _P.ANYTHING_ELSE, _P.CALLER_NAME, _P.PATIENT_NAME, _P.PATIENT_DOB}
    | {_P.CALLBACK_NUMBER, _P.CALLBACK_CONFIRM},
    _P.TRANSFERRING: frozenset(
        {_P.CALLER_NAME, _P.PATIENT_NAME, _P.PATIENT_DOB, _P.CALLBACK_NUMBER, _P.CALLBACK_CONFIRM}
    )
    | {_P.DONE},
    _P.DONE: frozenset(),
}


class RecordingStatus(StrEnum):
    """Recording consent for this call."""

    OFF = "off"
    ANNOUNCED = "announced"
    OPTED_OUT = "opted_out"

    @property
    def may_record(self) -> bool:
        """True only after the announcement played and the caller did not opt out."""
        return self is RecordingStatus.ANNOUNCED


@dataclass(frozen=True, slots=True)
class PendingFollowUp:
    """A triage follow-up question waiting for its answer."""

    fact: str
    rule_id: str
    question: tuple[tuple[Language, str], ...]

    @classmethod
    def of(cls, follow_up: FollowUp) -> PendingFollowUp:
        """Keep an engine follow-up in a serialisable form."""
        return cls(
            fact=follow_up.fact,
            rule_id=follow_up.rule_id,
            question=tuple(sorted(follow_up.question.items())),
        )

    def question_in(self, lang: Language) -> str | None:
        """The question in ``lang``, if the pack has it."""
        return dict(self.question).get(lang)


@dataclass(frozen=True, slots=True)
class DialogueState:
    """One conversation between turns; the service stores it (encrypted) after every step."""

    phase: Phase = Phase.NEW
    channel: Channel = Channel.VOICE
    language: Language = Language.EN
    language_chosen: bool = False
    recording: RecordingStatus = RecordingStatus.OFF
    started_at: datetime | None = None
    caller_id: str | None = None
    dialled: str | None = None
    details: CallerDetails = field(default_factory=CallerDetails)
    reprompts: int = 0
    triage: TriageSummary | None = None
    answers: tuple[tuple[str, str], ...] = ()
    follow_up: PendingFollowUp | None = None
    follow_ups_asked: int = 0
    unconfirmed: str | None = None
    messages_taken: int = 0
    paged: bool = False
    emergency_handled: bool = False
    crisis_offered: bool = False
    turn: int = 0
    booking: BookingFlow | None = None

    def go(self, phase: Phase, **changes: object) -> DialogueState:
        """Move to ``phase`` (raising on an illegal transition) with other fields changed."""
        if not self.phase.can_go_to(phase):
            raise DialogueError(f"illegal dialogue transition {self.phase} -> {phase}")
        return replace(self, phase=phase, **changes)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> DialogueState:
        """A copy with fields changed, phase unchanged."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def answers_map(self) -> dict[str, str]:
        """Follow-up answers keyed by fact, as the triage engine takes them."""
        return dict(self.answers)

    @property
    def has_pending_message(self) -> bool:
        """True when the caller told us something no message holds yet."""
        return self.messages_taken == 0 and not self.details.is_empty

    def to_json(self) -> str:
        """Serialise to a JSON string (stable key order)."""
        return json.dumps(_state_to_obj(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> DialogueState:
        """Rebuild a state from ``to_json`` output; raises ``DialogueError`` on bad input."""
        try:
            obj = json.loads(text)
            if obj.get("format") != STATE_FORMAT:
                raise DialogueError(f"unknown dialogue state format {obj.get('format')!r}")
            return _state_from_obj(obj)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DialogueError(f"unreadable dialogue state: {exc}") from exc


def _details_to_obj(d: CallerDetails) -> dict[str, object]:
    return {
        "caller_name": d.caller_name,
        "patient_name": d.patient_name,
        "patient_is_caller": d.patient_is_caller,
        "patient_dob": d.patient_dob,
        "callback_number": d.callback_number,
        "callback_confirmed": d.callback_confirmed,
        "reason_text": d.reason_text,
    }


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _details_from_obj(obj: dict[str, object]) -> CallerDetails:
    is_caller = obj["patient_is_caller"]
    if is_caller is not None and not isinstance(is_caller, bool):
        raise TypeError("patient_is_caller must be a boolean")
    return CallerDetails(
        caller_name=_opt_str(obj["caller_name"]),
        patient_name=_opt_str(obj["patient_name"]),
        patient_is_caller=is_caller,
        patient_dob=_opt_str(obj["patient_dob"]),
        callback_number=_opt_str(obj["callback_number"]),
        callback_confirmed=bool(obj["callback_confirmed"]),
        reason_text=_opt_str(obj["reason_text"]),
    )


def _triage_to_obj(t: TriageSummary | None) -> dict[str, object] | None:
    if t is None:
        return None
    return {
        "level": t.level.value,
        "intent": t.intent.value,
        "lang": t.lang.value,
        "rule_ids": list(t.rule_ids),
        "evidence": list(t.evidence),
        "protocol_version": t.protocol_version,
        "crisis": t.crisis,
    }


def _triage_from_obj(obj: dict[str, object] | None) -> TriageSummary | None:
    if obj is None:
        return None
    return TriageSummary(
        level=TriageLevel(_str(obj["level"])),
        intent=Intent(_str(obj["intent"])),
        lang=Language(_str(obj["lang"])),
        rule_ids=tuple(str(x) for x in _as_list(obj["rule_ids"])),
        evidence=tuple(str(x) for x in _as_list(obj["evidence"])),
        protocol_version=str(obj["protocol_version"]),
        crisis=bool(obj["crisis"]),
    )


def _as_list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    return tuple((str(pair[0]), str(pair[1])) for pair in _as_list(value))  # type: ignore[index]


def _state_to_obj(s: DialogueState) -> dict[str, object]:
    follow_up = None
    if s.follow_up is not None:
        follow_up = {
            "fact": s.follow_up.fact,
            "rule_id": s.follow_up.rule_id,
            "question": [[lang.value, text] for lang, text in s.follow_up.question],
        }
    return {
        "format": STATE_FORMAT,
        "phase": s.phase.value,
        "channel": s.channel.value,
        "language": s.language.value,
        "language_chosen": s.language_chosen,
        "recording": s.recording.value,
        "started_at": s.started_at.isoformat() if s.started_at else None,
        "caller_id": s.caller_id,
        "dialled": s.dialled,
        "details": _details_to_obj(s.details),
        "reprompts": s.reprompts,
        "triage": _triage_to_obj(s.triage),
        "answers": [list(pair) for pair in s.answers],
        "follow_up": follow_up,
        "follow_ups_asked": s.follow_ups_asked,
        "unconfirmed": s.unconfirmed,
        "messages_taken": s.messages_taken,
        "paged": s.paged,
        "emergency_handled": s.emergency_handled,
        "crisis_offered": s.crisis_offered,
        "turn": s.turn,
        "booking": flow_to_obj(s.booking),
    }


def _state_from_obj(obj: dict[str, object]) -> DialogueState:
    started = _opt_str(obj["started_at"])
    raw_follow = obj["follow_up"]
    follow_up = None
    if raw_follow is not None:
        if not isinstance(raw_follow, dict):
            raise TypeError("follow_up must be an object")
        follow_up = PendingFollowUp(
            fact=str(raw_follow["fact"]),
            rule_id=str(raw_follow["rule_id"]),
            question=tuple(
                (Language(lang), str(text)) for lang, text in _pairs(raw_follow["question"])
            ),
        )
    details = obj["details"]
    triage = obj["triage"]
    if not isinstance(details, dict) or not (triage is None or isinstance(triage, dict)):
        raise TypeError("details and triage must be objects")
    return DialogueState(
        phase=Phase(_str(obj["phase"])),
        channel=Channel(_str(obj["channel"])),
        language=Language(_str(obj["language"])),
        language_chosen=bool(obj["language_chosen"]),
        recording=RecordingStatus(_str(obj["recording"])),
        started_at=datetime.fromisoformat(started) if started else None,
        caller_id=_opt_str(obj["caller_id"]),
        dialled=_opt_str(obj["dialled"]),
        details=_details_from_obj(details),
        reprompts=_int(obj["reprompts"]),
        triage=_triage_from_obj(triage),
        answers=_pairs(obj["answers"]),
        follow_up=follow_up,
        follow_ups_asked=_int(obj["follow_ups_asked"]),
        unconfirmed=_opt_str(obj["unconfirmed"]),
        messages_taken=_int(obj["messages_taken"]),
        paged=bool(obj["paged"]),
        emergency_handled=bool(obj["emergency_handled"]),
        crisis_offered=bool(obj["crisis_offered"]),
        turn=_int(obj["turn"]),
        booking=flow_from_obj(obj.get("booking")),
    )


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("expected an integer")
    return value
