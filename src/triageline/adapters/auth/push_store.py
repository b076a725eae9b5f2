"""Push subscriptions in SQL (endpoint and keys sealed) and the directory the notifier reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from triageline.adapters.auth.models import (
    PortalPushSubscriptionRow,
    PortalUserPracticeRow,
    PortalUserRow,
)
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.paging_tables import PageRow
from triageline.adapters.storage.repositories import aad
from triageline.services.portal_model import Role
from triageline.services.portal_push import PushAddress, PushAddressKind, PushSubscription

TABLE = "portal_push_subscriptions"


def endpoint_hash(endpoint: str) -> str:
    """SHA-256 of the endpoint (the lookup key of a re-registered device)."""
    return hashlib.sha256(endpoint.encode("utf-8")).hexdigest()


def _subscription(keyring: Keyring, row: PortalPushSubscriptionRow) -> PushSubscription:
    keys = json.loads(keyring.open(row.keys, aad=aad(TABLE, "keys")))
    return PushSubscription(
        id=row.id,
        user_id=row.user_id,
        endpoint=keyring.open(row.endpoint, aad=aad(TABLE, "endpoint")),
        p256dh=str(keys["p256dh"]),
        auth=str(keys["auth"]),
        label=row.label,
        created_at=row.created_at,
        last_success_at=row.last_success_at,
        failures=row.failures,
    )


class SqlPushSubscriptionRepository:
    """Browsers' push subscriptions in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def save(self, subscription: PushSubscription) -> PushSubscription:
        """Store a device; a row with the same endpoint (any user) is replaced by this one."""
        digest = endpoint_hash(subscription.endpoint)
        self._s.execute(
            delete(PortalPushSubscriptionRow).where(
                PortalPushSubscriptionRow.endpoint_hash == digest,
                PortalPushSubscriptionRow.id != subscription.id,
            )
        )
        row = self._s.get(PortalPushSubscriptionRow, subscription.id)
        if row is None:
            row = PortalPushSubscriptionRow(id=subscription.id)
            self._s.add(row)
        keys = json.dumps({"p256dh": subscription.p256dh, "auth": subscription.auth})
        row.user_id = subscription.user_id
        row.endpoint_hash = digest
        row.endpoint = self._k.seal(subscription.endpoint, aad=aad(TABLE, "endpoint"))
        row.keys = self._k.seal(keys, aad=aad(TABLE, "keys"))
        row.label = subscription.label[:100]
        row.created_at = subscription.created_at
        row.last_success_at = subscription.last_success_at
        row.failures = subscription.failures
        self._s.flush()
        return subscription

    def get(self, subscription_id: str) -> PushSubscription | None:
        """The device, or None."""
        row = self._s.get(PortalPushSubscriptionRow, subscription_id)
        return None if row is None else _subscription(self._k, row)

    def for_user(self, user_id: str) -> Sequence[PushSubscription]:
        """A user's devices, oldest first."""
        rows = self._s.scalars(
            select(PortalPushSubscriptionRow)
            .where(PortalPushSubscriptionRow.user_id == user_id)
            .order_by(PortalPushSubscriptionRow.created_at, PortalPushSubscriptionRow.id)
        )
        return [_subscription(self._k, row) for row in rows]

    def delete(self, subscription_id: str) -> None:
        """Forget a device."""
        self._s.execute(
            delete(PortalPushSubscriptionRow).where(PortalPushSubscriptionRow.id == subscription_id)
        )
        self._s.expire_all()


class SqlPushDirectory:
    """Which devices a push address reaches, and per-device send bookkeeping (own sessions).

    ``user:<id>`` is that active user; ``person:<roster id>`` the active users linked to that
    roster id who belong to the page's practice; ``queue:operators`` the active operators of the
    page's practice. A page id that is not a stored page (e.g. a break-glass alert) has no
    practice, so only ``user:`` addresses reach anyone for it.
    """

    def __init__(self, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
        """Open short sessions from ``session_factory``; open sealed values with ``keyring``."""
        self._sessions = session_factory
        self._k = keyring

    def subscriptions(self, address: PushAddress, page_id: str) -> Sequence[PushSubscription]:
        """Devices of the users the address means, oldest first."""
        with self._sessions() as session:
            users = select(PortalUserRow.id).where(PortalUserRow.active.is_(True))
            if address.kind is PushAddressKind.USER:
                users = users.where(PortalUserRow.id == address.value)
            else:
                practice_id = session.scalar(
                    select(PageRow.practice_id).where(PageRow.id == page_id)
                )
                if practice_id is None:
                    return []
                members = select(PortalUserPracticeRow.user_id).where(
                    PortalUserPracticeRow.practice_id == practice_id
                )
                users = users.where(PortalUserRow.id.in_(members))
                if address.kind is PushAddressKind.PERSON:
                    users = users.where(PortalUserRow.person_id == address.value)
                else:
                    users = users.where(PortalUserRow.role == Role.OPERATOR.value)
            rows = session.scalars(
                select(PortalPushSubscriptionRow)
                .where(PortalPushSubscriptionRow.user_id.in_(users))
                .order_by(PortalPushSubscriptionRow.created_at, PortalPushSubscriptionRow.id)
            )
            return [_subscription(self._k, row) for row in rows]

    def delivered(self, subscription_id: str, at: datetime) -> None:
        """Record an accepted send (consecutive failures back to 0)."""
        self._update(subscription_id, last_success_at=at, failures=0)

    def failed(self, subscription_id: str) -> None:
        """Count a failed send."""
        self._update(subscription_id, failures=PortalPushSubscriptionRow.failures + 1)

    def gone(self, subscription_id: str) -> None:
        """Delete a subscription the push service no longer knows."""
        with self._sessions() as session:
            session.execute(
                delete(PortalPushSubscriptionRow).where(
                    PortalPushSubscriptionRow.id == subscription_id
                )
            )
            session.commit()

    def _update(self, subscription_id: str, **values: object) -> None:
        with self._sessions() as session:
            session.execute(
                update(PortalPushSubscriptionRow)
                .where(PortalPushSubscriptionRow.id == subscription_id)
                .values(**values)
            )
            session.commit()
