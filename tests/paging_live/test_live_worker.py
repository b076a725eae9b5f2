"""The paging worker loop on an injected clock: timers, daily gap reports, escalation auditor."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "paging_service"))

from paging_service_builders import T0, Rig, make_rig

from triageline.domain.paging import PageStatus, PageUrgency
from triageline.entrypoints.paging_worker import (
    PagingWorker,
    WorkerSettings,
    http_heartbeat,
)
from triageline.services.memory import MemoryStore
from triageline.services.paging import AuditAction, AuditProblem


def _open(rig: Rig, message_id: str = "msg-1") -> str:
    return rig.service.open_page(
        rig.practice.id, message_id, PageUrgency.URGENT, rig.clock.now()
    ).page_id


def _worker(rig: Rig, beats: list[bool] | None = None, **settings: Any) -> PagingWorker:
    def beat() -> bool:
        assert beats is not None
        beats.append(True)
        return True

    return PagingWorker(
        rig.service,
        rig.clock,
        worker_id="w1",
        settings=WorkerSettings(**settings),
        heartbeat=beat if beats is not None else None,
    )


@pytest.fixture
def store() -> MemoryStore:
    """A fresh in-memory store."""
    return MemoryStore()


@pytest.fixture
def rig(store: MemoryStore) -> Rig:
    """The paging service over ``store`` with the demo practice, clock at T0."""
    return make_rig(store.uow_factory)


def test_tick_runs_due_timers(rig: Rig) -> None:
    _open(rig)
    worker = _worker(rig)
    assert worker.tick().timers_run == 0
    rig.at(5)
    report = worker.tick()
    assert report.timers_run == 1
    assert rig.sent()[-2:] == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]
    assert worker.counters["timers_run"] == 1


def test_run_loop_wakes_for_each_step_and_stops_when_told(rig: Rig) -> None:
    _open(rig)
    worker = _worker(rig, poll=timedelta(seconds=30))
    end = T0 + timedelta(minutes=21)
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        rig.clock.at += timedelta(seconds=max(seconds, 1))
        return rig.clock.at >= end

    passes = worker.run(wait)
    assert all(0 <= w <= 30 for w in waits)
    assert passes == len(waits)
    recipients = [r for r, _c in rig.sent()]
    assert recipients.count("dr-alvarez") == 4
    assert "dr-chen" in recipients and "pm-nguyen" in recipients
    # No step fires late by more than one poll interval.
    assert worker.counters["timers_run"] == 3


def test_once_makes_a_single_pass(rig: Rig) -> None:
    calls: list[float] = []
    assert _worker(rig).run(lambda s: calls.append(s) is None, once=True) == 1
    assert calls == []


def test_gap_report_goes_out_once_per_practice_local_day(rig: Rig, store: MemoryStore) -> None:
    monday = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the demo's gap is Saturday night
    worker = _worker(rig, gap_check_every=timedelta(minutes=15))
    rig.clock.set(monday)
    assert worker.tick().gap_reports == 1
    report = [n for n in rig.notifier.sent if n.code == "GAPS"]
    assert report and {n.recipient_id for n in report} == {"pm-nguyen"}
    rig.clock.set(monday + timedelta(hours=2))
    assert worker.tick().gap_reports == 0
    restarted = _worker(make_rig(store.uow_factory))
    restarted._clock = rig.clock
    assert restarted.tick().gap_reports == 0
    rig.clock.set(monday + timedelta(days=1))  # the next local day
    assert worker.tick().gap_reports == 1


def test_auditor_reschedules_a_missing_timer_once_and_skips_the_heartbeat(
    rig: Rig, store: MemoryStore
) -> None:
    page_id = _open(rig)
    beats: list[bool] = []
    worker = _worker(rig, beats, audit_every=timedelta(minutes=1))
    assert worker.tick().audit is not None
    assert beats == [True], "a clean audit pings the heartbeat"
    store.state.paging.timers.clear()
    rig.at(2)
    audit = worker.tick().audit
    assert audit is not None and not audit.passed
    (finding,) = audit.findings
    assert (finding.page_id, finding.problem, finding.action) == (
        page_id,
        AuditProblem.TIMER_MISSING,
        AuditAction.RESCHEDULED,
    )
    assert beats == [True]
    # The rescheduled timer fires on time.
    rig.at(5)
    assert worker.tick().timers_run == 1
    store.state.paging.timers.clear()
    rig.at(6)
    again = worker.tick().audit
    assert again is not None
    assert [f.action for f in again.findings] == [AuditAction.RESCHEDULED]
    store.state.paging.timers.clear()
    rig.at(7)
    third = worker.tick().audit
    assert third is not None
    assert [f.action for f in third.findings] == [AuditAction.ALREADY_REDRIVEN]
    with store.uow_factory() as uow:
        audited = [
            e for e in uow.audit.list(limit=100) if e.entry.action == "page.escalation_audit"
        ]
    assert [e.entry.outcome for e in audited][:3] == [
        "timer_missing:already_redriven",
        "timer_missing:rescheduled",
        "timer_missing:rescheduled",
    ]
    assert worker.counters["audits_failed"] == 3 and worker.counters["audit_redriven"] == 2


def test_auditor_redrives_a_timer_stuck_under_a_dead_claim(any_uow_factory: Any) -> None:
    rig = make_rig(any_uow_factory)
    page_id = _open(rig)
    with rig.uow_factory() as uow:
        stuck = uow.timers.claim_due(T0 + timedelta(minutes=5), "stuck", T0 + timedelta(days=1), 10)
        uow.commit()
    assert len(stuck) == 1
    rig.at(9)
    assert rig.service.run_due(rig.clock.now(), "w1") == 0, "the claim blocks normal workers"
    assert rig.service.audit_escalations(rig.clock.now(), "w1").passed, "4 minutes is not late"
    before = len(rig.notifier.sent)
    rig.at(11)
    audit = rig.service.audit_escalations(rig.clock.now(), "w1")
    assert [(f.problem, f.action) for f in audit.findings] == [
        (AuditProblem.TIMER_OVERDUE, AuditAction.REDRIVEN)
    ]
    assert rig.sent()[before:] == [("dr-alvarez", "sms"), ("dr-alvarez", "voice")]
    with rig.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None and record.page.status is PageStatus.NOTIFIED
    assert rig.service.audit_escalations(rig.clock.now(), "w1").passed


def test_auditor_ignores_settled_pages(rig: Rig) -> None:
    page_id = _open(rig)
    rig.service.resolve(actor="dr-alvarez", channel=_portal(), at=rig.at(1), page_id=page_id)
    audit = rig.service.audit_escalations(rig.at(60), "w1")
    assert audit.passed and audit.checked == 0


def _portal() -> Any:
    from triageline.domain.paging import AckSource

    return AckSource.PORTAL


class _Beat(BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared with the test

    def do_GET(self) -> None:
        _Beat.hits.append(self.path)
        self.send_response(200 if self.path == "/ok" else 500)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def beat_server() -> Iterator[str]:
    """A loopback HTTP server standing in for the dead-man's-switch service."""
    server = HTTPServer(("127.0.0.1", 0), _Beat)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_http_heartbeat_gets_the_url_and_reports_failures(beat_server: str) -> None:
    assert http_heartbeat(f"{beat_server}/ok")() is True
    assert http_heartbeat(f"{beat_server}/broken")() is False
    assert http_heartbeat("http://127.0.0.1:9/nothing", timeout=0.5)() is False
    assert _Beat.hits[:2] == ["/ok", "/broken"]


@pytest.mark.slow
def test_worker_command_stops_cleanly_on_sigterm(tmp_path: Path, beat_server: str) -> None:
    env = {
        **os.environ,
        "TRIAGELINE_HOME": str(tmp_path),
        "TRIAGELINE_HEARTBEAT_URL": f"{beat_server}/ok",
    }
    exe = str(Path(sys.executable).parent / "triageline")
    subprocess.run([exe, "db", "upgrade"], env=env, check=True, capture_output=True)
    _Beat.hits.clear()
    proc = subprocess.Popen(
        [exe, "worker", "--poll", "0.2", "--worker-id", "sig-test"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "escalation audit counters" in line:
            break
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert "worker sig-test:" in out and "audits=1" in out
    assert _Beat.hits == ["/ok"]
