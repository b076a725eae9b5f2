"""TOTP (RFC 6238) with pyotp, and enrolment QR codes rendered as SVG with segno."""

from __future__ import annotations

import hmac
import io
from datetime import datetime, timedelta

import pyotp
import segno

STEP_SECONDS = 30


class PyotpTotp:
    """30-second, 6-digit, SHA-1 codes; one step of clock drift either side is accepted."""

    def new_secret(self) -> str:
        """A fresh random base32 secret (160 bits from the OS CSPRNG)."""
        return pyotp.random_base32(32)

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time-step counter the code belongs to, or None (the caller refuses reuse)."""
        if len(code) != 6 or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        for drift in (0, -1, 1):
            moment = at + timedelta(seconds=drift * STEP_SECONDS)
            if hmac.compare_digest(totp.at(moment), code):
                return totp.timecode(moment)
        return None

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The otpauth:// URI for authenticator apps."""
        return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)

    def qr_svg(self, uri: str) -> str:
        """An inline SVG QR code of the URI (no XML declaration, scalable)."""
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(
            buffer,
            kind="svg",
            scale=5,
            xmldecl=False,
            svgns=True,
            nl=False,
            title="TOTP enrolment QR code",
        )
        return buffer.getvalue().decode("utf-8")
