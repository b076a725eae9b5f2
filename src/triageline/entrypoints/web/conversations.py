"""Web chat at /chat/{practice} (Jinja2 + HTMX) and the JSON API /api/v1/conversations.

Both run the same calls service as the phone line, on the ``chat`` channel. A conversation id is
an unguessable random id; whoever holds it may read that conversation's transcript.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from triageline.adapters.calls.render import render_text
from triageline.domain.dialogue.events import Said, Silence
from triageline.domain.records import CallRecord, Channel, TurnRole, new_id
from triageline.entrypoints.web.calls_wiring import CallsWeb
from triageline.services.calls import StepRequest, UnknownPracticeError

_HERE = Path(__file__).parent
STATIC_DIR = _HERE / "chat_static"
"""The chat's static files (the vendored HTMX), served at /chat-static."""
templates = Jinja2Templates(directory=str(_HERE / "templates"))
MAX_TEXT = 2000
"""Longest caller message accepted."""


class ConversationCreate(BaseModel):
    """Start a conversation with a practice."""

    practice_id: str = Field(min_length=1, max_length=64, examples=["demo"])


class TurnCreate(BaseModel):
    """What the caller typed; ``step`` (1, 2, ...) makes a retried post harmless."""

    text: str = Field(max_length=MAX_TEXT)
    step: int | None = Field(default=None, ge=1)


class Outcome(BaseModel):
    """What has been decided so far."""

    disposition: str | None
    triage: str | None
    intent: str | None
    lang: str | None
    messages: list[str]
    finished: bool


class TranscriptLine(BaseModel):
    """One line of the transcript."""

    role: str
    text: str


class StepOut(BaseModel):
    """The reply to one step."""

    conversation_id: str
    step: int
    replies: list[str]
    outcome: Outcome


class ConversationOut(BaseModel):
    """A conversation with its transcript and outcome."""

    conversation_id: str
    practice_id: str
    transcript: list[TranscriptLine]
    outcome: Outcome


def _outcome(call: CallRecord, message_ids: list[str]) -> Outcome:
    return Outcome(
        disposition=call.disposition,
        triage=call.triage.value if call.triage else None,
        intent=call.intent.value if call.intent else None,
        lang=call.language.value if call.language else None,
        messages=message_ids,
        finished=call.ended_at is not None,
    )


def build_router(web: CallsWeb) -> APIRouter:
    """The chat page and the conversations API."""
    router = APIRouter()
    service = web.service

    def load(conversation_id: str) -> ConversationOut:
        call, turns, messages = service.transcript(conversation_id)
        if call is None or call.channel is not Channel.CHAT:
            raise HTTPException(404, "no such conversation")
        return ConversationOut(
            conversation_id=call.id,
            practice_id=call.practice_id,
            transcript=[
                TranscriptLine(role=t.role.value, text=t.text)
                for t in turns
                if t.role in (TurnRole.CALLER, TurnRole.ASSISTANT)
            ],
            outcome=_outcome(call, [m.id for m in messages]),
        )

    def start(practice_id: str) -> StepOut:
        request = StepRequest(
            practice_id=practice_id,
            channel=Channel.CHAT,
            external_id=new_id(),
            step_key="chat:0",
            event=None,
        )
        try:
            result = service.handle(request, render_text)
        except UnknownPracticeError:
            raise HTTPException(404, "no such practice") from None
        out = load(result.call_id)
        return StepOut(
            conversation_id=result.call_id,
            step=0,
            replies=result.response.splitlines(),
            outcome=out.outcome,
        )

    def post_turn(conversation_id: str, text: str, step: int | None) -> StepOut:
        call, turns, _ = service.transcript(conversation_id)
        if call is None or call.channel is not Channel.CHAT:
            raise HTTPException(404, "no such conversation")
        number = step if step is not None else 1 + sum(t.role is TurnRole.CALLER for t in turns)
        now = service.clock.now()
        stripped = text.strip()
        request = StepRequest(
            practice_id=call.practice_id,
            channel=Channel.CHAT,
            external_id=call.external_id,
            step_key=f"chat:{number}",
            event=Said(stripped, 1.0, None, now) if stripped else Silence(now),
            step_number=number,
        )
        result = service.handle(request, render_text)
        out = load(conversation_id)
        return StepOut(
            conversation_id=conversation_id,
            step=number,
            replies=result.response.splitlines(),
            outcome=out.outcome,
        )

    @router.post("/api/v1/conversations", response_model=StepOut, status_code=201, tags=["chat"])
    async def create_conversation(body: ConversationCreate) -> StepOut:
        """Start a conversation; the reply holds the greeting and the first question."""
        return await run_in_threadpool(start, body.practice_id)

    @router.post(
        "/api/v1/conversations/{conversation_id}/turns", response_model=StepOut, tags=["chat"]
    )
    async def create_turn(conversation_id: str, body: TurnCreate) -> StepOut:
        """Send what the caller typed; the reply holds the service's answer and the outcome."""
        return await run_in_threadpool(post_turn, conversation_id, body.text, body.step)

    @router.get(
        "/api/v1/conversations/{conversation_id}", response_model=ConversationOut, tags=["chat"]
    )
    async def get_conversation(conversation_id: str) -> ConversationOut:
        """The transcript and the outcome so far."""
        return await run_in_threadpool(load, conversation_id)

    @router.get("/chat/{practice_id}", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page(request: Request, practice_id: str) -> Response:
        """The chat page; the conversation starts when the page loads."""
        loaded = web.directory.get(practice_id)
        if loaded is None:
            raise HTTPException(404, "no such practice")
        return templates.TemplateResponse(
            request,
            "chat/page.html",
            {"practice_id": practice_id, "practice_name": loaded.practice.name},
        )

    @router.post("/chat/{practice_id}/start", response_class=HTMLResponse, include_in_schema=False)
    async def chat_start(request: Request, practice_id: str) -> Response:
        """Start the conversation and render the greeting."""
        out = await run_in_threadpool(start, practice_id)
        return templates.TemplateResponse(
            request, "chat/turn.html", {"step": out, "caller": None, "practice_id": practice_id}
        )

    @router.post(
        "/chat/{practice_id}/{conversation_id}/say",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    async def chat_say(
        request: Request,
        practice_id: str,
        conversation_id: str,
        text: str = Form(default="", max_length=MAX_TEXT),
        step: int = Form(ge=1),
    ) -> Response:
        """Send one chat line; render it, the reply and the outcome."""
        out = await run_in_threadpool(post_turn, conversation_id, text, step)
        return templates.TemplateResponse(
            request, "chat/turn.html", {"step": out, "caller": text, "practice_id": practice_id}
        )

    return router
