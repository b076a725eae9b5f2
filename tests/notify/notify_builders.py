"""Builders for notifier tests: notifications, a recording HTTP server, an SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from triageline.domain.paging import Channel, PageNotification, PageUrgency
from triageline.services.ports_notify import Notification, build_notification

WAIT = 5.0  # seconds: upper bound for synchronisation waits, never a delay


def make_dispatch(
    channel: Channel = Channel.SMS, address: str = "+15550000001"
) -> PageNotification:
    """A page's dispatch to Dr. Lee on one channel."""
    return PageNotification(
        id="pg-1-n1",
        page_id="pg-1",
        recipient_id="dr-lee",
        recipient_name="Dr. Lee",
        channel=channel,
        address=address,
        round_no=1,
        created_at=datetime(2026, 1, 9, 22, 0, tzinfo=UTC),
    )


def make_notification(
    channel: Channel = Channel.SMS, address: str = "+15550000001", **changes: Any
) -> Notification:
    """A PHI-free notification as the paging service would build it."""
    notification = build_notification(
        make_dispatch(channel, address),
        practice_name=changes.pop("practice_name", "Maple Pediatrics"),
        urgency=changes.pop("urgency", PageUrgency.URGENT),
        code=changes.pop("code", "K7P4X"),
        link=changes.pop("link", "https://triageline.test/a/abc.def"),
    )
    assert not changes, changes
    return notification


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the local server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Responder = Callable[[RecordedRequest], tuple[int, dict[str, str], bytes]]


@dataclass
class RecordingServer:
    """A loopback HTTP server on a free port that records requests and answers via `respond`."""

    respond: Responder
    requests: list[RecordedRequest] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@contextmanager
def recording_server(respond: Responder) -> Iterator[RecordingServer]:
    """Run a RecordingServer on 127.0.0.1:0 for the duration of the block."""
    state = RecordingServer(respond)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = RecordedRequest(
                "POST",
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            state.requests.append(request)
            status, headers, body = state.respond(request)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            state.arrived.set()

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


class LoopbackController(Controller):
    """aiosmtpd Controller that may bind port 0 (it learns the real port before its self-test)."""

    def _trigger_server(self) -> None:
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass
class MailSink:
    """Collects envelopes delivered to the local SMTP server."""

    envelopes: list[Any] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.arrived.set()
        return "250 OK"


@contextmanager
def smtp_server(**smtp_options: Any) -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server on 127.0.0.1 and a free port; yields (sink, port)."""
    sink = MailSink()
    controller = LoopbackController(sink, hostname="127.0.0.1", port=0, **smtp_options)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()
