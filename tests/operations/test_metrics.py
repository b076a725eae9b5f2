"""`/metrics`: database-wide gauges, per-route request counters, no PHI, optional token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from builders import PHI_DOB, PHI_NAME, PHI_PHONE, PHI_SYMPTOM, make_message
from fastapi import FastAPI
from fastapi.testclient import TestClient
from paging_service_builders import T0, make_rig
from prometheus_client.parser import text_string_to_metric_families

from triageline.domain.paging import PageUrgency
from triageline.entrypoints.web import metrics as metrics_web
from triageline.entrypoints.web import operations


def make_app(container: Any, now: datetime, environ: dict[str, str] | None = None) -> FastAPI:
    """An app with the operational routes and /metrics, reading the clock from ``now``."""
    app = FastAPI()
    operations.install(app, container)
    metrics_web.install(app, container, environ=environ or {}, clock=lambda: now)
    return app


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by (name, sorted labels)."""
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def seed_page(container: Any) -> str:
    """A stored urgent message with known PHI and an open page for it, created at T0."""
    rig = make_rig(container.uow_factory)
    message = make_message(practice_id=rig.practice.id, created_at=T0)
    with container.uow_factory() as uow:
        uow.practices.store_config(
            rig.practice.id, rig.practice.name, "id: demo\n", created_by="test", at=T0
        )
        uow.messages.add(message)
        uow.commit()
    rig.clock.set(T0)
    rig.service.open_page(rig.practice.id, message.id, PageUrgency.URGENT, T0)
    return rig.practice.id


def test_gauges_count_messages_pages_and_overdue_timers(container: Any) -> None:
    practice = seed_page(container)
    client = TestClient(make_app(container, T0 + timedelta(minutes=30)))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    message_key = (("practice", practice), ("status", "new"), ("urgency", "urgent"))
    assert found[("triageline_messages", message_key)] == 1.0
    page_statuses = {
        dict(labels)["status"]: value
        for (name, labels), value in found.items()
        if name == "triageline_pages"
    }
    assert sum(page_statuses.values()) == 1.0
    assert set(page_statuses) <= {"triggered", "notified"}
    assert found[("triageline_database_up", ())] == 1.0
    assert found[("triageline_timers_pending", ())] == 1.0
    # The first step of the demo chain is due 5 minutes after T0: 25 minutes late now.
    assert found[("triageline_timers_overdue", ())] == 1.0
    assert found[("triageline_timers_oldest_overdue_seconds", ())] == pytest.approx(25 * 60)
    for phi in (PHI_NAME, PHI_DOB, PHI_PHONE, PHI_SYMPTOM, PHI_PHONE[2:]):
        assert phi not in response.text


def test_a_timer_not_yet_late_is_not_overdue(container: Any) -> None:
    seed_page(container)
    found = samples(TestClient(make_app(container, T0 + timedelta(minutes=1))).get("/metrics").text)
    assert found[("triageline_timers_pending", ())] == 1.0
    assert found[("triageline_timers_overdue", ())] == 0.0


def test_requests_are_counted_by_route_template_not_by_path(container: Any) -> None:
    client = TestClient(make_app(container, T0))
    assert client.get("/healthz").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    found = samples(client.get("/metrics").text)
    ok = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert found[("triageline_http_requests_total", ok)] == 1.0
    missing = (("method", "GET"), ("route", "unmatched"), ("status", "404"))
    assert found[("triageline_http_requests_total", missing)] == 1.0
    assert not any("/no/such/page" in str(labels) for _, labels in found)


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer wrong", 401), ("Bearer s3cret-token", 200)],
)
def test_token_is_required_when_configured(container: Any, header: str | None, status: int) -> None:
    client = TestClient(make_app(container, T0, {"TRIAGELINE_METRICS_TOKEN": "s3cret-token"}))
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == status


def test_an_unreachable_database_is_reported_not_raised() -> None:
    def broken() -> None:
        raise OSError("database is down")

    container_view = type("Broken", (), {"session_factory": staticmethod(broken)})()
    collector = metrics_web.OperationsCollector(container_view, lambda: T0)  # type: ignore[arg-type]
    families = list(collector.collect())
    assert [family.name for family in families] == ["triageline_database_up"]
    assert families[0].samples[0].value == 0.0
