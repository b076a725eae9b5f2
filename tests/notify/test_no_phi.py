"""No notifier body, subject or payload carries PHI, whatever the caller's message held."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest

from triageline.adapters.notify.capture import CapturingNotifier
from triageline.adapters.notify.email_notifier import SmtpNotifier, SmtpSettings
from triageline.adapters.notify.router import ChannelRouter
from triageline.adapters.notify.twilio_notifier import TwilioSettings, TwilioVoiceNotifier
from triageline.adapters.notify.webhook_notifier import webhook_payload
from triageline.adapters.notify.webpush_notifier import push_payload
from triageline.domain.paging import (
    Channel,
    ContactMethod,
    DeliveryStatus,
    EscalationChain,
    Notify,
    Page,
    PageStatus,
    PageUrgency,
    Recipient,
    Target,
    Wait,
)
from triageline.services.ports_notify import Notification, build_notification

NOW = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)


@dataclass(frozen=True)
class CallerMessage:
    """A caller's message as the messaging service holds it (encrypted at rest)."""

    id: str
    caller_name: str
    date_of_birth: str
    callback_number: str
    symptoms: str
    transcript: str

    def phi(self) -> list[str]:
        """Every PHI fragment that must never leave in a notification."""
        digits = "".join(c for c in self.callback_number if c.isdigit())
        return [
            self.caller_name,
            *self.caller_name.split(),
            self.date_of_birth,
            self.callback_number,
            digits,
            digits[-7:],
            self.symptoms,
            *self.transcript.split(". "),
        ]


def make_message(**changes: str) -> CallerMessage:
    """A message full of recognisable PHI."""
    fields = {
        "id": "msg-41",
        "caller_name": "Rosalind Quimby",
        "date_of_birth": "2019-04-17",
        "callback_number": "+1 (617) 555-0187",
        "symptoms": "wheezing and blue lips",
        "transcript": "My daughter Rosalind is wheezing. Her lips look blue",
    }
    fields.update(changes)
    return CallerMessage(**fields)


ALL_CHANNELS = tuple(Channel)


def make_everyone() -> list[Recipient]:
    """One clinician reachable on every channel."""
    contacts = (
        ContactMethod(Channel.SMS, "+15550000001"),
        ContactMethod(Channel.VOICE, "+15550000001"),
        ContactMethod(Channel.EMAIL, "dr.lee@maple.test"),
        ContactMethod(Channel.PUSH, '{"endpoint":"https://push.test/x","keys":{}}'),
        ContactMethod(Channel.WEBHOOK, "https://hooks.test/page"),
    )
    return [Recipient("dr-lee", "Dr. Lee", contacts)]


def rendered(notification: Notification) -> list[str]:
    """Every form in which a notification leaves the building."""
    twilio = TwilioSettings("AC1", "t", "+15557654321", voice_gather_url="https://t.test/g")
    smtp = SmtpNotifier(SmtpSettings("127.0.0.1", 25, "pages@maple.test"))
    return [
        notification.subject,
        notification.body,
        webhook_payload(notification).decode(),
        push_payload(notification),
        smtp.message_for(notification).as_string(),
        TwilioVoiceNotifier(twilio, client=object()).twiml_for(notification),
    ]


@pytest.mark.parametrize("urgency", list(PageUrgency))
def test_no_notification_carries_phi(urgency: PageUrgency) -> None:
    message = make_message()
    chain = EscalationChain(steps=(Notify(Target.parse("oncall_primary"), ALL_CHANNELS), Wait(5)))
    t = Page.trigger(
        page_id="pg-77",
        practice_id="maple",
        urgency=urgency,
        subject_ref=message.id,
        chain=chain,
        now=NOW,
        resolve=lambda target, at: make_everyone(),
    )
    assert {d.channel for d in t.dispatches} == set(ALL_CHANNELS)
    capture = CapturingNotifier()
    router = ChannelRouter(dict.fromkeys(Channel, capture))
    page = t.page
    for dispatch in t.dispatches:
        notification = build_notification(
            dispatch,
            practice_name="Maple Pediatrics",
            urgency=page.urgency,
            code=page.code,
            link="https://triageline.test/a/tok.sig",
        )
        receipt = router.send(notification)
        page = page.record_delivery(dispatch.id, receipt.status, NOW).page
        for text in rendered(notification):
            lowered = text.lower()
            for fragment in message.phi():
                assert fragment.lower() not in lowered, (dispatch.channel, fragment)
    assert page.status is PageStatus.NOTIFIED
    assert len(capture.sent) == len(ALL_CHANNELS)
    stored = repr(page) + json.dumps([repr(e) for e in t.events])
    for fragment in message.phi():
        assert fragment.lower() not in stored.lower()


def test_capture_can_fail_chosen_channels_and_router_fails_unknown_ones() -> None:
    capture = CapturingNotifier(fail_channels={Channel.SMS})
    router = ChannelRouter({Channel.SMS: capture, Channel.EMAIL: capture})
    dispatch_sms = build_notification(
        Page.trigger(
            page_id="pg-1",
            practice_id="maple",
            urgency=PageUrgency.URGENT,
            subject_ref="msg-1",
            chain=EscalationChain(
                steps=(Notify(Target.parse("oncall_primary"), (Channel.SMS,)), Wait(5))
            ),
            now=NOW,
            resolve=lambda target, at: make_everyone(),
        ).dispatches[0],
        practice_name="Maple",
        urgency=PageUrgency.URGENT,
        code="K7P4X",
        link="https://t.test/l",
    )
    assert router.send(dispatch_sms).status is DeliveryStatus.FAILED
    voice = replace(dispatch_sms, channel=Channel.VOICE)
    receipt = router.send(voice)
    assert receipt.status is DeliveryStatus.FAILED and "voice" in receipt.detail
    assert capture.for_recipient("dr-lee") == [dispatch_sms]
