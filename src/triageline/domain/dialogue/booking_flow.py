"""Booking inside the conversation: new visits, and reschedule/cancel/confirm after identity.

Pure like the rest of the dialogue. The flow asks for what it needs, then emits a ``Book``
action; the service carries it out through the scheduler and answers with a booking event
(``SlotsOffered``, ``AppointmentsFound`` or ``BookingResult``). Nothing about an existing
appointment is said before the scheduler has verified the caller's name and date of birth
(caller ID never counts), and a booking the scheduler handed to staff is never called booked.

``machine.step`` drives this module: each function returns a :class:`FlowTurn` whose
``handoff`` tells the machine what to do next (re-triage, take a message, ask "anything else").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from triageline.domain.dialogue.actions import (
    Action,
    Ask,
    AskKind,
    AuditKind,
    AuditNote,
    Book,
    BookingKind,
    BookingOperation,
    BookingRequest,
    Expect,
    Say,
)
from triageline.domain.dialogue.booking_parsing import (
    birth_date,
    choice_in,
    insurance_in,
    time_of_day_in,
    weekdays_in,
)
from triageline.domain.dialogue.booking_phrases import B, line, slot_list, spoken_when
from triageline.domain.dialogue.booking_records import (
    AppointmentsFound,
    BookingEvent,
    BookingFlow,
    BookingResult,
    BookingStage,
    BookingStatus,
    SlotsOffered,
    SpokenSlot,
)
from triageline.domain.dialogue.context import DialogueContext
from triageline.domain.dialogue.parsing import (
    YesNo,
    digits_in,
    dob_from_digits,
    phone_number,
    read_back,
    yes_or_no,
)
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.dialogue.state import DialogueState, Phase
from triageline.domain.triage.types import Intent, Language, TriageLevel

MAX_LOOKUPS = 2
"""Name and date-of-birth attempts before the request becomes a message."""
MAX_OFFERS = 2
"""Rounds of offered slots before the request becomes a message."""

_KINDS: dict[Intent, BookingKind] = {
    Intent.APPOINTMENT_NEW: BookingKind.NEW,
    Intent.APPOINTMENT_CHANGE: BookingKind.CHANGE,
    Intent.APPOINTMENT_CANCEL: BookingKind.CANCEL,
    Intent.APPOINTMENT_CONFIRM: BookingKind.CONFIRM,
}
_YES_NO_HINTS: dict[Language, tuple[str, ...]] = {
    Language.EN: ("yes", "no"),
    Language.ES: ("sí", "no"),
    Language.ZH: ("对", "不对"),
}
_FREE_TEXT = frozenset(
    {BookingStage.REASON, BookingStage.INSURANCE, BookingStage.PREFERENCE, BookingStage.NAME}
)


class Handoff(StrEnum):
    """What the machine does after a booking turn."""

    NONE = "none"
    REPROMPT = "reprompt"
    RETRIAGE = "retriage"
    MESSAGE = "message"
    ANYTHING_ELSE = "anything_else"


@dataclass(frozen=True, slots=True)
class FlowTurn:
    """One booking turn: the new state, the actions so far, and what the machine does next."""

    state: DialogueState
    actions: tuple[Action, ...]
    handoff: Handoff = Handoff.NONE
    text: str = ""
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class AppointmentOutcome:
    """What a conversation did to the calendar, for reports and ``simulate``'s outcome."""

    appointment_id: str
    start: datetime
    status: str
    type_id: str


def handles(intent: Intent, level: TriageLevel, ctx: DialogueContext) -> bool:
    """True when this request is booked in the conversation rather than taken as a message."""
    return ctx.booking_enabled and level is TriageLevel.NONE and intent in _KINDS


def appointment_outcome(state: DialogueState) -> AppointmentOutcome | None:
    """The appointment this conversation booked, moved, cancelled or confirmed (None if none).

    A request handed to staff is not an appointment and gives None.
    """
    flow = state.booking
    if flow is None or flow.result is None or flow.outcome is None:
        return None
    status = {
        BookingStatus.BOOKED: "booked",
        BookingStatus.RESCHEDULED: "booked",
        BookingStatus.CONFIRMED: "booked",
        BookingStatus.CANCELLED: "cancelled",
    }.get(flow.outcome)
    if status is None:
        return None
    result = flow.result
    return AppointmentOutcome(result.ref, result.start, result.status or status, result.type_id)


