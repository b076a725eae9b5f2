"""Paging web routes over HTTP: signed ack links, the voice page and delivery callbacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from live_builders import LiveRig, make_live

from triageline.domain.paging import Channel, PageStatus
from triageline.entrypoints.web import paging_routes

ACCOUNT = "AC" + "0" * 32


@pytest.fixture
def rig(container: Any) -> Iterator[LiveRig]:
    """The calls app plus the paging routes, real paging, after hours."""
    yield from make_live(container, mount=lambda app, _web: paging_routes.install(app, container))


def _status(rig: LiveRig, page_id: str) -> PageStatus:
    with rig.container.uow_factory() as uow:
        record = uow.pages.get(page_id)
    assert record is not None
    return record.page.status


def _link_path(rig: LiveRig, recipient: str = "dr-alvarez") -> str:
    sms = rig.sent_to(recipient, Channel.SMS)[-1]
    assert sms.link.startswith("https://triageline.test/ack/")
    return urlsplit(sms.link).path


def _actions(rig: LiveRig, action: str) -> list[Any]:
    return [e.entry for e in rig.audit() if e.entry.action == action]


# -- links ------------------------------------------------------------------------------------


def test_get_confirms_without_acknowledging_and_post_acknowledges_once(rig: LiveRig) -> None:
    page_id = rig.open_page()
    path = _link_path(rig)
    shown = rig.client.get(path)
    assert shown.status_code == 200
    assert "<button" in shown.text and "Riverbend" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert _status(rig, page_id) is PageStatus.NOTIFIED
    rig.clock.advance(timedelta(minutes=3))
    done = rig.client.post(path)
    assert done.status_code == 200 and "acknowledged" in done.text
    assert _status(rig, page_id) is PageStatus.ACKNOWLEDGED
    (ack,) = _actions(rig, "page.page_acknowledged")
    assert (ack.actor, ack.channel) == ("dr-alvarez", "link")
    again = rig.client.post(path)
    assert again.status_code == 410 and "already used" in again.text
    assert len(_actions(rig, "page.page_acknowledged")) == 1


def test_expired_and_forged_links_are_refused_clearly(rig: LiveRig) -> None:
    page_id = rig.open_page()
    path = _link_path(rig)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert rig.client.get(forged).status_code == 410
    assert rig.client.post(forged).status_code == 410
    rig.clock.advance(timedelta(hours=13))
    expired = rig.client.post(path)
    assert expired.status_code == 410 and "no longer works" in expired.text
    assert rig.client.get(path).status_code == 410
    assert _status(rig, page_id) is not PageStatus.ACKNOWLEDGED


def test_a_second_link_after_acknowledgement_changes_nothing(rig: LiveRig) -> None:
    page_id = rig.open_page()
    first = _link_path(rig)
    rig.clock.advance(timedelta(minutes=5))
    rig.pager.run_due(rig.clock.now(), "w1")
    second = _link_path(rig)
    assert first != second
    assert rig.client.post(second).status_code == 200
    later = rig.client.post(first)
    assert later.status_code == 200 and "already" in later.text
    settled = rig.client.get(first)
    assert "is acknowledged" in settled.text and "<button" not in settled.text
    assert _status(rig, page_id) is PageStatus.ACKNOWLEDGED
    assert [a.outcome for a in _actions(rig, "page.acknowledgement_ignored")] == [
        "already_acknowledged"
    ]


# -- the voice page ---------------------------------------------------------------------------


def _voice_query(rig: LiveRig, page_id: str, attempt: int = 1) -> str:
    (voice,) = rig.sent_to("dr-alvarez", Channel.VOICE)[:1]
    return urlencode({"page": page_id, "notification": voice.notification_id, "n": attempt})


def _call(digits: str | None = None) -> dict[str, str]:
    form = {"CallSid": "CA" + "7" * 32, "AccountSid": ACCOUNT, "From": "+15125550777"}
    if digits is not None:
        form["Digits"] = digits
    return form


def test_voice_page_reads_back_without_phi_and_gathers_one_digit(rig: LiveRig) -> None:
    page_id = rig.open_page()
    response = rig.post(f"/twilio/page/voice?{_voice_query(rig, page_id)}", _call())
    assert response.status_code == 200
    text = response.text
    assert '<Gather action="/twilio/page/gather?' in text and 'numDigits="1"' in text
    assert "Press 1" in text and "Riverbend" in text
    assert "+1512" not in text and "Sofia" not in text


def test_only_a_keypress_of_1_acknowledges(rig: LiveRig) -> None:
    page_id = rig.open_page()
    query = _voice_query(rig, page_id)
    wrong = rig.post(f"/twilio/page/gather?{query}", _call("2"))
    assert "<Gather" in wrong.text and "n=2" in wrong.text
    assert _status(rig, page_id) is PageStatus.NOTIFIED
    pressed = rig.post(f"/twilio/page/gather?{_voice_query(rig, page_id, 2)}", _call("1"))
    assert "acknowledged" in pressed.text and "<Hangup" in pressed.text
    assert _status(rig, page_id) is PageStatus.ACKNOWLEDGED
    (ack,) = _actions(rig, "page.page_acknowledged")
    assert (ack.actor, ack.channel) == ("dr-alvarez", "voice_keypress")


def test_voicemail_silence_reprompts_once_then_hangs_up_unacknowledged(rig: LiveRig) -> None:
    page_id = rig.open_page()
    first = rig.post(f"/twilio/page/gather?{_voice_query(rig, page_id)}", _call(""))
    assert "<Gather" in first.text
    second = rig.post(f"/twilio/page/gather?{_voice_query(rig, page_id, 2)}", _call())
    assert "<Gather" not in second.text and "<Hangup" in second.text
    assert "not acknowledged" in second.text
    assert _status(rig, page_id) is PageStatus.NOTIFIED
    # The chain goes on: the 5-minute step still fires.
    before = len(rig.notifier.sent)
    rig.clock.advance(timedelta(minutes=5))
    assert rig.pager.run_due(rig.clock.now(), "w1") == 1
    assert len(rig.notifier.sent) > before


def test_voice_routes_fail_closed_and_reject_malformed(rig: LiveRig) -> None:
    page_id = rig.open_page()
    path = f"/twilio/page/gather?{_voice_query(rig, page_id)}"
    forged = rig.post(path, _call("1"), signature=rig.sign(path, _call("1"), "not-the-token"))
    assert forged.status_code == 403
    missing = rig.client.post(path, data=_call("1"))
    assert missing.status_code == 403
    assert _status(rig, page_id) is PageStatus.NOTIFIED
    assert len(_actions(rig, "webhook.signature_invalid")) == 2
    bad = "/twilio/page/gather?page=x"
    assert rig.post(bad, _call("1")).status_code == 400
    assert _actions(rig, "webhook.malformed")
    other = f"/twilio/page/gather?{urlencode({'page': page_id, 'notification': 'nope'})}"
    assert "not known" in rig.post(other, _call("1")).text
    assert _status(rig, page_id) is PageStatus.NOTIFIED


# -- delivery status --------------------------------------------------------------------------


def test_failed_sms_moves_to_the_next_channel_at_once(rig: LiveRig) -> None:
    page_id = rig.open_page()
    sms = rig.sent_to("dr-alvarez", Channel.SMS)[0]
    before = list(rig.notifier.sent)
    form = {"MessageSid": "SM" + "8" * 32, "AccountSid": ACCOUNT, "MessageStatus": "failed"}
    path = f"/twilio/notify/status?{urlencode({'notification': sms.notification_id})}"
    assert rig.post(path, form).status_code == 204
    fresh = rig.notifier.sent[len(before) :]
    assert fresh, "the fallback goes out in the same request, not at the next timer"
    assert all(n.channel is not Channel.SMS or n.recipient_id != "dr-alvarez" for n in fresh)
    failed = [e for e in _actions(rig, "page.notification_failed") if e.subject.endswith(page_id)]
    assert failed


def test_status_is_found_by_provider_id_and_unsigned_is_refused(rig: LiveRig) -> None:
    rig.open_page()
    provider = "cap-1"  # the capturing notifier's id of the first send
    form = {"MessageSid": provider, "AccountSid": ACCOUNT, "MessageStatus": "delivered"}
    assert rig.post("/twilio/notify/status", form).status_code == 204
    delivered = _actions(rig, "page.notification_delivered")
    assert delivered
    forged = rig.post("/twilio/notify/status", form, signature="bogus")
    assert forged.status_code == 403
    assert rig.post("/twilio/notify/status", {"AccountSid": ACCOUNT}).status_code == 400
