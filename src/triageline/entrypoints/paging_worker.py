"""The paging worker loop: due timers, the daily on-call gap report and the escalation auditor.

`triageline worker` runs ``PagingWorker.run`` on the real clock; tests drive ``tick`` (or ``run``
with a fake wait) on a settable clock. Nothing here sleeps except through the injected ``wait``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from triageline.bootstrap import Container
from triageline.services.paging import AuditAction, EscalationAudit, PagingService
from triageline.services.ports_paging import Clock

log = logging.getLogger("triageline.worker")

HEARTBEAT_ENV = "TRIAGELINE_HEARTBEAT_URL"
"""An external dead-man's-switch URL, pinged (GET) after every escalation audit that passed."""

Heartbeat = Callable[[], bool]
"""Pings the external heartbeat; True when it answered 2xx."""
Wait = Callable[[float], bool]
"""Waits up to N seconds; True when the worker was told to stop (``threading.Event.wait``)."""


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """How often the worker polls, audits and looks for on-call gaps."""

    poll: timedelta = timedelta(seconds=1)
    audit_every: timedelta = timedelta(minutes=3)
    gap_check_every: timedelta = timedelta(minutes=15)
    batch: int = 100
    max_late: timedelta = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one pass of the loop did."""

    at: datetime
    timers_run: int
    gap_reports: int
    audit: EscalationAudit | None
    heartbeat: bool | None


def http_heartbeat(url: str, timeout: float = 3.0) -> Heartbeat:
    """A heartbeat that GETs ``url`` with a short timeout (never raises)."""

    def ping() -> bool:
        try:
            response = httpx.get(url, timeout=timeout)
        except httpx.HTTPError as error:
            log.warning("heartbeat failed: %s", type(error).__name__)
            return False
        if not response.is_success:
            log.warning("heartbeat answered %d", response.status_code)
        return response.is_success

    return ping


Job = Callable[[datetime], int]
"""Durable work a worker pass runs: given the time, returns how many items it handled."""


class PagingWorker:
    """Runs due timers, sends the daily gap reports and audits escalations, on an injected clock."""

    def __init__(
        self,
        service: PagingService,
        clock: Clock,
        *,
        worker_id: str,
        settings: WorkerSettings | None = None,
        heartbeat: Heartbeat | None = None,
        jobs: Sequence[tuple[str, Job]] = (),
    ) -> None:
        """Wire the loop; ``heartbeat`` is pinged only after an audit that passed.

        ``jobs`` are other durable work run on every pass after the paging timers, each as
        (name, run(now) -> items done), e.g. appointment reminders; one failing job does not
        stop the others.
        """
        self._jobs = tuple(jobs)
        self._service = service
        self._clock = clock
        self._worker_id = worker_id
        self._settings = settings or WorkerSettings()
        self._heartbeat = heartbeat
        self._last_audit: datetime | None = None
        self._last_gap_check: datetime | None = None
        self.counters: Counter[str] = Counter()

    def tick(self) -> TickReport:
        """One pass: every due timer (in batches), then gap reports and the audit when due."""
        now = self._clock.now()
        ran = self._run_due(now)
        self._run_jobs(now)
        gaps = self._gap_reports(now)
        audit = self._audit(now)
        beat: bool | None = None
        if audit is not None and audit.passed and self._heartbeat is not None:
            beat = self._heartbeat()
            self.counters["heartbeats_ok" if beat else "heartbeats_failed"] += 1
        return TickReport(now, ran, gaps, audit, beat)

    def _run_due(self, now: datetime) -> int:
        total = 0
        while True:
            try:
                ran = self._service.run_due(now, self._worker_id, self._settings.batch)
            except Exception:
                log.exception("running due timers failed")
                self.counters["tick_errors"] += 1
                return total
            total += ran
            self.counters["timers_run"] += ran
            if ran < self._settings.batch:
                return total

    def _run_jobs(self, now: datetime) -> None:
        for name, job in self._jobs:
            try:
                self.counters[name] += job(now)
            except Exception:
                log.exception("worker job %s failed", name)
                self.counters["tick_errors"] += 1

    def _gap_reports(self, now: datetime) -> int:
        last = self._last_gap_check
        if last is not None and now - last < self._settings.gap_check_every:
            return 0
        self._last_gap_check = now
        try:
            sent = self._service.send_gap_reports(now)
        except Exception:
            log.exception("the on-call gap report failed")
            self.counters["tick_errors"] += 1
            return 0
        self.counters["gap_reports_sent"] += sent
        return sent

    def _audit(self, now: datetime) -> EscalationAudit | None:
        last = self._last_audit
        if last is not None and now - last < self._settings.audit_every:
            return None
        self._last_audit = now
        try:
            audit = self._service.audit_escalations(
                now, self._worker_id, max_late=self._settings.max_late
            )
        except Exception:
            log.exception("the escalation audit failed")
            self.counters["audit_errors"] += 1
            return None
        self.counters["audits"] += 1
        self.counters["audit_findings"] += len(audit.findings)
        redriven = (AuditAction.RESCHEDULED, AuditAction.REDRIVEN)
        self.counters["audit_redriven"] += sum(f.action in redriven for f in audit.findings)
        if not audit.passed:
            self.counters["audits_failed"] += 1
        log.info(
            "escalation audit counters: audits=%d failed=%d findings=%d redriven=%d",
            self.counters["audits"],
            self.counters["audits_failed"],
            self.counters["audit_findings"],
            self.counters["audit_redriven"],
        )
        return audit

    def delay(self, now: datetime) -> float:
        """Seconds to wait before the next pass: the poll interval, less if a timer is due."""
        poll = self._settings.poll.total_seconds()
        try:
            due = self._service.next_due()
        except Exception:
            log.exception("reading the next due timer failed")
            return poll
        if due is None:
            return poll
        return max(0.0, min(poll, (due - now).total_seconds()))

    def run(self, wait: Wait, *, once: bool = False) -> int:
        """Loop until ``wait`` reports a stop (or after one pass with ``once``); passes made."""
        passes = 0
        while True:
            self.tick()
            passes += 1
            if once or wait(self.delay(self._clock.now())):
                log.info("worker %s stopping after %d passes", self._worker_id, passes)
                return passes


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM and SIGINT so the loop finishes its pass and exits."""
    import signal

    def handler(signum: int, frame: object) -> None:
        log.info("signal %d received; stopping after this pass", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def build_worker(
    container: Container,
    *,
    worker_id: str,
    poll: timedelta = timedelta(seconds=1),
    audit_every: timedelta = timedelta(minutes=3),
    environ: Mapping[str, str] | None = None,
) -> PagingWorker:
    """The production loop: paging timers, appointment reminders, gap reports, the auditor."""
    import os

    from triageline.entrypoints.booking_wiring import reminders_for_worker
    from triageline.entrypoints.paging_wiring import SystemClock, build_paging

    env = os.environ if environ is None else environ
    heartbeat_url = env.get(HEARTBEAT_ENV, "").strip()
    reminders = reminders_for_worker(container, worker_id, env)
    return PagingWorker(
        build_paging(container, worker_id=worker_id, environ=env),
        SystemClock(),
        worker_id=worker_id,
        settings=WorkerSettings(poll=poll, audit_every=audit_every),
        heartbeat=http_heartbeat(heartbeat_url) if heartbeat_url else None,
        jobs=(("reminders_sent", reminders.run_due),),
    )
