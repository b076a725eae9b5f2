"""Malformed input never makes a POST route answer 5xx (webhooks correctly signed).

Every POST route under /twilio/, /api/v1/, /chat/ and /ack/ is enumerated from the real app and
sent empty bodies, wrong content types, invalid UTF-8, huge fields and (hypothesis, derandomized)
garbage forms and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.sec_builders import BASE, fill, routes_under, sign, sign_raw, twilio_fields

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PREFIXES = ("/twilio/", "/api/v1/", "/chat/", "/ack/")
FORM = "application/x-www-form-urlencoded"
FIELD_NAMES = [
    "CallSid",
    "MessageSid",
    "AccountSid",
    "From",
    "To",
    "Body",
    "SpeechResult",
    "Confidence",
    "Digits",
    "CallStatus",
    "SequenceNumber",
    "CallDuration",
    "DialCallStatus",
    "text",
    "step",
    "practice_id",
    "csrf_token",
    "code",
]
HUGE = "9" * 200_000
OVERSIZED = "a" * 1_100_000


@dataclass
class Target:
    """The app, its POST routes and concrete values for their path parameters."""

    client: TestClient
    paths: list[str]
    values: dict[str, str]

    def post(self, path: str, body: bytes, content_type: str | None, query: str = "step=1") -> int:
        """POST raw bytes (signed like Twilio when the path is a webhook); the status code."""
        url = f"{fill(path, self.values)}?{query}"
        headers = {} if content_type is None else {"content-type": content_type}
        if path.startswith("/twilio/"):
            signed = body if content_type == FORM else b""
            headers["X-Twilio-Signature"] = sign_raw(f"{BASE}{url}", signed)
        return int(self.client.post(url, content=body, headers=headers).status_code)


@pytest.fixture
def target(make_app: Callable[..., FastAPI]) -> Iterator[Target]:
    """The real app with a live chat conversation to aim the conversation routes at."""
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        started = client.post("/api/v1/conversations", json={"practice_id": "demo"})
        assert started.status_code == 201, started.text
        values = {"practice_id": "demo", "conversation_id": started.json()["conversation_id"]}
        paths = routes_under(client.app, PREFIXES, method="POST")  # type: ignore[arg-type]
        assert {"/twilio/voice", "/api/v1/conversations", "/chat/{practice_id}/start"} <= set(paths)
        yield Target(client, paths, values)


def _form(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode("utf-8")


FIXED_BODIES: list[tuple[str, bytes, str | None]] = [
    ("no body, no type", b"", None),
    ("empty form", b"", FORM),
    ("empty json", b"", "application/json"),
    ("json object", b"{}", "application/json"),
    ("json list", b"[]", "application/json"),
    ("json null", b"null", "application/json"),
    ("json wrong types", b'{"practice_id": 5, "text": [], "step": "x"}', "application/json"),
    ("json bad step", b'{"practice_id": "demo", "text": "hi", "step": -3}', "application/json"),
    ("json huge step", b'{"text": "hi", "step": 1e400}', "application/json"),
    ("json deep", b'{"text":' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ("truncated json", b'{"text": "hi', "application/json"),
    ("invalid utf-8 json", b'{"text": "\xff\xfe\xc3(", "practice_id": "\xff"}', "application/json"),
    ("form as json", _form(twilio_fields()), "application/json"),
    ("json as form", json.dumps(twilio_fields()).encode(), FORM),
    ("text/plain", b"hello", "text/plain"),
    ("xml", b"<Response/>", "application/xml"),
    ("bad multipart", b"--x\r\nContent-Disposition: form-data\r\n\r\nhi", "multipart/form-data"),
    ("multipart no boundary", b"hello", "multipart/form-data"),
    ("invalid utf-8 form", b"Body=\xff\xfe&From=\xc3(&To=%2B15125550100&text=\xff", FORM),
    ("bad percent escapes", b"Body=%ZZ%&From=%&To=%%2B1&text=%E2%82", FORM),
    ("only names", b"Body&From&To&text&step", FORM),
    ("repeated fields", b"To=1&To=2&From=3&From=4&step=1&step=2", FORM),
    ("nul bytes", b"Body=a%00b&From=%00&To=%2B15125550100&text=%00&step=1", FORM),
    ("oversized field", b"Body=" + OVERSIZED.encode() + b"&text=x", FORM),
]


def test_fixed_malformed_bodies_never_5xx(target: Target) -> None:
    failures = {
        f"{label}: {path}": status
        for label, body, content_type in FIXED_BODIES
        for path in target.paths
        if (status := target.post(path, body, content_type)) >= 500
    }
    assert failures == {}


def test_huge_and_odd_values_in_known_fields_never_5xx(target: Target) -> None:
    failures: dict[str, int] = {}
    odd = (HUGE, "-1", "1e400", "\u202e\ufeff\x00", "\u0661\u0662", "x" * 2001)
    forms = [{name: value for name in FIELD_NAMES} for value in odd]
    forms += [
        twilio_fields(**{name: value, "step": "1"})
        for value in (HUGE, "nan")
        for name in ("SpeechResult", "Body", "text", "Digits", "Confidence", "SequenceNumber")
    ]
    for fields in forms:
        for path in target.paths:
            status = target.post(path, _form(fields), FORM)
            if status >= 500:
                failures[f"{path} {sorted(fields.items())[0]!r:.40}"] = status
    assert failures == {}


def test_bad_step_queries_never_5xx(target: Target) -> None:
    failures: dict[str, int] = {}
    for query in (
        "step=",
        "step=abc",
        "step=-1",
        "step=0",
        "step=99999999999999999999",
        "step=1.5",
    ):
        for path in target.paths:
            status = target.post(path, _form(twilio_fields(SpeechResult="hello")), FORM, query)
            if status >= 500:
                failures[f"{path}?{query}"] = status
    assert failures == {}


_text = st.text(max_size=40)
_forms = st.dictionaries(st.sampled_from(FIELD_NAMES) | _text, _text, max_size=8)
_json: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_garbage_forms_and_json_never_5xx(target: Target, data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(target.paths))
    fields = data.draw(_forms)
    if data.draw(st.booleans()):
        fields = {**twilio_fields(), **fields}
    status = target.post(path, _form(fields), FORM)
    assert status < 500, (path, fields)
    payload = data.draw(_json | st.fixed_dictionaries({"practice_id": _json, "text": _json}))
    body = json.dumps(payload).encode()
    status = target.post(path, body, "application/json")
    assert status < 500, (path, payload)


def test_signed_twilio_forms_reach_the_handler(target: Target) -> None:
    """Control: the signing here is right, so the malformed cases are not all stopped at 403."""
    path = "/twilio/voice/status"
    fields = twilio_fields(CallStatus="completed", SequenceNumber="abc")
    url = f"{path}?step=1"
    response = target.client.post(
        url, data=fields, headers={"X-Twilio-Signature": sign(f"{BASE}{url}", fields)}
    )
    assert response.status_code == 400
