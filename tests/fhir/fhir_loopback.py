"""Loopback FHIR test server: a real uvicorn thread serving the FHIR API over a memory scheduler."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "booking"))

from booking_builders import SUNDAY_NOON, make_catalog

from serve_helpers import free_port
from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.memory import memory_scheduler
from triageline.entrypoints.web import fhir_api

TOKEN = "test-token-abc"


@dataclass
class FakeClock:
    """A settable clock."""

    now: datetime

    def __call__(self) -> datetime:
        """The current fake time."""
        return self.now


@dataclass
class LoopbackFhir:
    """A running server: its base URL, scheduler and clock."""

    base_url: str
    scheduler: CatalogScheduler
    clock: FakeClock

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        """An httpx client for the server (with the bearer token unless told otherwise)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)


@pytest.fixture
def serve_fhir() -> Iterator[Callable[..., LoopbackFhir]]:
    """Start FHIR API servers on loopback (``writable`` chooses $book support); stop them after."""
    running: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(*, writable: bool = True) -> LoopbackFhir:
        clock = FakeClock(SUNDAY_NOON)
        scheduler = memory_scheduler(make_catalog())
        app = FastAPI()
        app.include_router(fhir_api.router, prefix="/fhir/R4")
        app.state.fhir_backend = fhir_api.FhirApiBackend(
            scheduler=scheduler, clock=clock, tokens=frozenset({TOKEN}), writable=writable
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        running.append((server, thread))
        for _ in range(1000):
            if server.started:
                break
            thread.join(timeout=0.01)
            if not thread.is_alive():
                raise RuntimeError("the FHIR test server stopped during start-up")
        else:
            raise RuntimeError("the FHIR test server did not start within 10 s")
        return LoopbackFhir(f"http://127.0.0.1:{port}/fhir/R4", scheduler, clock)

    yield start
    for server, thread in running:
        server.should_exit = True
        thread.join(timeout=10)
