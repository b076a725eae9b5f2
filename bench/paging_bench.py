"""Paging benchmarks: first-notification latency, timer lateness, and per-operation SQL cost.

Runs the real ``PagingService`` (SQL unit of work, demo practice) over a temporary SQLite file
or a fresh PostgreSQL database ``triageline_bench_<hex>`` on 127.0.0.1:5432 (dropped at the
end), with a notifier that only records when each notification was handed to it.

- ``first``: N urgent dispositions through the calls service's paging port (``CallsPaging``),
  one after another on the real clock; latency = from the call until the first notification of
  that page is handed to the notifier. Target p99 <= 1 s.
- ``timers``: ``--pages`` active pages whose escalation steps (+1 min, +2 min) fall due spread
  over the run; one production worker loop (``PagingWorker``, 1 s poll, auditor and gap report
  included) runs on a clock that advances in real time for ``--duration`` seconds. Lateness =
  when the step's notification is handed to the notifier minus the step's due time. Target p99
  <= 2 s. The pages are opened before the run on the same time line, shifted: the worker's clock
  is the real clock minus a fixed offset fixed when the run starts, so it advances in real time.
- ``profile``: milliseconds and SQL statements per ``open_page`` and per timer run (simulated
  clock), optionally with the cProfile top functions.

Usage::

    python -m bench.paging_bench --db postgresql first --pages 300
    python -m bench.paging_bench --db sqlite timers --pages 1000 --duration 150
    python -m bench.paging_bench --db postgresql profile --pages 200 --cprofile
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import secrets
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from triageline.adapters.config.loader import load_practice
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.engine import make_engine
from triageline.adapters.storage.migrate import upgrade
from triageline.adapters.storage.uow import SqlUnitOfWork
from triageline.domain.paging import (
    Channel,
    DeliveryStatus,
    EscalationChain,
    EscalationPolicy,
    Notify,
    PageUrgency,
    Target,
    Wait,
)
from triageline.domain.practice import Practice
from triageline.domain.triage.types import TriageLevel
from triageline.entrypoints.paging_wiring import CallsPaging, StaticPractices
from triageline.entrypoints.paging_worker import PagingWorker, WorkerSettings
from triageline.services.paging import PagingConfig, PagingService
from triageline.services.ports import UnitOfWork
from triageline.services.ports_notify import DeliveryReceipt, Notification
from triageline.settings import SecretKey

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo-practice.yaml"
PG_ADMIN = os.environ.get("TRIAGELINE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
KEY = SecretKey(kid="bench1", material=secrets.token_bytes(32))
STEP_MINUTES = (1, 2)
"""When the bench chain's escalation steps fall due, in minutes after the page opened."""


# ----------------------------------------------------------------------------- plumbing


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A migrated, empty database URL: a temporary SQLite file or a fresh PostgreSQL database."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="triageline-paging-bench-") as home:
            url = f"sqlite:///{home}/bench.db"
            upgrade(url)
            yield url
        return
    import psycopg

    name = f"triageline_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = "postgresql+psycopg://" + PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Statements:
    """Counts SQL statements sent on an engine, by first keyword."""

    def __init__(self) -> None:
        """Start at zero."""
        self.counts: Counter[str] = Counter()

    def __call__(self, *args: Any, **_kwargs: Any) -> None:
        """The ``before_cursor_execute`` hook."""
        self.counts[str(args[2]).lstrip().split(None, 1)[0].upper()] += 1

    def total(self) -> int:
        """Every statement counted so far."""
        return sum(self.counts.values())


