"""Notification settings from the environment, validated at start-up, and the notifiers they make.

Variables (all optional; a channel with no settings has no notifier, so its sends fail at once
and the page moves on to the next channel):

- ``TRIAGELINE_NOTIFY``: ``live`` (default) or ``dry-run`` (every channel records the send as
  sent and logs a PHI-free line; nothing leaves the machine).
- ``TRIAGELINE_TWILIO_ACCOUNT_SID``, ``TRIAGELINE_TWILIO_AUTH_TOKEN`` (first of a comma-separated
  list), ``TRIAGELINE_TWILIO_FROM_NUMBER`` (E.164), ``TRIAGELINE_TWILIO_BASE_URL`` (tests only):
  SMS and voice pages. The auth token alone (no account) only validates inbound webhooks.
- ``TRIAGELINE_SMTP_URL`` (``smtp://[user@]host[:port]``, STARTTLS unless ``?starttls=off``,
  port 587 by default), ``TRIAGELINE_SMTP_PASSWORD``, ``TRIAGELINE_SMTP_FROM``: e-mail.
- ``TRIAGELINE_VAPID_PRIVATE_KEY`` (PEM or base64url DER, P-256), ``TRIAGELINE_VAPID_SUBJECT``
  (``mailto:`` or ``https:``): web push.
- ``TRIAGELINE_WEBHOOK_SECRET`` (at least 32 bytes): signed outbound webhooks.

Every bad or incomplete value raises `SettingsError` naming the variable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr
from enum import StrEnum
from urllib.parse import parse_qs, unquote, urlsplit

from triageline.adapters.notify.dry_run import DryRunNotifier
from triageline.adapters.notify.email_notifier import SmtpNotifier, SmtpSettings
from triageline.adapters.notify.subscription_push import SubscriptionPushNotifier
from triageline.adapters.notify.twilio_notifier import (
    TwilioSettings,
    TwilioSmsNotifier,
    TwilioVoiceNotifier,
)
from triageline.adapters.notify.webhook_notifier import MIN_SECRET_BYTES, WebhookNotifier
from triageline.adapters.notify.webpush_notifier import (
    WebPushNotifier,
    WebPushSettings,
    vapid_key_for_pywebpush,
)
from triageline.domain.paging import Channel, DeliveryStatus
from triageline.services.portal_push import PushDirectory
from triageline.services.ports_notify import DeliveryReceipt, Notification, Notifier
from triageline.settings import SettingsError

NOTIFY_ENV = "TRIAGELINE_NOTIFY"
ACCOUNT_ENV = "TRIAGELINE_TWILIO_ACCOUNT_SID"
TOKEN_ENV = "TRIAGELINE_TWILIO_AUTH_TOKEN"  # noqa: S105 - a variable name
FROM_ENV = "TRIAGELINE_TWILIO_FROM_NUMBER"
BASE_URL_ENV = "TRIAGELINE_TWILIO_BASE_URL"
SMTP_URL_ENV = "TRIAGELINE_SMTP_URL"
SMTP_PASSWORD_ENV = "TRIAGELINE_SMTP_PASSWORD"  # noqa: S105 - a variable name
SMTP_FROM_ENV = "TRIAGELINE_SMTP_FROM"
VAPID_KEY_ENV = "TRIAGELINE_VAPID_PRIVATE_KEY"
VAPID_SUBJECT_ENV = "TRIAGELINE_VAPID_SUBJECT"
WEBHOOK_SECRET_ENV = "TRIAGELINE_WEBHOOK_SECRET"  # noqa: S105 - a variable name

DEFAULT_SMTP_PORT = 587
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_OFF = ("off", "no", "false", "0")
_ON = ("on", "yes", "true", "1")


class NotifyMode(StrEnum):
    """Whether notifications really go out."""

    LIVE = "live"
    DRY_RUN = "dry-run"


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Validated notification settings; a channel group is None when it is not configured."""

    mode: NotifyMode = NotifyMode.LIVE
    twilio: TwilioSettings | None = field(default=None, repr=False)
    smtp: SmtpSettings | None = field(default=None, repr=False)
    webpush: WebPushSettings | None = field(default=None, repr=False)
    webhook_secret: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, base_url: str) -> NotifySettings:
        """Read every notification variable; ``base_url`` is where Twilio posts callbacks."""
        return cls(
            mode=_mode(environ),
            twilio=twilio_from_env(environ, base_url),
            smtp=smtp_from_env(environ),
            webpush=webpush_from_env(environ),
            webhook_secret=webhook_secret_from_env(environ),
        )

    def channels(self) -> tuple[Channel, ...]:
        """The channels that have a notifier (every channel in dry-run mode)."""
        if self.mode is NotifyMode.DRY_RUN:
            return tuple(Channel)
        configured: list[Channel] = []
        if self.twilio is not None:
            configured += [Channel.SMS, Channel.VOICE]
        if self.smtp is not None:
            configured.append(Channel.EMAIL)
        if self.webpush is not None:
            configured.append(Channel.PUSH)
        if self.webhook_secret is not None:
            configured.append(Channel.WEBHOOK)
        return tuple(configured)


