"""Vendor HTTP clients never log request URLs under the production logging config.

httpx logs every request line at INFO (``HTTP Request: GET https://ehr/Patient?name=...``) and
the Twilio client logs URLs, query parameters and headers; a FHIR patient search carries the
patient's name and birth date in its query string and a calendar feed URL its secret.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import httpx
import pytest

from triageline.adapters.observability.logging import configure_logging

PATIENT = "Zebulon Quattlebaum"
FEED_SECRET = "s3cr3t-feed-key-0123456789"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every logger through the production handler at DEBUG."""
    root = logging.getLogger()
    saved = root.level
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved)


def test_httpx_requests_do_not_log_urls(log_output: io.StringIO) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with httpx.Client(transport=transport, base_url="https://ehr.test/fhir") as client:
        client.get("Patient", params={"name": PATIENT, "birthdate": "1983-07-14"})
        client.get(f"https://calendar.test/feed/{FEED_SECRET}.ics")
    logged = log_output.getvalue()
    assert "Quattlebaum" not in logged
    assert FEED_SECRET not in logged


def test_twilio_client_logging_is_quiet(log_output: io.StringIO) -> None:
    logging.getLogger("twilio.http_client").info("GET Request: https://api.twilio.com/x?To=1")
    assert "api.twilio.com" not in log_output.getvalue()


def test_warnings_from_vendor_loggers_still_pass(log_output: io.StringIO) -> None:
    logging.getLogger("httpx").warning("control warning")
    assert "control warning" in log_output.getvalue()
