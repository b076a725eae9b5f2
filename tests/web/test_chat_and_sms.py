"""Web chat, the conversations API and Twilio SMS over HTTP."""

from __future__ import annotations

from calls.calls_builders import CALLER, MAIN_NUMBER, Harness


def _sms(sid: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": CALLER,
        "To": MAIN_NUMBER,
        "Body": body,
    }


def test_api_conversation_reaches_an_outcome(harness: Harness) -> None:
    client = harness.client
    created = client.post("/api/v1/conversations", json={"practice_id": "demo"})
    assert created.status_code == 201
    conversation = created.json()["conversation_id"]
    assert any("Riverbend" in line for line in created.json()["replies"])
    turn = client.post(
        f"/api/v1/conversations/{conversation}/turns",
        json={"text": "I need a refill of my lisinopril", "step": 1},
    )
    assert turn.status_code == 200
    retried = client.post(
        f"/api/v1/conversations/{conversation}/turns",
        json={"text": "I need a refill of my lisinopril", "step": 1},
    )
    assert retried.json()["replies"] == turn.json()["replies"]
    assert turn.json()["outcome"]["intent"] == "refill"
    got = client.get(f"/api/v1/conversations/{conversation}").json()
    assert sum(line["role"] == "caller" for line in got["transcript"]) == 1
    assert client.get("/api/v1/conversations/nope").status_code == 404
    assert client.post("/api/v1/conversations", json={"practice_id": "x"}).status_code == 404
    assert "/api/v1/conversations" in client.get("/openapi.json").json()["paths"]


def test_chat_page_and_htmx_turns(harness: Harness) -> None:
    client = harness.client
    page = client.get("/chat/demo")
    assert page.status_code == 200 and "htmx" in page.text
    assert client.get("/chat-static/htmx-2.0.4.min.js").status_code == 200
    start = client.post("/chat/demo/start")
    assert "Riverbend" in start.text
    conversation = start.text.split('data-field="conversation">')[1].split("<")[0]
    reply = client.post(
        f"/chat/demo/{conversation}/say", data={"text": "what are your hours?", "step": "1"}
    )
    assert reply.status_code == 200
    assert 'data-field="intent">faq_hours' in reply.text


def test_sms_thread_continues_and_retry_is_harmless(harness: Harness) -> None:
    first = harness.post("/twilio/sms", _sms("SM" + "1" * 32, "I need a refill of my metformin"))
    assert first.status_code == 200 and "<Message>" in first.text
    again = harness.post("/twilio/sms", _sms("SM" + "1" * 32, "I need a refill of my metformin"))
    assert again.text == first.text
    second = harness.post("/twilio/sms", _sms("SM" + "2" * 32, "Pat Doe"))
    assert second.status_code == 200
    with harness.container.uow_factory() as uow:
        calls = [c for c in uow.calls.list_for_practice("demo") if c.channel.value == "sms"]
    assert len(calls) == 1


def test_sms_without_signature_or_sid(harness: Harness) -> None:
    fields = _sms("SM" + "3" * 32, "hi")
    assert harness.client.post("/twilio/sms", data=fields).status_code == 403
    del fields["MessageSid"]
    assert harness.post("/twilio/sms", fields).status_code == 400
