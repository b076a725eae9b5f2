"""What the portal routes need, built once per application and replaceable in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from triageline.adapters.auth.config_checker import LoaderConfigChecker
from triageline.adapters.auth.passwords import Argon2PasswordHasher
from triageline.adapters.auth.roster import YamlRosterReader
from triageline.adapters.auth.totp import PyotpTotp
from triageline.adapters.auth.uow import SqlPortalUnitOfWork
from triageline.bootstrap import Container
from triageline.services.auth import AuthService
from triageline.services.portal import PortalService
from triageline.services.portal_ports import (
    PageAcknowledger,
    PasswordHasher,
    PortalClock,
)
from triageline.services.portal_push import PortalPushService
from triageline.services.ports_notify import Notifier


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


@dataclass(slots=True)
class PortalWiring:
    """Container, clock and adapters; tests may swap the clock or hasher after start-up."""

    container: Container
    clock: PortalClock = field(default_factory=SystemClock)
    hasher: PasswordHasher = field(default_factory=Argon2PasswordHasher)
    totp: PyotpTotp = field(default_factory=PyotpTotp)
    checker: LoaderConfigChecker = field(default_factory=LoaderConfigChecker)
    pager: PageAcknowledger | None = None
    alerts: Notifier | None = None
    base_url: str = ""
    push_public_key: str = ""
    """The VAPID public key browsers subscribe with ("" when web push is not configured)."""

    def uow(self) -> SqlPortalUnitOfWork:
        """A new portal unit of work."""
        return SqlPortalUnitOfWork(self.container.session_factory, self.container.keyring)

    def auth(self) -> AuthService:
        """The authentication service."""
        return AuthService(self.uow, self.hasher, self.totp, self.clock)

    def portal(self) -> PortalService:
        """The portal use cases."""
        return PortalService(
            self.uow,
            self.clock,
            self.hasher,
            self.checker,
            self.pager,
            alerts=self.alerts,
            base_url=self.base_url,
        )

    def push(self) -> PortalPushService:
        """Roster links and browser push devices."""
        return PortalPushService(self.uow, self.clock, YamlRosterReader())
