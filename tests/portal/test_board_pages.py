"""Live board: active pages across the operator's practices and acknowledgement on behalf."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from portal_helpers import DEMO_YAML, Portal, csrf_of

from triageline.adapters.config.loader import load_practice
from triageline.adapters.notify.capture import CapturingNotifier
from triageline.domain.paging import Channel, PageStatus, PageUrgency
from triageline.entrypoints.paging_wiring import StaticPractices, build_paging
from triageline.services.paging import PagingService
from triageline.services.portal_model import Role


@dataclass
class PagedPortal:
    """The portal with real paging over the demo practice and a capturing notifier."""

    portal: Portal
    pager: PagingService
    notifier: CapturingNotifier

    def open_page(self, message_id: str) -> str:
        """Open an urgent page for a stored message of the demo practice; its id."""
        ref = self.pager.open_page("demo", message_id, PageUrgency.URGENT, self.portal.clock.now())
        return ref.page_id

    def page_status(self, page_id: str) -> PageStatus:
        """The stored status of a page."""
        with self.portal.wiring.uow() as uow:
            record = uow.pages.get(page_id)
        assert record is not None
        status: PageStatus = record.page.status
        return status

    def audit(self, subject: str) -> list[Any]:
        """Audit entries of one subject, oldest first."""
        with self.portal.wiring.uow() as uow:
            return [e.entry for e in reversed(uow.audit.list(subject=subject, limit=100))]


@pytest.fixture
def paged(portal: Portal) -> Iterator[PagedPortal]:
    """Practices ``demo`` (with escalation) and ``b``; the portal acknowledges through paging."""
    portal.add_practice("demo", DEMO_YAML.read_text(encoding="utf-8"))
    portal.add_practice("b")
    notifier = CapturingNotifier()
    pager = build_paging(
        portal.wiring.container,
        clock=portal.clock,
        notifiers={channel: notifier for channel in Channel},
        practices=StaticPractices({"demo": load_practice(DEMO_YAML)}),
    )
    previous = portal.wiring.pager
    portal.wiring.pager = pager
    yield PagedPortal(portal, pager, notifier)
    portal.wiring.pager = previous


def _paged_message(paged: PagedPortal) -> tuple[str, str]:
    message = paged.portal.add_message("demo")
    return message.id, paged.open_page(message.id)


def test_operator_sees_active_pages_of_their_practices_only(paged: PagedPortal) -> None:
    portal = paged.portal
    _, page_id = _paged_message(paged)
    with portal.wiring.uow() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    notified = [n for n in record.page.notifications if n.sent_at is not None]
    assert notified, "the demo chain notifies someone at once"
    _, secret = portal.add_user("op@demo", Role.OPERATOR, ("demo",))
    _, other_secret = portal.add_user("op@b", Role.OPERATOR, ("b",))
    _, nurse_secret = portal.add_user("nurse@demo", Role.CLINICIAN, ("demo",))
    portal.clock.advance(minutes=3)

    client = portal.login(portal.client(), "op@demo", secret)
    board = client.get("/portal/board")
    assert board.status_code == 200
    assert f'data-page="{page_id}"' in board.text
    assert record.page.code in board.text
    assert notified[-1].recipient_name in board.text  # who was notified last
    assert "3 min" in board.text  # age
    live = client.get("/portal/board/live", headers={"hx-request": "true"})
    assert f'data-page="{page_id}"' in live.text
    assert 'hx-trigger="every 5s"' in live.text
    assert "Zebulon" not in live.text and "stiff neck" not in live.text  # no PHI on the board

    other = portal.login(portal.client(), "op@b", other_secret)
    assert page_id not in other.get("/portal/board/live").text
    nurse = portal.login(portal.client(), "nurse@demo", nurse_secret)
    assert nurse.get("/portal/board").status_code == 403


def test_operator_acknowledges_on_behalf_with_a_reason(paged: PagedPortal) -> None:
    portal = paged.portal
    message_id, page_id = _paged_message(paged)
    operator, secret = portal.add_user("op@demo", Role.OPERATOR, ("demo",))
    portal.clock.advance(minutes=2)
    client = portal.login(portal.client(), "op@demo", secret)
    csrf = csrf_of(client.get("/portal/board").text)

    refused = client.post(
        f"/portal/board/pages/{page_id}/acknowledge", data={"csrf_token": csrf, "reason": ""}
    )
    assert refused.status_code == 400
    assert paged.page_status(page_id) is not PageStatus.ACKNOWLEDGED

    answer = client.post(
        f"/portal/board/pages/{page_id}/acknowledge",
        data={"csrf_token": csrf, "reason": "clinician_confirmed_by_phone"},
        headers={"hx-request": "true"},
    )
    assert answer.status_code == 200
    assert 'id="board"' in answer.text
    assert paged.page_status(page_id) is PageStatus.ACKNOWLEDGED
    with portal.wiring.uow() as uow:
        record = uow.pages.get(page_id)
        message = uow.messages.get(message_id)
        assert uow.audit.verify() is None
    assert record is not None and record.ack_channel == "operator"
    assert record.page.acknowledged_by == operator.id
    assert message is not None and message.acknowledged_at is not None
    entries = paged.audit(f"page:{page_id}")
    acked = [e for e in entries if e.action == "page.page_acknowledged"]
    assert [(e.actor, e.channel) for e in acked] == [(operator.id, "operator")]
    on_behalf = [e for e in entries if e.action == "page.operator_acknowledged"]
    assert [(e.actor, e.outcome) for e in on_behalf] == [
        (operator.id, "clinician_confirmed_by_phone")
    ]
    board = client.get("/portal/board/live").text
    assert operator.id in board  # acknowledged by

    # Escalation stopped: time passes, the worker runs, nobody else is paged.
    sent_before = len(paged.notifier.sent)
    portal.clock.advance(minutes=10)  # past the chain's next step, within the session's idle time
    paged.pager.run_due(portal.clock.now(), "test-worker")
    assert len(paged.notifier.sent) == sent_before

    again = client.post(
        f"/portal/board/pages/{page_id}/acknowledge",
        data={"csrf_token": csrf, "reason": "duplicate_page"},
    )
    assert again.status_code == 303 and again.headers["location"] == "/portal/board"
    outcomes = [e.outcome for e in paged.audit(f"page:{page_id}") if e.actor == operator.id]
    assert "noop:duplicate_page" in outcomes


def test_acknowledging_another_practices_page_is_not_found(paged: PagedPortal) -> None:
    portal = paged.portal
    _, page_id = _paged_message(paged)
    _, secret = portal.add_user("op@b", Role.OPERATOR, ("b",))
    _, nurse_secret = portal.add_user("nurse@demo", Role.CLINICIAN, ("demo",))
    for username, code_secret in (("op@b", secret), ("nurse@demo", nurse_secret)):
        client = portal.login(portal.client(), username, code_secret)
        csrf = csrf_of(client.get("/portal/inbox").text)
        answer = client.post(
            f"/portal/board/pages/{page_id}/acknowledge",
            data={"csrf_token": csrf, "reason": "clinician_confirmed_by_phone"},
        )
        assert answer.status_code == 404
    assert paged.page_status(page_id) is not PageStatus.ACKNOWLEDGED
    denied = [e for e in paged.audit(f"page:{page_id}") if e.action == "page.denied"]
    assert [e.outcome for e in denied] == ["denied", "denied"]


def test_operator_without_csrf_cannot_acknowledge(paged: PagedPortal) -> None:
    portal = paged.portal
    _, page_id = _paged_message(paged)
    _, secret = portal.add_user("op@demo", Role.OPERATOR, ("demo",))
    client = portal.login(portal.client(), "op@demo", secret)
    answer = client.post(
        f"/portal/board/pages/{page_id}/acknowledge",
        data={"reason": "clinician_confirmed_by_phone"},
    )
    assert answer.status_code == 403
    assert paged.page_status(page_id) is not PageStatus.ACKNOWLEDGED
