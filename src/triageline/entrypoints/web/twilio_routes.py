"""Twilio webhooks: /twilio/voice, /twilio/voice/turn, /twilio/voice/status and /twilio/sms.

Every request is checked against ``X-Twilio-Signature`` with the practice's auth token over the
configured public URL, and fails closed: no token or no public base URL means 403. Failures and
malformed requests (400) are written to the audit trail; no form value is ever logged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from triageline.adapters.calls.render import render_sms_reply, voice_renderer
from triageline.domain.audit import AuditEntry
from triageline.domain.dialogue.events import (
    TIMER_TRANSFER_FAILED,
    CallerEvent,
    HungUp,
    Pressed,
    Said,
    Silence,
    TimerFired,
)
from triageline.domain.records import Channel
from triageline.entrypoints.web.calls_wiring import CallsWeb
from triageline.entrypoints.web.twilio_webhook import MALFORMED, malformed_response, signed_form
from triageline.entrypoints.web.voice_capacity import log_shed, shed_attempt, shed_twiml, with_shed
from triageline.services.calls import StatusUpdate, StepRequest
from triageline.services.calls_ports import DialledLine

log = logging.getLogger("triageline.web.twilio")

SMS_WINDOW = timedelta(hours=4)
"""Texts from one number within this window continue one conversation."""
XML = "application/xml"
_DIAL_OK = frozenset({"completed", "answered"})


class BadRequestError(ValueError):
    """A webhook without the fields it must carry."""


def _required(form: Mapping[str, str], *names: str) -> list[str]:
    values = []
    for name in names:
        value = form.get(name, "").strip()
        if not value:
            raise BadRequestError(name)
        values.append(value)
    return values


def _audit(web: CallsWeb, action: str, outcome: str, practice_id: str | None, channel: str) -> None:
    web.audit(
        AuditEntry(
            actor="system:twilio",
            action=action,
            subject="webhook",
            channel=channel,
            outcome=outcome,
            at=web.service.clock.now(),
            practice_id=practice_id,
        )
    )


def _voice_event(form: Mapping[str, str], at: datetime) -> CallerEvent:
    """The caller event a Gather (or Dial) action posted."""
    if "DialCallStatus" in form:
        if form["DialCallStatus"] in _DIAL_OK:
            return HungUp(at=at)
        return TimerFired(TIMER_TRANSFER_FAILED, at)
    digits = form.get("Digits", "").strip()
    if digits:
        return Pressed(digits, at)
    speech = form.get("SpeechResult", "").strip()
    if speech:
        try:
            confidence = float(form.get("Confidence") or "1")
        except ValueError as exc:
            raise BadRequestError("Confidence") from exc
        if not 0.0 <= confidence <= 1.0:
            raise BadRequestError("Confidence")
        return Said(speech, confidence, None, at)
    return Silence(at)


def _page_acknowledged() -> str:
    """The reply to a clinician's acknowledging text (no PHI: not even the page code)."""
    reply = MessagingResponse()
    reply.message("Acknowledged. Thank you.")
    return str(reply)


def _text_reply(text: str) -> str:
    """A TwiML reply carrying one text message."""
    reply = MessagingResponse()
    reply.message(text)
    return str(reply)


def _generic_voice() -> str:
    response = VoiceResponse()
    response.say(
        "Thank you for calling. If this is a medical emergency, hang up and dial 911. "
        "We could not connect this number to a practice; the service administrator has been "
        "told. Goodbye.",
        voice="Polly.Joanna",
        language="en-US",
    )
    response.hangup()
    return str(response)


