"""The calls use case: a channel event in, the dialogue stepped, all persisted, a response out.

For every webhook, chat post or SMS the service loads (or creates, keyed on the channel's id so
retries are harmless) the call, runs ``dialogue.step``, and in ONE transaction stores the new
state, the transcript turns (encrypted), the messages, the audit events and the rendered
response under the step key. A retried step returns the stored response and repeats nothing.
Pages are opened after the commit through the paging port (idempotent on the message id).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from triageline.domain.audit import AuditEntry
from triageline.domain.coverage import CoverageMode
from triageline.domain.dialogue.actions import (
    Action,
    Ask,
    AuditNote,
    Book,
    Hangup,
    Page,
    PageUrgency,
    Say,
    TakeMessage,
    Transfer,
    TransferReason,
)
from triageline.domain.dialogue.events import CallerEvent, Connected, HungUp, Pressed, Said
from triageline.domain.dialogue.events import Channel as DialogueChannel
from triageline.domain.dialogue.machine import step
from triageline.domain.dialogue.state import DialogueState, Phase
from triageline.domain.messages import Message
from triageline.domain.practice import Practice
from triageline.domain.records import CallRecord, Channel, Turn, TurnRole, new_id
from triageline.domain.triage.types import Intent, TriageLevel
from triageline.services.booking_desk import BookingDesk, booking_context, resolve_bookings
from triageline.services.calls_context import build_context
from triageline.services.calls_ports import (
    CallsUnitOfWork,
    CallsUnitOfWorkFactory,
    Clock,
    LoadedPractice,
    PageRequest,
    PagingPort,
    PracticeDirectory,
    StoredStep,
)

log = logging.getLogger("triageline.calls")

TERMINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
"""Twilio call statuses after which the call is over."""


class Disposition(StrEnum):
    """What became of a contact, most decisive first (a call keeps its most decisive one)."""

    EMERGENCY_INSTRUCTED = "emergency_instructed"
    PAGED = "paged"
    TRANSFERRED = "transferred"
    APPOINTMENT = "appointment"
    MESSAGE_TAKEN = "message_taken"
    PARTIAL_MESSAGE = "partial_message"
    FAQ_ANSWERED = "faq_answered"
    ABANDONED = "abandoned"
    IN_PROGRESS = "in_progress"

    @property
    def rank(self) -> int:
        """Higher is more decisive."""
        return len(_ORDER) - _ORDER.index(self)

    def at_least(self, other: Disposition) -> Disposition:
        """The more decisive of this and ``other``."""
        return self if self.rank >= other.rank else other


_ORDER = tuple(Disposition)

_Done = tuple[CallRecord, DialogueState, list[Action], str, "_Effects"]
"""A committed step: the call as saved, the new state, the actions, the response, the effects."""


class UnknownPracticeError(LookupError):
    """The practice named by a request is not served here."""


@dataclass(frozen=True, slots=True)
class RenderInfo:
    """What a renderer needs besides the actions: the call, its language and the next step."""

    call_id: str
    channel: Channel
    state: DialogueState
    next_step: int

    @property
    def finished(self) -> bool:
        """True when the conversation is over."""
        return self.state.phase is Phase.DONE


Renderer = Callable[[Sequence[Action], RenderInfo], str]
"""Turns one step's actions into the channel's response (TwiML, SMS text, chat HTML/JSON)."""


@dataclass(frozen=True, slots=True)
class StepRequest:
    """One channel event for one conversation.

    ``event`` None means "the conversation starts" (a new call's first webhook). ``step_key``
    identifies the step for idempotency (``voice:3``, ``sms:SM...``, ``chat:2``).
    """

    practice_id: str
    channel: Channel
    external_id: str
    step_key: str
    event: CallerEvent | None
    location_id: str | None = None
    from_number: str | None = None
    to_number: str | None = None
    step_number: int = 0


@dataclass(frozen=True, slots=True)
class StepResult:
    """The response for a step and what happened (``replayed``: an identical earlier step)."""

    call_id: str
    response: str
    replayed: bool
    actions: tuple[Action, ...] = ()
    message_ids: tuple[str, ...] = ()
    page_ids: tuple[str, ...] = ()
    finished: bool = False


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """A Twilio call-status callback (``sequence`` orders callbacks of one call)."""

    practice_id: str
    external_id: str
    status: str
    sequence: int
    duration_s: int | None = None


@dataclass(slots=True)
class _Effects:
    """What carrying out one step's actions produced inside the transaction."""

    messages: dict[str, Message] = field(default_factory=dict)
    pages: list[tuple[str, TriageLevel]] = field(default_factory=list)
    disposition: Disposition = Disposition.IN_PROGRESS
    ended: bool = False
    audit: list[AuditEntry] = field(default_factory=list)


_ATTEMPTS = 3
"""How often a step is tried when a concurrent writer claimed it first (the next try replays)."""


class StepConflictError(RuntimeError):
    """A step kept losing to concurrent writers (should not happen: the retry replays)."""


class CallService:
    """Runs conversations on every channel over the dialogue engine."""

    def __init__(
        self,
        uow_factory: CallsUnitOfWorkFactory,
        practices: PracticeDirectory,
        clock: Clock,
        paging: PagingPort | None = None,
        booking: BookingDesk | None = None,
    ) -> None:
        """Wire storage, the practice directory, the clock, paging and booking (when there)."""
        self._uow_factory = uow_factory
        self._practices = practices
        self._clock = clock
        self._paging = paging
        self._booking = booking

    @property
    def clock(self) -> Clock:
        """The clock this service reads."""
        return self._clock

    def loaded(self, practice_id: str) -> LoadedPractice:
        """The practice or UnknownPracticeError."""
        found = self._practices.get(practice_id)
        if found is None:
            raise UnknownPracticeError(practice_id)
        return found

    def handle(self, request: StepRequest, render: Renderer) -> StepResult:
        """Process one channel event; persist before returning; open pages after the commit."""
        loaded = self.loaded(request.practice_id)
        now = self._clock.now()
        for _attempt in range(_ATTEMPTS):
            with self._uow_factory() as uow:
                done = self._step_once(uow, request, render, loaded, now)
            if isinstance(done, StepResult):
                return done
            if done is not None:
                call, state, actions, response, effects = done
                page_ids = self._open_pages(call, effects, now)
                return StepResult(
                    call_id=call.id,
                    response=response,
                    replayed=False,
                    actions=tuple(actions),
                    message_ids=tuple(effects.messages),
                    page_ids=tuple(page_ids),
                    finished=state.phase is Phase.DONE,
                )
        raise StepConflictError(request.step_key)

    def _step_once(
        self,
        uow: CallsUnitOfWork,
        request: StepRequest,
        render: Renderer,
        loaded: LoadedPractice,
        now: datetime,
    ) -> _Done | StepResult | None:
        """One try at a step in one transaction: a replay, the committed step, or None (raced).

        Reads first (the call, locked where the database can, and the stored response), then the
        dialogue, then the writes: the step is claimed first, so a concurrent writer that handled
        it already is noticed before anything else is written.
        """
        practice = loaded.practice
        call, stored = uow.ledger.open(
            practice.id, request.channel, request.external_id, request.step_key
        )
        if call is not None and stored is not None:
            return StepResult(call.id, stored.response, replayed=True)
        new_call = None
        if call is None:
            call = new_call = CallRecord(
                id=new_id(),
                practice_id=practice.id,
                channel=request.channel,
                external_id=request.external_id,
                started_at=now,
                from_number=request.from_number,
                to_number=request.to_number,
                language=practice.default_language,
            )
        state, actions, mode = self._run(call, request, loaded, now)
        call = replace(call, coverage_mode=mode)
        response = render(
            actions, RenderInfo(call.id, call.channel, state, request.step_number + 1)
        )
        if not uow.ledger.claim(StoredStep(call.id, request.step_key, response, now), new_call):
            uow.rollback()
            return None
        effects = self._carry_out(uow, call, practice, actions, now, request.channel)
        uow.ledger.append_turns(call.id, _turns_of(request.event, actions), now)
        call = self._updated_call(call, state, effects, now)
        uow.ledger.save(call)
        uow.ledger.append_audit(effects.audit)  # last: the chain head is held until the commit
        uow.commit()
        return call, state, actions, response, effects

    def status(self, update: StatusUpdate) -> bool:
        """Apply a call-status callback; False when it was a duplicate or arrived too late."""
        loaded = self.loaded(update.practice_id)
        now = self._clock.now()
        effects = _Effects()
        key = f"status:{update.sequence:08d}"
        with self._uow_factory() as uow:
            call, stored = uow.ledger.open(
                update.practice_id, Channel.VOICE, update.external_id, key
            )
            if call is None or stored is not None:
                return False
            earlier = uow.steps.list_for_call(call.id, prefix="status:")
            if not uow.ledger.claim(StoredStep(call.id, key, update.status, now)):
                return False
            latest = max((s.key for s in earlier), default="")
            if key < latest or update.status not in TERMINAL_STATUSES:
                uow.commit()
                return True
            state = _state_of(call)
            actions: list[Action] = []
            if state.phase not in (Phase.NEW, Phase.DONE):
                context = build_context(
                    loaded.practice,
                    loaded.triage,
                    at=now,
                    location_id=None,
                    caller_id=call.from_number,
                    coverage=call.coverage_mode,
                )
                state, actions = step(state, HungUp(at=now), context)
                effects = self._carry_out(uow, call, loaded.practice, actions, now, Channel.VOICE)
                abandoned = effects.disposition is Disposition.IN_PROGRESS
                effects.disposition = effects.disposition.at_least(
                    Disposition.ABANDONED if abandoned else Disposition.PARTIAL_MESSAGE
                )
            effects.ended = True
            call = self._updated_call(call, state, effects, now)
            if update.duration_s is not None and call.time_to_answer is None:
                call = replace(call, time_to_answer=timedelta(0))
            uow.ledger.save(call)
            uow.ledger.append_audit(effects.audit)
            uow.commit()
        self._open_pages(call, effects, now)
        return True

    def sms_thread(
        self, practice_id: str, from_number: str, window: timedelta, step_key: str
    ) -> str:
        """The conversation id for a text from ``from_number``.

        The thread that already saw ``step_key`` (a retry), else the number's open thread
        started within ``window``, else a new thread id.
        """
        now = self._clock.now()
        digest = hashlib.sha256(f"{practice_id}:{from_number}".encode()).hexdigest()[:24]
        with self._uow_factory() as uow:
            recent = [
                c
                for c in uow.calls.list_for_practice(practice_id, since=now - window, limit=1000)
                if c.channel is Channel.SMS and c.external_id.startswith(f"{digest}:")
            ]
            for call in recent:
                if uow.steps.get(call.id, step_key) is not None:
                    return call.external_id
        for call in recent:
            if call.ended_at is None:
                return call.external_id
        return f"{digest}:{int(now.timestamp() * 1000)}"

    def transcript(
        self, call_id: str
    ) -> tuple[CallRecord | None, Sequence[Turn], Sequence[Message]]:
        """A call, its turns and its messages (PHI: callers of this must be authorised)."""
        with self._uow_factory() as uow:
            call = uow.calls.get(call_id)
            if call is None:
                return None, (), ()
            return call, uow.turns.list_for_call(call_id), uow.messages.list_for_call(call_id)

    # ------------------------------------------------------------ internals

    def _run(
        self, call: CallRecord, request: StepRequest, loaded: LoadedPractice, now: datetime
    ) -> tuple[DialogueState, list[Action], CoverageMode]:
        state = _state_of(call)
        context = build_context(
            loaded.practice,
            loaded.triage,
            at=now,
            location_id=request.location_id,
            caller_id=call.from_number,
            coverage=call.coverage_mode,
        )
        desk = self._booking
        context = booking_context(context, desk is not None and desk.can_book(loaded.practice))
        actions: list[Action] = []
        if state.phase is Phase.NEW:
            channel = DialogueChannel(call.channel.value)
            opened = Connected(now, call.from_number, call.to_number, channel)
            state, first = step(state, opened, context)
            actions.extend(first)
        if request.event is not None and not isinstance(request.event, Connected):
            state, more = step(state, request.event, context)
            actions.extend(more)
        if desk is not None:
            practice = loaded.practice
            state, actions = resolve_bookings(
                state, actions, context, lambda wanted: desk.answer(practice, wanted, now)
            )
        return state, actions, context.coverage

    def _carry_out(
        self,
        uow: CallsUnitOfWork,
        call: CallRecord,
        practice: Practice,
        actions: Sequence[Action],
        now: datetime,
        channel: Channel,
    ) -> _Effects:
        effects = _Effects()
        refs: dict[str, str] = {}
        ref_steps: list[StoredStep] = []

        def audit(action: str, subject: str, outcome: str = "ok") -> None:
            effects.audit.append(
                AuditEntry(
                    actor="system:calls",
                    action=action,
                    subject=subject,
                    channel=channel.value,
                    outcome=outcome,
                    at=now,
                    practice_id=practice.id,
                )
            )

        for action in actions:
            if isinstance(action, TakeMessage):
                message = _message_of(action, call, practice, now)
                uow.messages.add(message)
                refs[action.ref] = message.id
                ref_steps.append(StoredStep(call.id, MESSAGE_REF + action.ref, message.id, now))
                effects.messages[message.id] = message
                audit("message.taken", f"message:{message.id}")
                effects.disposition = effects.disposition.at_least(
                    Disposition.PARTIAL_MESSAGE
                    if action.flagged_partial
                    else Disposition.MESSAGE_TAKEN
                )
            elif isinstance(action, Page):
                message_id = refs.get(action.message_ref) or _stored_ref(
                    uow, call.id, action.message_ref
                )
                if message_id is None:
                    audit("page.unresolved_ref", f"call:{call.id}", "failed")
                    continue
                level = (
                    TriageLevel.EMERGENCY
                    if action.urgency is PageUrgency.EMERGENCY
                    else TriageLevel.URGENT
                )
                effects.pages.append((message_id, level))
                audit("page.requested", f"message:{message_id}")
                if action.urgency is PageUrgency.EMERGENCY:
                    effects.disposition = effects.disposition.at_least(
                        Disposition.EMERGENCY_INSTRUCTED
                    )
                else:
                    effects.disposition = effects.disposition.at_least(Disposition.PAGED)
            elif isinstance(action, Transfer):
                audit(f"call.transfer.{action.reason.value}", f"call:{call.id}")
                if action.reason in (TransferReason.EMERGENCY, TransferReason.CRISIS):
                    effects.disposition = effects.disposition.at_least(
                        Disposition.EMERGENCY_INSTRUCTED
                    )
                else:
                    effects.disposition = effects.disposition.at_least(Disposition.TRANSFERRED)
            elif isinstance(action, AuditNote):
                audit(f"dialogue.{action.kind.value}", f"call:{call.id}")
                if action.kind.value.startswith("appointment_"):
                    effects.disposition = effects.disposition.at_least(Disposition.APPOINTMENT)
                if action.kind.value == "emergency_instruction_given":
                    effects.disposition = effects.disposition.at_least(
                        Disposition.EMERGENCY_INSTRUCTED
                    )
            elif isinstance(action, Book):
                audit(f"booking.{action.request.operation.value}", f"call:{call.id}")
            elif isinstance(action, Hangup):
                effects.ended = True
        uow.ledger.add_steps(ref_steps)
        return effects

    def _updated_call(
        self, call: CallRecord, state: DialogueState, effects: _Effects, now: datetime
    ) -> CallRecord:
        previous = Disposition(call.disposition) if call.disposition else Disposition.IN_PROGRESS
        disposition = previous.at_least(effects.disposition)
        summary = state.triage
        if (
            disposition is Disposition.IN_PROGRESS
            and state.phase is Phase.DONE
            and summary is not None
            and summary.intent in _FAQ_INTENTS
        ):
            disposition = Disposition.FAQ_ANSWERED
        if disposition is Disposition.IN_PROGRESS and state.phase is Phase.DONE:
            disposition = Disposition.ABANDONED
        ended = effects.ended or state.phase is Phase.DONE
        return replace(
            call,
            dialogue_state=state.to_json(),
            language=state.language,
            triage=summary.level if summary else call.triage,
            intent=summary.intent if summary else call.intent,
            disposition=disposition.value,
            ended_at=call.ended_at or (now if ended else None),
            time_to_answer=call.time_to_answer
            if call.time_to_answer is not None
            else now - call.started_at,
            abandoned=call.abandoned or disposition is Disposition.ABANDONED,
        )

    def _open_pages(self, call: CallRecord, effects: _Effects, now: datetime) -> list[str]:
        if not effects.pages:
            return []
        opened: list[str] = []
        entries: list[AuditEntry] = []
        for message_id, level in effects.pages:
            request = PageRequest(call.practice_id, message_id, call.id, level, now)
            page_id = None
            if self._paging is not None:
                try:
                    page_id = self._paging.open_page(request)
                except Exception:
                    log.exception("paging failed", extra={"message_id": message_id})
            entries.append(
                AuditEntry(
                    actor="system:calls",
                    action="page.opened" if page_id else "message.flagged_for_paging",
                    subject=f"page:{page_id}" if page_id else f"message:{message_id}",
                    channel=call.channel.value,
                    outcome="ok" if page_id else "pending",
                    at=now,
                    practice_id=call.practice_id,
                )
            )
            if page_id:
                opened.append(page_id)
        with self._uow_factory() as uow:
            uow.ledger.append_audit(entries)
            uow.commit()
        return opened


_FAQ_INTENTS = frozenset({Intent.FAQ_HOURS, Intent.FAQ_LOCATION, Intent.FAQ_INSURANCE})
MESSAGE_REF = "message-ref:"
"""Step-log key prefix mapping a dialogue message ref to its message id, for later steps."""


def _stored_ref(uow: CallsUnitOfWork, call_id: str, ref: str) -> str | None:
    """The id of the message ``ref`` named when an earlier step of the call took it."""
    stored = uow.steps.get(call_id, MESSAGE_REF + ref)
    return stored.response if stored is not None else None


def _state_of(call: CallRecord) -> DialogueState:
    if call.dialogue_state:
        return DialogueState.from_json(call.dialogue_state)
    return DialogueState()


def _turns_of(event: CallerEvent | None, actions: Sequence[Action]) -> list[tuple[TurnRole, str]]:
    """The step's transcript: the caller's words (or keys), then every line spoken or asked."""
    turns: list[tuple[TurnRole, str]] = []
    caller = _caller_text(event)
    if caller is not None:
        turns.append((TurnRole.CALLER, caller))
    for action in actions:
        text = None
        if isinstance(action, Say):
            text = action.text
        elif isinstance(action, Ask):
            text = action.prompt
        if text:
            turns.append((TurnRole.ASSISTANT, text))
    return turns


def _caller_text(event: CallerEvent | None) -> str | None:
    if isinstance(event, Said):
        return event.text
    if isinstance(event, Pressed):
        return f"[pressed {event.digits}]"
    if isinstance(event, HungUp):
        return "[hung up]"
    return None


def _message_of(
    action: TakeMessage, call: CallRecord, practice: Practice, now: datetime
) -> Message:
    details = action.details
    reason = details.reason_text or ""
    if action.answers:
        answered = "; ".join(f"{fact}: {answer}" for fact, answer in action.answers)
        reason = f"{reason} ({answered})" if reason else answered
    intent = action.intent or Intent.OTHER
    return Message(
        id=new_id(),
        practice_id=practice.id,
        queue=practice.routing.queue_for(intent),
        urgency=action.triage or TriageLevel.NONE,
        created_at=now,
        call_id=call.id,
        flagged_partial=action.flagged_partial,
        caller_name=details.caller_name,
        patient_name=details.patient_name,
        date_of_birth=details.patient_dob,
        callback_number=details.callback_number,
        reason=reason or None,
    )
