"""X-Twilio-Signature validation: the SDK's vector, tampering, ports, duplicates, fail-closed."""

from __future__ import annotations

import hashlib

import pytest
from twilio.request_validator import RequestValidator

from triageline.adapters.telephony import TwilioSignatureValidator

TOKEN = "12345"
BASE = "https://mycompany.com"
PATH = "/myapp.php"
QUERY = "foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
SDK_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def make_validator(*tokens: str | None, base: str = BASE) -> TwilioSignatureValidator:
    return TwilioSignatureValidator(base, list(tokens) if tokens else [TOKEN])


def pairs(params: dict[str, str]) -> list[tuple[str, str]]:
    return list(params.items())


def test_sdk_test_vector() -> None:
    validator = make_validator()
    assert validator.url_for(PATH, QUERY) == "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert validator.validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)
    assert validator.validate_form(PATH, QUERY, {k: [v] for k, v in PARAMS.items()}, SDK_SIGNATURE)


def test_tampered_parameter_is_rejected() -> None:
    tampered = dict(PARAMS, Digits="1235")
    assert not make_validator().validate_form(PATH, QUERY, pairs(tampered), SDK_SIGNATURE)


def test_added_parameter_is_rejected() -> None:
    extra = dict(PARAMS, Body="hi")
    assert not make_validator().validate_form(PATH, QUERY, pairs(extra), SDK_SIGNATURE)


@pytest.mark.parametrize("signature", [None, ""])
def test_missing_signature_is_rejected(signature: str | None) -> None:
    assert not make_validator().validate_form(PATH, QUERY, pairs(PARAMS), signature)


def test_wrong_host_or_path_is_rejected() -> None:
    assert not make_validator(base="https://evil.example").validate_form(
        PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE
    )
    assert not make_validator().validate_form("/other.php", QUERY, pairs(PARAMS), SDK_SIGNATURE)
    assert not make_validator().validate_form(PATH, "", pairs(PARAMS), SDK_SIGNATURE)


def test_port_443_either_way() -> None:
    with_port = make_validator(base="https://mycompany.com:443")
    assert with_port.validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)
    signed_with_port = RequestValidator(TOKEN).compute_signature(
        "https://mycompany.com:443/myapp.php?foo=1&bar=2", PARAMS
    )
    assert make_validator().validate_form(PATH, QUERY, pairs(PARAMS), signed_with_port)


def test_duplicate_parameters_are_all_signed() -> None:
    fields = [*pairs(PARAMS), ("MediaUrl", "https://a"), ("MediaUrl", "https://b")]
    url = f"{BASE}{PATH}?{QUERY}"
    multi = {k: [v] for k, v in PARAMS.items()}
    multi["MediaUrl"] = ["https://a", "https://b"]

    class Multi(dict[str, list[str]]):
        def getall(self, key: str) -> list[str]:
            return self[key]

    signature = RequestValidator(TOKEN).compute_signature(url, Multi(multi))
    validator = make_validator()
    assert validator.validate_form(PATH, QUERY, fields, signature)
    assert validator.validate_form(PATH, QUERY, multi, signature)
    assert not validator.validate_form(PATH, QUERY, fields[:-1], signature)


@pytest.mark.parametrize("tokens", [[], [None], [""], [None, ""]])
def test_no_token_configured_rejects_everything(tokens: list[str | None]) -> None:
    validator = TwilioSignatureValidator(BASE, tokens)
    assert not validator.configured
    assert not validator.validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)
    assert not validator.validate_json(PATH, "bodySHA256=x", b"{}", SDK_SIGNATURE)


def test_no_public_base_url_rejects_everything() -> None:
    validator = TwilioSignatureValidator("", [TOKEN])
    assert not validator.configured
    assert not validator.validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)


def test_secondary_token_is_accepted_during_rotation() -> None:
    validator = make_validator("new-token", TOKEN)
    assert validator.validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)
    assert not make_validator("new-token").validate_form(PATH, QUERY, pairs(PARAMS), SDK_SIGNATURE)


def _signed_json(body: bytes) -> tuple[str, str]:
    query = f"bodySHA256={hashlib.sha256(body).hexdigest()}"
    url = f"{BASE}/twilio/events?{query}"
    return query, RequestValidator(TOKEN).compute_signature(url, {})


def test_json_body_hash_is_checked() -> None:
    body = b'{"CallSid": "CA1", "Status": "completed"}'
    query, signature = _signed_json(body)
    validator = make_validator()
    assert validator.validate_json("/twilio/events", query, body, signature)
    assert not validator.validate_json("/twilio/events", query, body + b" ", signature)


def test_json_without_body_hash_is_rejected() -> None:
    body = b"{}"
    _, signature = _signed_json(body)
    assert not make_validator().validate_json("/twilio/events", "", body, signature)


def test_json_that_is_not_utf8_is_rejected() -> None:
    body = b"\xff\xfe"
    query, signature = _signed_json(body)
    assert not make_validator().validate_json("/twilio/events", query, body, signature)


def test_sha256_shared_key_signatures() -> None:
    url = f"{BASE}{PATH}?{QUERY}"
    signature = RequestValidator(TOKEN).compute_signature(url, PARAMS, "HMAC_SHA256")
    settings = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    validator = make_validator()
    assert validator.validate_form(
        PATH, QUERY, pairs(PARAMS), signature, signature_settings=settings
    )
    assert not validator.validate_form(PATH, QUERY, pairs(PARAMS), signature)