# ---------------------------------------------------------------- entry points


def start(state: DialogueState, ctx: DialogueContext, intent: Intent) -> FlowTurn:
    """Begin booking for a scheduling intent (the caller's reason was already heard)."""
    kind = _KINDS[intent]
    flow = BookingFlow(kind=kind.value, stage=BookingStage.PATIENT_STATUS)
    intro = B.INTRO_NEW if kind is BookingKind.NEW else B.INTRO_VERIFY
    details = state.details
    if kind is not BookingKind.NEW:
        # Identity is always asked for in this flow, never taken from earlier turns or caller ID.
        details = details.with_(patient_name=None, patient_dob=None)
    state = state.go(Phase.BOOKING, booking=flow, details=details, reprompts=0)
    return _from(state, 0, [_say(state, intro)])


def on_input(
    state: DialogueState,
    ctx: DialogueContext,
    text: str,
    *,
    spoken: bool,
    confidence: float,
    at: datetime,
) -> FlowTurn:
    """The caller answered the booking question in ``text`` (``spoken`` False for keypresses)."""
    flow = state.booking
    if flow is None:
        return FlowTurn(state, (), Handoff.MESSAGE)
    stage = flow.stage
    value = text.strip()
    if spoken and (stage in _FREE_TEXT or len(value.split()) > 3):
        result = ctx.triage(value, state.language, {})
        if result.triage.rank >= TriageLevel.URGENT.rank:
            return FlowTurn(state, (), Handoff.RETRIAGE, value, confidence)
    lang = state.language
    d = state.details
    if stage is BookingStage.PATIENT_STATUS:
        answer = yes_or_no(value)
        if answer is YesNo.UNCLEAR:
            return _reprompt(state)
        kind = "existing" if answer is YesNo.YES else "new"
        return _next(state.with_(booking=flow.with_(patient_kind=kind)))
    if stage is BookingStage.NAME:
        if not spoken or len(value) < 2:
            return _reprompt(state)
        return _next(state.with_(details=d.with_(patient_name=value)))
    if stage is BookingStage.DOB:
        today = at.date()
        dob = birth_date(value, lang, today) if spoken else dob_from_digits(value, lang, today)
        if dob is None:
            return _reprompt(state, _say(state, B.ASK_DOB_WORDS))
        return _next(state.with_(details=d.with_(patient_dob=dob)))
    if stage is BookingStage.PHONE:
        number = phone_number(value if spoken else digits_in(value))
        if number is None:
            return _reprompt(state, Say(phrase(P.INVALID_NUMBER, lang, typed=_typed(state)), lang))
        flow = flow.with_(stage=BookingStage.PHONE_CONFIRM)
        state = state.with_(
            details=d.with_(callback_number=number, callback_confirmed=False), booking=flow
        )
        return _turn(state, [], ask_next=True)
    if stage is BookingStage.PHONE_CONFIRM:
        number = phone_number(value if spoken else digits_in(value))
        if number is not None and len(digits_in(value)) >= 7:
            state = state.with_(details=d.with_(callback_number=number), reprompts=0)
            return _turn(state, [], ask_next=True)
        answer = yes_or_no(value)
        if answer is YesNo.YES:
            return _next(state.with_(details=d.with_(callback_confirmed=True)))
        if answer is YesNo.NO:
            state = state.with_(booking=flow.with_(stage=BookingStage.PHONE), reprompts=0)
            return _turn(state, [], ask_next=True)
        return _reprompt(state)
    if stage is BookingStage.REASON:
        if not spoken:
            return _reprompt(state)
        return _next(state.with_(details=d.with_(reason_text=_reason(d.reason_text, value))))
    if stage is BookingStage.INSURANCE:
        if not spoken:
            return _reprompt(state)
        plan = insurance_in(value)
        return _next(state.with_(booking=flow.with_(insurance=plan, insurance_given=True)))
    if stage is BookingStage.PREFERENCE:
        flow = flow.with_(weekdays=weekdays_in(value), time_of_day=time_of_day_in(value))
        return _search(state.with_(booking=flow), value)
    if stage is BookingStage.CHOOSE:
        picked = choice_in(value, len(flow.offered))
        if picked is None:
            return _reprompt(state)
        if picked == 0:
            return _declined(state)
        chosen = flow.offered[picked - 1]
        state = state.with_(booking=flow.with_(stage=BookingStage.CONFIRM, chosen=chosen))
        return _turn(state, [], ask_next=True)
    if stage is BookingStage.CONFIRM:
        answer = yes_or_no(value)
        if answer is YesNo.UNCLEAR:
            return _reprompt(state)
        if answer is YesNo.NO:
            state = state.with_(booking=flow.with_(stage=BookingStage.CHOOSE, chosen=None))
            return _turn(state, [_say(state, B.NOTHING_BOOKED)], ask_next=True)
        return _write(state)
    if stage is BookingStage.PICK_APPOINTMENT:
        picked = choice_in(value, len(flow.found))
        if picked is None or picked == 0:
            return _reprompt(state)
        return _with_current(state, flow.found[picked - 1], mention=False)
    if stage is BookingStage.CONFIRM_CHANGE:
        answer = yes_or_no(value)
        if answer is YesNo.UNCLEAR:
            return _reprompt(state)
        if answer is YesNo.NO:
            state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED))
            return FlowTurn(state, (_say(state, B.KEPT),), Handoff.ANYTHING_ELSE)
        return _write(state)
    return FlowTurn(state, ())


