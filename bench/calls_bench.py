"""Concurrent simulated Twilio calls against a running `triageline serve`: turn latency and errors.

Starts a server of its own (temporary TRIAGELINE_HOME, loopback only, SQLite or a fresh
PostgreSQL database that is dropped afterwards), then places N calls at once. Each call is a
series of correctly signed voice webhooks following the TwiML's ``<Gather action>``; the caller
pauses about 3 s between turns, as speech does. Server-side latency is read from each response's
``Server-Timing: app;dur=…`` header; client-side latency is reported too. Counts and time are
bounded. Usage::

    python -m bench.calls_bench --db sqlite --calls 200 --workers 1
    python -m bench.calls_bench --db postgresql --calls 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.serve_helpers import cli, healthy_within, serving
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo-practice.yaml"
TOKEN = "bench-auth-token-" + "0" * 16
PUBLIC_BASE = "https://bench.triageline.invalid"
MAIN_NUMBER = "+15125550100"
PG_ADMIN = os.environ.get("TRIAGELINE_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
MAX_CALLS = 2000
MAX_SECONDS = 600.0
_DUR = re.compile(r"app;dur=([0-9.]+)")

SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("I need a refill of my lisinopril", "Pat Doe", "#1", "#01021960", "#1"),
    ("#2", "necesito un resurtido de mi receta de lisinopril", "Pedro Pérez", "#1", "#02011960"),
    ("I would like to make an appointment for a checkup", "Pat Doe", "#1", "#01021960", "#1"),
    ("my daughter has a fever of 103 and a stiff neck", "Maria Lopez", "Ana Lopez", "#03142019"),
    ("#3", "我需要续开降压药", "王伟", "#1", "#19600102", "#1"),
    ("I have crushing chest pain and I cannot breathe",),
    ("what time do you open", "no"),
)
"""Caller lines (``#D`` = keypad digits), cycled over the calls: routine, urgent, emergency, FAQ."""


@dataclass
class Sample:
    """One webhook: its kind, HTTP status, server and client milliseconds."""

    kind: str
    status: int
    server_ms: float | None
    client_ms: float


@dataclass
class Run:
    """Everything measured in one run."""

    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    calls_done: int = 0
    shed: int = 0


@contextmanager
def _postgres_database() -> Iterator[str]:
    """A fresh database ``triageline_bench_<hex>`` on the local server, dropped afterwards."""
    import psycopg

    name = f"triageline_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _server(database_url: str | None, workers: int) -> Iterator[str]:
    """Migrate, load the demo practice and serve on a free loopback port; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="triageline-bench-") as home:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TRIAGELINE_") or k == "TRIAGELINE_PROTOCOLS"
        }
        env.update(
            TRIAGELINE_HOME=home,
            TRIAGELINE_TWILIO_AUTH_TOKEN=TOKEN,
            TRIAGELINE_PUBLIC_BASE_URL=PUBLIC_BASE,
            TRIAGELINE_LOG_LEVEL="WARNING",
        )
        if database_url:
            env["TRIAGELINE_DATABASE_URL"] = database_url
        for args in (["db", "upgrade"], ["demo", "load", str(DEMO)]):
            subprocess.run([cli(), *args], env=env, check=True, capture_output=True, timeout=120)
        log = Path(home) / "serve.log"
        with serving(["--workers", str(workers)], env, log, stop_within_s=20) as (base, server):
            _wait_ready(base, server, log)
            yield base


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    if not healthy_within(base, server, 300):
        raise SystemExit(f"server did not start:\n{log.read_text(errors='replace')[-3000:]}")


def _next_path(twiml: str) -> str | None:
    marker = 'action="'
    start = twiml.find(marker)
    if start < 0:
        return None
    start += len(marker)
    url = twiml[start : twiml.index('"', start)].replace("&amp;", "&")
    return url[url.index("/twilio") :]


def _redirect_path(twiml: str) -> str | None:
    """Where a shed answer (``<Redirect>``) sends the call back to, or None."""
    start = twiml.find("<Redirect")
    if start < 0:
        return None
    start = twiml.index(">", start) + 1
    url = twiml[start : twiml.index("</Redirect>", start)].replace("&amp;", "&")
    return url[url.index("/twilio") :]


class Caller:
    """One simulated call: signed webhooks, pauses between turns."""

    def __init__(self, client: httpx.AsyncClient, run: Run, index: int, pause_s: float) -> None:
        """Prepare the call's fields and script."""
        self.client = client
        self.run = run
        self.pause_s = pause_s
        self.rng = random.Random(index)
        self.script = SCRIPTS[index % len(SCRIPTS)]
        self.fields = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"+1512555{index % 10000:04d}",
            "To": MAIN_NUMBER,
            "CallStatus": "in-progress",
            "Direction": "inbound",
        }
        self.validator = RequestValidator(TOKEN)

    async def post(self, kind: str, path: str, extra: dict[str, str]) -> str | None:
        """One signed webhook; records its latency; None on failure."""
        form = {**self.fields, **extra}
        signature = self.validator.compute_signature(f"{PUBLIC_BASE}{path}", form)
        started = time.perf_counter()
        try:
            response = await self.client.post(
                path, data=form, headers={"X-Twilio-Signature": signature}
            )
        except httpx.HTTPError as error:
            self.run.failures.append(f"{kind}: {type(error).__name__}")
            return None
        client_ms = (time.perf_counter() - started) * 1000
        match = _DUR.search(response.headers.get("server-timing", ""))
        server_ms = float(match.group(1)) if match else None
        self.run.samples.append(Sample(kind, response.status_code, server_ms, client_ms))
        if response.status_code not in (200, 204):
            self.run.failures.append(f"{kind}: HTTP {response.status_code}")
            return None
        redirect = _redirect_path(response.text)
        if redirect is not None and redirect != path:
            self.run.shed += 1  # load shed: Twilio plays it, then follows the redirect
            kind = "voice" if redirect.startswith("/twilio/voice?") else "turn"
            await self.think()
            return await self.post(kind, redirect, {})
        return response.text

    async def think(self) -> None:
        """The caller speaking: about ``pause_s`` seconds (±20%)."""
        await asyncio.sleep(self.pause_s * self.rng.uniform(0.8, 1.2))

    async def call(self, start_delay_s: float) -> None:
        """Ring, answer every question in the script, hang up."""
        await asyncio.sleep(start_delay_s)
        twiml = await self.post("voice", "/twilio/voice", {})
        for line in self.script:
            path = _next_path(twiml) if twiml else None
            if path is None:
                break
            await self.think()
            if line.startswith("#"):
                extra = {"Digits": line[1:]}
            else:
                extra = {"SpeechResult": line, "Confidence": "0.91"}
            twiml = await self.post("turn", path, extra)
        await self.think()
        done = {"CallStatus": "completed", "SequenceNumber": "5", "CallDuration": "60"}
        await self.post("status", "/twilio/voice/status", done)
        self.run.calls_done += 1