def build_router(web: CallsWeb) -> APIRouter:
    """The Twilio webhook routes."""
    router = APIRouter(prefix="/twilio", tags=["twilio"], include_in_schema=False)
    render_voice = voice_renderer()

    def route(form: Mapping[str, str]) -> tuple[tuple[str, ...], DialledLine | None]:
        """The dialled line (by ``To``) and the tokens that sign its webhooks."""
        to_number = form.get("To", "").strip()
        line = web.directory.line_for(to_number) if to_number else None
        practice_id = line.practice_id if line else None
        return (web.tokens(practice_id) if practice_id else web.tokens("_unrouted")), line

    async def checked(
        request: Request, channel: str
    ) -> tuple[dict[str, str], DialledLine | None] | Response:
        """Parse the form, find the practice by ``To``, validate the signature; or an error."""

        def reject(action: str, outcome: str, line: DialledLine | None) -> None:
            _audit(web, action, outcome, line.practice_id if line else None, channel)

        return await signed_form(request, web.public_base_url, route, reject)

    def malformed(channel: str, practice_id: str | None) -> Response:
        _audit(web, MALFORMED, "rejected", practice_id, channel)
        return malformed_response()

    def unrouted(channel: str) -> Response:
        _audit(web, "call.unknown_number", "unrouted", None, channel)
        log.warning("call to a number no practice owns", extra={"channel": channel})
        if channel == "sms":
            reply = MessagingResponse()
            reply.message("Thank you. This number is not connected to a practice.")
            return Response(str(reply), media_type=XML)
        return Response(_generic_voice(), media_type=XML)

    async def run_voice(request: Request, step: StepRequest) -> Response:
        """Run a voice step within the capacity budget; when shed, answer safely and audit."""
        result = await web.capacity.run(lambda: web.service.handle(step, render_voice))
        if result is not None:
            return Response(result.response, media_type=XML)
        attempt = shed_attempt(request.query_params.get("shed")) + 1
        retry = with_shed(f"{request.url.path}?{request.url.query}", attempt)
        loaded = web.directory.get(step.practice_id)
        nurse_line = loaded.practice.phones.nurse_line if loaded is not None else None
        log_shed(step.practice_id, request.url.path)
        audit = BackgroundTask(_audit, web, "call.shed", "shed", step.practice_id, "voice")
        return Response(shed_twiml(retry, attempt, nurse_line), media_type=XML, background=audit)

    @router.post("/voice")
    async def voice(request: Request) -> Response:
        """A new inbound call: greet and ask (step 0)."""
        checked_form = await checked(request, "voice")
        if isinstance(checked_form, Response):
            return checked_form
        form, line = checked_form
        try:
            call_sid, from_number, to_number = _required(form, "CallSid", "From", "To")
        except BadRequestError:
            return malformed("voice", line.practice_id if line else None)
        if line is None:
            return unrouted("voice")
        step = StepRequest(
            practice_id=line.practice_id,
            channel=Channel.VOICE,
            external_id=call_sid,
            step_key="voice:0",
            event=None,
            location_id=line.location_id,
            from_number=from_number,
            to_number=to_number,
            step_number=0,
        )
        return await run_voice(request, step)

    @router.post("/voice/turn")
    async def voice_turn(request: Request) -> Response:
        """The caller's answer to a Gather (or a Dial result), step N from the query."""
        checked_form = await checked(request, "voice")
        if isinstance(checked_form, Response):
            return checked_form
        form, line = checked_form
        practice_id = line.practice_id if line else None
        try:
            (call_sid,) = _required(form, "CallSid")
            step_number = int(request.query_params.get("step", ""))
            if step_number < 1:
                raise BadRequestError("step")
            event = _voice_event(form, web.service.clock.now())
        except (BadRequestError, ValueError):
            return malformed("voice", practice_id)
        if line is None:
            return unrouted("voice")
        key = f"voice:{step_number}" + (":dial" if "DialCallStatus" in form else "")
        step = StepRequest(
            practice_id=line.practice_id,
            channel=Channel.VOICE,
            external_id=call_sid,
            step_key=key,
            event=event,
            location_id=line.location_id,
            from_number=form.get("From"),
            to_number=form.get("To"),
            step_number=step_number,
        )
        return await run_voice(request, step)

    @router.post("/voice/status")
    async def voice_status(request: Request) -> Response:
        """A call-status callback (ordered by SequenceNumber; terminal statuses end the call)."""
        checked_form = await checked(request, "voice")
        if isinstance(checked_form, Response):
            return checked_form
        form, line = checked_form
        practice_id = line.practice_id if line else None
        try:
            call_sid, status = _required(form, "CallSid", "CallStatus")
            sequence = int(form.get("SequenceNumber") or "0")
            duration = form.get("CallDuration")
            duration_s = int(duration) if duration else None
        except (BadRequestError, ValueError):
            return malformed("voice", practice_id)
        if line is None:
            return Response(status_code=204)
        update = StatusUpdate(line.practice_id, call_sid, status, sequence, duration_s)
        await run_in_threadpool(web.service.status, update)
        return Response(status_code=204)

    @router.post("/sms")
    async def sms(request: Request) -> Response:
        """An inbound text: a clinician's page acknowledgement, else one conversation per number."""
        checked_form = await checked(request, "sms")
        if isinstance(checked_form, Response):
            return checked_form
        form, line = checked_form
        try:
            message_sid, from_number, to_number = _required(form, "MessageSid", "From", "To")
        except BadRequestError:
            return malformed("sms", line.practice_id if line else None)
        body = form.get("Body", "").strip()
        now = web.service.clock.now()
        if web.pager is not None and await run_in_threadpool(
            web.pager.try_acknowledge_sms, from_number, body, now
        ):
            return Response(_page_acknowledged(), media_type=XML)
        if line is None:
            return unrouted("sms")
        reminders = web.booking.reminders if web.booking is not None else None
        if reminders is not None and body:
            answered = await run_in_threadpool(
                reminders.reply, line.practice_id, from_number, body, now
            )
            if answered is not None and answered.answer is not None:
                return Response(_text_reply(answered.answer), media_type=XML)
            if answered is not None and answered.opening is not None:
                body = answered.opening  # R or X: the conversation verifies identity first
        key = f"sms:{message_sid}"
        thread = await run_in_threadpool(
            web.service.sms_thread, line.practice_id, from_number, SMS_WINDOW, key
        )
        event: CallerEvent = Said(body, 1.0, None, now) if body else Silence(now)
        step = StepRequest(
            practice_id=line.practice_id,
            channel=Channel.SMS,
            external_id=thread,
            step_key=key,
            event=event,
            location_id=line.location_id,
            from_number=from_number,
            to_number=to_number,
        )
        result = await run_in_threadpool(web.service.handle, step, render_sms_reply)
        return Response(result.response, media_type=XML)

    return router