def on_service(state: DialogueState, ctx: DialogueContext, event: BookingEvent) -> FlowTurn:
    """The service answered the last ``Book`` action."""
    flow = state.booking
    if flow is None or flow.stage is not BookingStage.WAITING:
        return FlowTurn(state, ())
    if isinstance(event, SlotsOffered):
        return _offered(state, flow, event)
    if isinstance(event, AppointmentsFound):
        return _found(state, flow, event)
    return _result(state, flow, event)


def ask(state: DialogueState) -> Ask:
    """The question for the booking flow's current stage, in the conversation's language."""
    flow = state.booking
    lang, typed = state.language, _typed(state)
    stage = flow.stage if flow is not None else BookingStage.FINISHED
    yes_no = line(B.YES_NO, lang, typed=typed)
    hints = _YES_NO_HINTS[lang]

    def join(*sentences: str) -> str:
        return ("" if lang is Language.ZH else " ").join(sentences)

    if stage is BookingStage.PATIENT_STATUS:
        prompt = join(line(B.ASK_SEEN_BEFORE, lang), yes_no)
        return Ask(prompt, lang, Expect.BOTH, hints, 1, AskKind.BOOKING)
    if stage is BookingStage.NAME:
        return Ask(
            line(B.ASK_NAME, lang), lang, Expect.SPEECH, (), None, AskKind.PATIENT_NAME, 8, 3
        )
    if stage is BookingStage.DOB:
        prompt = phrase(P.ASK_DOB, lang, typed=typed)
        return Ask(prompt, lang, Expect.BOTH, (), 8, AskKind.PATIENT_DOB, 12, 4)
    if stage is BookingStage.PHONE:
        prompt = phrase(P.ASK_CALLBACK_NUMBER, lang, typed=typed)
        return Ask(prompt, lang, Expect.BOTH, (), None, AskKind.CALLBACK_NUMBER, 15, 4)
    if stage is BookingStage.PHONE_CONFIRM:
        digits = read_back(state.details.callback_number or "")
        prompt = join(
            phrase(P.CONFIRM_CALLBACK, lang, typed=typed, digits=digits),
            phrase(P.CALLBACK_ALT_HINT, lang, typed=typed),
        )
        return Ask(prompt, lang, Expect.BOTH, hints, None, AskKind.CALLBACK_CONFIRM, 12, 4)
    if stage is BookingStage.REASON:
        return Ask(line(B.ASK_REASON, lang), lang, Expect.SPEECH, (), None, AskKind.BOOKING, 8, 3)
    if stage is BookingStage.INSURANCE:
        prompt = line(B.ASK_INSURANCE, lang, typed=typed)
        return Ask(prompt, lang, Expect.SPEECH, (), None, AskKind.BOOKING, 8, 3)
    if stage is BookingStage.PREFERENCE:
        prompt = line(B.ASK_PREFERENCE, lang)
        return Ask(prompt, lang, Expect.SPEECH, (), None, AskKind.BOOKING, 8, 3)
    if stage is BookingStage.CHOOSE and flow is not None:
        offer = line(B.OFFER, lang, slots=slot_list(flow.offered, lang))
        prompt = join(offer, line(B.CHOOSE_HINT, lang, typed=typed))
        return Ask(prompt, lang, Expect.BOTH, (), 1, AskKind.BOOKING, 8, 3)
    if stage is BookingStage.CONFIRM and flow is not None and flow.chosen is not None:
        prompt = join(_confirm_line(state, flow.chosen), yes_no)
        return Ask(prompt, lang, Expect.BOTH, hints, 1, AskKind.BOOKING)
    if stage is BookingStage.PICK_APPOINTMENT and flow is not None:
        prompt = line(B.FOUND_MANY, lang, typed=typed, slots=slot_list(flow.found, lang))
        return Ask(prompt, lang, Expect.BOTH, (), 1, AskKind.BOOKING)
    if stage is BookingStage.CONFIRM_CHANGE and flow is not None:
        key = B.ASK_CANCEL if flow.kind == BookingKind.CANCEL.value else B.ASK_CONFIRM_VISIT
        return Ask(join(line(key, lang), yes_no), lang, Expect.BOTH, hints, 1, AskKind.BOOKING)
    return Ask(phrase(P.ASK_REASON_AGAIN, lang, typed=typed), lang, Expect.SPEECH)


