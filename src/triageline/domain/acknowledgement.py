"""Acknowledgement primitives: SMS replies, signed single-use links, voice keypresses (pure)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

_ACK_WORDS = frozenset(
    {"1", "ack", "acknowledge", "acknowledged", "ok", "si", "sí", "确认", "收到", "確認"}
)
_CODE_RE = re.compile(r"^(?=.*[2-9])(?=.*[A-Z])[2-9A-HJKMNP-Z]{4,8}$")
_SPLIT_RE = re.compile(r"[\s,.;:!?！？。，、]+")
MIN_SECRET_BYTES = 32


class SmsReplyKind(StrEnum):
    """What an SMS reply from a paged clinician means."""

    ACK = "ack"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SmsReply:
    """A parsed SMS reply: an acknowledgement (optionally naming a page code) or not."""

    kind: SmsReplyKind
    code: str | None = None

    @property
    def is_ack(self) -> bool:
        """True when the reply acknowledges a page."""
        return self.kind is SmsReplyKind.ACK


def parse_sms_reply(body: str) -> SmsReply:
    """Read `1`, `ack`, `sí`, `确认`, a page code, or a word plus a code (`ack K7P4X`).

    Anything else (including an empty body or free text) is UNKNOWN: never guess an ack.
    """
    text = unicodedata.normalize("NFKC", body).strip()
    tokens = [t for t in _SPLIT_RE.split(text) if t]
    if not tokens or len(tokens) > 2:
        return SmsReply(SmsReplyKind.UNKNOWN)
    words = [t.casefold() for t in tokens]
    codes = [t.upper() for t in tokens if _CODE_RE.match(t.upper())]
    acks = [w for w in words if w in _ACK_WORDS]
    if len(tokens) == 1:
        if acks:
            return SmsReply(SmsReplyKind.ACK)
        if codes:
            return SmsReply(SmsReplyKind.ACK, codes[0])
        return SmsReply(SmsReplyKind.UNKNOWN)
    if len(acks) == 1 and len(codes) == 1 and tokens[0].casefold() in _ACK_WORDS:
        return SmsReply(SmsReplyKind.ACK, codes[0])
    return SmsReply(SmsReplyKind.UNKNOWN)


def voice_keypress_acknowledges(digits: str | None) -> bool:
    """Only a human pressing 1 on the voice page acknowledges; silence or voicemail never does."""
    return (digits or "").strip() == "1"


# ----------------------------------------------------------------------------- signed links


class AckLinkError(ValueError):
    """An acknowledgement link is malformed, tampered with or expired."""


@dataclass(frozen=True, slots=True)
class AckLinkClaims:
    """What a valid link says; the caller must store `nonce` as used (single use)."""

    page_id: str
    nonce: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _check_secret(secret: bytes) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise AckLinkError(f"the link secret must have at least {MIN_SECRET_BYTES} bytes")


def _mac(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def sign_ack_token(secret: bytes, page_id: str, nonce: str, expires_at: datetime) -> str:
    """A URL-safe token: HMAC-SHA256 over page id, nonce and expiry (`payload.signature`)."""
    _check_secret(secret)
    if expires_at.tzinfo is None:
        raise AckLinkError("expiry must be timezone-aware")
    if not nonce or "\n" in nonce or "\n" in page_id:
        raise AckLinkError("page id and nonce must be non-empty single-line strings")
    expiry = int(expires_at.timestamp())
    payload = _b64(f"{page_id}\n{nonce}\n{expiry}".encode())
    return f"{payload}.{_mac(secret, payload)}"


def verify_ack_token(secret: bytes, token: str, now: datetime) -> AckLinkClaims:
    """Check signature and expiry; return the claims. Raises AckLinkError on any problem.

    Single use is the caller's job: refuse the link if `claims.nonce` was already consumed.
    """
    _check_secret(secret)
    payload, dot, signature = token.partition(".")
    if not dot or not payload or not signature:
        raise AckLinkError("malformed link")
    if not hmac.compare_digest(_mac(secret, payload), signature):
        raise AckLinkError("bad signature")
    try:
        page_id, nonce, expiry = _unb64(payload).decode().split("\n")
        expires_at = datetime.fromtimestamp(int(expiry), tz=UTC)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise AckLinkError("malformed link") from None
    if now >= expires_at:
        raise AckLinkError("link expired")
    return AckLinkClaims(page_id, nonce, expires_at)
