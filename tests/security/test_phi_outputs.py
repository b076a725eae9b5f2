"""PHI never reaches logs (all loggers, DEBUG, production redaction) or notification bodies.

The flow (``phi_flow``) plays a voice call, a text and a web chat with known PHI through the
real app, lets paging escalate for 35 minutes and runs the worker (gap report, audit). The
``simulate`` machinery then plays every example script. Everything logged and every
notification subject and body is searched for the PHI.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from security.phi_flow import NEEDLES, FlowResult, run_flow
from security.sec_builders import DEMO, SCRIPTS, leaks, phone_forms
from triageline.adapters.observability.logging import configure_logging
from triageline.entrypoints.cli.simulation import CALLER_NUMBER, parse_script, simulate
from triageline.entrypoints.paging_wiring import SimulatedPaging
from triageline.services.ports_notify import Notification

SCRIPT_TIMES = {
    "sunday": datetime.fromisoformat("2026-03-08T11:00:00-05:00"),
    "new-patient": datetime.fromisoformat("2026-03-08T11:00:00-05:00"),
    "reschedule": datetime.fromisoformat("2026-03-02T18:00:00-06:00"),
    "lunch": datetime.fromisoformat("2026-03-04T12:20:00-06:00"),
}
NIGHT = datetime.fromisoformat("2026-03-03T22:00:00-06:00")


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every logger at DEBUG through the production redacting handler, into a buffer."""
    root = logging.getLogger()
    saved = root.level
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(saved)


@pytest.fixture
def flow(container: Any, log_output: io.StringIO) -> Iterator[FlowResult]:
    """The end-to-end flow with logging captured."""
    yield from run_flow(container)


def _check_capability_ids(flow: FlowResult, log_output: io.StringIO) -> None:
    """A chat conversation id (reads the transcript) and an ack-link token are credentials."""
    ids = list(flow.conversation_ids)
    links = [n.link for n in flow.capture.sent if "/ack/" in n.link]
    assert ids and links, "control: a chat ran and pages carried acknowledgement links"
    with TestClient(flow.app, raise_server_exceptions=False) as client:
        for link in links[:2]:
            client.get(link[link.index("/ack/") :])
    secrets = {f"conversation {i}": c for i, c in enumerate(ids)}
    secrets |= {f"ack token {i}": link.rsplit("/", 1)[-1] for i, link in enumerate(links)}
    lines = log_output.getvalue().splitlines()
    request_log = "\n".join(line for line in lines if '"logger": "triageline.web"' in line)
    assert '"/ack/{token}"' in request_log
    assert '"/api/v1/conversations/{conversation_id}"' in request_log
    assert leaks(request_log, secrets) == {}
    assert leaks(log_output.getvalue(), secrets) == {}, "no logger at all (httpx included)"


def test_the_flow_leaks_no_phi_into_logs_or_notifications(
    flow: FlowResult, log_output: io.StringIO
) -> None:
    logged = log_output.getvalue()
    assert logged.count('"msg": "request"') >= 20, "control: request lines are logged"
    assert flow.capture.sent, "control: the urgent call paged someone"
    assert len({n.recipient_id for n in flow.capture.sent}) >= 2, "control: paging escalated"
    assert leaks(logged, NEEDLES) == {}
    sent = "\n".join(f"{n.subject}\n{n.body}\n{n.link}\n{n.code}" for n in flow.capture.sent)
    assert leaks(sent, NEEDLES) == {}
    _check_capability_ids(flow, log_output)


def _script_needles(name: str) -> dict[str, str]:
    """Caller turns of a script worth searching for: names, sentences, keyed-in digits."""
    lines = parse_script((SCRIPTS / name).read_text(encoding="utf-8").splitlines())
    needles = {f"phone {i}": f for i, f in enumerate(phone_forms(CALLER_NUMBER))}
    for line in lines:
        value = line.value.strip()
        spoken = line.kind == "say" and (" " in value or len(value) >= 12)
        keyed = line.kind == "press" and len(value) >= 6
        if spoken or keyed:
            needles[value] = value
        elif line.kind == "appointment":
            needles.update({part: part for part in value.split()[2:]})
    return needles


def test_every_example_script_leaks_no_phi(
    log_output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    original = SimulatedPaging.__init__

    def capturing(self: SimulatedPaging, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        record = self.notifier.on_send

        def on_send(notification: Notification) -> None:
            sent.append(f"{notification.subject}\n{notification.body}")
            if record is not None:
                record(notification)

        self.notifier.on_send = on_send

    monkeypatch.setattr(SimulatedPaging, "__init__", capturing)
    all_needles: dict[str, str] = {}
    for path in sorted(SCRIPTS.glob("*.txt")):
        at = next((t for key, t in SCRIPT_TIMES.items() if path.name.startswith(key)), NIGHT)
        sent.clear()
        transcript, _outcome = simulate(DEMO, at, path.read_text("utf-8").splitlines())
        assert transcript, path.name
        needles = _script_needles(path.name)
        assert leaks("\n".join(sent), needles) == {}, path.name
        all_needles.update(needles)
    assert len(all_needles) >= 20
    assert leaks(log_output.getvalue(), all_needles) == {}
