"""Page notification text and the caller's "your message reached" text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from triageline.domain.page_text import callback_deadline, caller_update_text, page_text
from triageline.domain.paging import Channel, PageUrgency
from triageline.domain.triage.types import Language

ACKED = datetime(2026, 1, 10, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (Language.EN, "Your message reached Dr. Chen; expect a call by 22:35."),
        (Language.ES, "Su mensaje le llegó a Dr. Chen; espere una llamada antes de las 22:35."),
        (Language.ZH, "您的留言已送达Dr. Chen；请在22:35前留意来电。"),
    ],
)
def test_caller_hears_back_in_their_language(lang: Language, expected: str) -> None:
    due = callback_deadline(ACKED, 30).astimezone(ZoneInfo("America/New_York"))
    assert caller_update_text(lang, "Dr.  Chen", due) == expected


def test_caller_text_needs_local_aware_time_and_a_name() -> None:
    with pytest.raises(ValueError):
        caller_update_text(Language.EN, "Dr. Chen", datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError):
        caller_update_text(Language.EN, "  ", ACKED)
    with pytest.raises(ValueError):
        callback_deadline(ACKED, 0)
    assert "08:05" in caller_update_text(
        Language.EN, "Dr. Chen", ACKED.astimezone(timezone(timedelta(hours=5)))
    )


@pytest.mark.parametrize("channel", list(Channel))
def test_page_text_has_practice_urgency_code_and_link(channel: Channel) -> None:
    text = page_text(
        practice_name="Maple Pediatrics",
        urgency=PageUrgency.EMERGENCY_NOTIFY,
        code="K7P4X",
        link="https://t.test/a/x.y",
        channel=channel,
    )
    assert text.subject == "[Maple Pediatrics] EMERGENCY (caller sent to 911) page K7P4X"
    assert "Maple Pediatrics" in text.body
    if channel is Channel.VOICE:
        assert "K, 7, P, 4, X" in text.body and "http" not in text.body
    else:
        assert "K7P4X" in text.body and "https://t.test/a/x.y" in text.body
    if channel is Channel.SMS:
        assert len(text.body) <= 160
