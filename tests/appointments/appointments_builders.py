"""Builders for the appointments tests: the demo practice in a database, the live web app."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from triageline.bootstrap import Container
from triageline.entrypoints.web import calls_app, fhir_api
from triageline.entrypoints.web.calls_wiring import CallsWeb, build_calls
from triageline.services.calls_memory import RecordingPaging, SettableClock

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
TWILIO_TOKEN = "appointments-twilio-token"
FHIR_TOKEN = "appointments-fhir-token"
SUNDAY_NOON = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
"""Sunday 1 March 2026, noon in Austin: the office is closed."""

NEW_PATIENT_TURNS = (
    "I would like to make an appointment",
    "no",
    "Maria Lopez",
    "March 5th, 1980",
    "512-555-0142",
    "yes",
    "a checkup for my knee",
    "self pay",
    "Monday",
    "the first one",
    "yes",
)
"""A new patient books the first Monday slot offered in web chat (no caller ID)."""


def store_demo(container: Container, at: datetime = SUNDAY_NOON, text: str | None = None) -> None:
    """Store the demo practice configuration (or ``text``) as the newest version."""
    with container.uow_factory() as uow:
        uow.practices.store_config(
            "demo",
            "Riverbend",
            text if text is not None else DEMO.read_text(encoding="utf-8"),
            created_by="test",
            at=at,
        )
        uow.commit()


@dataclass
class LiveApp:
    """The calls routes and the FHIR API, wired like ``create_app`` but on a settable clock."""

    client: TestClient
    web: CallsWeb
    clock: SettableClock
    container: Container

    def fhir(self, path: str, **params: Any) -> Any:
        """GET a FHIR path with the bearer token."""
        return self.client.get(
            f"/fhir/R4/{path}", params=params, headers={"Authorization": f"Bearer {FHIR_TOKEN}"}
        )


def make_live_app(container: Container, at: datetime = SUNDAY_NOON) -> Iterator[LiveApp]:
    """The live app over ``container``'s database (a generator, for fixtures)."""
    store_demo(container, at)
    clock = SettableClock(at)
    environ = {
        "TRIAGELINE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TRIAGELINE_FHIR_TOKENS": f"other-token, {FHIR_TOKEN}",
    }
    web = build_calls(container, clock=clock, paging=RecordingPaging(), environ=environ)
    app = FastAPI()
    calls_app.install(app, container, web)
    app.include_router(fhir_api.router, prefix="/fhir/R4")
    with TestClient(app) as client:
        yield LiveApp(client, web, clock, container)