@dataclass
class RecordingNotifier:
    """Hands nothing anywhere: remembers when each notification arrived (time.monotonic)."""

    sent: list[tuple[float, Notification]] = field(default_factory=list)

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Record and report it sent."""
        self.sent.append((time.monotonic(), notification))
        return DeliveryReceipt(DeliveryStatus.SENT, f"bench-{notification.notification_id}")


@dataclass
class ShiftedClock:
    """The real clock minus a fixed offset (advances in real time)."""

    offset: timedelta = timedelta(0)

    def now(self) -> datetime:
        """Real time, shifted."""
        return datetime.now(UTC) - self.offset


@dataclass
class SetClock:
    """A clock set by hand (for the profile)."""

    at: datetime

    def now(self) -> datetime:
        """The time set."""
        return self.at


def bench_practice(*, demo_chain: bool) -> Practice:
    """The demo practice; with ``demo_chain=False`` a chain that names people (any time works)."""
    practice = load_practice(DEMO)
    if demo_chain:
        return practice
    sms = (Channel.SMS,)
    chain = EscalationChain(
        steps=(
            Notify(Target.parse("person:dr-alvarez"), sms),
            Wait(STEP_MINUTES[0]),
            Notify(Target.parse("person:dr-chen"), sms),
            Wait(STEP_MINUTES[1] - STEP_MINUTES[0]),
            Notify(Target.parse("person:pm-nguyen"), sms),
            Wait(60),
        ),
        fallback=Notify(Target.parse("operator_queue"), (Channel.PUSH,)),
        renotify_after_ack=timedelta(hours=24),
    )
    return replace(practice, escalation=EscalationPolicy(chain, chain))


def service(
    url: str, practice: Practice, clock: Any, notifier: RecordingNotifier, worker: str
) -> tuple[PagingService, Statements]:
    """A paging service over ``url`` and a statement counter on its engine."""
    engine = make_engine(url)
    counter = Statements()
    event.listen(engine, "before_cursor_execute", counter)
    sessions = sessionmaker(engine, expire_on_commit=False)
    keyring = Keyring([KEY])

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(sessions, keyring)

    paging = PagingService(
        uow_factory=uow_factory,
        clock=clock,
        notifiers={channel: notifier for channel in Channel},
        practices=StaticPractices({practice.id: practice}),
        config=PagingConfig("https://triageline.bench", secrets.token_bytes(32)),
        worker_id=worker,
    )
    return paging, counter


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> dict[str, float]:
    """p50, p99, max and mean, rounded."""
    return {
        "n": len(values),
        "p50": round(pct(values, 0.50), 2),
        "p99": round(pct(values, 0.99), 2),
        "max": round(max(values), 2) if values else float("nan"),
        "mean": round(sum(values) / len(values), 2) if values else float("nan"),
    }


def machine() -> dict[str, object]:
    """Where this ran: cores, CPU model, python, load average."""
    model = ""
    with Path("/proc/cpuinfo").open(encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


@dataclass(frozen=True, slots=True)
class _Request:
    """What the calls service hands its paging port on an urgent disposition."""

    practice_id: str
    message_id: str
    call_id: str
    urgency: TriageLevel
    requested_at: datetime


# ----------------------------------------------------------------------------- modes


def run_first(url: str, pages: int) -> dict[str, object]:
    """Urgent disposition -> first notification handed to a notifier, on the real clock."""
    notifier = RecordingNotifier()
    practice = bench_practice(demo_chain=True)
    paging, counter = service(url, practice, ShiftedClock(), notifier, "web")
    port = CallsPaging(paging)
    latencies: list[float] = []
    for index in range(pages):
        already = len(notifier.sent)
        started = time.monotonic()
        request = _Request(
            practice.id, f"msg-{index}", f"call-{index}", TriageLevel.URGENT, datetime.now(UTC)
        )
        if port.open_page(request) is None:
            raise SystemExit("the urgent disposition opened no page")
        if len(notifier.sent) == already:
            raise SystemExit("the page notified nobody at once")
        latencies.append((notifier.sent[already][0] - started) * 1000)
    return {
        "mode": "first",
        "pages": pages,
        "first_notification_ms": summary(latencies),
        "statements_per_page": round(counter.total() / pages, 1),
    }


def run_timers(url: str, pages: int, duration: float) -> dict[str, object]:
    """Timer lateness with ``pages`` active pages and one worker polling on a real clock."""
    practice = bench_practice(demo_chain=False)
    setup_notifier = RecordingNotifier()
    v0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    opener_clock = SetClock(v0)
    opener, _ = service(url, practice, opener_clock, setup_notifier, "opener")
    # Steps of page i fall due at v0 + i/pages * window + (step - 1 min): spread over the run.
    window = timedelta(seconds=max(1.0, duration - 60 * STEP_MINUTES[-1] + 60 - 10))
    opened: dict[str, datetime] = {}
    setup_started = time.monotonic()
    for index in range(pages):
        at = v0 + window * (index / pages) - timedelta(minutes=STEP_MINUTES[0])
        opener_clock.at = at
        ref = opener.open_page(practice.id, f"msg-{index}", PageUrgency.URGENT, at)
        opened[ref.page_id] = at
    setup_s = time.monotonic() - setup_started

    notifier = RecordingNotifier()
    clock = ShiftedClock()
    paging, counter = service(url, practice, clock, notifier, "bench-worker")
    worker = PagingWorker(
        paging, clock, worker_id="bench-worker", settings=WorkerSettings(poll=timedelta(seconds=1))
    )
    stop = threading.Event()
    clock.offset = datetime.now(UTC) - v0
    started_mono = time.monotonic()
    timer = threading.Timer(duration, stop.set)
    timer.start()
    cpu_started = time.process_time()
    passes = worker.run(stop.wait)
    cpu_s = time.process_time() - cpu_started
    timer.cancel()

    step_of = {"dr-chen": 0, "pm-nguyen": 1}
    lateness: list[float] = []
    for sent_mono, note in notifier.sent:
        step = step_of.get(note.recipient_id)
        if step is None:
            continue
        due = opened[note.page_id] + timedelta(minutes=STEP_MINUTES[step])
        sent_at = v0 + timedelta(seconds=sent_mono - started_mono)
        lateness.append((sent_at - due).total_seconds())
    end = v0 + timedelta(seconds=duration)
    expected = sum(
        1
        for at in opened.values()
        for minutes in STEP_MINUTES
        if at + timedelta(minutes=minutes) <= end - timedelta(seconds=2)
    )
    return {
        "mode": "timers",
        "active_pages": pages,
        "setup_open_s": round(setup_s, 1),
        "duration_s": duration,
        "passes": passes,
        "steps_due": expected,
        "steps_sent": len(lateness),
        "lateness_s": summary(lateness),
        "worker_cpu_s": round(cpu_s, 1),
        "statements_per_step": round(counter.total() / max(1, len(lateness)), 1),
    }


def run_profile(url: str, pages: int, cprofile: bool) -> dict[str, object]:
    """Milliseconds and statements per open_page and per timer run (simulated clock)."""
    practice = bench_practice(demo_chain=False)
    clock = SetClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    notifier = RecordingNotifier()
    paging, counter = service(url, practice, clock, notifier, "w1")
    profiler = cProfile.Profile() if cprofile else None
    if profiler is not None:
        profiler.enable()
    start_at = clock.at
    started = time.perf_counter()
    for index in range(pages):
        paging.open_page(practice.id, f"msg-{index}", PageUrgency.URGENT, start_at)
    open_s = time.perf_counter() - started
    open_statements = dict(counter.counts)
    counter.counts.clear()
    clock.at = start_at + timedelta(minutes=STEP_MINUTES[0])
    started = time.perf_counter()
    ran = 0
    while True:
        done = paging.run_due(clock.at, "w1", limit=100)
        ran += done
        if done == 0:
            break
    timer_s = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
    result: dict[str, object] = {
        "mode": "profile",
        "pages": pages,
        "open_page_ms": round(open_s * 1000 / pages, 2),
        "open_page_statements": round(sum(open_statements.values()) / pages, 1),
        "open_page_by_kind": {k: round(v / pages, 1) for k, v in open_statements.items()},
        "timer_runs": ran,
        "timer_ms": round(timer_s * 1000 / max(1, ran), 2),
        "timer_statements": round(counter.total() / max(1, ran), 1),
        "timer_by_kind": {k: round(v / max(1, ran), 1) for k, v in counter.counts.items()},
    }
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("BENCH_SORT", "cumulative")
        ).print_stats(40)
        print(out.getvalue())
    return result


def main() -> None:
    """Parse the command line, run one mode, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    modes = parser.add_subparsers(dest="mode", required=True)
    first = modes.add_parser("first")
    first.add_argument("--pages", type=int, default=300)
    timers = modes.add_parser("timers")
    timers.add_argument("--pages", type=int, default=1000)
    timers.add_argument("--duration", type=float, default=150.0)
    profile = modes.add_parser("profile")
    profile.add_argument("--pages", type=int, default=200)
    profile.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    before = machine()
    with database(args.db) as url:
        if args.mode == "first":
            result = run_first(url, args.pages)
        elif args.mode == "timers":
            result = run_timers(url, args.pages, args.duration)
        else:
            result = run_profile(url, args.pages, args.cprofile)
    print(json.dumps({"db": args.db, **result, "machine": before}))


if __name__ == "__main__":
    main()
