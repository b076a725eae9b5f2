"""Notification settings from the environment: good values parse, bad ones name the variable."""

from __future__ import annotations

import pytest
from wiring_builders import ACCOUNT_SID, WEBHOOK_SECRET, make_env

from triageline.adapters.notify.settings import NotifyMode, NotifySettings
from triageline.domain.paging import Channel
from triageline.settings import SettingsError

BASE = "https://answer.maple.test"


def parse(env: dict[str, str]) -> NotifySettings:
    """Settings from ``env`` with the test base URL."""
    return NotifySettings.from_env(env, base_url=BASE)


def test_empty_environment_configures_nothing_and_is_live() -> None:
    settings = parse({})
    assert settings.mode is NotifyMode.LIVE
    assert settings.channels() == ()
    assert (settings.twilio, settings.smtp, settings.webpush, settings.webhook_secret) == (
        None,
        None,
        None,
        None,
    )


def test_full_environment_configures_every_channel() -> None:
    settings = parse(make_env())
    assert set(settings.channels()) == set(Channel)
    assert settings.twilio is not None
    assert settings.twilio.account_sid == ACCOUNT_SID
    assert settings.twilio.auth_token == "tok-current"  # the first of a rotation pair
    assert settings.twilio.from_number == "+15125550100"
    assert settings.twilio.status_callback_url == f"{BASE}/twilio/notify/status"
    assert settings.twilio.voice_gather_url == f"{BASE}/twilio/page/gather"
    assert settings.twilio.base_url is None
    assert settings.smtp is not None
    assert (settings.smtp.host, settings.smtp.port) == ("smtp.maple.test", 2525)
    assert settings.smtp.username == "pages@maple.test"
    assert settings.smtp.password == "app-password"
    assert settings.smtp.sender == "pages@maple.test"
    assert settings.smtp.starttls is True
    assert settings.webpush is not None
    assert settings.webpush.vapid_subject == "mailto:ops@maple.test"
    assert settings.webhook_secret == WEBHOOK_SECRET.encode()


def test_secrets_are_not_in_the_repr() -> None:
    text = repr(parse(make_env()))
    assert "app-password" not in text and "tok-current" not in text
    assert WEBHOOK_SECRET not in text


def test_smtp_defaults_to_port_587_with_starttls_and_no_login() -> None:
    env = make_env(SMTP_URL="smtp://relay.maple.test", SMTP_PASSWORD=None)
    smtp = parse(env).smtp
    assert smtp is not None
    assert (smtp.port, smtp.starttls, smtp.username, smtp.password) == (587, True, None, None)


def test_starttls_can_be_turned_off_for_a_local_relay() -> None:
    env = make_env(SMTP_URL="smtp://127.0.0.1:25?starttls=off", SMTP_PASSWORD=None)
    smtp = parse(env).smtp
    assert smtp is not None and smtp.starttls is False


def test_an_auth_token_alone_only_validates_inbound_webhooks() -> None:
    env = {"TRIAGELINE_TWILIO_AUTH_TOKEN": "tok"}
    assert parse(env).twilio is None


def test_vapid_key_may_be_given_with_escaped_newlines() -> None:
    pem = make_env()["TRIAGELINE_VAPID_PRIVATE_KEY"]
    env = make_env(VAPID_PRIVATE_KEY=pem.replace("\n", "\\n"))
    assert parse(env).webpush is not None


@pytest.mark.parametrize("value", ["dry-run", "DRY-RUN", " dry-run "])
def test_dry_run_mode_gives_every_channel(value: str) -> None:
    settings = parse({"TRIAGELINE_NOTIFY": value})
    assert settings.mode is NotifyMode.DRY_RUN
    assert set(settings.channels()) == set(Channel)


BAD = [
    ({"NOTIFY": "quiet"}, "TRIAGELINE_NOTIFY"),
    ({"TWILIO_AUTH_TOKEN": None}, "TRIAGELINE_TWILIO_AUTH_TOKEN"),
    ({"TWILIO_FROM_NUMBER": None}, "TRIAGELINE_TWILIO_FROM_NUMBER"),
    ({"TWILIO_FROM_NUMBER": "5125550100"}, "TRIAGELINE_TWILIO_FROM_NUMBER"),
    ({"TWILIO_ACCOUNT_SID": "not-a-sid"}, "TRIAGELINE_TWILIO_ACCOUNT_SID"),
    ({"TWILIO_ACCOUNT_SID": None}, "TRIAGELINE_TWILIO_ACCOUNT_SID"),
    ({"TWILIO_BASE_URL": "ftp://x"}, "TRIAGELINE_TWILIO_BASE_URL"),
    ({"SMTP_URL": "smtps://smtp.maple.test"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": "smtp://u:pw@smtp.maple.test"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": "smtp://u@smtp.maple.test:99999"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": "smtp://u@smtp.maple.test?starttls=maybe"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": "smtp://u@smtp.maple.test?tls=1"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": "smtp:///nohost"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_URL": None}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_PASSWORD": None}, "TRIAGELINE_SMTP_PASSWORD"),
    ({"SMTP_URL": "smtp://smtp.maple.test"}, "TRIAGELINE_SMTP_URL"),
    ({"SMTP_FROM": None}, "TRIAGELINE_SMTP_FROM"),
    ({"SMTP_FROM": "Pages <pages@maple.test>"}, "TRIAGELINE_SMTP_FROM"),
    ({"SMTP_FROM": "pages"}, "TRIAGELINE_SMTP_FROM"),
    ({"VAPID_PRIVATE_KEY": "not a key"}, "TRIAGELINE_VAPID_PRIVATE_KEY"),
    ({"VAPID_PRIVATE_KEY": None}, "TRIAGELINE_VAPID_PRIVATE_KEY"),
    ({"VAPID_SUBJECT": None}, "TRIAGELINE_VAPID_SUBJECT"),
    ({"VAPID_SUBJECT": "ops@maple.test"}, "TRIAGELINE_VAPID_SUBJECT"),
    ({"WEBHOOK_SECRET": "too-short"}, "TRIAGELINE_WEBHOOK_SECRET"),
]


@pytest.mark.parametrize(("changes", "variable"), BAD, ids=[f"{v}-{c}" for c, v in BAD])
def test_a_bad_or_incomplete_value_names_the_variable(
    changes: dict[str, str | None], variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        parse(make_env(**changes))
    assert str(caught.value).startswith(f"{variable}:"), str(caught.value)


def test_a_bad_value_is_refused_even_in_dry_run_mode() -> None:
    with pytest.raises(SettingsError, match=r"^TRIAGELINE_WEBHOOK_SECRET:"):
        parse(make_env(NOTIFY="dry-run", WEBHOOK_SECRET="short"))


@pytest.mark.parametrize(
    "url",
    [
        "smtp://u:hunter2secret@smtp.maple.test",
        "smtp://u:hunter2secret@",
        "smtps://u:hunter2secret@h",
    ],
)
def test_the_smtp_password_never_appears_in_an_error(url: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse(make_env(SMTP_URL=url))
    assert "hunter2secret" not in str(caught.value)
