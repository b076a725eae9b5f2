"""Three worker processes on PostgreSQL, 500 pages, random acknowledgements, one worker SIGKILLed.

The test owns the simulated clock (a file the workers read). At each simulated minute it first
acknowledges the pages chosen for that minute, then moves the clock, then polls the database
(bounded) until every due timer has run. Afterwards: every step ran exactly once, no page was
lost, nothing was sent after an acknowledgement, and the killed worker's claims were taken over.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from paging_driver import build
from paging_service_builders import SHORT_CHAIN_PLAN, T0
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from triageline.domain.paging import AckSource, PageUrgency

PAGES = 500
WORKERS = ("w1", "w2", "w3")
VICTIM = "w2"
DRIVER = Path(__file__).with_name("paging_driver.py")
HORIZON = 25  # minutes: the short chain is exhausted at +20
OPENERS = 4


def write_clock(path: Path, at: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(at.isoformat())
    tmp.replace(path)


def wait_until(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.03)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    with eng.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS test_sent_log (id SERIAL PRIMARY KEY, "
                "notification_id TEXT, page_id TEXT, worker TEXT, sim_at TIMESTAMPTZ)"
            )
        )
        connection.execute(text("TRUNCATE test_sent_log"))
    yield eng
    with eng.begin() as connection:
        connection.execute(text("DROP TABLE test_sent_log"))
    eng.dispose()


def outstanding(engine: Engine, now: datetime, dead: set[str]) -> int:
    """Due work not finished, ignoring what a dead worker still holds under a live lease."""
    with engine.connect() as c:
        timers = c.execute(
            text(
                "SELECT count(*) FROM timers WHERE state = 'pending' AND due_at <= :now "
                "AND NOT (COALESCE(claimed_by = ANY(:dead), false) "
                "AND COALESCE(claimed_until >= :now, false))"
            ),
            {"now": now, "dead": list(dead)},
        ).scalar_one()
        sends = c.execute(
            text(
                "SELECT count(*) FROM page_notifications WHERE send_state = 'pending' "
                "AND NOT (COALESCE(claimed_by = ANY(:dead), false) "
                "AND COALESCE(claimed_until >= :now, false))"
            ),
            {"now": now, "dead": list(dead)},
        ).scalar_one()
    return int(timers) + int(sends)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_three_workers_one_killed_every_step_exactly_once(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    rng = random.Random(20261122)
    clock_file = tmp_path / "clock"
    stop_file = tmp_path / "stop"
    write_clock(clock_file, T0)
    # The workers start (and idle: nothing is due before +5 min) while the pages are opened.
    procs = {
        w: subprocess.Popen(
            [sys.executable, str(DRIVER), database_url, w, str(clock_file), str(stop_file)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for w in WORKERS
    }
    dead: set[str] = set()
    killed_holding: list[str] = []
    try:
        opener = build(database_url, "opener", clock_file)
        with ThreadPoolExecutor(OPENERS) as pool:  # concurrent callers, as web requests would be
            page_ids = list(
                pool.map(
                    lambda i: opener.open_page("demo", f"msg-{i}", PageUrgency.URGENT, T0).page_id,
                    range(PAGES),
                )
            )
        ack_minute = {pid: rng.randint(1, HORIZON) for pid in page_ids if rng.random() < 0.5}
        by_minute: dict[int, list[str]] = defaultdict(list)
        for pid, minute in ack_minute.items():
            by_minute[minute].append(pid)
        wait_until(lambda: all(Path(f"{stop_file}.{w}.ready").exists() for w in WORKERS), "workers")
        for minute in range(1, HORIZON + 1):
            now = T0 + timedelta(minutes=minute)
            for pid in by_minute[minute]:
                opener.acknowledge(page_id=pid, actor="dr-x", channel=AckSource.PORTAL, at=now)
            write_clock(clock_file, now)
            if minute == 5:  # ~500 timers fall due: kill the victim while it holds claims

                def victim_holds() -> bool:
                    with engine.connect() as c:
                        rows = (
                            c.execute(
                                text(
                                    "SELECT id FROM timers WHERE claimed_by = :w "
                                    "AND state = 'pending'"
                                ),
                                {"w": VICTIM},
                            )
                            .scalars()
                            .all()
                        )
                    killed_holding[:] = list(rows)
                    return bool(rows)

                wait_until(victim_holds, "the victim to claim timers")
                procs[VICTIM].send_signal(signal.SIGKILL)
                procs[VICTIM].wait(timeout=10)
                dead.add(VICTIM)
            wait_until(lambda at=now: outstanding(engine, at, dead) == 0, f"minute {minute}", 60)
    finally:
        stop_file.write_text("stop")
        for proc in procs.values():
            proc.wait(timeout=30)

    with engine.connect() as c:
        pages = {
            r.id: r for r in c.execute(text("SELECT id, status, acknowledged_at FROM pages")).all()
        }
        notes = c.execute(
            text("SELECT id, page_id, recipient_id, created_at FROM page_notifications")
        ).all()
        timers = c.execute(text("SELECT id, page_id, state, claimed_by, token FROM timers")).all()
        log = c.execute(text("SELECT notification_id, worker, sim_at FROM test_sent_log")).all()
        advanced = c.execute(
            text(
                "SELECT subject, count(*) FROM audit_events "
                "WHERE action = 'page.escalation_advanced' GROUP BY subject"
            )
        ).all()

    # No page lost: each is acknowledged (if chosen) or ran out of chain.
    assert len(pages) == PAGES
    for pid in page_ids:
        expected = "acknowledged" if pid in ack_minute else "exhausted"
        assert pages[pid].status == expected, pid

    # Every step exactly once: each page's notifications are exactly the planned prefix.
    per_page: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for n in sorted(notes, key=lambda n: (n.created_at, n.id)):
        minute = int((n.created_at - T0).total_seconds() // 60)
        per_page[n.page_id].append((minute, n.recipient_id))
    # A step the victim held ran one tick late (after its lease), and the page's later steps
    # with it; every other page ran exactly on plan.
    victim_pages = {t.page_id for t in timers if t.id in set(killed_holding)}
    late_pages = set()
    steps_run = Counter({row[0].removeprefix("page:"): row[1] for row in advanced})
    for pid in page_ids:
        cut = ack_minute.get(pid, HORIZON + 1)
        for shift in (0, 1):
            plan = [(m + shift if m > 0 else m, r) for m, r in SHORT_CHAIN_PLAN]
            wanted = [step for step in plan if step[0] < cut]
            if per_page[pid] == wanted:
                break
        else:
            raise AssertionError(f"{pid}: {per_page[pid]} ack at {cut}")
        if shift:
            late_pages.add(pid)
        assert steps_run[pid] == len(wanted) - 1, pid
    assert late_pages <= victim_pages
    assert all(t.state in ("done", "stale") or "remind" in t.token for t in timers)

    # Every notification went out; a repeat only where the killed worker had it in hand.
    sends = Counter(row.notification_id for row in log)
    assert set(sends) == {n.id for n in notes}
    by_worker = defaultdict(set)
    for row in log:
        by_worker[row.notification_id].add(row.worker)
    assert all(VICTIM in by_worker[nid] for nid, count in sends.items() if count > 1)

    # Nothing after an acknowledgement.
    ack_at = {pid: pages[pid].acknowledged_at for pid in ack_minute}
    page_of = {n.id: n.page_id for n in notes}
    for row in log:
        pid = page_of[row.notification_id]
        if pid in ack_at:
            assert row.sim_at < ack_at[pid], row

    # The victim really died mid-run and its claims were finished by the others.
    assert killed_holding
    finished_by = {t.id: t.claimed_by for t in timers}
    assert all(finished_by[tid] != VICTIM for tid in killed_holding)
    assert {t.claimed_by for t in timers if t.state != "pending"} >= {"w1", "w3"}
