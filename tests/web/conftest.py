"""Fixtures for the calls web tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from calls.calls_builders import Harness, make_harness


@pytest.fixture
def harness(container: Any) -> Iterator[Harness]:
    """The calls web app over SQLite and PostgreSQL, after hours."""
    yield from make_harness(container)


@pytest.fixture
def make_call() -> Callable[..., dict[str, str]]:
    """Build Twilio voice form fields."""

    def build(sid: str = "CA" + "1" * 32, **extra: str) -> dict[str, str]:
        fields = {
            "CallSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": "+15125550199",
            "To": "+15125550100",
            "CallStatus": "in-progress",
            "Direction": "inbound",
        }
        fields.update(extra)
        return fields

    return build
