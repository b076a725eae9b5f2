"""Worker jobs (appointment reminders and the like) and `serve --with-worker` on one machine."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "paging_service"))

from paging_service_builders import make_rig

from serve_helpers import free_port
from triageline.entrypoints.paging_worker import PagingWorker, build_worker
from triageline.services.memory import MemoryStore


def test_jobs_run_every_pass_and_one_failure_does_not_stop_the_others() -> None:
    rig = make_rig(MemoryStore().uow_factory)
    seen: list[datetime] = []

    def broken(now: datetime) -> int:
        raise RuntimeError("reminder store unreachable")

    def counting(now: datetime) -> int:
        seen.append(now)
        return 2

    worker = PagingWorker(
        rig.service, rig.clock, worker_id="w1", jobs=(("broken", broken), ("sent", counting))
    )
    worker.tick()
    worker.tick()
    assert seen == [rig.clock.now(), rig.clock.now()]
    assert worker.counters["sent"] == 4
    assert worker.counters["tick_errors"] == 2


def test_the_production_worker_runs_reminders_alongside_paging(container: object) -> None:
    worker = build_worker(container, worker_id="w-test", environ={})  # type: ignore[arg-type]
    assert worker.run(lambda _delay: True, once=True) == 1
    assert worker.counters["reminders_sent"] == 0
    assert worker.counters["tick_errors"] == 0


@pytest.mark.slow
def test_serve_with_worker_serves_and_runs_the_worker_loop(tmp_path: Path) -> None:
    env = {**os.environ, "TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_NOTIFY": "dry-run"}
    exe = str(Path(sys.executable).parent / "triageline")
    subprocess.run([exe, "db", "upgrade"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [exe, "serve", "--with-worker", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        worker_started = served = False
        for line in proc.stderr:  # ends if the process dies; the test timeout bounds a hang
            worker_started = worker_started or "escalation audit counters" in line
            served = served or "Uvicorn running" in line
            if worker_started and served:
                break
        assert worker_started and served, "server or worker did not start"
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
        assert response.status_code == 200
    finally:
        proc.terminate()
        _out, rest = proc.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells the signal.
    assert "Finished server process" in rest
    assert proc.returncode in (0, -15)
