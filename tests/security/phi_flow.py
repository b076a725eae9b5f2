"""One end-to-end run with known PHI over the real app: voice, SMS, chat, paging, worker.

The app is wired like ``create_app`` (calls, paging routes, portal, hardening) but on a settable
clock with a capturing notifier on every channel, so every notification body can be inspected.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from security.sec_builders import (
    AFTER_HOURS,
    BASE,
    MAIN_NUMBER,
    TOKEN,
    TOKEN_ENV,
    load_demo,
    phone_forms,
    sign,
)
from triageline.adapters.notify.capture import CapturingNotifier
from triageline.bootstrap import Container
from triageline.domain.paging import Channel
from triageline.entrypoints import paging_wiring
from triageline.entrypoints.paging_worker import PagingWorker
from triageline.entrypoints.web import calls_app, hardening, operations, paging_routes
from triageline.entrypoints.web import portal as portal_web
from triageline.entrypoints.web.calls_wiring import CallsWeb, build_calls
from triageline.services.calls_memory import SettableClock

VOICE_SID = "CA" + "3" * 32
CALLER_NAME = "Zebulon Quattlebaum"
PATIENT_NAME = "Philippa Quattlebaum"
CHAT_NAME = "Ottoline Vandersloot"
CALLER_PHONE = "+15125550187"
SMS_PHONE = "+15125550163"
CHAT_PHONE = "+15125550142"
DOB_DIGITS = "01152026"
SYMPTOM = "My 6 week old baby has a fever of 100.8 and a purple rash"
SMS_TEXT = "my son Bartholomew swallowed drain cleaner an hour ago"
CHAT_TURNS = (
    "I would like to make an appointment",
    "no",
    CHAT_NAME,
    "March 5th, 1980",
    "512-555-0142",
    "yes",
    "a checkup for my swollen knee",
    "self pay",
    "Monday",
    "the first one",
    "yes",
)

NEEDLES: dict[str, str] = {
    "caller name": CALLER_NAME,
    "patient name": PATIENT_NAME,
    "chat name": CHAT_NAME,
    "surname": "Quattlebaum",
    "chat surname": "Vandersloot",
    "sms name": "Bartholomew",
    "dob digits": DOB_DIGITS,
    "dob iso": "2026-01-15",
    "dob us": "01/15/2026",
    "dob us short": "1/15/2026",
    "dob words": "January 15, 2026",
    "chat dob words": "March 5th, 1980",
    "chat dob iso": "1980-03-05",
    "chat dob us": "03/05/1980",
    "symptom": "purple rash",
    "symptom words": "fever of 100.8",
    "sms text": "drain cleaner",
    "chat text": "swollen knee",
    **{f"caller phone {i}": f for i, f in enumerate(phone_forms(CALLER_PHONE))},
    **{f"sms phone {i}": f for i, f in enumerate(phone_forms(SMS_PHONE))},
    **{f"chat phone {i}": f for i, f in enumerate(phone_forms(CHAT_PHONE))},
}
"""Known PHI of the flow, in the forms it could be written."""


@dataclass
class FlowResult:
    """What the flow produced: notifications, the app and its pieces."""

    app: FastAPI
    web: CallsWeb
    capture: CapturingNotifier
    container: Container
    responses: list[str] = field(default_factory=list)
    conversation_ids: list[str] = field(default_factory=list)


def _gather_url(twiml: str) -> str | None:
    if 'action="' not in twiml:
        return None
    start = twiml.index('action="') + len('action="')
    url = twiml[start : twiml.index('"', start)].replace("&amp;", "&")
    return url[url.index("/twilio") :]


def _post(client: TestClient, path: str, fields: dict[str, str]) -> Any:
    response = client.post(
        path, data=fields, headers={"X-Twilio-Signature": sign(f"{BASE}{path}", fields, TOKEN)}
    )
    assert response.status_code in (200, 204), (path, response.status_code, response.text)
    return response


def _voice(client: TestClient, clock: SettableClock, out: list[str]) -> None:
    call = {
        "CallSid": VOICE_SID,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER_PHONE,
        "To": MAIN_NUMBER,
        "CallStatus": "in-progress",
        "Direction": "inbound",
    }
    twiml = _post(client, "/twilio/voice", call).text
    for line in (SYMPTOM, CALLER_NAME, PATIENT_NAME, f"#{DOB_DIGITS}", "#1"):
        path = _gather_url(twiml)
        if path is None:
            break
        clock.set(clock.now() + timedelta(seconds=5))
        turn = {**call, "Digits": line[1:]} if line.startswith("#") else {**call}
        if not line.startswith("#"):
            turn.update(SpeechResult=line, Confidence="0.93")
        twiml = _post(client, path, turn).text
        out.append(twiml)
    _post(
        client, "/twilio/voice/status", {**call, "CallStatus": "completed", "SequenceNumber": "9"}
    )


def _sms(client: TestClient) -> None:
    text = {
        "MessageSid": "SM" + "4" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": SMS_PHONE,
        "To": MAIN_NUMBER,
        "Body": SMS_TEXT,
    }
    _post(client, "/twilio/sms", text)


def _chat(client: TestClient) -> str:
    started = client.post("/api/v1/conversations", json={"practice_id": "demo"})
    assert started.status_code == 201, started.text
    conversation = started.json()["conversation_id"]
    for step, text in enumerate(CHAT_TURNS, 1):
        turn = client.post(
            f"/api/v1/conversations/{conversation}/turns", json={"text": text, "step": step}
        )
        assert turn.status_code == 200, turn.text
    assert client.get(f"/api/v1/conversations/{conversation}").status_code == 200
    return str(conversation)


def run_flow(container: Container) -> Iterator[FlowResult]:
    """Run every flow once with the known PHI (a generator, for fixtures)."""
    load_demo(container)
    clock = SettableClock(AFTER_HOURS)
    capture = CapturingNotifier()
    environ = {TOKEN_ENV: TOKEN}
    paging = paging_wiring.build_paging(
        container, clock=clock, notifiers={channel: capture for channel in Channel}
    )
    web = build_calls(
        container, clock=clock, paging=paging_wiring.CallsPaging(paging), environ=environ
    )
    app = FastAPI()
    operations.install(app, container)
    calls_app.install(app, container, web)
    paging_routes.install(app, container)
    portal_web.install(app, container)
    hardening.install(app)
    result = FlowResult(app, web, capture, container)
    with TestClient(app, raise_server_exceptions=False) as client:
        _voice(client, clock, result.responses)
        _sms(client)
        result.conversation_ids.append(_chat(client))
        worker = PagingWorker(paging, clock, worker_id="security-test")
        for _ in range(7):
            clock.set(clock.now() + timedelta(minutes=5))
            worker.tick()
        yield result
