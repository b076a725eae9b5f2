"""`/metrics` in the Prometheus text format: database-wide gauges plus this process's requests.

The gauges are read from the database at scrape time, so every web worker reports the same
figures; the request counters and latency histogram are per process (label ``route`` is the
route template, never a concrete path, so ids never become labels). No PHI is exposed. When
``TRIAGELINE_METRICS_TOKEN`` is set the endpoint requires ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from triageline import __version__
from triageline.adapters.storage.metrics import Count, read_snapshot
from triageline.bootstrap import Container

OVERDUE_AFTER = timedelta(minutes=2)
"""A pending timer this far past due means no worker is keeping up (or none is running)."""

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _family(name: str, doc: str, counts: tuple[Count, ...], labels: list[str]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for count in counts:
        family.add_metric([value for _, value in count.labels], count.value)
    return family


class OperationsCollector(Collector):
    """Reads the operations snapshot from the database on every scrape."""

    def __init__(self, container: Container, clock: Callable[[], datetime]) -> None:
        """Collect from ``container``'s database at ``clock()``."""
        self._container = container
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        """Yield the gauges (database unreachable: only ``triageline_database_up 0``)."""
        up = GaugeMetricFamily("triageline_database_up", "1 when the database answered.")
        try:
            snap = read_snapshot(
                self._container.session_factory, self._clock(), overdue_after=OVERDUE_AFTER
            )
        except (SQLAlchemyError, OSError):  # a scrape reports an outage rather than failing
            up.add_metric([], 0.0)
            yield up
            return
        up.add_metric([], 1.0)
        yield up
        yield _family(
            "triageline_messages",
            "Secure messages by practice, status and urgency.",
            snap.messages,
            ["practice", "status", "urgency"],
        )
        yield _family(
            "triageline_pages", "Pages by practice and status.", snap.pages, ["practice", "status"]
        )
        yield _family(
            "triageline_calls_last_hour",
            "Calls, texts and chats started in the last hour.",
            snap.calls_last_hour,
            ["practice", "channel"],
        )
        pending = GaugeMetricFamily("triageline_timers_pending", "Escalation timers to run.")
        pending.add_metric([], float(snap.timers_pending))
        yield pending
        overdue = GaugeMetricFamily(
            "triageline_timers_overdue",
            f"Pending timers more than {int(OVERDUE_AFTER.total_seconds())} s past due.",
        )
        overdue.add_metric([], float(snap.timers_overdue))
        yield overdue
        oldest = GaugeMetricFamily(
            "triageline_timers_oldest_overdue_seconds", "Age of the most overdue timer."
        )
        oldest.add_metric([], snap.oldest_overdue_seconds)
        yield oldest
        info = GaugeMetricFamily("triageline_build_info", "Version.", labels=["version"])
        info.add_metric([__version__], 1.0)
        yield info


class RequestMetrics:
    """Pure ASGI middleware: count requests and observe latency by route template.

    Both are taken when the response starts (the router has set ``scope["route"]`` by then);
    a request that raises before answering is not counted here.
    """

    def __init__(self, app: ASGIApp, *, requests: Counter, latency: Histogram) -> None:
        """Wrap ``app``, recording into ``requests`` (method, route, status) and ``latency``."""
        self.app = app
        self._requests = requests
        self._latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request through the wrapped app, recording it when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counted = False

        async def send_counted(message: Message) -> None:
            nonlocal counted
            if message["type"] == "http.response.start" and not counted:
                counted = True
                template = getattr(scope.get("route"), "path", "unmatched")
                self._latency.labels(template).observe(time.perf_counter() - started)
                self._requests.labels(scope["method"], template, str(message["status"])).inc()
            await send(message)

        await self.app(scope, receive, send_counted)


def install(
    app: FastAPI,
    container: Container,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CollectorRegistry:
    """Add request metrics middleware and the ``/metrics`` route to ``app``."""
    env = os.environ if environ is None else environ
    token = env.get("TRIAGELINE_METRICS_TOKEN", "")
    registry = CollectorRegistry()
    registry.register(OperationsCollector(container, clock or (lambda: datetime.now(UTC))))
    requests = Counter(
        "triageline_http_requests",
        "HTTP requests handled by this process.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "triageline_http_request_seconds",
        "Time to answer, by route template (this process).",
        ["route"],
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0),
        registry=registry,
    )

    app.add_middleware(RequestMetrics, requests=requests, latency=latency)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics(request: Request) -> Response:
        """Prometheus text exposition (bearer token required when configured)."""
        if token:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return Response("unauthorized\n", status_code=401, media_type="text/plain")
        return Response(generate_latest(registry), media_type=CONTENT_TYPE)

    return registry