async def _load(base: str, calls: int, pause_s: float, max_seconds: float) -> tuple[Run, float]:
    run = Run()
    limits = httpx.Limits(max_connections=calls, max_keepalive_connections=calls)
    timeout = httpx.Timeout(15.0)  # Twilio's own limit on a webhook response
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        callers = [Caller(client, run, i, pause_s) for i in range(calls)]
        ramp = random.Random(0)
        tasks = [asyncio.create_task(c.call(ramp.uniform(0, pause_s))) for c in callers]
        started = time.perf_counter()
        _done, pending = await asyncio.wait(tasks, timeout=max_seconds)
        for task in pending:
            task.cancel()
        if pending:
            run.failures.append(f"{len(pending)} calls still running after {max_seconds:.0f} s")
        elapsed = time.perf_counter() - started
    return run, elapsed


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _machine() -> dict[str, object]:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        model = platform.processor()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "load_1m": round(load, 2),
    }


def report(run: Run, elapsed: float, args: argparse.Namespace) -> dict[str, object]:
    """Figures for the run: turn latency (server and client), errors, throughput."""
    turns = [s for s in run.samples if s.kind in ("voice", "turn")]
    server = [s.server_ms for s in turns if s.server_ms is not None]
    client = [s.client_ms for s in turns]
    return {
        "db": args.db,
        "workers": args.workers,
        "calls": args.calls,
        "calls_completed": run.calls_done,
        "pause_s": args.pause,
        "turns": len(turns),
        "requests": len(run.samples),
        "errors": len(run.failures),
        "shed": run.shed,
        "error_kinds": sorted(set(run.failures))[:10],
        "server_turn_ms": {
            "p50": round(_pct(server, 0.50), 1),
            "p99": round(_pct(server, 0.99), 1),
            "max": round(max(server, default=float("nan")), 1),
        },
        "client_turn_ms": {
            "p50": round(_pct(client, 0.50), 1),
            "p99": round(_pct(client, 0.99), 1),
        },
        "throughput_requests_per_s": round(len(run.samples) / elapsed, 1) if elapsed else 0.0,
        "elapsed_s": round(elapsed, 1),
        "machine": _machine(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print one JSON line; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pause", type=float, default=3.0, help="seconds between turns")
    parser.add_argument("--max-seconds", type=float, default=180.0)
    parser.add_argument("--target-p99-ms", type=float, default=None)
    args = parser.parse_args(argv)
    if not 1 <= args.calls <= MAX_CALLS:
        parser.error(f"--calls must be within 1..{MAX_CALLS}")
    if not 0 < args.max_seconds <= MAX_SECONDS:
        parser.error(f"--max-seconds must be within (0, {MAX_SECONDS:.0f}]")
    if args.db == "sqlite" and args.workers != 1:
        parser.error("SQLite is served by one worker")
    target = args.target_p99_ms or (50.0 if args.db == "sqlite" else 100.0)

    def measure(database_url: str | None) -> dict[str, object]:
        with _server(database_url, args.workers) as base:
            run, elapsed = asyncio.run(_load(base, args.calls, args.pause, args.max_seconds))
        return report(run, elapsed, args)

    if args.db == "postgresql":
        with _postgres_database() as url:
            figures = measure(url)
    else:
        figures = measure(None)
    p99 = figures["server_turn_ms"]
    assert isinstance(p99, dict)
    figures["target_p99_ms"] = target
    figures["met"] = bool(figures["errors"] == 0 and figures["shed"] == 0 and p99["p99"] <= target)
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
