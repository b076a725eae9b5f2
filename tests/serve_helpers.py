"""Running `triageline serve` on a free loopback port, for end-to-end tests and the benches.

Tests import it as ``serve_helpers`` (``tests/`` is on the path through its conftest); the
benches, run from the repository root (``python -m bench.…``), as ``tests.serve_helpers``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

POLL_S = 0.2
"""How long one readiness poll waits for the server to exit before asking again."""


def cli() -> str:
    """The ``triageline`` command next to this interpreter (else the one on PATH)."""
    found = Path(sys.executable).with_name("triageline")
    return str(found) if found.exists() else "triageline"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy_within(base: str, server: subprocess.Popen[bytes], attempts: int) -> bool:
    """Poll ``/healthz`` until it answers 200 (True); False if the server exits or time runs out."""
    for _ in range(attempts):
        try:
            if httpx.get(f"{base}/healthz", timeout=POLL_S * 5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        try:
            server.wait(timeout=POLL_S)  # returns only if the server died
        except subprocess.TimeoutExpired:
            continue
        break
    return False


@contextmanager
def serving(
    args: Sequence[str], env: Mapping[str, str], log: Path, *, stop_within_s: float
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``triageline serve`` on a free loopback port (output to ``log``); yields (base URL, process).

    Stopped afterwards: terminated, then killed if it has not exited within ``stop_within_s``.
    """
    port = free_port()
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [cli(), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=dict(env),
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        try:
            server.wait(timeout=stop_within_s)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=stop_within_s)
