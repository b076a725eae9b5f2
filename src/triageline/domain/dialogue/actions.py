"""What the dialogue asks the service to do: a small tagged union of frozen actions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from triageline.domain.dialogue.booking_records import SpokenSlot
from triageline.domain.dialogue.records import CallerDetails, TriageSummary
from triageline.domain.triage.types import Intent, Language, TriageLevel


class Expect(StrEnum):
    """Which kinds of input an ``Ask`` accepts."""

    SPEECH = "speech"
    DIGITS = "digits"
    BOTH = "both"


class AskKind(StrEnum):
    """What an ``Ask`` is asking for (renderers may tune timing and widgets on it)."""

    OPENING = "opening"
    REASON = "reason"
    CONFIRM_REASON = "confirm_reason"
    FOLLOW_UP = "follow_up"
    CALLER_NAME = "caller_name"
    PATIENT_NAME = "patient_name"
    PATIENT_DOB = "patient_dob"
    CALLBACK_NUMBER = "callback_number"
    CALLBACK_CONFIRM = "callback_confirm"
    ANYTHING_ELSE = "anything_else"
    BOOKING = "booking"


class TransferReason(StrEnum):
    """Why the caller is being connected to a person."""

    EMERGENCY = "emergency"
    CRISIS = "crisis"
    URGENT = "urgent"
    ROUTINE = "routine"
    SPEAK_TO_STAFF = "speak_to_staff"


class PageUrgency(StrEnum):
    """How hard the practice must be notified now."""

    EMERGENCY = "emergency"
    URGENT = "urgent"


class MessageQueue(StrEnum):
    """Which inbox a message lands in."""

    CLINICAL = "clinical"
    FRONT_DESK = "front_desk"
    SCHEDULING = "scheduling"


class MessageReason(StrEnum):
    """Why a message was taken."""

    EMERGENCY_NOTICE = "emergency_notice"
    URGENT_CALLBACK = "urgent_callback"
    CLINICAL_CALLBACK = "clinical_callback"
    SCHEDULING_REQUEST = "scheduling_request"
    FRONT_DESK_REQUEST = "front_desk_request"
    STAFF_UNAVAILABLE = "staff_unavailable"
    HUNG_UP = "hung_up"
    NO_RESPONSE = "no_response"


class AuditKind(StrEnum):
    """Conversation facts that must be on the audit trail (details carry no PHI)."""

    RECORDING_ANNOUNCED = "recording_announced"
    RECORDING_OPTED_OUT = "recording_opted_out"
    EMERGENCY_INSTRUCTION_GIVEN = "emergency_instruction_given"
    CRISIS_LINE_OFFERED = "crisis_line_offered"
    TRIAGED = "triaged"
    LOW_CONFIDENCE_CONFIRMED = "low_confidence_confirmed"
    LOW_CONFIDENCE_REJECTED = "low_confidence_rejected"
    FOLLOW_UP_UNANSWERED = "follow_up_unanswered"
    CALL_ABANDONED = "call_abandoned"
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    BOOKING_STAFF_TASK = "booking_staff_task"
    BOOKING_NOT_DONE = "booking_not_done"


class BookingKind(StrEnum):
    """What a booking request wants done."""

    NEW = "new"
    CHANGE = "change"
    CANCEL = "cancel"
    CONFIRM = "confirm"


class BookingOperation(StrEnum):
    """Which scheduler call a ``Book`` action asks for."""

    SEARCH = "search"
    BOOK = "book"
    LOOKUP = "lookup"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    CONFIRM = "confirm"


@dataclass(frozen=True, slots=True)
class Say:
    """Speak (or send) a line to the caller; ``barge_in`` lets a keypress cut it short."""

    text: str
    lang: Language
    barge_in: bool = False


@dataclass(frozen=True, slots=True)
class Ask:
    """Prompt the caller and wait for input; timeouts are seconds, generous for numbers."""

    prompt: str
    lang: Language
    expect: Expect
    hints: tuple[str, ...] = ()
    num_digits: int | None = None
    kind: AskKind = AskKind.REASON
    timeout_s: int = 6
    speech_timeout_s: int = 2


@dataclass(frozen=True, slots=True)
class Transfer:
    """Connect the caller to a person at ``number`` (E.164 or a short code such as 911/988)."""

    number: str
    reason: TransferReason


@dataclass(frozen=True, slots=True)
class Page:
    """Notify the practice now about the message ``message_ref`` taken in this same call."""

    urgency: PageUrgency
    message_ref: str


@dataclass(frozen=True, slots=True)
class TakeMessage:
    """Store a secure message; ``ref`` is unique within the call and named by ``Page``."""

    ref: str
    details: CallerDetails
    triage: TriageLevel | None
    intent: Intent | None
    queue: MessageQueue
    flagged_partial: bool
    reason: MessageReason
    lang: Language
    answers: tuple[tuple[str, str], ...] = ()
    assessment: TriageSummary | None = None


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """What a caller asked of the schedule, in their words, with who the patient is."""

    kind: BookingKind
    details: CallerDetails
    preference: str
    lang: Language
    operation: BookingOperation = BookingOperation.SEARCH
    patient_kind: str | None = None
    insurance: str | None = None
    weekdays: tuple[int, ...] = ()
    time_of_day: str = "any"
    slot: SpokenSlot | None = None
    appointment: SpokenSlot | None = None


@dataclass(frozen=True, slots=True)
class Book:
    """Ask the booking service to act on a request; the message ``fallback_ref`` stands if not."""

    request: BookingRequest
    fallback_ref: str


@dataclass(frozen=True, slots=True)
class Hangup:
    """End the conversation."""


@dataclass(frozen=True, slots=True)
class AuditNote:
    """Append a fact to the audit trail; ``detail`` never carries PHI."""

    kind: AuditKind
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SetLanguage:
    """From now on the conversation is in ``lang`` (renderers switch voice and recogniser)."""

    lang: Language


Action = Say | Ask | Transfer | Page | TakeMessage | Book | Hangup | AuditNote | SetLanguage
"""Everything ``step`` can ask for."""
