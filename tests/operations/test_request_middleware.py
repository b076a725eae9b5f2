"""The pure ASGI request layers: log line, Server-Timing, metrics, HTML and portal headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from starlette.middleware.base import BaseHTTPMiddleware

from triageline.entrypoints.web import hardening, operations
from triageline.entrypoints.web import metrics as metrics_web
from triageline.entrypoints.web.app import create_app
from triageline.entrypoints.web.portal.security import CSP as PORTAL_CSP
from triageline.entrypoints.web.portal.security import SecurityHeaders

T0 = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
SECRET = "tok-5f1e2d3c4b5a69788796a5b4"
OWN_CSP = "default-src 'none'"
TIMING_RE = re.compile(r"^app;dur=(\d+(?:\.\d)?)$")


def make_plumbed_app(container: Any) -> FastAPI:
    """An app with every request layer installed as ``create_app`` does, and a few routes."""
    app = FastAPI()
    operations.install(app, container)
    metrics_web.install(app, container, environ={}, clock=lambda: T0)
    app.add_middleware(SecurityHeaders)
    hardening.install(app)

    @app.get("/ack/{token}")
    def ack(token: str) -> HTMLResponse:
        return HTMLResponse(f"<p>{len(token)}</p>")

    @app.get("/chat/{conversation}")
    def chat(conversation: str) -> HTMLResponse:
        return HTMLResponse("<p>chat</p>")

    @app.get("/own-policy")
    def own_policy() -> HTMLResponse:
        return HTMLResponse("<p>own</p>", headers={"content-security-policy": OWN_CSP})

    @app.get("/portal/page")
    def portal_page() -> HTMLResponse:
        return HTMLResponse("<p>portal</p>", headers={"content-security-policy": OWN_CSP})

    @app.get("/portal/static/app.css")
    def portal_static() -> HTMLResponse:
        return HTMLResponse("body{}", media_type="text/css")

    @app.get("/api/v1/things")
    def api_things() -> JSONResponse:
        return JSONResponse({"things": []})

    @app.get("/stream")
    def stream() -> StreamingResponse:
        def chunks() -> Iterator[bytes]:
            yield b"<p>one</p>"
            yield b"<p>two</p>"

        return StreamingResponse(chunks(), media_type="text/html")

    @app.get("/boom/{token}")
    def boom(token: str) -> JSONResponse:
        raise ValueError(f"could not handle {token}")

    return app


@pytest.fixture
def client(container: Any) -> TestClient:
    """A client that turns unhandled errors into 500s (as a server does)."""
    return TestClient(make_plumbed_app(container), raise_server_exceptions=False)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _requests(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "triageline.web"]


def test_the_log_line_names_the_template_and_matches_server_timing(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="triageline.web"):
        response = client.get(f"/ack/{SECRET}", headers={"x-request-id": "req-42"})
    assert response.status_code == 200
    assert response.text == f"<p>{len(SECRET)}</p>"
    assert response.headers["x-request-id"] == "req-42"
    timing = TIMING_RE.match(response.headers["server-timing"])
    assert timing is not None
    [record] = _requests(caplog)
    assert record.getMessage() == "request"
    assert record.__dict__["path"] == "/ack/{token}"
    assert record.__dict__["method"] == "GET"
    assert record.__dict__["status"] == 200
    assert record.__dict__["request_id"] == "req-42"
    assert record.__dict__["duration_ms"] == float(timing.group(1))
    assert SECRET not in caplog.text


def test_request_ids_are_bounded_or_generated(client: TestClient) -> None:
    long_id = "r" * 200
    assert client.get("/api/v1/things", headers={"x-request-id": long_id}).headers[
        "x-request-id"
    ] == ("r" * 64)
    first = client.get("/api/v1/things").headers["x-request-id"]
    second = client.get("/api/v1/things", headers={"x-request-id": ""}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", first) and re.fullmatch(r"[0-9a-f]{16}", second)
    assert first != second


def test_an_unmatched_path_is_logged_without_its_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="triageline.web"):
        assert client.get(f"/nowhere/{SECRET}").status_code == 404
    [record] = _requests(caplog)
    assert (record.__dict__["path"], record.__dict__["status"]) == ("(unmatched)", 404)
    assert SECRET not in caplog.text


def test_a_failing_request_is_logged_as_failed_and_not_counted(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="triageline.web"):
        assert client.get(f"/boom/{SECRET}").status_code == 500
    [record] = _requests(caplog)
    assert record.getMessage() == "request failed"
    assert (record.__dict__["path"], record.__dict__["status"]) == ("/boom/{token}", 500)
    assert record.exc_info is not None and record.exc_info[0] is ValueError
    found = samples(client.get("/metrics").text)
    assert not any(dict(labels).get("route") == "/boom/{token}" for _, labels in found)


def test_requests_are_counted_once_with_their_status(client: TestClient) -> None:
    client.get("/chat/c1")
    client.get("/chat/c2")
    client.get("/api/v1/things")
    found = samples(client.get("/metrics").text)
    chat = (("method", "GET"), ("route", "/chat/{conversation}"), ("status", "200"))
    assert found[("triageline_http_requests_total", chat)] == 2.0
    assert found[("triageline_http_request_seconds_count", (("route", "/api/v1/things"),))] == 1.0


def test_html_gets_the_policy_of_its_path_unless_it_has_one(client: TestClient) -> None:
    chat = client.get("/chat/c1").headers
    assert chat["content-security-policy"] == hardening.CHAT_CSP
    assert (chat["x-frame-options"], chat["x-content-type-options"]) == ("DENY", "nosniff")
    assert client.get("/ack/t").headers["content-security-policy"] == hardening.ACK_CSP
    assert client.get("/own-policy").headers.get_list("content-security-policy") == [OWN_CSP]
    streamed = client.get("/stream")
    assert streamed.text == "<p>one</p><p>two</p>"
    assert streamed.headers["content-security-policy"] == hardening.STRICT_CSP
    json_headers = client.get("/healthz").headers
    assert "content-security-policy" not in json_headers
    assert "strict-transport-security" not in json_headers


def test_portal_and_api_answers_carry_the_portal_headers(client: TestClient) -> None:
    page = client.get("/portal/page").headers
    assert page.get_list("content-security-policy") == [PORTAL_CSP]
    assert page["cache-control"] == "no-store"
    assert page["strict-transport-security"].startswith("max-age=")
    assert page["referrer-policy"] == "no-referrer"
    api = client.get("/api/v1/things").headers
    assert (api["content-security-policy"], api["cache-control"]) == (PORTAL_CSP, "no-store")
    static = client.get("/portal/static/app.css").headers
    assert static["x-frame-options"] == "DENY"
    assert "cache-control" not in static


def test_the_real_app_has_no_base_http_middleware(container: Any) -> None:
    app = create_app(container)
    classes: set[object] = {layer.cls for layer in app.user_middleware}
    assert BaseHTTPMiddleware not in classes
    assert classes >= {
        operations.RequestLog,
        metrics_web.RequestMetrics,
        SecurityHeaders,
        hardening.HtmlHeaders,
    }
