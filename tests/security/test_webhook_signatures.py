"""Every /twilio/ route fails closed on its signature, and every rejection is audited.

The routes are enumerated from the real app (``create_app``), so a webhook added later is
covered without touching this file.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from security.sec_builders import (
    BASE,
    TOKEN,
    audit_events,
    fill,
    route_methods,
    routes_under,
    sign,
    twilio_fields,
)
from triageline.bootstrap import Container

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
DESIGNED = {"/twilio/voice", "/twilio/voice/turn", "/twilio/voice/status", "/twilio/sms"}
QUERY = "step=1"
Signer = Callable[[str, dict[str, str]], str | None]


def _send(client: TestClient, path: str, fields: dict[str, str], signature: str | None) -> int:
    """Send the webhook with each method the route answers; the worst (highest) status wins."""
    headers = {} if signature is None else {"X-Twilio-Signature": signature}
    url = f"{fill(path)}?{QUERY}"
    statuses = []
    for method in sorted(route_methods(client.app, path) - {"HEAD", "OPTIONS"}):  # type: ignore[arg-type]
        if method == "GET":
            response = client.get(url, params=fields, headers=headers)
        else:
            response = client.request(method, url, data=fields, headers=headers)
        statuses.append(int(response.status_code))
    return max(statuses)


def _url(path: str, base: str = BASE) -> str:
    return f"{base}{fill(path)}?{QUERY}"


def _signer(base: str = BASE, token: str = TOKEN) -> Signer:
    """Sign each request correctly, but for ``base`` with ``token``."""

    def signer(path: str, fields: dict[str, str]) -> str:
        return sign(_url(path, base), fields, token)

    return signer


def _twilio_paths(app: FastAPI) -> list[str]:
    paths = routes_under(app, ["/twilio/"])
    assert set(paths) >= DESIGNED, "enumeration must find the designed webhooks"
    return paths


def _rejections(
    client: TestClient, container: Container, paths: list[str], signer: Signer
) -> dict[str, str]:
    """Routes that did not answer 403 with a new denial in the audit trail."""
    failures: dict[str, str] = {}
    for path in paths:
        fields = twilio_fields()
        before = len(audit_events(container))
        status = _send(client, path, fields, signer(path, fields))
        events = audit_events(container)
        if status != 403:
            failures[path] = f"status {status}"
        elif len(events) <= before:
            failures[path] = "no audit event"
        elif not any(
            e.entry.outcome in ("denied", "rejected") for e in events[: len(events) - before]
        ):
            failures[path] = f"audit outcome {[e.entry.outcome for e in events[:3]]}"
    return failures


def test_a_correct_signature_is_accepted_on_every_webhook(
    make_app: Callable[..., FastAPI],
) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        statuses = {
            path: _send(client, path, twilio_fields(), sign(_url(path), twilio_fields()))
            for path in _twilio_paths(client.app)  # type: ignore[arg-type]
        }
    assert {p: s for p, s in statuses.items() if s == 403 or s >= 500} == {}


def test_no_signature_is_403_and_audited(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]
        assert _rejections(client, container, paths, lambda path, fields: None) == {}


def test_empty_and_wrong_signatures_are_403_and_audited(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]
        assert _rejections(client, container, paths, lambda path, fields: "") == {}
        assert (
            _rejections(client, container, paths, lambda p, f: "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") == {}
        )
        wrong_token = _rejections(
            client, container, paths, lambda p, f: sign(_url(p), f, token="not-the-token")
        )
        assert wrong_token == {}


def test_a_signature_for_other_fields_is_403(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]

        def tampered(path: str, fields: dict[str, str]) -> str:
            return sign(_url(path), {**fields, "From": "+15125550000"})

        assert _rejections(client, container, paths, tampered) == {}


def test_a_signature_for_another_host_path_or_scheme_is_403(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]
        for base in ("https://evil.test", "http://triageline.test", "https://triageline.test.evil"):
            other = _rejections(client, container, paths, _signer(base=base))
            assert other == {}, base
        other_path = _rejections(
            client, container, paths, lambda p, f: sign(f"{BASE}/twilio/elsewhere?{QUERY}", f)
        )
        assert other_path == {}
        no_query = _rejections(client, container, paths, lambda p, f: sign(f"{BASE}{fill(p)}", f))
        assert no_query == {}


def test_with_no_token_configured_every_webhook_fails_closed(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(token=None), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]
        for token in (TOKEN, "", " "):
            signed = _rejections(client, container, paths, _signer(token=token))
            assert signed == {}, repr(token)


def test_with_an_empty_token_configured_every_webhook_fails_closed(
    make_app: Callable[..., FastAPI], container: Container
) -> None:
    with TestClient(make_app(token=" , "), raise_server_exceptions=False) as client:
        paths = _twilio_paths(client.app)  # type: ignore[arg-type]
        for token in ("", " , "):
            signed = _rejections(client, container, paths, _signer(token=token))
            assert signed == {}, repr(token)
