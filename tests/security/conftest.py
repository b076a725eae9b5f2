"""Fixtures for the security tests: the full app (``create_app``) with or without a Twilio token."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from security.sec_builders import TOKEN, TOKEN_ENV, load_demo
from triageline.entrypoints.web.app import create_app


@pytest.fixture
def make_app(container: Any, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FastAPI]:
    """Build the real app over the test container; ``token=None`` configures no Twilio token."""
    load_demo(container)

    def build(token: str | None = TOKEN) -> FastAPI:
        for name in [n for n in os.environ if n.startswith(TOKEN_ENV)]:
            monkeypatch.delenv(name)
        if token is not None:
            monkeypatch.setenv(TOKEN_ENV, token)
        return create_app(container)

    return build


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    """A client for the real app with the Twilio token configured."""
    with TestClient(make_app(), raise_server_exceptions=False) as test_client:
        yield test_client
