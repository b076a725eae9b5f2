"""The package imports and reports its version; the web app answers /healthz."""

from fastapi.testclient import TestClient

import triageline
from triageline.entrypoints.web.app import create_app


def test_version_is_semver() -> None:
    parts = triageline.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_healthz_answers_200() -> None:
    client = TestClient(create_app())
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
