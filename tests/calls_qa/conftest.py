"""Fixtures for the calls QA tests: the demo practice behind the real web app, signed requests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from calls.calls_builders import Harness, make_harness


@pytest.fixture
def harness(container: Any) -> Iterator[Harness]:
    """The calls web app over SQLite and PostgreSQL with a settable clock (after hours)."""
    yield from make_harness(container)