def _get(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or "").strip()


def _mode(environ: Mapping[str, str]) -> NotifyMode:
    raw = _get(environ, NOTIFY_ENV).lower() or NotifyMode.LIVE.value
    try:
        return NotifyMode(raw)
    except ValueError:
        choices = ", ".join(m.value for m in NotifyMode)
        raise SettingsError(f"{NOTIFY_ENV}: {raw!r} is not one of {choices}") from None


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def twilio_from_env(environ: Mapping[str, str], base_url: str) -> TwilioSettings | None:
    """Twilio REST settings, or None when no account is configured (inbound-only is fine)."""
    account = _get(environ, ACCOUNT_ENV)
    token = _get(environ, TOKEN_ENV).split(",")[0].strip()
    sender = _get(environ, FROM_ENV)
    rest_base = _get(environ, BASE_URL_ENV)
    if not account:
        for name, value in ((FROM_ENV, sender), (BASE_URL_ENV, rest_base)):
            if value:
                raise SettingsError(f"{ACCOUNT_ENV}: not set, but {name} is")
        return None
    if not account.startswith("AC") or len(account) != 34:
        raise SettingsError(f"{ACCOUNT_ENV}: an account SID is 'AC' and 32 hex digits")
    if not token:
        raise SettingsError(f"{TOKEN_ENV}: required when {ACCOUNT_ENV} is set")
    if not sender:
        raise SettingsError(f"{FROM_ENV}: required when {ACCOUNT_ENV} is set")
    if not _E164.match(sender):
        raise SettingsError(f"{FROM_ENV}: {sender!r} is not an E.164 number like +15125550100")
    return TwilioSettings(
        account_sid=account,
        auth_token=token,
        from_number=sender,
        status_callback_url=f"{base_url}/twilio/notify/status",
        voice_gather_url=f"{base_url}/twilio/page/gather",
        base_url=_http_url(BASE_URL_ENV, rest_base) if rest_base else None,
    )


def smtp_from_env(environ: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP submission settings from ``smtp://[user@]host[:port][?starttls=off]``, or None."""
    url = _get(environ, SMTP_URL_ENV)
    password = environ.get(SMTP_PASSWORD_ENV) or ""
    sender = _get(environ, SMTP_FROM_ENV)
    if not url:
        for name, value in ((SMTP_FROM_ENV, sender), (SMTP_PASSWORD_ENV, password)):
            if value:
                raise SettingsError(f"{SMTP_URL_ENV}: not set, but {name} is")
        return None
    parts = urlsplit(url)
    if parts.scheme != "smtp":
        raise SettingsError(
            f"{SMTP_URL_ENV}: use smtp://[user@]host[:port] (STARTTLS), not {parts.scheme}://"
        )
    if parts.password is not None:
        raise SettingsError(
            f"{SMTP_URL_ENV}: put the password in {SMTP_PASSWORD_ENV}, not in the URL"
        )
    if not parts.hostname:
        raise SettingsError(f"{SMTP_URL_ENV}: no host in {url!r}")
    try:
        port = parts.port or DEFAULT_SMTP_PORT
    except ValueError:
        raise SettingsError(f"{SMTP_URL_ENV}: the port is not a number from 1 to 65535") from None
    if parts.path not in ("", "/"):
        raise SettingsError(f"{SMTP_URL_ENV}: unexpected path {parts.path!r}")
    starttls = _starttls(parts.query)
    username = unquote(parts.username) if parts.username else None
    if username and not password:
        raise SettingsError(f"{SMTP_PASSWORD_ENV}: required when {SMTP_URL_ENV} names a user")
    if password and not username:
        raise SettingsError(f"{SMTP_URL_ENV}: {SMTP_PASSWORD_ENV} is set but the URL has no user@")
    if not sender:
        raise SettingsError(f"{SMTP_FROM_ENV}: required when {SMTP_URL_ENV} is set")
    if parseaddr(sender)[1] != sender or "@" not in sender.strip("@"):
        raise SettingsError(f"{SMTP_FROM_ENV}: {sender!r} is not a bare address like pages@x.org")
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        sender=sender,
        starttls=starttls,
        username=username,
        password=password or None,
    )


