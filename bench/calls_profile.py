"""Per-webhook cost of the voice path in one process: CPU milliseconds and SQL statements.

Builds the real web app (``create_app``) over a temporary SQLite file or a fresh PostgreSQL
database (dropped afterwards), loads the demo practice, then plays the calls benchmark's scripts
one webhook at a time through the ASGI app (signed, no network, no pauses). Reports the mean
and p50/p99 milliseconds per voice webhook and the SQL statements per webhook, by kind; with
``--profile`` it also prints the cProfile top functions. Usage::

    python -m bench.calls_profile --db sqlite --calls 40
    python -m bench.calls_profile --db postgresql --calls 40 --profile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from twilio.request_validator import RequestValidator

from bench.calls_bench import (
    DEMO,
    MAIN_NUMBER,
    PUBLIC_BASE,
    SCRIPTS,
    TOKEN,
    _cli,
    _next_path,
    _pct,
    _postgres_database,
)

MAX_CALLS = 500
KEEP = frozenset({"TRIAGELINE_PROTOCOLS"})
"""Variables passed through (a pinned protocol pack directory keeps runs comparable)."""


@contextmanager
def _environment(database_url: str | None) -> Iterator[None]:
    """A temporary TRIAGELINE_HOME (and database) with the demo practice loaded."""
    with tempfile.TemporaryDirectory(prefix="triageline-profile-") as home:
        saved = dict(os.environ)
        for key in [k for k in os.environ if k.startswith("TRIAGELINE_") and k not in KEEP]:
            del os.environ[key]
        os.environ.update(
            TRIAGELINE_HOME=home,
            TRIAGELINE_TWILIO_AUTH_TOKEN=TOKEN,
            TRIAGELINE_PUBLIC_BASE_URL=PUBLIC_BASE,
            TRIAGELINE_LOG_LEVEL="WARNING",
        )
        if database_url:
            os.environ["TRIAGELINE_DATABASE_URL"] = database_url
        try:
            for args in (["db", "upgrade"], ["demo", "load", str(DEMO)]):
                subprocess.run([_cli(), *args], check=True, capture_output=True, timeout=120)
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)


class _Statements:
    """Counts SQL statements on an engine, by first keyword."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, *args: Any, **_kwargs: Any) -> None:
        statement = str(args[2]).lstrip().split(None, 1)[0].upper()
        self.counts[statement] += 1


class _ServiceMeter:
    """Wraps the calls service's handle/status: thread CPU time and, optionally, cProfile."""

    def __init__(self, service: Any, profile: bool) -> None:
        self.cpu_ms = 0.0
        self.stats: pstats.Stats | None = None
        self._profile = profile
        self._lock = threading.Lock()
        for name in ("handle", "status"):
            setattr(service, name, self._wrap(getattr(service, name)))

    def _wrap(self, inner: Any) -> Any:
        def measured(*args: Any) -> Any:
            profiler = cProfile.Profile() if self._profile else None
            started = time.thread_time()
            if profiler is not None:
                profiler.enable()
            try:
                return inner(*args)
            finally:
                if profiler is not None:
                    profiler.disable()
                spent = (time.thread_time() - started) * 1000
                with self._lock:
                    self.cpu_ms += spent
                    if profiler is not None:
                        if self.stats is None:
                            self.stats = pstats.Stats(profiler)
                        else:
                            self.stats.add(profiler)

        return measured


async def _play(client: httpx.AsyncClient, calls: int, timings: list[tuple[str, float]]) -> None:
    validator = RequestValidator(TOKEN)
    for index in range(calls):
        fields = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"+1512555{index % 10000:04d}",
            "To": MAIN_NUMBER,
            "CallStatus": "in-progress",
        }

        async def post(
            kind: str, path: str, extra: dict[str, str], fields: dict[str, str] = fields
        ) -> str:
            form = {**fields, **extra}
            signature = validator.compute_signature(f"{PUBLIC_BASE}{path}", form)
            started = time.perf_counter()
            response = await client.post(path, data=form, headers={"X-Twilio-Signature": signature})
            timings.append((kind, (time.perf_counter() - started) * 1000))
            if response.status_code not in (200, 204):
                raise SystemExit(f"{kind}: HTTP {response.status_code}")
            return response.text

        twiml = await post("voice", "/twilio/voice", {})
        for line in SCRIPTS[index % len(SCRIPTS)]:
            path = _next_path(twiml)
            if path is None:
                break
            if line.startswith("#"):
                extra = {"Digits": line[1:]}
            else:
                extra = {"SpeechResult": line, "Confidence": "0.91"}
            twiml = await post("turn", path, extra)
        done = {"CallStatus": "completed", "SequenceNumber": "5", "CallDuration": "60"}
        await post("status", "/twilio/voice/status", done)


def measure(calls: int, profile: bool) -> dict[str, object]:
    """Build the app from the environment and play ``calls`` calls through it."""
    from sqlalchemy import event

    from triageline.bootstrap import build_container
    from triageline.entrypoints.web.app import create_app
    from triageline.settings import Settings

    container = build_container(Settings.from_env())
    app = create_app(container)
    statements = _Statements()
    transport = httpx.ASGITransport(app=app)

    async def run(n: int, timings: list[tuple[str, float]]) -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await _play(client, n, timings)

    asyncio.run(run(min(calls, 7), []))  # warm-up: every script once
    event.listen(container.engine, "before_cursor_execute", statements)
    timings: list[tuple[str, float]] = []
    service = _ServiceMeter(app.state.calls.service, profile)
    cpu_started = time.process_time()
    asyncio.run(run(calls, timings))
    cpu_ms = (time.process_time() - cpu_started) * 1000
    container.close()
    webhooks = len(timings)
    turns = [ms for kind, ms in timings if kind in ("voice", "turn")]
    figures: dict[str, object] = {
        "db": container.engine.dialect.name,
        "calls": calls,
        "webhooks": webhooks,
        "cpu_ms_per_webhook": round(cpu_ms / webhooks, 2),
        "turn_ms": {
            "mean": round(sum(turns) / len(turns), 2),
            "p50": round(_pct(turns, 0.5), 2),
            "p99": round(_pct(turns, 0.99), 2),
        },
        "service_cpu_ms_per_webhook": round(service.cpu_ms / webhooks, 2),
        "statements_per_webhook": round(sum(statements.counts.values()) / webhooks, 2),
        "statements_by_kind": {
            k: round(v / webhooks, 2) for k, v in statements.counts.most_common()
        },
    }
    if service.stats is not None:
        out = io.StringIO()
        service.stats.stream = out  # type: ignore[attr-defined]
        service.stats.sort_stats("cumulative").print_stats(60)
        figures["profile"] = out.getvalue()
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the measurement; print one JSON line (and the profile when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= MAX_CALLS:
        parser.error(f"--calls must be within 1..{MAX_CALLS}")
    if args.db == "postgresql":
        with _postgres_database() as url, _environment(url):
            figures = measure(args.calls, args.profile)
    else:
        with _environment(None):
            figures = measure(args.calls, args.profile)
    profile = figures.pop("profile", None)
    if isinstance(profile, str):
        print(profile)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
