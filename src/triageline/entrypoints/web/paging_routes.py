"""Paging web routes: signed acknowledgement links, the voice page and delivery callbacks.

- ``GET /ack/{token}`` shows a confirm page (no state change: link scanners cannot acknowledge);
  ``POST /ack/{token}`` acknowledges, once; an expired, used or forged link gets a clear 410/400.
- ``/twilio/page/voice`` speaks a PHI-free read-back and gathers one digit;
  ``/twilio/page/gather`` acknowledges only on ``Digits=1``; anything else, or nothing, re-prompts
  once and then hangs up unacknowledged (so a voicemail box never counts).
- ``/twilio/notify/status`` records SMS and call delivery statuses; a failed delivery moves the page
  to the next channel at once.

Every Twilio route checks ``X-Twilio-Signature`` against the account's auth token(s) over the
configured public URL and fails closed (403, audited); malformed requests get 400 (audited).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from twilio.twiml.voice_response import Gather, VoiceResponse

from triageline.adapters.notify.twilio_notifier import (
    call_delivery_status,
    message_delivery_status,
)
from triageline.bootstrap import Container
from triageline.domain.audit import AuditEntry
from triageline.domain.page_text import page_text
from triageline.domain.paging import AckSource, Channel, DeliveryStatus, PageOutcome
from triageline.entrypoints.paging_wiring import build_paging
from triageline.entrypoints.web.calls_wiring import tokens_from_env
from triageline.entrypoints.web.twilio_webhook import MALFORMED, malformed_response, signed_form
from triageline.services.paging import (
    AckLinkRefusedError,
    AckLinkView,
    PagingService,
    PagingServiceError,
)
from triageline.services.ports_paging import Clock

log = logging.getLogger("triageline.web.paging")

XML = "application/xml"
VOICE = "Polly.Joanna"
MAX_PROMPTS = 2
"""The voice page is prompted at most twice (the first time and one re-prompt)."""


@dataclass(frozen=True, slots=True)
class PagingWeb:
    """What the paging routes need."""

    service: PagingService
    clock: Clock
    tokens: tuple[str, ...]
    public_base_url: str | None
    audit: Callable[[AuditEntry], None]


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    """A small, self-contained, phone-friendly HTML page (no PHI is ever passed in)."""
    document = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        '<meta name=robots content="noindex">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;"
        "padding:0 1rem}button{font-size:1.3rem;padding:.8rem 1.6rem}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(
        document,
        status_code=status_code,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _refused(reason: str) -> HTMLResponse:
    used = "used" in reason
    title = "This link was already used" if used else "This link no longer works"
    text = (
        "The page was acknowledged with this link before. Each link works once."
        if used
        else "The link has expired or is not valid. Reply 1 to the page text, or use the portal."
    )
    return _page(title, f"<p>{html.escape(text)}</p>", 410)


def _describe(view: AckLinkView) -> str:
    urgency = view.urgency.value.replace("_", " ")
    return (
        f"<p>{html.escape(view.practice_name)}: {html.escape(urgency)} page "
        f"<strong>{html.escape(view.code)}</strong>.</p>"
    )


def build_ack_router(web: PagingWeb) -> APIRouter:
    """``GET``/``POST /ack/{token}``."""
    router = APIRouter(tags=["paging"], include_in_schema=False)

    @router.get("/ack/{token}")
    async def confirm(token: str) -> HTMLResponse:
        """Show what the link acknowledges and a button; nothing changes on GET."""
        try:
            view = await run_in_threadpool(web.service.view_ack_link, token, web.clock.now())
        except AckLinkRefusedError as error:
            return _refused(str(error))
        if not view.status.is_open:
            return _page(
                f"Page {view.code} is {view.status.value}",
                _describe(view) + "<p>Nothing more to do.</p>",
            )
        form = (
            f'<form method=post action="/ack/{html.escape(token, quote=True)}">'
            "<button type=submit>Acknowledge</button></form>"
        )
        return _page(f"Acknowledge page {view.code}?", _describe(view) + form)

    @router.post("/ack/{token}")
    async def acknowledge(token: str) -> HTMLResponse:
        """Acknowledge the page the link was sent for (the link works once)."""
        try:
            result = await run_in_threadpool(web.service.acknowledge_link, token, web.clock.now())
        except AckLinkRefusedError as error:
            return _refused(str(error))
        except PagingServiceError:
            return _page("Unknown page", "<p>This page does not exist.</p>", 404)
        if result.outcome is PageOutcome.ACKNOWLEDGED:
            return _page(
                f"Page {result.code} acknowledged",
                "<p>Thank you. Escalation has stopped. Please call the patient back.</p>",
            )
        status = result.status.value
        return _page(
            f"Page {result.code} was already {status}",
            "<p>Nothing changed. It was acknowledged or closed before.</p>",
        )

    return router


def _voice_goodbye(text: str) -> str:
    response = VoiceResponse()
    response.say(text, voice=VOICE, language="en-US")
    response.hangup()
    return str(response)


def build_twilio_router(web: PagingWeb) -> APIRouter:
    """``/twilio/page/voice``, ``/twilio/page/gather`` and ``/twilio/notify/status``."""
    router = APIRouter(prefix="/twilio", tags=["twilio"], include_in_schema=False)

    def audit(action: str, outcome: str, subject: str = "webhook") -> None:
        web.audit(
            AuditEntry(
                actor="system:twilio",
                action=action,
                subject=subject,
                channel="paging",
                outcome=outcome,
                at=web.clock.now(),
                practice_id=None,
            )
        )

    def route(_form: Mapping[str, str]) -> tuple[tuple[str, ...], None]:
        return web.tokens, None

    async def checked(request: Request) -> dict[str, str] | Response:
        """The form if the signature is valid; else a 403/400 response (audited)."""
        signed = await signed_form(
            request, web.public_base_url, route, lambda action, outcome, _: audit(action, outcome)
        )
        return signed if isinstance(signed, Response) else signed[0]

    def malformed() -> Response:
        audit(MALFORMED, "rejected")
        return malformed_response()

    def voice_prompt(view: AckLinkView, notification_id: str, attempt: int) -> str:
        read_back = page_text(
            practice_name=view.practice_name,
            urgency=view.urgency,
            code=view.code,
            link="",
            channel=Channel.VOICE,
        ).body
        query = urlencode({"page": view.page_id, "notification": notification_id, "n": attempt})
        response = VoiceResponse()
        gather = Gather(
            input="dtmf",
            num_digits=1,
            action=f"/twilio/page/gather?{query}",
            method="POST",
            timeout=8,
            action_on_empty_result=True,
        )
        gather.say(read_back, voice=VOICE, language="en-US")
        gather.say("Press 1 to acknowledge this page.", voice=VOICE, language="en-US")
        response.append(gather)
        response.say("The page was not acknowledged. Goodbye.", voice=VOICE, language="en-US")
        response.hangup()
        return str(response)

    def page_params(request: Request) -> tuple[str, str, int] | None:
        query = request.query_params
        page_id = query.get("page", "").strip()
        notification_id = query.get("notification", "").strip()
        try:
            attempt = int(query.get("n", "1"))
        except ValueError:
            return None
        if not page_id or not notification_id or not 1 <= attempt <= MAX_PROMPTS:
            return None
        return page_id, notification_id, attempt

    async def page_call(
        request: Request,
    ) -> tuple[dict[str, str], AckLinkView, str, int] | Response:
        """The signed form, the page named in the query and the prompt number; or the answer."""
        form = await checked(request)
        if isinstance(form, Response):
            return form
        found = page_params(request)
        if found is None:
            return malformed()
        page_id, notification_id, attempt = found
        view = await run_in_threadpool(web.service.page_view, page_id, notification_id)
        if view is None:
            audit("page.voice_unknown", "rejected", f"page:{page_id}")
            return Response(_voice_goodbye("This page is not known. Goodbye."), media_type=XML)
        return form, view, notification_id, attempt

    @router.post("/page/voice")
    async def page_voice(request: Request) -> Response:
        """The voice page: a PHI-free read-back and "press 1" (one digit gathered)."""
        called = await page_call(request)
        if isinstance(called, Response):
            return called
        _form, view, notification_id, attempt = called
        if not view.status.is_open:
            return Response(
                _voice_goodbye(f"Page {', '.join(view.code)} is already {view.status.value}."),
                media_type=XML,
            )
        return Response(voice_prompt(view, notification_id, attempt), media_type=XML)

    @router.post("/page/gather")
    async def page_gather(request: Request) -> Response:
        """The keypress: only 1 acknowledges; else re-prompt once, then hang up unacknowledged."""
        called = await page_call(request)
        if isinstance(called, Response):
            return called
        form, view, notification_id, attempt = called
        digits = form.get("Digits", "").strip()
        if digits == "1":
            await run_in_threadpool(_ack_by_keypress, web, view, web.clock.now())
            return Response(
                _voice_goodbye("Thank you. The page is acknowledged. Goodbye."), media_type=XML
            )
        audit("page.voice_not_acknowledged", "no_input" if not digits else "other_key")
        if attempt < MAX_PROMPTS and view.status.is_open:
            return Response(voice_prompt(view, notification_id, attempt + 1), media_type=XML)
        return Response(_voice_goodbye("The page was not acknowledged. Goodbye."), media_type=XML)

    @router.post("/notify/status")
    async def notify_status(request: Request) -> Response:
        """A delivery status callback for an SMS or a voice page."""
        form = await checked(request)
        if isinstance(form, Response):
            return form
        well_formed, status = _delivery_status(form)
        if not well_formed:
            return malformed()
        notification_id = request.query_params.get("notification", "").strip()
        provider_id = form.get("MessageSid") or form.get("CallSid") or ""
        if not notification_id and provider_id:
            found = await run_in_threadpool(web.service.notification_for_provider_id, provider_id)
            notification_id = found or ""
        if not notification_id:
            return malformed()
        if status is None:
            return Response(status_code=204)
        outcome = await run_in_threadpool(
            web.service.record_delivery, notification_id, status, web.clock.now()
        )
        if outcome is None:
            audit("page.delivery_unknown", "ignored", f"notification:{notification_id}")
        return Response(status_code=204)

    return router


def _delivery_status(form: Mapping[str, str]) -> tuple[bool, DeliveryStatus | None]:
    """(well formed, the status reported or None when it is not one paging tracks)."""
    message = form.get("MessageStatus") or form.get("SmsStatus")
    if message:
        return True, message_delivery_status(message)
    call = form.get("CallStatus")
    if call:
        return True, call_delivery_status(call)
    return False, None


def _ack_by_keypress(web: PagingWeb, view: AckLinkView, at: datetime) -> None:
    web.service.acknowledge(
        actor=view.recipient_id, channel=AckSource.VOICE_KEYPRESS, at=at, page_id=view.page_id
    )


def install(app: FastAPI, container: Container, paging: PagingWeb | None = None) -> PagingWeb:
    """Mount the paging routes (over the calls app's paging service when it has one)."""
    if paging is None:
        calls = getattr(app.state, "calls", None)
        service = getattr(calls, "pager", None) or build_paging(container)
        clock: Clock = calls.service.clock if calls is not None else service.clock
        # Pages go out from the account's number: its (global) token signs the callbacks.
        tokens = calls.tokens("") if calls is not None else tokens_from_env()("")
        paging = PagingWeb(
            service=service,
            clock=clock,
            tokens=tokens,
            public_base_url=container.settings.public_base_url,
            audit=lambda entry: _append(container, entry),
        )
    app.state.paging = paging
    app.include_router(build_ack_router(paging))
    app.include_router(build_twilio_router(paging))
    return paging


def _append(container: Container, entry: AuditEntry) -> None:
    with container.uow_factory() as uow:
        uow.audit.append(entry)
        uow.commit()
