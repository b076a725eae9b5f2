"""Push test helpers: browser-side subscription keys, a loopback push service, VAPID keys."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

WAIT = 5.0  # seconds: upper bound for joining the server thread, never a delay


def b64url(raw: bytes) -> str:
    """Base64url without padding (how browsers encode subscription keys)."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_browser_keys() -> tuple[str, str]:
    """A browser's (p256dh, auth): a real P-256 public point and a 16-byte secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return b64url(point), b64url(os.urandom(16))


def make_vapid_pem() -> str:
    """A fresh VAPID private key in PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


@dataclass
class PushService:
    """A loopback stand-in for a browser vendor's push service; status per path (default 201)."""

    url: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    def paths(self) -> list[str]:
        """The paths pushed to, in order."""
        return [path for path, _, _ in self.received]


@contextmanager
def push_service() -> Iterator[PushService]:
    """A push service on 127.0.0.1 and a free port; it records each push before answering."""
    state = PushService()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append((self.path, headers, self.rfile.read(length)))
            self.send_response(state.statuses.get(self.path, 201))
            self.send_header("Location", f"{state.url}/msg{len(state.received)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
