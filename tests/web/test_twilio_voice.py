"""Twilio voice webhooks over HTTP: signature, malformed input, the four situations, retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from calls.calls_builders import BASE, OFFICE_HOURS, Harness
from triageline.domain.records import CallRecord, Channel
from triageline.entrypoints.web import calls_app
from triageline.entrypoints.web.calls_wiring import build_calls


def _gather_url(twiml: str) -> str:
    start = twiml.index('action="') + len('action="')
    return twiml[start : twiml.index('"', start)].replace("&amp;", "&")


def _talk(harness: Harness, call: dict[str, str], lines: list[str]) -> list[str]:
    """Start a call and say each line; returns every TwiML response."""
    first = harness.post("/twilio/voice", call)
    assert first.status_code == 200, first.text
    responses = [first.text]
    for line in lines:
        url = _gather_url(responses[-1])
        path = url[url.index("/twilio") :]
        fields = dict(call)
        if line.startswith("#press "):
            fields["Digits"] = line.removeprefix("#press ")
        else:
            fields["SpeechResult"] = line
            fields["Confidence"] = "0.92"
        reply = harness.post(path, fields)
        assert reply.status_code == 200, reply.text
        responses.append(reply.text)
        if "<Gather" not in reply.text:
            break
    return responses


def _call_record(harness: Harness, sid: str) -> CallRecord:
    with harness.container.uow_factory() as uow:
        record = uow.calls.find_external("demo", Channel.VOICE, sid)
    assert record is not None
    return record


def test_greeting_names_the_practice_and_gathers_speech(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    response = harness.post("/twilio/voice", make_call())
    assert response.status_code == 200
    assert "Riverbend Family Medicine" in response.text
    assert 'input="speech dtmf"' in response.text
    assert 'actionOnEmptyResult="true"' in response.text
    assert "/twilio/voice/turn?step=1" in response.text


def test_missing_signature_is_403_with_audit(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    response = harness.client.post("/twilio/voice", data=make_call())
    assert response.status_code == 403
    assert any(e.entry.action == "webhook.signature_invalid" for e in harness.audit())


def test_wrong_token_and_tampered_fields_are_403(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    call = make_call()
    bad = harness.sign("/twilio/voice", call, token="not-the-token")
    assert harness.post("/twilio/voice", call, signature=bad).status_code == 403
    good = harness.sign("/twilio/voice", call)
    tampered = {**call, "From": "+15125550000"}
    assert harness.post("/twilio/voice", tampered, signature=good).status_code == 403
    denied = [e for e in harness.audit() if e.entry.action == "webhook.signature_invalid"]
    assert len(denied) == 2


def test_no_token_configured_fails_closed(
    container: Any, make_call: Callable[..., dict[str, str]]
) -> None:
    from calls.calls_builders import load_demo

    load_demo(container)
    web = build_calls(container, environ={})
    app = FastAPI()
    calls_app.install(app, container, web)
    call = make_call()
    signature = RequestValidator("").compute_signature(f"{BASE}/twilio/voice", call)
    with TestClient(app) as client:
        response = client.post(
            "/twilio/voice", data=call, headers={"X-Twilio-Signature": signature}
        )
    assert response.status_code == 403


@pytest.mark.parametrize("missing", ["CallSid", "From", "To"])
def test_missing_fields_are_400_with_audit(
    harness: Harness, make_call: Callable[..., dict[str, str]], missing: str
) -> None:
    call = make_call()
    del call[missing]
    response = harness.post("/twilio/voice", call)
    assert response.status_code == 400
    assert any(e.entry.action == "webhook.malformed" for e in harness.audit())


def test_bad_step_is_400(harness: Harness, make_call: Callable[..., dict[str, str]]) -> None:
    call = make_call(SpeechResult="hello")
    assert harness.post("/twilio/voice/turn?step=abc", call).status_code == 400
    assert harness.post("/twilio/voice/turn", call).status_code == 400
    bad_conf = make_call(SpeechResult="hello", Confidence="high")
    assert harness.post("/twilio/voice/turn?step=1", bad_conf).status_code == 400


def test_unknown_dialled_number_gets_generic_greeting(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    response = harness.post("/twilio/voice", make_call(To="+15125559999"))
    assert response.status_code == 200
    assert "911" in response.text and "<Hangup" in response.text
    assert any(e.entry.action == "call.unknown_number" for e in harness.audit())


def test_after_hours_emergency_instructs_911_first(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    sid = "CA" + "e" * 32
    responses = _talk(harness, make_call(sid), ["I have crushing chest pain and can't breathe"])
    assert "911" in responses[1]
    record = _call_record(harness, sid)
    assert record is not None
    assert record.triage == "emergency"
    assert harness.paging.requests, "the practice is notified at once"
    assert harness.paging.requests[0].urgency.value == "emergency"


def test_after_hours_urgent_takes_details_and_pages(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    sid = "CA" + "a" * 32
    _talk(
        harness,
        make_call(sid),
        [
            "my daughter has a fever of 103 and a stiff neck",
            "Maria Lopez",
            "Ana Lopez",
            "#press 03142019",
            "#press 1",
        ],
    )
    record = _call_record(harness, sid)
    assert record is not None
    assert record.triage in ("urgent", "emergency")
    assert harness.paging.requests


def test_retried_turn_returns_same_twiml_without_duplicates(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    call = make_call("CA" + "r" * 32)
    first = harness.post("/twilio/voice", call)
    again = harness.post("/twilio/voice", call)
    assert again.text == first.text
    turn = {
        **call,
        "SpeechResult": "I need a refill of my blood pressure pills",
        "Confidence": "0.9",
    }
    one = harness.post("/twilio/voice/turn?step=1", turn)
    two = harness.post("/twilio/voice/turn?step=1", turn)
    assert one.text == two.text
    record = _call_record(harness, call["CallSid"])
    with harness.container.uow_factory() as uow:
        turns = uow.turns.list_for_call(record.id)
    assert sum(t.role.value == "caller" for t in turns) == 1


def test_hangup_mid_intake_leaves_flagged_partial_message(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    call = make_call("CA" + "h" * 32)
    _talk(harness, call, ["I need a refill of my insulin", "John Smith"])
    done = {**call, "CallStatus": "completed", "SequenceNumber": "3", "CallDuration": "40"}
    assert harness.post("/twilio/voice/status", done).status_code == 204
    early = {**call, "CallStatus": "ringing", "SequenceNumber": "1"}
    assert harness.post("/twilio/voice/status", early).status_code == 204
    record = _call_record(harness, call["CallSid"])
    assert record is not None and record.ended_at is not None
    with harness.container.uow_factory() as uow:
        messages = uow.messages.list_for_call(record.id)
    assert len(messages) == 1 and messages[0].flagged_partial


def test_silence_twice_then_message(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    call = make_call("CA" + "s" * 32)
    first = harness.post("/twilio/voice", call)
    url = _gather_url(first.text)
    for _ in range(4):
        path = url[url.index("/twilio") :]
        reply = harness.post(path, call)
        assert reply.status_code == 200
        if "<Gather" not in reply.text:
            break
        url = _gather_url(reply.text)
    record = _call_record(harness, call["CallSid"])
    assert record is not None and record.ended_at is not None


def test_office_hours_refill_takes_message(
    harness: Harness, make_call: Callable[..., dict[str, str]]
) -> None:
    harness.clock.set(OFFICE_HOURS)
    sid = "CA" + "o" * 32
    _talk(
        harness,
        make_call(sid),
        ["I need a refill of my lisinopril", "Pat Doe", "#press 1", "#press 01021960", "#press 1"],
    )
    record = _call_record(harness, sid)
    assert record is not None
    assert record.coverage_mode == "office_hours"
    assert record.intent == "refill"
