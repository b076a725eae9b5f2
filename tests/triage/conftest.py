"""Shared fixtures for the triage tests: the default engine and the rule-case table."""

from __future__ import annotations

from pathlib import Path

import pytest

from triageline.adapters.protocols import build_engine
from triageline.domain.triage.engine import TriageEngine


def make_engine() -> TriageEngine:
    """The engine with every default pack (cached by the adapter)."""
    return build_engine()


@pytest.fixture(scope="session")
def engine() -> TriageEngine:
    """The default engine."""
    return make_engine()


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI commands keep their compiled-pack cache under a temporary TRIAGELINE_HOME."""
    monkeypatch.setenv("TRIAGELINE_HOME", str(tmp_path))
