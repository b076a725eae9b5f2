"""Builders for the notification-wiring tests: environments, keys, loopback SMTP/HTTP(S) servers."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from notify.notify_builders import MailSink as MailSink
from notify.notify_builders import smtp_server as smtp_server

WAIT = 5.0  # seconds: upper bound for synchronisation waits, never a delay
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
WEBHOOK_SECRET = "w" * 40
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"


def make_vapid_pem() -> str:
    """A fresh P-256 private key in PEM (what `vapid --gen` writes)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def make_env(**changes: str | None) -> dict[str, str]:
    """A complete, valid notification environment; ``NAME=None`` removes a variable.

    Keys are the variable names without the ``TRIAGELINE_`` prefix.
    """
    env = {
        "TRIAGELINE_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TRIAGELINE_TWILIO_AUTH_TOKEN": "tok-current,tok-old",
        "TRIAGELINE_TWILIO_FROM_NUMBER": "+15125550100",
        "TRIAGELINE_SMTP_URL": "smtp://pages%40maple.test@smtp.maple.test:2525",
        "TRIAGELINE_SMTP_PASSWORD": "app-password",
        "TRIAGELINE_SMTP_FROM": "pages@maple.test",
        "TRIAGELINE_VAPID_PRIVATE_KEY": make_vapid_pem(),
        "TRIAGELINE_VAPID_SUBJECT": "mailto:ops@maple.test",
        "TRIAGELINE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    for short, value in changes.items():
        name = f"TRIAGELINE_{short}"
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


# ----------------------------------------------------------------------------- SMTP

# The real SMTP server on loopback is the notifier tests' own (tests/notify/notify_builders.py).


# ----------------------------------------------------------------------------- HTTP(S)


@dataclass(frozen=True)
class Posted:
    """One POST the local server received."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class HookServer:
    """What a loopback HTTP(S) server received, and its base URL."""

    url: str = ""
    status: int = 204
    posts: list[Posted] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)


def make_loopback_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files; (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "loopback.pem", directory / "loopback.key"
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    key_path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    return cert_path, key_path


@contextmanager
def hook_server(tls: tuple[Path, Path] | None = None) -> Iterator[HookServer]:
    """A loopback HTTP server (HTTPS with ``tls=(cert, key)``) on a free port recording POSTs."""
    state = HookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.posts.append(Posted(self.path, headers, self.rfile.read(length)))
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            state.arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


def practice_file(directory: Path, replacements: dict[str, str]) -> Path:
    """The demo practice with some text replaced (e.g. a contact pointed at a local server)."""
    text = DEMO.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = directory / "practice.yaml"
    path.write_text(text, encoding="utf-8")
    return path