def _starttls(query: str) -> bool:
    options = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(options) - {"starttls"})
    if unknown:
        raise SettingsError(f"{SMTP_URL_ENV}: unknown option {unknown[0]!r} (only starttls)")
    values = options.get("starttls", ["on"])
    value = values[-1].strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise SettingsError(f"{SMTP_URL_ENV}: starttls={value!r} must be on or off")


def webpush_from_env(environ: Mapping[str, str]) -> WebPushSettings | None:
    """VAPID settings, or None; the key is parsed now so a bad key fails at start-up."""
    key = _get(environ, VAPID_KEY_ENV).replace("\\n", "\n")
    subject = _get(environ, VAPID_SUBJECT_ENV)
    if not key:
        if subject:
            raise SettingsError(f"{VAPID_KEY_ENV}: not set, but {VAPID_SUBJECT_ENV} is")
        return None
    try:
        vapid_key_for_pywebpush(key)
    except (ValueError, TypeError):
        raise SettingsError(
            f"{VAPID_KEY_ENV}: not a PEM or base64url DER private key (e.g. from "
            "'vapid --gen' or 'openssl ecparam -name prime256v1 -genkey')"
        ) from None
    if not subject:
        raise SettingsError(f"{VAPID_SUBJECT_ENV}: required when {VAPID_KEY_ENV} is set")
    if not (subject.startswith("mailto:") or subject.startswith("https://")):
        raise SettingsError(f"{VAPID_SUBJECT_ENV}: {subject!r} must start with mailto: or https://")
    return WebPushSettings(vapid_private_key=key, vapid_subject=subject)


def webhook_secret_from_env(environ: Mapping[str, str]) -> bytes | None:
    """The webhook signing secret (UTF-8 bytes of the value), or None."""
    raw = _get(environ, WEBHOOK_SECRET_ENV)
    if not raw:
        return None
    secret = raw.encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"{WEBHOOK_SECRET_ENV}: {len(secret)} bytes; use at least {MIN_SECRET_BYTES} "
            "(e.g. openssl rand -hex 32)"
        )
    return secret


class InlinePushNotifier:
    """Web push to an address holding a subscription (JSON with endpoint and keys).

    Paging addresses such as ``person:<id>`` or ``queue:operators`` name browsers registered in
    the portal; while none is registered for the address the send fails at once (so the page
    moves on) with a detail saying so.
    """

    def __init__(self, inner: Notifier) -> None:
        """Send subscriptions through ``inner`` (a `WebPushNotifier`)."""
        self._inner = inner

    def send(self, notification: Notification) -> DeliveryReceipt:
        """Push to an inline subscription; fail at once for an unregistered address."""
        if not notification.address.lstrip().startswith("{"):
            return DeliveryReceipt(
                DeliveryStatus.FAILED, "", "no browser push subscription registered for address"
            )
        return self._inner.send(notification)


def build_notifiers(
    settings: NotifySettings,
    *,
    webhook_clock: Callable[[], datetime] | None = None,
    push_directory: PushDirectory | None = None,
) -> dict[Channel, Notifier]:
    """One notifier per configured channel (every channel a `DryRunNotifier` in dry-run mode).

    With ``push_directory`` (the portal's stored subscriptions) web push goes to the browsers
    registered for ``user:``/``person:``/``queue:operators`` addresses
    (`SubscriptionPushNotifier`); without it only inline subscriptions (`InlinePushNotifier`).
    """
    if settings.mode is NotifyMode.DRY_RUN:
        dry = DryRunNotifier()
        return {channel: dry for channel in Channel}
    notifiers: dict[Channel, Notifier] = {}
    if settings.twilio is not None:
        notifiers[Channel.SMS] = TwilioSmsNotifier(settings.twilio)
        notifiers[Channel.VOICE] = TwilioVoiceNotifier(settings.twilio)
    if settings.smtp is not None:
        notifiers[Channel.EMAIL] = SmtpNotifier(settings.smtp)
    if settings.webpush is not None:
        sender = WebPushNotifier(settings.webpush)
        notifiers[Channel.PUSH] = (
            InlinePushNotifier(sender)
            if push_directory is None
            else SubscriptionPushNotifier(sender, push_directory)
        )
    if settings.webhook_secret is not None:
        if webhook_clock is None:
            notifiers[Channel.WEBHOOK] = WebhookNotifier(settings.webhook_secret)
        else:
            notifiers[Channel.WEBHOOK] = WebhookNotifier(
                settings.webhook_secret, clock=webhook_clock
            )
    return notifiers