# ---------------------------------------------------------------- steps of the flow


def _typed(state: DialogueState) -> bool:
    return state.channel.is_text


def _say(state: DialogueState, key: B, **values: object) -> Say:
    return Say(line(key, state.language, typed=_typed(state), **values), state.language)


def _turn(state: DialogueState, actions: list[Action], *, ask_next: bool) -> FlowTurn:
    if ask_next:
        actions = [*actions, ask(state)]
    return FlowTurn(state, tuple(actions))


def _reprompt(state: DialogueState, *before: Action) -> FlowTurn:
    return FlowTurn(state, tuple(before), Handoff.REPROMPT)


def _reason(earlier: str | None, now: str) -> str:
    return " / ".join(part for part in (earlier, now) if part)


_ORDER_NEW = (
    BookingStage.PATIENT_STATUS,
    BookingStage.NAME,
    BookingStage.DOB,
    BookingStage.PHONE_CONFIRM,
    BookingStage.REASON,
    BookingStage.INSURANCE,
    BookingStage.PREFERENCE,
)
_ORDER_VERIFY = (BookingStage.NAME, BookingStage.DOB)


def _satisfied(state: DialogueState, stage: BookingStage) -> bool:
    """True when a stage's answer is already known (reason and preference are always asked)."""
    flow = state.booking
    assert flow is not None
    d = state.details
    if stage is BookingStage.PATIENT_STATUS:
        return flow.patient_kind is not None
    if stage is BookingStage.NAME:
        return bool(d.patient_name)
    if stage is BookingStage.DOB:
        return bool(d.patient_dob)
    if stage is BookingStage.PHONE_CONFIRM:
        return d.callback_confirmed
    if stage is BookingStage.INSURANCE:
        return flow.insurance_given
    return False


def _from(state: DialogueState, index: int, actions: list[Action]) -> FlowTurn:
    """Ask the first unanswered stage from ``index`` on; all answered: look the patient up."""
    flow = state.booking
    assert flow is not None
    order = _ORDER_NEW if flow.kind == BookingKind.NEW.value else _ORDER_VERIFY
    for stage in order[index:]:
        if _satisfied(state, stage):
            continue
        if stage is BookingStage.PHONE_CONFIRM and not state.details.callback_number:
            stage = BookingStage.PHONE
        state = state.with_(booking=flow.with_(stage=stage), reprompts=0)
        return _turn(state, actions, ask_next=True)
    turn = _lookup(state)
    return FlowTurn(turn.state, (*actions, *turn.actions))


def _next(state: DialogueState) -> FlowTurn:
    """The current stage is answered: go on to the next one."""
    flow = state.booking
    assert flow is not None
    order = _ORDER_NEW if flow.kind == BookingKind.NEW.value else _ORDER_VERIFY
    stage = BookingStage.PHONE_CONFIRM if flow.stage is BookingStage.PHONE else flow.stage
    index = order.index(stage) + 1 if stage in order else 0
    return _from(state, index, [])


def _request(
    state: DialogueState,
    operation: BookingOperation,
    preference: str = "",
    slot: SpokenSlot | None = None,
) -> Book:
    flow = state.booking
    assert flow is not None
    request = BookingRequest(
        kind=BookingKind(flow.kind),
        details=state.details,
        preference=preference,
        lang=state.language,
        operation=operation,
        patient_kind=flow.patient_kind,
        insurance=flow.insurance,
        weekdays=flow.weekdays,
        time_of_day=flow.time_of_day,
        slot=slot,
        appointment=flow.current,
    )
    return Book(request, fallback_ref=f"m{state.messages_taken + 1}")


