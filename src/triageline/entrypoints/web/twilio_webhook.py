"""Reading a Twilio webhook: parse the form, check ``X-Twilio-Signature``, fail closed (400/403)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from fastapi import Request, Response

from triageline.adapters.telephony import TwilioSignatureValidator

MALFORMED = "webhook.malformed"
"""Audit action of a request whose form cannot be read (or lacks a field): 400, ``rejected``."""
SIGNATURE_INVALID = "webhook.signature_invalid"
"""Audit action of a request without a valid signature: 403, ``denied``."""

T = TypeVar("T")


def malformed_response() -> Response:
    """The 400 answer to a malformed webhook (no detail is echoed back)."""
    return Response("malformed request", status_code=400)


async def signed_form(
    request: Request,
    public_base_url: str | None,
    route: Callable[[Mapping[str, str]], tuple[Sequence[str], T]],
    reject: Callable[[str, str, T | None], None],
) -> tuple[dict[str, str], T] | Response:
    """The form (first value per field) and its routed context, or a 400/403 already reported.

    ``route`` reads the unverified form to pick the auth tokens to check against (and returns
    whatever the caller wants back with them, e.g. the dialled line); ``reject`` is told
    (audit action, outcome, that context or None) before a 400/403 is returned.
    """
    try:
        raw = await request.form()
    except Exception:
        reject(MALFORMED, "rejected", None)
        return malformed_response()
    params = {key: [str(v) for v in raw.getlist(key)] for key in raw}
    form = {key: values[0] for key, values in params.items()}
    tokens, context = route(form)
    validator = TwilioSignatureValidator(public_base_url or "", tokens)
    signature = request.headers.get("X-Twilio-Signature")
    if not validator.validate_form(request.url.path, request.url.query, params, signature):
        reject(SIGNATURE_INVALID, "denied", context)
        return Response("forbidden", status_code=403)
    return form, context
