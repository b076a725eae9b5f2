"""Roster links of portal users and their browsers' push devices: link, subscribe, list, remove.

A portal user may be linked to one roster person (a provider or staff member id of their
practice's configuration, e.g. ``dr-chen``), so that pages addressed to ``person:dr-chen`` reach
the browsers that user registered. Every change is audited (ids only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from triageline.domain.audit import AuditEntry
from triageline.domain.records import new_id
from triageline.services.auth import PORTAL_CHANNEL, portal_source
from triageline.services.portal_model import Access, Permission, Role, User
from triageline.services.portal_ports import PortalClock, PortalUnitOfWork

MAX_ENDPOINT_LENGTH = 2000
"""Longest push endpoint URL accepted (browsers' are a few hundred characters)."""

MAX_KEY_LENGTH = 200
"""Longest ``p256dh``/``auth`` key accepted (base64url; 87 and 22 characters in practice)."""

MAX_DEVICES_PER_USER = 20
"""A user may register at most this many browsers."""

GONE_STATUSES = (404, 410)
"""Push service answers meaning the subscription no longer exists (RFC 8030 section 7.3)."""


class PushInputError(ValueError):
    """A subscription or roster link the portal refuses (the message is safe to show)."""


class PushNotFoundError(LookupError):
    """A device or user outside what the acting user may manage."""


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A provider or staff member of a practice configuration."""

    id: str
    name: str


class RosterReader(Protocol):
    """Reads the roster (providers and staff) of a stored practice configuration."""

    def roster(self, yaml_text: str) -> tuple[RosterEntry, ...]:
        """Every provider and staff member (empty when the text cannot be read)."""
        ...


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """One browser's Web Push subscription (endpoint and keys identify the device: sealed)."""

    id: str
    user_id: str
    endpoint: str
    p256dh: str
    auth: str
    label: str
    created_at: datetime
    last_success_at: datetime | None = None
    failures: int = 0


class PushSubscriptionRepository(Protocol):
    """Stored push subscriptions."""

    def save(self, subscription: PushSubscription) -> PushSubscription:
        """Store a device; the same endpoint registered again replaces the old row (its id)."""
        ...

    def get(self, subscription_id: str) -> PushSubscription | None:
        """The device, or None."""
        ...

    def for_user(self, user_id: str) -> Sequence[PushSubscription]:
        """A user's devices, oldest first."""
        ...

    def delete(self, subscription_id: str) -> None:
        """Forget a device (no error if unknown)."""
        ...


class PushUnitOfWork(PortalUnitOfWork, Protocol):
    """The portal unit of work plus push subscriptions."""

    @property
    def push_subscriptions(self) -> PushSubscriptionRepository:
        """Browsers' push subscriptions."""
        ...


PushUnitOfWorkFactory = Callable[[], PushUnitOfWork]


class PushAddressKind(StrEnum):
    """What a push address names."""

    USER = "user"
    PERSON = "person"
    OPERATORS = "operators"


@dataclass(frozen=True, slots=True)
class PushAddress:
    """A parsed push address: ``user:<id>``, ``person:<roster id>`` or ``queue:operators``."""

    kind: PushAddressKind
    value: str


def parse_push_address(address: str) -> PushAddress | None:
    """The address as a `PushAddress`, or None when it is none of the three kinds."""
    text = address.strip()
    if text == "queue:operators":
        return PushAddress(PushAddressKind.OPERATORS, "operators")
    prefix, sep, value = text.partition(":")
    if not sep or not value:
        return None
    if prefix == "user":
        return PushAddress(PushAddressKind.USER, value)
    if prefix == "person":
        return PushAddress(PushAddressKind.PERSON, value)
    return None


class PushDirectory(Protocol):
    """The subscriptions an address reaches, and the bookkeeping of each send."""

    def subscriptions(self, address: PushAddress, page_id: str) -> Sequence[PushSubscription]:
        """Devices of the active users the address means (for the page's practice)."""
        ...

    def delivered(self, subscription_id: str, at: datetime) -> None:
        """The push service accepted a message for the device."""
        ...

    def failed(self, subscription_id: str) -> None:
        """A send to the device failed (counted)."""
        ...

    def gone(self, subscription_id: str) -> None:
        """The push service says the device's subscription no longer exists: delete it."""
        ...


@dataclass(frozen=True, slots=True)
class SubscriptionInput:
    """What the browser posts: ``PushSubscription.toJSON()`` fields and a device label."""

    endpoint: str
    p256dh: str
    auth: str
    label: str = ""


def check_subscription(data: SubscriptionInput) -> SubscriptionInput:
    """The subscription checked (https endpoint, base64url keys), or PushInputError."""
    endpoint = data.endpoint.strip()
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.netloc or len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise PushInputError("the push endpoint must be an https URL")
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
    for name, key in (("p256dh", data.p256dh), ("auth", data.auth)):
        if not key or len(key) > MAX_KEY_LENGTH or not set(key) <= allowed:
            raise PushInputError(f"the subscription key {name} is missing or malformed")
    label = " ".join(data.label.split())[:100] or "Browser"
    return SubscriptionInput(endpoint, data.p256dh, data.auth, label)


class PortalPushService:
    """Roster links (practice administrators) and each user's own push devices."""

    def __init__(
        self, uow_factory: PushUnitOfWorkFactory, clock: PortalClock, roster: RosterReader
    ) -> None:
        """Work through ``uow_factory``; read rosters from stored configurations with ``roster``."""
        self._uow = uow_factory
        self._clock = clock
        self._roster = roster

    # Roster links --------------------------------------------------------------------------

    def roster_choices(self, actor: User) -> dict[str, tuple[RosterEntry, ...]]:
        """The roster of each practice the actor administers (practice id -> people)."""
        now = self._clock.now()
        with self._uow() as uow:
            practices = self._access(uow, actor, now).practices(Permission.MANAGE_USERS)
            return {pid: self._roster_of(uow, pid) for pid in practices}

    def link_person(self, actor: User, ip: str, user_id: str, person_id: str | None) -> User:
        """Link a user to a roster person of one of their practices (None unlinks); audited."""
        now = self._clock.now()
        person = (person_id or "").strip() or None
        with self._uow() as uow:
            target = uow.users.get(user_id)
            if target is None:
                raise PushNotFoundError("user")
            managed = set(self._access(uow, actor, now).practices(Permission.MANAGE_USERS))
            if actor.role is not Role.SERVICE_ADMIN and (
                not target.practice_ids or not set(target.practice_ids) <= managed
            ):
                raise PushNotFoundError("user")
            if person is not None:
                known = {
                    entry.id for pid in target.practice_ids for entry in self._roster_of(uow, pid)
                }
                if person not in known:
                    raise PushInputError(
                        f"{person!r} is not a provider or staff member of the user's practices"
                    )
            if person == target.person_id:
                return target
            changed = replace(target, person_id=person)
            uow.users.save(changed)
            _audit(
                uow,
                actor,
                "user.person_linked" if person else "user.person_unlinked",
                f"user:{user_id}",
                ip,
                now,
                target.practice_ids[0] if len(target.practice_ids) == 1 else None,
                outcome=f"person:{person}" if person else "ok",
            )
            uow.commit()
        return changed

    # Devices -------------------------------------------------------------------------------

    def devices(self, user: User) -> list[PushSubscription]:
        """The acting user's own registered browsers."""
        with self._uow() as uow:
            return list(uow.push_subscriptions.for_user(user.id))

    def subscribe(self, user: User, ip: str, data: SubscriptionInput) -> PushSubscription:
        """Register (or refresh) this browser for the acting user; audited ``push.subscribed``."""
        checked = check_subscription(data)
        now = self._clock.now()
        with self._uow() as uow:
            existing = uow.push_subscriptions.for_user(user.id)
            same = [s for s in existing if s.endpoint == checked.endpoint]
            if not same and len(existing) >= MAX_DEVICES_PER_USER:
                raise PushInputError(
                    f"at most {MAX_DEVICES_PER_USER} devices; remove one you no longer use"
                )
            stored = uow.push_subscriptions.save(
                PushSubscription(
                    id=same[0].id if same else new_id(),
                    user_id=user.id,
                    endpoint=checked.endpoint,
                    p256dh=checked.p256dh,
                    auth=checked.auth,
                    label=checked.label,
                    created_at=same[0].created_at if same else now,
                )
            )
            _audit(uow, user, "push.subscribed", f"push:{stored.id}", ip, now)
            uow.commit()
        return stored

    def remove(self, user: User, ip: str, subscription_id: str) -> None:
        """Forget one of the acting user's browsers; another user's device is not found."""
        now = self._clock.now()
        with self._uow() as uow:
            found = uow.push_subscriptions.get(subscription_id)
            if found is None or found.user_id != user.id:
                _audit(
                    uow, user, "push.denied", f"push:{subscription_id}", ip, now, outcome="denied"
                )
                uow.commit()
                raise PushNotFoundError("device")
            uow.push_subscriptions.delete(subscription_id)
            _audit(uow, user, "push.removed", f"push:{subscription_id}", ip, now)
            uow.commit()

    # Internals -----------------------------------------------------------------------------

    @staticmethod
    def _access(uow: PushUnitOfWork, user: User, now: datetime) -> Access:
        grants = tuple(uow.break_glass.active_for_user(user.id, now))
        return Access(user, tuple(uow.practices.list_ids()), grants)

    def _roster_of(self, uow: PushUnitOfWork, practice_id: str) -> tuple[RosterEntry, ...]:
        version = uow.practices.latest_config(practice_id)
        return self._roster.roster(version.yaml_text) if version else ()


def _audit(
    uow: PushUnitOfWork,
    user: User,
    action: str,
    subject: str,
    ip: str,
    now: datetime,
    practice_id: str | None = None,
    *,
    outcome: str = "ok",
) -> None:
    uow.audit.append(
        AuditEntry(
            actor=user.id,
            action=action,
            subject=subject,
            channel=PORTAL_CHANNEL,
            outcome=outcome,
            at=now,
            practice_id=practice_id,
            source=portal_source(ip),
        )
    )
