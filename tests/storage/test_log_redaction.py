"""Acceptance: PHI handled by a real request never reaches the log output.

A test route takes an intake form, stores it as a Message through the container's unit of
work and logs about it the way careless code would (PHI in the message, in ``extra`` fields
and in an exception). The captured JSON log must carry the request lines but none of the PHI.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from builders import PHI_DOB, PHI_NAME, PHI_PHONE, PHI_SYMPTOM, T0, make_message
from fastapi import Form
from fastapi.testclient import TestClient

from triageline.adapters.observability.logging import configure_logging, redact_text
from triageline.entrypoints.web.app import create_app

FORM = {"name": PHI_NAME, "dob": PHI_DOB, "phone": PHI_PHONE, "symptom": PHI_SYMPTOM}
PHI = [PHI_NAME, PHI_NAME.split()[-1], PHI_DOB, PHI_PHONE, PHI_PHONE[2:], PHI_SYMPTOM, "crushing"]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Route all logging through the production handler into a buffer; restore afterwards."""
    root = logging.getLogger()
    saved_level = root.level
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved_level)


def _app(container: Any) -> Any:
    app = create_app(container)
    log = logging.getLogger("triageline.test.intake")

    @app.post("/test/intake")
    def intake(
        name: str = Form(), dob: str = Form(), phone: str = Form(), symptom: str = Form()
    ) -> dict[str, str]:
        message = make_message(
            caller_name=name, date_of_birth=dob, callback_number=phone, reason=symptom
        )
        with container.uow_factory() as uow:
            uow.practices.store_config("demo", "Demo", "id: demo\n", created_by="t", at=T0)
            uow.messages.add(message)
            uow.commit()
        log.info("message stored; callback %s, born %s", phone, dob)
        log.info(
            "intake detail",
            extra={
                "caller_name": name,
                "dob": dob,
                "transcript": symptom,
                "message_id": message.id,
            },
        )
        log.debug("raw form body: %s", {"phone": phone, "dob": dob})
        return {"id": message.id}

    @app.post("/test/intake-fails")
    def intake_fails(name: str = Form(), symptom: str = Form()) -> dict[str, str]:
        raise ValueError(f"could not parse intake for {name}: {symptom}")

    return app


def test_phi_never_reaches_the_log_of_a_handled_request(
    container: Any, log_stream: io.StringIO
) -> None:
    client = TestClient(_app(container), raise_server_exceptions=False)
    ok = client.post("/test/intake", data=FORM)
    failed = client.post("/test/intake-fails", data=FORM)
    assert ok.status_code == 200 and failed.status_code == 500
    with container.uow_factory() as uow:
        assert uow.messages.get(ok.json()["id"]).caller_name == PHI_NAME

    output = log_stream.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [
        (r["path"], r["status"]) for r in lines if r["msg"] in ("request", "request failed")
    ]
    assert ("/test/intake", 200) in requests and ("/test/intake-fails", 500) in requests
    assert any(r.get("message_id") == ok.json()["id"] for r in lines), "extras are kept"
    assert any(r.get("exc_type") == "builtins.ValueError" for r in lines)
    assert [p for p in PHI if p in output] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call back at (512) 555-0187 please", "call back at [number] please"),
        ("born 07/14/1983", "born [date]"),
        ("born July 14, 1983", "born [date]"),
        ("mail zq@example.org", "mail [email]"),
        ("page 3f2a9c0d11 took 250 ms", "page 3f2a9c0d11 took 250 ms"),
    ],
)
def test_free_text_redaction(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_healthz_checks_the_database(container: Any, make_container: Any) -> None:
    assert TestClient(create_app(container)).get("/healthz").json() == {
        "status": "ok",
        "database": "ok",
    }
    down = make_container(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = TestClient(create_app(down)).get("/healthz")
    assert response.status_code == 503