def _lookup(state: DialogueState) -> FlowTurn:
    """Name and birth date are in: ask the service for the caller's appointments."""
    flow = state.booking
    assert flow is not None
    flow = flow.with_(stage=BookingStage.WAITING, attempts=flow.attempts + 1)
    state = state.with_(booking=flow)
    return FlowTurn(state, (_request(state, BookingOperation.LOOKUP),))


def _search(state: DialogueState, preference: str) -> FlowTurn:
    flow = state.booking
    assert flow is not None
    state = state.with_(booking=flow.with_(stage=BookingStage.WAITING), reprompts=0)
    return FlowTurn(state, (_request(state, BookingOperation.SEARCH, preference),))


def _write(state: DialogueState) -> FlowTurn:
    """The caller said yes: book, move, cancel or confirm."""
    flow = state.booking
    assert flow is not None
    kind = BookingKind(flow.kind)
    operation = {
        BookingKind.NEW: BookingOperation.BOOK,
        BookingKind.CHANGE: BookingOperation.RESCHEDULE,
        BookingKind.CANCEL: BookingOperation.CANCEL,
        BookingKind.CONFIRM: BookingOperation.CONFIRM,
    }[kind]
    state = state.with_(booking=flow.with_(stage=BookingStage.WAITING), reprompts=0)
    return FlowTurn(state, (_request(state, operation, slot=flow.chosen),))


def _declined(state: DialogueState) -> FlowTurn:
    flow = state.booking
    assert flow is not None
    if flow.attempts + 1 >= MAX_OFFERS:
        state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED))
        actions: list[Action] = [
            _say(state, B.NOTHING_BOOKED),
            AuditNote(AuditKind.BOOKING_NOT_DONE, "declined"),
        ]
        return FlowTurn(state, tuple(actions), Handoff.MESSAGE)
    flow = flow.with_(stage=BookingStage.PREFERENCE, attempts=flow.attempts + 1, offered=())
    state = state.with_(booking=flow, reprompts=0)
    return _turn(state, [_say(state, B.NOTHING_BOOKED)], ask_next=True)


def _confirm_line(state: DialogueState, slot: SpokenSlot) -> str:
    name = state.details.patient_name or ""
    return line(
        B.CONFIRM_SLOT,
        state.language,
        type=slot.type_name,
        name=name,
        when=spoken_when(slot.start, state.language),
        provider=slot.provider_name,
        location=slot.location_name,
    )


def _offered(state: DialogueState, flow: BookingFlow, event: SlotsOffered) -> FlowTurn:
    if not event.slots:
        state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED, offered=()))
        actions: list[Action] = [
            _say(state, B.NO_SLOTS),
            AuditNote(AuditKind.BOOKING_NOT_DONE, "no_slots"),
        ]
        return FlowTurn(state, tuple(actions), Handoff.MESSAGE)
    flow = flow.with_(stage=BookingStage.CHOOSE, offered=event.slots[:3], chosen=None)
    state = state.with_(booking=flow, reprompts=0)
    lang = state.language
    if event.relaxed:
        intro = line(B.OFFER_RELAXED, lang, slots=slot_list(flow.offered, lang))
        hint = line(B.CHOOSE_HINT, lang, typed=_typed(state))
        joined = ("" if lang is Language.ZH else " ").join((intro, hint))
        offer = ask(state)
        return FlowTurn(
            state,
            (
                Ask(
                    joined,
                    lang,
                    offer.expect,
                    offer.hints,
                    offer.num_digits,
                    offer.kind,
                    offer.timeout_s,
                    offer.speech_timeout_s,
                ),
            ),
        )
    return _turn(state, [], ask_next=True)


