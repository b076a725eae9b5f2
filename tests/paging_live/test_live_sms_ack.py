"""The live app pages for real: build_calls wires paging, and /twilio/sms takes acknowledgements."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from live_builders import (
    CALLER,
    PAGING_NUMBER,
    PRACTICE_NUMBER,
    TOKEN,
    LiveRig,
    make_live,
    store_demo,
)

from triageline.domain.paging import Channel, PageStatus
from triageline.entrypoints.paging_wiring import CallsPaging
from triageline.entrypoints.web.calls_wiring import build_calls


@pytest.fixture
def rig(container: Any) -> Iterator[LiveRig]:
    """The calls web app with real paging, after hours."""
    yield from make_live(container)


def _sms(sid: str, sender: str, body: str, to: str = PRACTICE_NUMBER) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "Body": body,
    }


def _page_status(rig: LiveRig, page_id: str) -> PageStatus:
    with rig.container.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    return record.page.status


def test_build_calls_pages_for_real_by_default(container: Any) -> None:
    store_demo(container)
    web = build_calls(container, environ={"TRIAGELINE_TWILIO_AUTH_TOKEN": TOKEN})
    assert web.pager is not None
    assert isinstance(web.service._paging, CallsPaging)


def test_clinician_text_reply_acknowledges_and_gets_a_phi_free_confirmation(rig: LiveRig) -> None:
    page_id = rig.open_page()
    (first,) = rig.sent_to("dr-alvarez", Channel.SMS)
    rig.clock.advance(timedelta(minutes=2))
    response = rig.post("/twilio/sms", _sms("SM" + "1" * 32, first.address, "1", PAGING_NUMBER))
    assert response.status_code == 200
    assert "<Message>Acknowledged. Thank you.</Message>" in response.text
    assert first.address not in response.text and "Sofia" not in response.text
    assert _page_status(rig, page_id) is PageStatus.ACKNOWLEDGED
    acks = [e for e in rig.audit() if e.entry.action == "page.page_acknowledged"]
    assert [(e.entry.actor, e.entry.channel) for e in acks] == [("dr-alvarez", "sms_reply")]
    # Nothing further goes out: the 5-minute timer finds the page acknowledged.
    before = len(rig.notifier.sent)
    rig.clock.advance(timedelta(minutes=10))
    rig.pager.run_due(rig.clock.now(), "w1")
    assert len(rig.notifier.sent) == before


def test_a_patient_text_is_not_taken_for_an_acknowledgement(rig: LiveRig) -> None:
    page_id = rig.open_page()
    response = rig.post("/twilio/sms", _sms("SM" + "2" * 32, CALLER, "1"))
    assert response.status_code == 200
    assert "Acknowledged" not in response.text
    assert _page_status(rig, page_id) is PageStatus.NOTIFIED


def test_the_page_code_from_the_clinician_acknowledges(rig: LiveRig) -> None:
    page_id = rig.open_page()
    (first,) = rig.sent_to("dr-alvarez", Channel.SMS)
    with rig.container.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    reply = _sms("SM" + "3" * 32, first.address, f"ack {record.page.code}")
    assert "Acknowledged" in rig.post("/twilio/sms", reply).text
    assert _page_status(rig, page_id) is PageStatus.ACKNOWLEDGED


def test_an_unsigned_acknowledgement_is_refused(rig: LiveRig) -> None:
    page_id = rig.open_page()
    (first,) = rig.sent_to("dr-alvarez", Channel.SMS)
    form = _sms("SM" + "4" * 32, first.address, "1")
    response = rig.post("/twilio/sms", form, signature=rig.sign("/twilio/sms", form, "wrong"))
    assert response.status_code == 403
    assert _page_status(rig, page_id) is PageStatus.NOTIFIED
