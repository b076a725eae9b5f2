"""Words sent about a page: PHI-free notification bodies and the caller's "we reached them" text.

Only the practice name, the urgency, the page code, a link and (for the caller) the clinician's
display name and a time ever appear. Nothing here accepts caller names, numbers or symptoms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from triageline.domain.paging import Channel, PageUrgency
from triageline.domain.triage.types import Language

_URGENCY_WORDS = {
    PageUrgency.URGENT: "URGENT",
    PageUrgency.EMERGENCY_NOTIFY: "EMERGENCY (caller sent to 911)",
}


@dataclass(frozen=True, slots=True)
class PageText:
    """Subject and body of one page notification."""

    subject: str
    body: str


def page_text(
    *, practice_name: str, urgency: PageUrgency, code: str, link: str, channel: Channel
) -> PageText:
    """The notification for a page, shaped for the channel; never contains PHI."""
    level = _URGENCY_WORDS[urgency]
    subject = f"[{practice_name}] {level} page {code}"
    if channel is Channel.VOICE:
        spaced = ", ".join(code)
        body = (
            f"This is an {level.split(' ')[0].lower()} page from {practice_name}. "
            f"Page code {spaced}. Details are in the secure link sent by text."
        )
        return PageText(subject, body)
    if channel is Channel.SMS:
        body = f"{practice_name}: {level} page {code}. Reply 1 to acknowledge. {link}"
        return PageText(subject, body)
    body = (
        f"{practice_name} has an {level.lower()} page for you (code {code}).\n"
        f"Open the secure link to see the details and acknowledge:\n{link}\n"
        f"Or reply 1 to the text message."
    )
    return PageText(subject, body)


def callback_deadline(acknowledged_at: datetime, callback_minutes: int) -> datetime:
    """When the caller should expect the clinician's call."""
    if callback_minutes < 1:
        raise ValueError("callback minutes must be positive")
    return acknowledged_at + timedelta(minutes=callback_minutes)


_CALLER_TEMPLATES = {
    Language.EN: "Your message reached {name}; expect a call by {time}.",
    Language.ES: "Su mensaje le llegó a {name}; espere una llamada antes de las {time}.",
    Language.ZH: "您的留言已送达{name}；请在{time}前留意来电。",
}


def caller_update_text(lang: Language, clinician_name: str, expect_by: datetime) -> str:
    """The text a consenting caller gets once a page is acknowledged, in their language.

    `expect_by` must already be in the practice's time zone; it is shown as HH:MM.
    """
    if expect_by.tzinfo is None:
        raise ValueError("expect_by must be timezone-aware (practice local time)")
    name = " ".join(clinician_name.split())
    if not name:
        raise ValueError("clinician display name is empty")
    return _CALLER_TEMPLATES[lang].format(name=name, time=expect_by.strftime("%H:%M"))
