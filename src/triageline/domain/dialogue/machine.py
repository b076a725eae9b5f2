"""The conversation itself: ``step(state, event, context) -> (state, actions)``, pure.

Safety rules this module keeps (triage-spec.md): the 911 instruction is the first action after a
red flag, before any data collection, in the caller's language; a crisis without immediate danger
hears 988 first; nothing a caller said is lost (hang-ups and give-ups leave a flagged message); a
caller is never asked to call back later; low-confidence speech is confirmed before it is acted
on, except an emergency, which is acted on first and confirmed after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from triageline.domain.dialogue import booking_flow
from triageline.domain.dialogue.actions import (
    Action,
    Ask,
    AskKind,
    AuditKind,
    AuditNote,
    Expect,
    Hangup,
    MessageQueue,
    MessageReason,
    Page,
    PageUrgency,
    Say,
    SetLanguage,
    TakeMessage,
    Transfer,
    TransferReason,
)
from triageline.domain.dialogue.booking_records import BOOKING_EVENTS, BookingEvent
from triageline.domain.dialogue.context import DialogueContext, HandlingAction, SituationTime
from triageline.domain.dialogue.events import (
    TIMER_IDLE,
    TIMER_TRANSFER_FAILED,
    CallerEvent,
    Connected,
    HungUp,
    Pressed,
    Said,
    Silence,
    TimerFired,
)
from triageline.domain.dialogue.parsing import (
    YesNo,
    digits_in,
    dob_from_digits,
    dob_from_text,
    language_named,
    means_me,
    phone_number,
    read_back,
    yes_or_no,
)
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.dialogue.records import CallerDetails, TriageSummary
from triageline.domain.dialogue.state import (
    DialogueError,
    DialogueState,
    PendingFollowUp,
    Phase,
    RecordingStatus,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel, TriageResult

LOW_CONFIDENCE = 0.5
"""Speech recognised below this confidence is confirmed before it is acted on."""
MAX_REPROMPTS = 2
"""Re-prompts per question on silence or no match before a message is taken."""
MAX_FOLLOW_UPS = 3
"""Follow-up questions asked at most per reason for calling."""
OPT_OUT_KEY = "9"
"""The key that opts out of recording at the opening menu."""
LANGUAGE_KEYS: dict[str, Language] = {"1": Language.EN, "2": Language.ES, "3": Language.ZH}
"""The language menu keys ("para español oprima 2", "中文请按3")."""

_FAQ_INTENTS = frozenset({Intent.FAQ_HOURS, Intent.FAQ_LOCATION, Intent.FAQ_INSURANCE})
_SCHEDULING_INTENTS = frozenset(
    {
        Intent.APPOINTMENT_NEW,
        Intent.APPOINTMENT_CHANGE,
        Intent.APPOINTMENT_CANCEL,
        Intent.APPOINTMENT_CONFIRM,
    }
)
_CLINICAL_INTENTS = frozenset({Intent.SYMPTOM, Intent.REFILL, Intent.RESULTS})
_COLLECTING = frozenset(
    {
        Phase.CALLER_NAME,
        Phase.PATIENT_NAME,
        Phase.PATIENT_DOB,
        Phase.CALLBACK_NUMBER,
        Phase.CALLBACK_CONFIRM,
    }
)
_YES_NO_HINTS: dict[Language, tuple[str, ...]] = {
    Language.EN: ("yes", "no", "correct"),
    Language.ES: ("sí", "no", "correcto"),
    Language.ZH: ("对", "不对", "是", "不是"),
}
_LANGUAGE_HINTS = ("español", "English", "中文", "Spanish", "Chinese")


@dataclass
class _Out:
    """Collects one turn's actions in the conversation's current language."""

    lang: Language
    text: bool
    actions: list[Action] = field(default_factory=list)

    def say(self, key: P, **values: object) -> None:
        self.actions.append(Say(self.line(key, **values), self.lang))

    def say_raw(self, text: str) -> None:
        self.actions.append(Say(text, self.lang))

    def line(self, key: P, **values: object) -> str:
        return phrase(key, self.lang, typed=self.text, **values)

    def add(self, *actions: Action) -> None:
        self.actions.extend(actions)


def step(
    state: DialogueState, event: CallerEvent | BookingEvent, context: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    """Advance one conversation by one caller event; returns the new state and what to do.

    A finished conversation ignores further events, and a repeated ``Connected`` is ignored
    (both are recorded no-ops), so a retried webhook cannot duplicate side effects when the
    service stores the state it was given back.
    """
    if state.phase is Phase.DONE:
        return state, []
    if isinstance(event, Connected):
        if state.phase is not Phase.NEW:
            return state, []
        return _open(state, event, context)
    if state.phase is Phase.NEW:
        raise DialogueError("a conversation must start with Connected")
    state = state.with_(turn=state.turn + 1)
    out = _Out(state.language, state.channel.is_text)
    if isinstance(event, HungUp):
        return _hung_up(state, out, context)
    if isinstance(event, BOOKING_EVENTS):
        if state.phase is not Phase.BOOKING:
            return state, []
        turn = booking_flow.on_service(state, context, event)
        return _booking(state, out, context, turn, event.at)
    if isinstance(event, TimerFired):
        if event.name == TIMER_TRANSFER_FAILED and state.phase is Phase.TRANSFERRING:
            return _transfer_failed(state, out, context)
        if event.name == TIMER_IDLE and state.phase is not Phase.TRANSFERRING:
            return _no_input(state, out, context, silent=True)
        return state, []
    if state.phase is Phase.TRANSFERRING:
        return state, []
    if isinstance(event, Silence):
        return _no_input(state, out, context, silent=True)
    if isinstance(event, Said):
        text = event.text.strip()
        if not text:
            return _no_input(state, out, context, silent=True)
        keyed = text.rstrip("#")
        if keyed.isdigit() and keyed.isascii():
            return _pressed(state, out, context, keyed, event.at)
        return _said(state, out, context, event)
    if isinstance(event, Pressed):
        digits = event.digits.strip().rstrip("#")
        if not digits:
            return _no_input(state, out, context, silent=True)
        return _pressed(state, out, context, digits, event.at)
    raise DialogueError(f"unknown event {event!r}")


# ---------------------------------------------------------------- opening and language


def _open(
    state: DialogueState, event: Connected, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    lang = ctx.default_language
    text = event.channel.is_text
    out = _Out(lang, text)
    if ctx.location_name:
        out.say(P.GREETING_LOCATION, practice=ctx.practice_name, location=ctx.location_name)
    else:
        out.say(P.GREETING, practice=ctx.practice_name)
    out.say(P.EMERGENCY_NOTICE)
    recording = RecordingStatus.OFF
    if ctx.recording.enabled and not text:
        _announce_recording(out, ctx, lang)
        out.say(P.RECORDING_OPT_OUT_HINT)
        recording = RecordingStatus.ANNOUNCED
    for other in ctx.languages:
        if other is not lang:
            out.add(Say(phrase(P.LANGUAGE_OFFER, other, typed=text), other, barge_in=True))
    caller_id = ctx.caller_id or event.from_number
    details = CallerDetails(callback_number=phone_number(caller_id))
    state = state.go(
        Phase.OPENING,
        channel=event.channel,
        language=lang,
        language_chosen=len(ctx.languages) == 1,
        recording=recording,
        started_at=event.at,
        caller_id=caller_id,
        dialled=event.to_number,
        details=details,
    )
    out.add(_ask(state, ctx))
    return state, out.actions


def _announce_recording(out: _Out, ctx: DialogueContext, lang: Language) -> None:
    configured = ctx.recording.announcement.get(lang)
    out.add(Say(configured or phrase(P.RECORDING_ANNOUNCEMENT, lang), lang))
    out.add(AuditNote(AuditKind.RECORDING_ANNOUNCED, f"lang={lang.value}"))


def _switch_language(
    state: DialogueState, out: _Out, ctx: DialogueContext, lang: Language
) -> DialogueState:
    state = state.with_(language=lang, language_chosen=True)
    out.lang = lang
    out.add(SetLanguage(lang))
    if state.recording is RecordingStatus.ANNOUNCED:
        _announce_recording(out, ctx, lang)
    return state


# ---------------------------------------------------------------- input dispatch


def _said(
    state: DialogueState, out: _Out, ctx: DialogueContext, event: Said
) -> tuple[DialogueState, list[Action]]:
    text = event.text.strip()
    phase = state.phase
    if phase in (Phase.OPENING, Phase.REASON):
        named = language_named(text)
        if named is not None and named in ctx.languages and phase is Phase.OPENING:
            if named is not state.language:
                state = _switch_language(state, out, ctx, named)
            state = state.go(Phase.REASON, reprompts=0, language_chosen=True)
            out.add(_ask(state, ctx, first=True))
            return state, out.actions
        return _reason(state, out, ctx, text, event.confidence, event.at, heard=event.language)
    if phase is Phase.CONFIRM_REASON:
        return _confirm_reason(state, out, ctx, text, event)
    if phase is Phase.EMERGENCY_CONFIRM:
        return _confirm_emergency(state, out, ctx, yes_or_no(text), event.at)
    if phase is Phase.FOLLOW_UP:
        return _follow_up_answer(state, out, ctx, text, event.at)
    if phase is Phase.ANYTHING_ELSE:
        return _anything_else(state, out, ctx, text, event.confidence, event.at)
    if phase in _COLLECTING:
        escalated = _escalate_mid_collection(state, out, ctx, text, event.confidence, event.at)
        if escalated is not None:
            return escalated
        return _collect(state, out, ctx, text, spoken=True, at=event.at)
    if phase is Phase.BOOKING:
        turn = booking_flow.on_input(
            state, ctx, text, spoken=True, confidence=event.confidence, at=event.at
        )
        return _booking(state, out, ctx, turn, event.at)
    return state, []


def _pressed(
    state: DialogueState, out: _Out, ctx: DialogueContext, digits: str, at: datetime
) -> tuple[DialogueState, list[Action]]:
    phase = state.phase
    if phase is Phase.OPENING:
        if digits == OPT_OUT_KEY and state.recording is RecordingStatus.ANNOUNCED:
            state = state.with_(recording=RecordingStatus.OPTED_OUT)
            out.add(AuditNote(AuditKind.RECORDING_OPTED_OUT, "keypress"))
            out.say(P.RECORDING_OPTED_OUT)
            out.add(_ask(state, ctx))
            return state, out.actions
        chosen = LANGUAGE_KEYS.get(digits)
        if chosen is not None and chosen in ctx.languages:
            if chosen is not state.language:
                state = _switch_language(state, out, ctx, chosen)
            state = state.go(Phase.REASON, reprompts=0, language_chosen=True)
            out.add(_ask(state, ctx, first=True))
            return state, out.actions
        return _no_input(state, out, ctx, silent=False)
    if phase in (Phase.CONFIRM_REASON, Phase.EMERGENCY_CONFIRM, Phase.ANYTHING_ELSE):
        answer = yes_or_no(digits)
        if phase is Phase.EMERGENCY_CONFIRM:
            return _confirm_emergency(state, out, ctx, answer, at)
        if phase is Phase.ANYTHING_ELSE:
            if answer is YesNo.UNCLEAR:
                return _no_input(state, out, ctx, silent=False)
            return _anything_else(state, out, ctx, "1" if answer is YesNo.YES else "2", 1.0, at)
        return _confirm_reason(
            state, out, ctx, digits, Said(digits, 1.0, None, at), answer_override=answer
        )
    if phase is Phase.FOLLOW_UP:
        return _follow_up_answer(state, out, ctx, digits, at)
    if phase in _COLLECTING:
        return _collect(state, out, ctx, digits, spoken=False, at=at)
    if phase is Phase.BOOKING:
        turn = booking_flow.on_input(state, ctx, digits, spoken=False, confidence=1.0, at=at)
        return _booking(state, out, ctx, turn, at)
    return _no_input(state, out, ctx, silent=False)


# ---------------------------------------------------------------- reason and triage


def _classify(state: DialogueState, ctx: DialogueContext, text: str) -> TriageResult:
    lang = state.language if state.language_chosen else None
    return ctx.triage(text, lang, state.answers_map)


def _reason(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    text: str,
    confidence: float,
    at: datetime,
    heard: Language | None = None,
) -> tuple[DialogueState, list[Action]]:
    if heard is not None and heard in ctx.languages:
        result = ctx.triage(text, heard, state.answers_map)
    else:
        heard = None
        result = _classify(state, ctx, text)
    target = state.language
    if heard is not None:
        target = heard
    elif not state.language_chosen and result.lang in ctx.languages:
        target = result.lang
    summary = TriageSummary.of(result)
    if summary.level is TriageLevel.EMERGENCY and not result.provisional:
        # Safety invariant 2: the 911 line comes first, already in the caller's language;
        # the language switch (and any announcement replay) follows it.
        switched = target is not state.language
        out.lang = target
        state = state.with_(
            language=target,
            language_chosen=True,
            details=state.details.with_(reason_text=text),
            reprompts=0,
        )
        confirmed = confidence >= LOW_CONFIDENCE
        state, actions = _emergency(state, out, ctx, summary, result, text, confirmed=confirmed)
        if switched:
            after_911: list[Action] = [SetLanguage(target)]
            if state.phase is not Phase.DONE and state.recording is RecordingStatus.ANNOUNCED:
                replay = _Out(target, out.text)
                _announce_recording(replay, ctx, target)
                after_911 += replay.actions
            actions[1:1] = after_911
        return state, actions
    if target is not state.language:
        state = _switch_language(state, out, ctx, target)
    state = state.with_(language_chosen=True)
    if confidence < LOW_CONFIDENCE:
        state = state.go(Phase.CONFIRM_REASON, unconfirmed=text, reprompts=state.reprompts)
        out.add(_ask(state, ctx))
        return state, out.actions
    state = state.with_(
        details=state.details.with_(reason_text=text),
        answers=(),
        follow_ups_asked=0,
        unconfirmed=None,
        reprompts=0,
    )
    return _act_on(state, out, ctx, result)


def _confirm_reason(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    text: str,
    event: Said,
    answer_override: YesNo | None = None,
) -> tuple[DialogueState, list[Action]]:
    answer = answer_override or yes_or_no(text)
    pending = state.unconfirmed or ""
    if answer is YesNo.YES:
        out.add(AuditNote(AuditKind.LOW_CONFIDENCE_CONFIRMED, "reason"))
        state = state.with_(
            details=state.details.with_(reason_text=pending),
            unconfirmed=None,
            answers=(),
            follow_ups_asked=0,
            reprompts=0,
        )
        return _act_on(state, out, ctx, _classify(state, ctx, pending))
    if answer is YesNo.NO:
        out.add(AuditNote(AuditKind.LOW_CONFIDENCE_REJECTED, "reason"))
        if state.reprompts >= MAX_REPROMPTS:
            return _give_up(state, out, ctx)
        state = state.go(Phase.REASON, reprompts=state.reprompts + 1)
        out.add(_ask(state, ctx, repeat=True))
        return state, out.actions
    if len(text.split()) > 2 or len(text) > 6:
        # The caller restated the reason instead of answering yes or no.
        state = state.go(Phase.REASON)
        return _reason(state, out, ctx, text, event.confidence, event.at)
    return _no_input(state, out, ctx, silent=False)


def _act_on(
    state: DialogueState, out: _Out, ctx: DialogueContext, result: TriageResult
) -> tuple[DialogueState, list[Action]]:
    summary = TriageSummary.of(result)
    if _unanswered(state):
        # A caller who cannot or will not answer is handled at the higher level.
        summary = summary.raised_to(TriageLevel.URGENT)
    follow_up = result.follow_up
    asked = {fact for fact, _ in state.answers}
    askable = (
        follow_up is not None
        and follow_up.fact not in asked
        and state.follow_ups_asked < MAX_FOLLOW_UPS
        and bool(follow_up.question.get(state.language))
    )
    if summary.level is TriageLevel.EMERGENCY and not (result.provisional and askable):
        # A matched red flag acts at once; only a provisional level (the worst case assumed
        # while a deciding fact is missing) waits for the one question that settles it.
        reason = state.details.reason_text or ""
        return _emergency(state, out, ctx, summary, result, reason, confirmed=True)
    if summary.crisis and not state.crisis_offered:
        out.say(P.CRISIS_988)
        out.add(AuditNote(AuditKind.CRISIS_LINE_OFFERED, f"lang={state.language.value}"))
        state = state.with_(crisis_offered=True)
    if follow_up is not None and askable:
        state = state.go(
            Phase.FOLLOW_UP,
            triage=summary,
            follow_up=PendingFollowUp.of(follow_up),
            follow_ups_asked=state.follow_ups_asked + 1,
            reprompts=0,
        )
        out.add(_ask(state, ctx))
        return state, out.actions
    if follow_up is not None and not follow_up.question.get(state.language):
        # The pack cannot ask this in the caller's language: handle at the higher level.
        summary = summary.raised_to(TriageLevel.URGENT)
        out.add(AuditNote(AuditKind.FOLLOW_UP_UNANSWERED, f"fact={follow_up.fact} no-phrase"))
    state = state.with_(triage=summary, follow_up=None)
    out.add(_triaged_note(summary))
    return _dispose(state, out, ctx, summary)


def _unanswered(state: DialogueState) -> bool:
    return any(answer == "" for _, answer in state.answers)


def _triaged_note(summary: TriageSummary) -> AuditNote:
    detail = (
        f"level={summary.level.value} intent={summary.intent.value} "
        f"rules={','.join(summary.rule_ids) or '-'} protocol={summary.protocol_version or '-'}"
    )
    return AuditNote(AuditKind.TRIAGED, detail)


def _follow_up_answer(
    state: DialogueState, out: _Out, ctx: DialogueContext, answer: str, at: datetime
) -> tuple[DialogueState, list[Action]]:
    pending = state.follow_up
    if pending is None:
        raise DialogueError("follow-up phase without a pending question")
    state = state.with_(answers=(*state.answers, (pending.fact, answer)), reprompts=0)
    if answer == "":
        out.add(AuditNote(AuditKind.FOLLOW_UP_UNANSWERED, f"fact={pending.fact}"))
    return _act_on(state, out, ctx, _classify(state, ctx, state.details.reason_text or ""))


# ---------------------------------------------------------------- dispositions


def _dispose(
    state: DialogueState, out: _Out, ctx: DialogueContext, summary: TriageSummary
) -> tuple[DialogueState, list[Action]]:
    level, intent = summary.level, summary.intent
    if level is TriageLevel.URGENT:
        out.say(P.URGENT_INTRO)
        return _start_collecting(state, out, ctx)
    if level is TriageLevel.ROUTINE or intent in _CLINICAL_INTENTS:
        out.say(P.MESSAGE_INTRO)
        return _start_collecting(state, out, ctx)
    if intent in _FAQ_INTENTS:
        answer = ctx.faq.get(intent, {}).get(state.language)
        if answer:
            out.say_raw(answer)
            state = state.go(Phase.ANYTHING_ELSE, reprompts=0)
            out.add(_ask(state, ctx))
            return state, out.actions
    if booking_flow.handles(intent, level, ctx):
        return _booking(state, out, ctx, booking_flow.start(state, ctx, intent), None)
    if intent is Intent.SPEAK_TO_STAFF:
        number = ctx.transfers.front_desk
        if ctx.situation_time is SituationTime.OFFICE_HOURS and number and not out.text:
            out.say(P.CONNECTING, target=out.line(P.TARGET_FRONT_DESK))
            out.add(Transfer(number, TransferReason.SPEAK_TO_STAFF))
            return state.go(Phase.TRANSFERRING, reprompts=0), out.actions
        out.say(P.STAFF_UNAVAILABLE)
        return _start_collecting(state, out, ctx)
    out.say(P.MESSAGE_INTRO)
    return _start_collecting(state, out, ctx)


def _booking(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    turn: booking_flow.FlowTurn,
    at: datetime | None,
) -> tuple[DialogueState, list[Action]]:
    """Carry out a booking-flow turn and its hand-off back to the main conversation."""
    out.add(*turn.actions)
    state = turn.state
    handoff = turn.handoff
    if handoff is booking_flow.Handoff.REPROMPT:
        return _no_input(state, out, ctx, silent=False, apologise=not turn.actions)
    if handoff is booking_flow.Handoff.RETRIAGE:
        # Something the caller said while booking is a red flag: triage it like a new reason.
        state = state.go(Phase.REASON, reprompts=0)
        when = at or state.started_at or _EPOCH
        return _reason(state, out, ctx, turn.text, turn.confidence, when)
    if handoff is booking_flow.Handoff.MESSAGE:
        return _start_collecting(state, out, ctx)
    if handoff is booking_flow.Handoff.ANYTHING_ELSE:
        state = state.go(Phase.ANYTHING_ELSE, reprompts=0)
        out.add(_ask(state, ctx))
    return state, out.actions


def _emergency(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    summary: TriageSummary,
    result: TriageResult,
    text: str,
    *,
    confirmed: bool,
) -> tuple[DialogueState, list[Action]]:
    # Safety invariant 2: the 911 instruction is the very first action.
    # The pack's own instruction is not spoken: it is worded for one particular offer ("stay on
    # the line"), while what follows here is the practice's configured handling.
    out.say(P.EMERGENCY_911)
    rules = ",".join(summary.rule_ids) or "-"
    out.add(
        AuditNote(
            AuditKind.EMERGENCY_INSTRUCTION_GIVEN, f"lang={state.language.value} rules={rules}"
        )
    )
    if state.emergency_handled:
        state = state.with_(triage=summary)
    else:
        out.add(_triaged_note(summary))
        ref = _next_ref(state)
        state = state.with_(
            triage=summary,
            details=state.details.with_(reason_text=text or state.details.reason_text),
        )
        out.add(
            _message(state, ref, summary, MessageReason.EMERGENCY_NOTICE, partial=False),
            Page(PageUrgency.EMERGENCY, ref),
        )
        out.say(P.PRACTICE_NOTIFIED)
        state = state.with_(
            emergency_handled=True, paged=True, messages_taken=state.messages_taken + 1
        )
    if not confirmed:
        state = state.go(Phase.EMERGENCY_CONFIRM, unconfirmed=text, reprompts=0)
        out.add(_ask(state, ctx))
        return state, out.actions
    return _emergency_offer(state, out, ctx)


def _emergency_offer(
    state: DialogueState, out: _Out, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    handling = ctx.handling_for(TriageLevel.EMERGENCY)
    targets = {
        HandlingAction.TRANSFER_911: (ctx.transfers.emergency, P.TARGET_911),
        HandlingAction.TRANSFER_NURSE: (ctx.transfers.nurse_line, P.TARGET_NURSE),
        HandlingAction.TRANSFER_FRONT_DESK: (ctx.transfers.front_desk, P.TARGET_FRONT_DESK),
    }
    number, target = targets.get(handling.action, (None, P.TARGET_911))
    custom = handling.text.get(state.language)
    if number and not out.text:
        if custom:
            out.say_raw(custom)
        else:
            out.say(P.EMERGENCY_OFFER_TRANSFER, target=out.line(target))
        out.add(Transfer(number, TransferReason.EMERGENCY))
        return state.go(Phase.TRANSFERRING, unconfirmed=None), out.actions
    if custom:
        out.say_raw(custom)
    out.say(P.EMERGENCY_GOODBYE)
    out.add(Hangup())
    return state.go(Phase.DONE, unconfirmed=None), out.actions


def _confirm_emergency(
    state: DialogueState, out: _Out, ctx: DialogueContext, answer: YesNo, at: datetime
) -> tuple[DialogueState, list[Action]]:
    if answer is YesNo.YES:
        out.add(AuditNote(AuditKind.LOW_CONFIDENCE_CONFIRMED, "emergency"))
        return _emergency_offer(state, out, ctx)
    if answer is YesNo.NO:
        # The emergency notice already went out; note the dispute and hear the caller again.
        out.add(AuditNote(AuditKind.LOW_CONFIDENCE_REJECTED, "emergency"))
        state = state.go(Phase.REASON, unconfirmed=None, reprompts=0)
        out.add(_ask(state, ctx, repeat=True))
        return state, out.actions
    return _no_input(state, out, ctx, silent=False)


def _anything_else(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    text: str,
    confidence: float,
    at: datetime,
) -> tuple[DialogueState, list[Action]]:
    answer = yes_or_no(text)
    short = len(text.split()) <= 4 and len(text) <= 24
    if answer is YesNo.NO and short:
        return _goodbye(state, out)
    if answer is YesNo.YES and short:
        state = state.go(Phase.REASON, reprompts=0)
        out.add(Ask(out.line(P.ANYTHING_ELSE_WHAT), state.language, Expect.SPEECH))
        return state, out.actions
    state = state.go(Phase.REASON, reprompts=0, triage=None)
    return _reason(state, out, ctx, text, confidence, at)


def _goodbye(state: DialogueState, out: _Out) -> tuple[DialogueState, list[Action]]:
    out.say(P.GOODBYE)
    out.add(Hangup())
    return state.go(Phase.DONE), out.actions


# ---------------------------------------------------------------- collecting details


def _next_collect_phase(state: DialogueState) -> Phase | None:
    d = state.details
    if not d.caller_name:
        return Phase.CALLER_NAME
    if not d.patient_name:
        return Phase.PATIENT_NAME
    if not d.patient_dob:
        return Phase.PATIENT_DOB
    if not d.callback_confirmed:
        return Phase.CALLBACK_CONFIRM if d.callback_number else Phase.CALLBACK_NUMBER
    return None


def _start_collecting(
    state: DialogueState, out: _Out, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    nxt = _next_collect_phase(state)
    if nxt is None:
        return _complete(state, out, ctx, partial=False)
    state = state.go(nxt, reprompts=0)
    out.add(_ask(state, ctx))
    return state, out.actions


def _escalate_mid_collection(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    text: str,
    confidence: float,
    at: datetime,
) -> tuple[DialogueState, list[Action]] | None:
    """Triage what the caller says while we collect details; a new red flag acts at once."""
    result = ctx.triage(text, state.language, state.answers_map)
    current = state.triage.level if state.triage else TriageLevel.NONE
    if result.triage.rank <= max(current.rank, TriageLevel.ROUTINE.rank):
        return None
    summary = TriageSummary.of(result)
    reason = " / ".join(part for part in (state.details.reason_text, text) if part)
    state = state.with_(details=state.details.with_(reason_text=reason))
    if result.triage is TriageLevel.EMERGENCY:
        confirmed = confidence >= LOW_CONFIDENCE
        return _emergency(state, out, ctx, summary, result, reason, confirmed=confirmed)
    base = state.triage or summary
    raised = base.raised_to(result.triage)
    state = state.with_(triage=raised)
    out.add(_triaged_note(raised))
    if summary.crisis and not state.crisis_offered:
        out.say(P.CRISIS_988)
        out.add(AuditNote(AuditKind.CRISIS_LINE_OFFERED, f"lang={state.language.value}"))
        state = state.with_(crisis_offered=True)
    out.say(P.URGENT_INTRO)
    out.add(_ask(state, ctx))
    return state, out.actions


def _collect(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    value: str,
    *,
    spoken: bool,
    at: datetime,
) -> tuple[DialogueState, list[Action]]:
    phase, d = state.phase, state.details
    if phase is Phase.CALLER_NAME:
        if not spoken:
            return _no_input(state, out, ctx, silent=False)
        d = d.with_(caller_name=value)
    elif phase is Phase.PATIENT_NAME:
        if means_me(value):
            d = d.with_(patient_name=d.caller_name, patient_is_caller=True)
        elif not spoken:
            return _no_input(state, out, ctx, silent=False)
        else:
            d = d.with_(patient_name=value, patient_is_caller=False)
    elif phase is Phase.PATIENT_DOB:
        today = at.date()
        if spoken:
            dob = dob_from_text(value, state.language, today)
        else:
            dob = dob_from_digits(value, state.language, today)
        if dob is None:
            out.say(P.INVALID_DOB)
            return _no_input(state, out, ctx, silent=False, apologise=False)
        d = d.with_(patient_dob=dob)
    elif phase is Phase.CALLBACK_NUMBER:
        number = phone_number(value if spoken else digits_in(value))
        if number is None:
            out.say(P.INVALID_NUMBER)
            return _no_input(state, out, ctx, silent=False, apologise=False)
        state = state.go(
            Phase.CALLBACK_CONFIRM,
            details=d.with_(callback_number=number, callback_confirmed=False),
            reprompts=0,
        )
        out.add(_ask(state, ctx))
        return state, out.actions
    elif phase is Phase.CALLBACK_CONFIRM:
        number = phone_number(value if spoken else digits_in(value))
        answer = yes_or_no(value) if (spoken or len(value) == 1) else YesNo.UNCLEAR
        if number is not None:
            # A different number, read back in turn.
            state = state.with_(details=d.with_(callback_number=number), reprompts=0)
            out.add(_ask(state, ctx))
            return state, out.actions
        if answer is YesNo.YES:
            d = d.with_(callback_confirmed=True)
        elif answer is YesNo.NO:
            state = state.go(Phase.CALLBACK_NUMBER, reprompts=0)
            out.add(_ask(state, ctx))
            return state, out.actions
        else:
            return _no_input(state, out, ctx, silent=False)
    state = state.with_(details=d, reprompts=0)
    nxt = _next_collect_phase(state)
    if nxt is None:
        return _complete(state, out, ctx, partial=False)
    state = state.go(nxt)
    out.add(_ask(state, ctx))
    return state, out.actions


# ---------------------------------------------------------------- messages and endings


def _next_ref(state: DialogueState) -> str:
    return f"m{state.messages_taken + 1}"


def _last_ref(state: DialogueState) -> str:
    return f"m{state.messages_taken}"


def _queue_for(summary: TriageSummary | None) -> MessageQueue:
    if summary is None:
        return MessageQueue.FRONT_DESK
    if summary.level is not TriageLevel.NONE or summary.intent in _CLINICAL_INTENTS:
        return MessageQueue.CLINICAL
    if summary.intent in _SCHEDULING_INTENTS:
        return MessageQueue.SCHEDULING
    return MessageQueue.FRONT_DESK


def _reason_for(summary: TriageSummary | None) -> MessageReason:
    queue = _queue_for(summary)
    if summary is not None and summary.level is TriageLevel.URGENT:
        return MessageReason.URGENT_CALLBACK
    if queue is MessageQueue.CLINICAL:
        return MessageReason.CLINICAL_CALLBACK
    if queue is MessageQueue.SCHEDULING:
        return MessageReason.SCHEDULING_REQUEST
    if summary is not None and summary.intent is Intent.SPEAK_TO_STAFF:
        return MessageReason.STAFF_UNAVAILABLE
    return MessageReason.FRONT_DESK_REQUEST


def _message(
    state: DialogueState,
    ref: str,
    summary: TriageSummary | None,
    reason: MessageReason,
    *,
    partial: bool,
) -> TakeMessage:
    details = state.details
    if state.unconfirmed and not details.reason_text:
        details = details.with_(reason_text=state.unconfirmed)
    return TakeMessage(
        ref=ref,
        details=details,
        triage=summary.level if summary else None,
        intent=summary.intent if summary else None,
        queue=_queue_for(summary),
        flagged_partial=partial,
        reason=reason,
        lang=state.language,
        answers=state.answers,
        assessment=summary,
    )


def _when(state: DialogueState, ctx: DialogueContext, out: _Out) -> str:
    return ctx.next_opening.get(state.language) or out.line(P.NEXT_OPENING_FALLBACK)


def _urgent_promise(state: DialogueState, ctx: DialogueContext, out: _Out) -> None:
    who = ctx.on_call_name or out.line(P.ON_CALL_GENERIC)
    number = state.details.callback_number
    if number:
        out.say(
            P.URGENT_PROMISE,
            who=who,
            digits=read_back(number),
            minutes=ctx.urgent_callback_minutes,
        )
    else:
        out.say(P.URGENT_PROMISE_NO_NUMBER, who=who, minutes=ctx.urgent_callback_minutes)
    out.say(P.WORSE_911)


def _complete(
    state: DialogueState, out: _Out, ctx: DialogueContext, *, partial: bool
) -> tuple[DialogueState, list[Action]]:
    """All details are in (or the caller stopped answering): message, then the configured action."""
    summary = state.triage
    ref = _next_ref(state)
    reason = MessageReason.NO_RESPONSE if partial else _reason_for(summary)
    out.add(_message(state, ref, summary, reason, partial=partial))
    state = state.with_(messages_taken=state.messages_taken + 1, reprompts=0)
    level = summary.level if summary else TriageLevel.NONE
    if level is TriageLevel.URGENT:
        handling = ctx.handling_for(TriageLevel.URGENT)
        transfer = _transfer_number(ctx, handling.action)
        if transfer is not None and not out.text and not partial:
            number, target = transfer
            custom = handling.text.get(state.language)
            _say_custom_or(out, custom, P.CONNECTING, target=out.line(target))
            out.add(Transfer(number, TransferReason.URGENT))
            return state.go(Phase.TRANSFERRING), out.actions
        return _page_and_promise(state, out, ctx, ref)
    if level is TriageLevel.ROUTINE or (summary and summary.intent in _CLINICAL_INTENTS):
        handling = ctx.handling_for(TriageLevel.ROUTINE)
        transfer = _transfer_number(ctx, handling.action)
        if transfer is not None and not out.text and not partial:
            number, target = transfer
            custom = handling.text.get(state.language)
            _say_custom_or(out, custom, P.CONNECTING, target=out.line(target))
            out.add(Transfer(number, TransferReason.ROUTINE))
            return state.go(Phase.TRANSFERRING), out.actions
        if partial:
            out.say(P.GAVE_UP)
        else:
            custom = handling.text.get(state.language)
            if custom:
                out.say_raw(custom)
            out.say(P.CLINICAL_PROMISE, when=_when(state, ctx, out))
        return _goodbye(state, out)
    if partial:
        silent = state.details.is_empty and not state.unconfirmed
        out.say(P.GAVE_UP_SILENT if silent else P.GAVE_UP)
        out.add(Hangup())
        return state.go(Phase.DONE), out.actions
    queue = _queue_for(summary)
    key = P.SCHEDULING_PROMISE if queue is MessageQueue.SCHEDULING else P.FRONT_DESK_PROMISE
    out.say(key, when=_when(state, ctx, out))
    return _goodbye(state, out)


def _say_custom_or(out: _Out, custom: str | None, key: P, **values: object) -> None:
    if custom:
        out.say_raw(custom)
    else:
        out.say(key, **values)


def _transfer_number(ctx: DialogueContext, action: HandlingAction) -> tuple[str, P] | None:
    if action is HandlingAction.TRANSFER_NURSE and ctx.transfers.nurse_line:
        return ctx.transfers.nurse_line, P.TARGET_NURSE
    if action is HandlingAction.TRANSFER_FRONT_DESK and ctx.transfers.front_desk:
        return ctx.transfers.front_desk, P.TARGET_FRONT_DESK
    return None


def _page_and_promise(
    state: DialogueState, out: _Out, ctx: DialogueContext, ref: str
) -> tuple[DialogueState, list[Action]]:
    if not state.paged:
        out.add(Page(PageUrgency.URGENT, ref))
        state = state.with_(paged=True)
    handling = ctx.handling_for(TriageLevel.URGENT)
    custom = handling.text.get(state.language)
    if custom:
        out.say_raw(custom)
    _urgent_promise(state, ctx, out)
    crisis_line = ctx.transfers.crisis_line
    if state.triage is not None and state.triage.crisis and crisis_line and not out.text:
        out.say(P.CONNECTING, target=out.line(P.TARGET_CRISIS))
        out.add(Transfer(crisis_line, TransferReason.CRISIS))
        return state.go(Phase.TRANSFERRING), out.actions
    return _goodbye(state, out)


def _transfer_failed(
    state: DialogueState, out: _Out, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    if state.emergency_handled:
        out.say(P.EMERGENCY_GOODBYE)
        out.add(Hangup())
        return state.go(Phase.DONE), out.actions
    summary = state.triage
    level = summary.level if summary else TriageLevel.NONE
    if summary is None or (level is TriageLevel.NONE and summary.intent is Intent.SPEAK_TO_STAFF):
        out.say(P.STAFF_UNAVAILABLE)
        return _start_collecting(state, out, ctx)
    if level is TriageLevel.URGENT:
        if state.paged:
            _urgent_promise(state, ctx, out)
            return _goodbye(state, out)
        return _page_and_promise(state, out, ctx, _last_ref(state))
    out.say(P.CLINICAL_PROMISE, when=_when(state, ctx, out))
    return _goodbye(state, out)


def _hung_up(
    state: DialogueState, out: _Out, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    quiet_end = state.phase in (Phase.TRANSFERRING, Phase.ANYTHING_ELSE)
    if quiet_end or state.emergency_handled:
        return state.go(Phase.DONE), []
    if state.details.is_empty and not state.unconfirmed and state.triage is None:
        out.add(AuditNote(AuditKind.CALL_ABANDONED, f"phase={state.phase.value}"))
        return state.go(Phase.DONE), out.actions
    summary = state.triage
    if summary is None and state.unconfirmed:
        summary = TriageSummary.of(_classify(state, ctx, state.unconfirmed))
    ref = _next_ref(state)
    out.add(_message(state, ref, summary, MessageReason.HUNG_UP, partial=True))
    if summary is not None and summary.level.rank >= TriageLevel.URGENT.rank and not state.paged:
        urgency = (
            PageUrgency.EMERGENCY if summary.level is TriageLevel.EMERGENCY else PageUrgency.URGENT
        )
        out.add(Page(urgency, ref))
    return state.go(Phase.DONE, messages_taken=state.messages_taken + 1), out.actions


# ---------------------------------------------------------------- re-prompts and giving up


def _no_input(
    state: DialogueState,
    out: _Out,
    ctx: DialogueContext,
    *,
    silent: bool,
    apologise: bool = True,
) -> tuple[DialogueState, list[Action]]:
    phase = state.phase
    if phase is Phase.ANYTHING_ELSE and silent:
        return _goodbye(state, out)
    if state.reprompts >= MAX_REPROMPTS:
        return _give_up(state, out, ctx)
    state = state.with_(reprompts=state.reprompts + 1)
    if apologise:
        out.say(P.STILL_THERE if silent else P.SORRY_NOT_CAUGHT)
    out.add(_ask(state, ctx))
    return state, out.actions


def _give_up(
    state: DialogueState, out: _Out, ctx: DialogueContext
) -> tuple[DialogueState, list[Action]]:
    phase = state.phase
    if phase is Phase.FOLLOW_UP:
        return _follow_up_answer(state, out, ctx, "", state.started_at or _EPOCH)
    if phase is Phase.EMERGENCY_CONFIRM:
        return _emergency_offer(state, out, ctx)
    if phase is Phase.ANYTHING_ELSE:
        return _goodbye(state, out)
    if phase in (Phase.OPENING, Phase.REASON, Phase.CONFIRM_REASON) and state.unconfirmed:
        summary = TriageSummary.of(_classify(state, ctx, state.unconfirmed))
        state = state.with_(triage=summary)
    return _complete(state, out, ctx, partial=True)


_EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


# ---------------------------------------------------------------- prompts


def _join(lang: Language, *sentences: str) -> str:
    """Sentences run together as the language writes them (no spaces in Chinese)."""
    return ("" if lang is Language.ZH else " ").join(sentences)


def _ask(
    state: DialogueState,
    ctx: DialogueContext,
    *,
    first: bool = False,
    repeat: bool = False,
) -> Ask:
    """The question for the current phase, in the conversation's language."""
    lang, text = state.language, state.channel.is_text

    def line(key: P, **values: object) -> str:
        return phrase(key, lang, typed=text, **values)

    yes_no = _YES_NO_HINTS[lang]
    phase = state.phase
    if phase is Phase.OPENING:
        return Ask(
            line(P.ASK_REASON_FIRST),
            lang,
            Expect.BOTH,
            hints=_LANGUAGE_HINTS,
            num_digits=1,
            kind=AskKind.OPENING,
            timeout_s=6,
            speech_timeout_s=2,
        )
    if phase is Phase.REASON:
        key = P.ASK_REASON_FIRST if first else P.ASK_REASON_AGAIN
        prompt = line(P.REPEAT_REASON) if repeat else line(key)
        return Ask(prompt, lang, Expect.SPEECH, kind=AskKind.REASON)
    if phase in (Phase.CONFIRM_REASON, Phase.EMERGENCY_CONFIRM):
        heard = line(P.CONFIRM_HEARD, text=state.unconfirmed or "")
        return Ask(
            _join(lang, heard, line(P.YES_NO_HINT)),
            lang,
            Expect.BOTH,
            hints=yes_no,
            num_digits=1,
            kind=AskKind.CONFIRM_REASON,
        )
    if phase is Phase.FOLLOW_UP:
        question = state.follow_up.question_in(lang) if state.follow_up else None
        return Ask(
            question or line(P.ASK_REASON_AGAIN),
            lang,
            Expect.BOTH,
            hints=yes_no,
            kind=AskKind.FOLLOW_UP,
            timeout_s=8,
            speech_timeout_s=3,
        )
    if phase is Phase.CALLER_NAME:
        return Ask(
            line(P.ASK_CALLER_NAME),
            lang,
            Expect.SPEECH,
            kind=AskKind.CALLER_NAME,
            timeout_s=8,
            speech_timeout_s=3,
        )
    if phase is Phase.PATIENT_NAME:
        return Ask(
            line(P.ASK_PATIENT_NAME),
            lang,
            Expect.BOTH,
            num_digits=1,
            kind=AskKind.PATIENT_NAME,
            timeout_s=8,
            speech_timeout_s=3,
        )
    if phase is Phase.PATIENT_DOB:
        return Ask(
            line(P.ASK_DOB),
            lang,
            Expect.BOTH,
            num_digits=8,
            kind=AskKind.PATIENT_DOB,
            timeout_s=12,
            speech_timeout_s=4,
        )
    if phase is Phase.CALLBACK_NUMBER:
        return Ask(
            line(P.ASK_CALLBACK_NUMBER),
            lang,
            Expect.BOTH,
            kind=AskKind.CALLBACK_NUMBER,
            timeout_s=15,
            speech_timeout_s=4,
        )
    if phase is Phase.CALLBACK_CONFIRM:
        number = state.details.callback_number or ""
        confirm = line(P.CONFIRM_CALLBACK, digits=read_back(number))
        return Ask(
            _join(lang, confirm, line(P.CALLBACK_ALT_HINT)),
            lang,
            Expect.BOTH,
            hints=yes_no,
            kind=AskKind.CALLBACK_CONFIRM,
            timeout_s=12,
            speech_timeout_s=4,
        )
    if phase is Phase.BOOKING:
        return booking_flow.ask(state)
    if phase is Phase.ANYTHING_ELSE:
        return Ask(
            line(P.ANYTHING_ELSE),
            lang,
            Expect.BOTH,
            hints=yes_no,
            num_digits=1,
            kind=AskKind.ANYTHING_ELSE,
        )
    raise DialogueError(f"nothing to ask in phase {phase}")
