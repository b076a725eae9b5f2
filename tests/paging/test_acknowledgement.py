"""Acknowledgement primitives: SMS replies, signed single-use links, voice keypresses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triageline.domain.acknowledgement import (
    AckLinkError,
    SmsReplyKind,
    parse_sms_reply,
    sign_ack_token,
    verify_ack_token,
    voice_keypress_acknowledges,
)
from triageline.domain.paging import page_code

NOW = datetime(2026, 1, 9, 22, 0, tzinfo=UTC)
SECRET = bytes(range(32))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("1", None),
        (" 1 ", None),
        ("ACK", None),
        ("ack.", None),
        ("Sí", None),
        ("si", None),
        ("确认", None),
        ("K7P4X", "K7P4X"),
        ("k7p4x", "K7P4X"),
        ("ack K7P4X", "K7P4X"),
        ("1 k7p4x", "K7P4X"),
        ("１", None),  # full-width digit from a Chinese keyboard
    ],
)
def test_acknowledging_replies(body: str, code: str | None) -> None:
    reply = parse_sms_reply(body)
    assert reply.is_ack and reply.code == code


@pytest.mark.parametrize(
    "body",
    [
        "",
        "2",
        "no",
        "thanks",
        "call me later",
        "SURE",
        "who is this",
        "ack ack ack",
        "11",
        "K7P",
        "K0P4X",
    ],
)
def test_other_replies_are_not_acknowledgements(body: str) -> None:
    assert parse_sms_reply(body).kind is SmsReplyKind.UNKNOWN


def test_generated_page_codes_parse_back() -> None:
    for n in range(50):
        code = page_code(f"pg-{n}")
        assert parse_sms_reply(code.lower()).code == code


def test_link_round_trip() -> None:
    token = sign_ack_token(SECRET, "pg-1", "nonce-1", NOW + timedelta(hours=12))
    claims = verify_ack_token(SECRET, token, NOW)
    assert (claims.page_id, claims.nonce) == ("pg-1", "nonce-1")
    assert claims.expires_at == NOW + timedelta(hours=12)
    assert all(c.isalnum() or c in "-_." for c in token)


def test_link_expires() -> None:
    token = sign_ack_token(SECRET, "pg-1", "n", NOW + timedelta(minutes=10))
    verify_ack_token(SECRET, token, NOW + timedelta(minutes=9, seconds=59))
    with pytest.raises(AckLinkError, match="expired"):
        verify_ack_token(SECRET, token, NOW + timedelta(minutes=10))


def test_tampered_links_are_rejected() -> None:
    token = sign_ack_token(SECRET, "pg-1", "n", NOW + timedelta(hours=1))
    payload, _, signature = token.partition(".")
    other = sign_ack_token(SECRET, "pg-2", "n", NOW + timedelta(hours=1))
    forged = other.partition(".")[0] + "." + signature
    flipped = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for bad in (forged, flipped, payload, "", "..", token + "x"):
        with pytest.raises(AckLinkError):
            verify_ack_token(SECRET, bad, NOW)
    with pytest.raises(AckLinkError, match="signature"):
        verify_ack_token(bytes(reversed(SECRET)), token, NOW)


def test_links_need_a_strong_secret_and_aware_expiry() -> None:
    with pytest.raises(AckLinkError):
        sign_ack_token(b"short", "pg-1", "n", NOW)
    with pytest.raises(AckLinkError):
        sign_ack_token(SECRET, "pg-1", "n", datetime(2026, 1, 1))
    with pytest.raises(AckLinkError):
        sign_ack_token(SECRET, "pg-1", "", NOW)


@pytest.mark.parametrize(
    ("digits", "acks"), [("1", True), (" 1", True), ("2", False), ("", False), (None, False)]
)
def test_only_pressing_one_acknowledges(digits: str | None, acks: bool) -> None:
    assert voice_keypress_acknowledges(digits) is acks
