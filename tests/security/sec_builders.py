"""Builders for the cross-cutting security tests: route enumeration, signing, known PHI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from twilio.request_validator import RequestValidator

from triageline.bootstrap import Container
from triageline.domain.audit import AuditEvent

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
SCRIPTS = REPO / "examples" / "scripts"
BASE = "https://triageline.test"
"""The public base URL the test settings configure (``make_settings``)."""
TOKEN = "security-suite-twilio-token"
TOKEN_ENV = "TRIAGELINE_TWILIO_AUTH_TOKEN"
MAIN_NUMBER = "+15125550100"
"""The demo practice's main number (``examples/demo-practice.yaml``)."""
AFTER_HOURS = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
"""Tuesday 22:00 in Austin: the demo practice is closed."""


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """One HTTP route of the app: its path template and methods."""

    path: str
    methods: frozenset[str]

    def concrete(self, values: Mapping[str, str] | None = None) -> str:
        """The path with each ``{param}`` filled from ``values`` (else ``x``)."""
        given = values or {}
        return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", lambda m: given.get(m.group(1), "x"), self.path)


def http_routes(app: FastAPI) -> list[RouteInfo]:
    """Every route of the app with its methods (included routers flattened, mounts skipped)."""
    found: list[RouteInfo] = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if path is None or not methods:
            continue
        found.append(RouteInfo(path, frozenset(methods)))
    return found


def routes_under(app: FastAPI, prefixes: Sequence[str], method: str | None = None) -> list[str]:
    """Path templates under any of ``prefixes`` (optionally only those answering ``method``)."""
    return sorted(
        {
            r.path
            for r in http_routes(app)
            if r.path.startswith(tuple(prefixes)) and (method is None or method in r.methods)
        }
    )


def route_methods(app: FastAPI, path: str) -> frozenset[str]:
    """The methods of one path template."""
    methods: set[str] = set()
    for route in http_routes(app):
        if route.path == path:
            methods |= route.methods
    return frozenset(methods)


def fill(path: str, values: Mapping[str, str] | None = None) -> str:
    """A concrete path for a template."""
    return RouteInfo(path, frozenset()).concrete(values)


def sign(
    url: str, params: Iterable[tuple[str, str]] | Mapping[str, str], token: str = TOKEN
) -> str:
    """The X-Twilio-Signature Twilio computes for a form POST to ``url``."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return str(RequestValidator(token).compute_signature(url, _Multi(multi)))


def sign_raw(url: str, body: bytes, token: str = TOKEN) -> str:
    """The signature over a raw urlencoded body, decoded the way the server's form parser does."""
    pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
    return sign(url, pairs, token)


class _Multi(dict[str, list[str]]):
    """The multi-valued mapping shape ``RequestValidator`` reads."""

    def getlist(self, key: str) -> list[str]:
        return self[key]

    def getall(self, key: str) -> list[str]:
        return self[key]


def twilio_fields(**extra: str) -> dict[str, str]:
    """Form fields every Twilio webhook might carry, addressed to the demo practice."""
    fields = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": "CA" + "7" * 32,
        "MessageSid": "SM" + "7" * 32,
        "From": "+15125550177",
        "To": MAIN_NUMBER,
        "CallStatus": "in-progress",
        "Direction": "inbound",
    }
    fields.update(extra)
    return fields


def audit_events(container: Container) -> list[AuditEvent]:
    """Every audit event in the database."""
    with container.uow_factory() as uow:
        return list(uow.audit.list(limit=100000))


def load_demo(container: Container, at: datetime = AFTER_HOURS, name: str = "Riverbend") -> None:
    """Store the demo practice configuration as the newest version."""
    with container.uow_factory() as uow:
        uow.practices.store_config(
            "demo", name, DEMO.read_text(encoding="utf-8"), created_by="test", at=at
        )
        uow.commit()


def phone_forms(e164: str) -> list[str]:
    """A US E.164 number in the ways it could be written (E.164, national, separated digits)."""
    digits = e164.lstrip("+")
    national = digits[1:] if digits.startswith("1") and len(digits) == 11 else digits
    area, exchange, line = national[:3], national[3:6], national[6:]
    return [
        e164,
        digits,
        national,
        f"{area}-{exchange}-{line}",
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        f"{exchange}-{line}",
    ]


def leaks(haystack: str, needles: Mapping[str, str]) -> dict[str, str]:
    """The needles (by label) found in ``haystack``, case-insensitively."""
    lowered = haystack.lower()
    return {label: n for label, n in needles.items() if n.lower() in lowered}
