"""Fixtures for the appointments tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from appointments.appointments_builders import LiveApp, make_live_app


@pytest.fixture
def live(container: Any) -> Iterator[LiveApp]:
    """The live web app with booking and the FHIR API, on SQLite and PostgreSQL."""
    yield from make_live_app(container)