def _found(state: DialogueState, flow: BookingFlow, event: AppointmentsFound) -> FlowTurn:
    upcoming = tuple(event.appointments[:3])
    if not upcoming:
        if flow.attempts >= MAX_LOOKUPS:
            state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED))
            actions: list[Action] = [
                _say(state, B.NOT_FOUND),
                AuditNote(AuditKind.BOOKING_NOT_DONE, "not_found"),
            ]
            return FlowTurn(state, tuple(actions), Handoff.MESSAGE)
        details = state.details.with_(patient_name=None, patient_dob=None)
        state = state.with_(details=details, booking=flow.with_(stage=BookingStage.NAME))
        return _turn(state, [_say(state, B.NOT_FOUND), _say(state, B.TRY_AGAIN)], ask_next=True)
    if len(upcoming) == 1:
        return _with_current(state.with_(booking=flow.with_(found=upcoming)), upcoming[0])
    state = state.with_(
        booking=flow.with_(stage=BookingStage.PICK_APPOINTMENT, found=upcoming), reprompts=0
    )
    return _turn(state, [], ask_next=True)


def _with_current(state: DialogueState, current: SpokenSlot, *, mention: bool = True) -> FlowTurn:
    flow = state.booking
    assert flow is not None
    actions: list[Action] = []
    if mention:
        actions.append(
            _say(
                state,
                B.FOUND_ONE,
                type=current.type_name,
                when=spoken_when(current.start, state.language),
                provider=current.provider_name,
            )
        )
    if flow.kind == BookingKind.CHANGE.value:
        flow = flow.with_(
            stage=BookingStage.PREFERENCE, current=current, patient_kind="existing", attempts=0
        )
    else:
        flow = flow.with_(stage=BookingStage.CONFIRM_CHANGE, current=current)
    state = state.with_(booking=flow, reprompts=0)
    return _turn(state, actions, ask_next=True)


_AUDIT: dict[BookingStatus, AuditKind] = {
    BookingStatus.BOOKED: AuditKind.APPOINTMENT_BOOKED,
    BookingStatus.RESCHEDULED: AuditKind.APPOINTMENT_RESCHEDULED,
    BookingStatus.CANCELLED: AuditKind.APPOINTMENT_CANCELLED,
    BookingStatus.CONFIRMED: AuditKind.APPOINTMENT_CONFIRMED,
    BookingStatus.STAFF_TASK: AuditKind.BOOKING_STAFF_TASK,
}


def _result(state: DialogueState, flow: BookingFlow, event: BookingResult) -> FlowTurn:
    status = event.status
    lang = state.language
    if status is BookingStatus.CONFLICT:
        actions: list[Action] = [_say(state, B.CONFLICT)]
        if event.alternatives:
            flow = flow.with_(
                stage=BookingStage.CHOOSE, offered=event.alternatives[:3], chosen=None
            )
            state = state.with_(booking=flow, reprompts=0)
            return _turn(state, actions, ask_next=True)
        state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED))
        actions += [_say(state, B.NO_SLOTS), AuditNote(AuditKind.BOOKING_NOT_DONE, "conflict")]
        return FlowTurn(state, tuple(actions), Handoff.MESSAGE)
    audit_kind = _AUDIT.get(status)
    if audit_kind is None:
        state = state.with_(booking=flow.with_(stage=BookingStage.FINISHED, outcome=status))
        key = B.NOT_FOUND if status is BookingStatus.NOT_VERIFIED else B.NOT_BOOKED
        actions = [_say(state, key), AuditNote(AuditKind.BOOKING_NOT_DONE, status.value)]
        return FlowTurn(state, tuple(actions), Handoff.MESSAGE)
    slot = event.appointment or flow.chosen or flow.current
    detail = f"ref={event.reference}" if event.reference else f"status={status.value}"
    if status is BookingStatus.STAFF_TASK:
        said = _say(state, B.STAFF_TASK)
    elif slot is None:
        said = _say(state, B.NOT_BOOKED)
    else:
        values: dict[str, object] = {
            "type": slot.type_name,
            "when": spoken_when(slot.start, lang),
            "provider": slot.provider_name,
            "location": slot.location_name,
        }
        key = {
            BookingStatus.BOOKED: B.BOOKED,
            BookingStatus.RESCHEDULED: B.RESCHEDULED,
            BookingStatus.CANCELLED: B.CANCELLED,
            BookingStatus.CONFIRMED: B.CONFIRMED,
        }[status]
        said = _say(state, key, **values)
    result = event.appointment if status is not BookingStatus.STAFF_TASK else None
    flow = flow.with_(stage=BookingStage.FINISHED, outcome=status, result=result)
    state = state.with_(booking=flow, reprompts=0)
    return FlowTurn(state, (said, AuditNote(audit_kind, detail)), Handoff.ANYTHING_ELSE)
