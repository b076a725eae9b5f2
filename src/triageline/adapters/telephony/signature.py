"""X-Twilio-Signature validation that fails closed, over ``twilio.request_validator``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator, get_signature_algorithm

SIGNATURE_HEADER = "X-Twilio-Signature"
"""The request header carrying the signature."""
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
"""The header naming the algorithm when a webhook is signed with a shared key."""

FormParams = Mapping[str, Sequence[str]] | Sequence[tuple[str, str]]
"""Form fields as a multi-map or as (name, value) pairs; repeated names are kept."""


class _MultiParams(dict[str, list[str]]):
    """The multi-valued mapping shape ``RequestValidator`` reads (``getall``/``getlist``)."""

    def getall(self, key: str) -> list[str]:
        return self[key]

    def getlist(self, key: str) -> list[str]:
        return self[key]


def _multi(params: FormParams) -> _MultiParams:
    out = _MultiParams()
    if isinstance(params, Mapping):
        for name, values in params.items():
            out.setdefault(name, []).extend([values] if isinstance(values, str) else list(values))
    else:
        for name, value in params:
            out.setdefault(name, []).append(value)
    return out


class TwilioSignatureValidator:
    """Checks webhooks against the practice's auth token(s) and the configured public URL.

    Fails closed: with no token configured, or no signature sent, every request is rejected.
    A secondary token may be given during rotation (either one is accepted). The URL is built
    from ``public_base_url`` (the address Twilio was given), never from the request as the
    server saw it, so a proxy or TLS terminator cannot break or spoof the check.
    """

    def __init__(self, public_base_url: str, tokens: Sequence[str | None]) -> None:
        """Configure with the public base URL (``https://host[/prefix]``) and tokens."""
        self._base = public_base_url.rstrip("/")
        self._validators = [RequestValidator(token) for token in tokens if token]

    @property
    def configured(self) -> bool:
        """True when at least one token is configured (otherwise every request is rejected)."""
        return bool(self._validators) and bool(self._base)

    def url_for(self, path: str, query: str = "") -> str:
        """The URL Twilio signed: public base URL + request path + query string."""
        if not path.startswith("/"):
            path = "/" + path
        return f"{self._base}{path}?{query}" if query else f"{self._base}{path}"

    def validate_form(
        self,
        path: str,
        query: str,
        params: FormParams,
        signature: str | None,
        *,
        signature_settings: str | None = None,
    ) -> bool:
        """True when a form-encoded webhook carries a valid signature for one of the tokens."""
        if not self.configured or not signature:
            return False
        url = self.url_for(path, query)
        fields = _multi(params)
        algorithm = get_signature_algorithm(signature_settings)
        return any(
            bool(v.validate(url, fields, signature, algorithm=algorithm)) for v in self._validators
        )

    def validate_json(
        self,
        path: str,
        query: str,
        body: bytes,
        signature: str | None,
        *,
        signature_settings: str | None = None,
    ) -> bool:
        """True when a JSON webhook's URL is signed and ``bodySHA256`` matches the body."""
        if not self.configured or not signature:
            return False
        if "bodySHA256" not in parse_qs(query):
            return False
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        url = self.url_for(path, query)
        algorithm = get_signature_algorithm(signature_settings)
        return any(
            bool(v.validate(url, text, signature, algorithm=algorithm)) for v in self._validators
        )
