"""Demo portal data: a demo administrator and a few fake calls played through the calls service.

The calls are the example scripts in ``examples/scripts`` played on the voice channel by the real
calls service against the real database, at fixed after-hours times, so the inbox has messages.
Every name and number in them is fictional. Re-running changes nothing (calls are keyed on their
CallSid and every step on its key).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from triageline.adapters.auth.passwords import Argon2PasswordHasher
from triageline.adapters.auth.totp import PyotpTotp
from triageline.adapters.auth.uow import SqlPortalUnitOfWork
from triageline.adapters.calls.render import render_text
from triageline.bootstrap import Container
from triageline.domain.dialogue.events import CallerEvent, Pressed, Said
from triageline.domain.records import Channel
from triageline.entrypoints.cli.simulation import parse_script
from triageline.entrypoints.web.calls_wiring import build_calls
from triageline.entrypoints.web.portal.wiring import PortalWiring, SystemClock
from triageline.services.auth import ISSUER
from triageline.services.calls import StepRequest
from triageline.services.portal_model import Role

DEMO_SCRIPTS = ("after-hours-infant-fever.txt", "spanish-urgent.txt", "after-hours-chest-pain.txt")
CALLER_NUMBER = "+15125550199"


@dataclass(frozen=True, slots=True)
class DemoAdmin:
    """The credentials printed once when the demo administrator is created."""

    username: str
    password: str
    totp_secret: str
    totp_uri: str


class _FixedClock:
    """A clock that moves only when told (the demo calls happen at a fixed night time)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def create_demo_admin(container: Container, practice_id: str, username: str) -> DemoAdmin | None:
    """Create the demo practice administrator with a random password and TOTP; None if present."""
    wiring = PortalWiring(container)
    with SqlPortalUnitOfWork(container.session_factory, container.keyring) as uow:
        if uow.users.by_username(username) is not None:
            return None
        if uow.practices.get(practice_id) is None:
            raise LookupError(f"practice {practice_id!r} is not loaded; run `triageline demo load`")
    password = secrets.token_urlsafe(15)
    totp = PyotpTotp()
    secret = totp.new_secret()
    wiring.portal().create_user(
        None,
        "",
        username=username,
        display_name="Demo Administrator",
        role=Role.PRACTICE_ADMIN,
        practice_ids=(practice_id,),
        password=password,
        totp_secret=secret,
    )
    return DemoAdmin(username, password, secret, totp.provisioning_uri(secret, username, ISSUER))


def create_user(
    container: Container,
    *,
    username: str,
    display_name: str,
    role: Role,
    practice_ids: Sequence[str],
    password: str,
    with_totp: bool,
) -> str | None:
    """Create a user from the command line; returns the TOTP secret when one was made."""
    secret = PyotpTotp().new_secret() if with_totp else None
    service = PortalWiring(container, clock=SystemClock(), hasher=Argon2PasswordHasher()).portal()
    service.create_user(
        None,
        "",
        username=username,
        display_name=display_name,
        role=role,
        practice_ids=practice_ids,
        password=password,
        totp_secret=secret,
    )
    return secret


def last_weeknight(zone: ZoneInfo, now: datetime, days_back: int) -> datetime:
    """22:00 local on the most recent Monday-Thursday at least ``days_back`` days ago."""
    day = (now.astimezone(zone) - timedelta(days=days_back)).date()
    while day.weekday() > 3:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 22, 0, tzinfo=zone)


def seed_demo_calls(
    container: Container,
    practice_id: str,
    scripts_dir: Path,
    *,
    now: datetime | None = None,
    names: Sequence[str] = DEMO_SCRIPTS,
) -> list[str]:
    """Play the example scripts as after-hours voice calls; the ids of the messages taken."""
    with container.uow_factory() as uow:
        record = uow.practices.latest_config(practice_id)
    if record is None:
        raise LookupError(f"practice {practice_id!r} is not loaded; run `triageline demo load`")
    import yaml

    zone = ZoneInfo(str(yaml.safe_load(record.yaml_text).get("timezone", "UTC")))
    now = now or datetime.now(UTC)
    message_ids: list[str] = []
    for index, name in enumerate(names):
        clock = _FixedClock(last_weeknight(zone, now, index + 1))
        web = build_calls(container, clock=clock)
        lines = parse_script((scripts_dir / name).read_text(encoding="utf-8").splitlines())
        external_id = f"CAdemo{index:02d}" + "0" * 26
        call_id = ""
        steps = [None, *[line for line in lines if line.kind in ("say", "press")]]
        for number, line in enumerate(steps):
            event: CallerEvent | None = None
            if line is not None:
                clock.at += timedelta(seconds=20)
                event = (
                    Said(line.value, 0.95, None, clock.at)
                    if line.kind == "say"
                    else Pressed(line.value, clock.at)
                )
            result = web.service.handle(
                StepRequest(
                    practice_id=practice_id,
                    channel=Channel.VOICE,
                    external_id=external_id,
                    step_key=f"voice:{number}",
                    event=event,
                    from_number=CALLER_NUMBER,
                    to_number=None,
                    step_number=number,
                ),
                render_text,
            )
            call_id = result.call_id
        _call, _turns, messages = web.service.transcript(call_id)
        message_ids.extend(m.id for m in messages)
    return message_ids
