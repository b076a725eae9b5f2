"""Builders and loopback servers (Radicale CalDAV, a static HTTP feed) for the on-call tests."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from datetime import time as clock
from pathlib import Path

import pytest

from triageline.domain.oncall import (
    Layer,
    OnCallSchedule,
    Override,
    Rotation,
)

FIXTURES = Path(__file__).parent / "fixtures"
NEW_YORK = "America/New_York"


def make_rotation(
    participants: tuple[str, ...] = ("a", "b", "c"),
    *,
    name: str = "rota",
    role: str = "physician",
    layer: Layer = Layer.PRIMARY,
    start: date = date(2026, 3, 1),
    handoff: clock = clock(8, 0),
    period_days: int = 1,
    end: date | None = None,
) -> Rotation:
    """A rotation with test defaults: daily from 2026-03-01, hand-off 08:00."""
    return Rotation(name, role, layer, participants, start, handoff, period_days, end)


def make_schedule(
    *rotations: Rotation,
    overrides: tuple[Override, ...] = (),
    timezone: str = NEW_YORK,
) -> OnCallSchedule:
    """A schedule in New York time from the given rotations."""
    return OnCallSchedule(timezone, rotations=rotations, overrides=overrides)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_listening(
    port: int, process: subprocess.Popen[bytes], deadline: float, now: Callable[[], float]
) -> None:
    """Connect until the server accepts or `deadline` (on the `now` clock) passes."""
    while now() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            try:
                process.wait(timeout=0.05)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"server exited early with code {process.returncode}") from None
    raise TimeoutError(f"nothing listening on port {port} before the deadline")


@dataclass(frozen=True)
class Radicale:
    """A running Radicale server."""

    url: str


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[Radicale]:
    """A real Radicale CalDAV server on a free loopback port, storage in tmp_path."""
    port = free_port()
    config = tmp_path / "radicale.conf"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = none\n"
        "[storage]\n"
        f"filesystem_folder = {tmp_path / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_listening(port, process, time.monotonic() + 30, time.monotonic)
        yield Radicale(f"http://127.0.0.1:{port}/")
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass(frozen=True)
class FeedServer:
    """A loopback HTTP server answering every GET with one body."""

    url: str
    requests: list[str]


@pytest.fixture
def feed_server() -> Iterator[Callable[[bytes, int], FeedServer]]:
    """Start HTTP servers that serve fixed bodies; all are shut down after the test."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(body: bytes, status: int = 200) -> FeedServer:
        requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return FeedServer(f"http://127.0.0.1:{server.server_address[1]}/feed.ics", requests)

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
