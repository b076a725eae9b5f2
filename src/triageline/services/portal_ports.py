"""Ports the portal services need: users, sessions, grants, audit search, hashing and TOTP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from triageline.domain.audit import AuditEvent
from triageline.domain.paging import AckSource
from triageline.domain.practice import Practice
from triageline.services.paging import AckResult
from triageline.services.portal_model import (
    BreakGlassGrant,
    MessageWork,
    PortalAlert,
    PortalSession,
    User,
)
from triageline.services.ports import UnitOfWork


class PortalClock(Protocol):
    """Tells the time (timezone-aware); tests pass a settable one."""

    def now(self) -> datetime:
        """The current instant."""
        ...


class PageAcknowledger(Protocol):
    """Acknowledges pages (the paging service), so escalation stops and the page is audited."""

    def acknowledge(
        self,
        *,
        actor: str,
        channel: AckSource,
        at: datetime,
        page_id: str | None = None,
        code: str | None = None,
    ) -> AckResult:
        """Acknowledge a page by id or code; a repeat is a recorded no-op."""
        ...


class UserRepository(Protocol):
    """Portal users."""

    def add(self, user: User) -> None:
        """Store a new user (ValueError if the id or username exists)."""
        ...

    def get(self, user_id: str) -> User | None:
        """The user, or None."""
        ...

    def by_username(self, username: str) -> User | None:
        """The user with this (normalised) username, or None."""
        ...

    def save(self, user: User) -> None:
        """Overwrite an existing user (KeyError if unknown)."""
        ...

    def list(self, practice_ids: Sequence[str] | None = None) -> Sequence[User]:
        """Users, by username; only members of ``practice_ids`` (plus none else) when given."""
        ...


class SessionRepository(Protocol):
    """Server-side sessions keyed by the SHA-256 of the cookie token."""

    def add(self, session: PortalSession) -> None:
        """Store a new session."""
        ...

    def get(self, token_hash: str) -> PortalSession | None:
        """The session, or None."""
        ...

    def touch(self, token_hash: str, at: datetime) -> None:
        """Record activity now (for the idle timeout)."""
        ...

    def delete(self, token_hash: str) -> None:
        """End one session (no error if unknown)."""
        ...

    def delete_for_user(self, user_id: str) -> int:
        """End every session of a user; how many there were."""
        ...


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One login attempt, for rate limiting (the username is stored as a hash)."""

    username_hash: str
    ip: str
    at: datetime
    success: bool


class LoginAttemptRepository(Protocol):
    """Recent login attempts."""

    def add(self, attempt: LoginAttempt) -> None:
        """Record an attempt."""
        ...

    def failures_from(self, ip: str, since: datetime) -> int:
        """Failed attempts from ``ip`` at or after ``since``."""
        ...


class BreakGlassRepository(Protocol):
    """Emergency access grants and the alerts they raise."""

    def add(self, grant: BreakGlassGrant) -> None:
        """Store a grant."""
        ...

    def active_for_user(self, user_id: str, at: datetime) -> Sequence[BreakGlassGrant]:
        """The user's grants in force at ``at``."""
        ...

    def add_alert(self, alert: PortalAlert) -> None:
        """Store an alert for a practice's administrators."""
        ...

    def alerts_for(self, practice_ids: Sequence[str], at: datetime) -> Sequence[PortalAlert]:
        """Alerts of those practices still shown at ``at``, newest first."""
        ...


class MessageWorkRepository(Protocol):
    """Portal-side handling of messages (assignee, callback, resolution note)."""

    def get(self, message_id: str) -> MessageWork:
        """The handling record (an empty one if none yet)."""
        ...

    def save(self, work: MessageWork) -> None:
        """Create or overwrite the handling record."""
        ...


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters for the audit log page (``action`` and ``source`` match as prefixes)."""

    practice_ids: tuple[str, ...] | None = None
    actor: str | None = None
    action: str | None = None
    subject: str | None = None
    subjects: tuple[str, ...] | None = None
    source: str | None = None
    limit: int = 200


class AuditSearch(Protocol):
    """Filtered reads of the audit trail."""

    def search(self, query: AuditQuery) -> Sequence[AuditEvent]:
        """Events matching every filter, newest first."""
        ...


class PortalUnitOfWork(UnitOfWork, Protocol):
    """The storage unit of work plus the portal's repositories, in one transaction."""

    @property
    def users(self) -> UserRepository:
        """Portal users."""
        ...

    @property
    def sessions(self) -> SessionRepository:
        """Browser sessions."""
        ...

    @property
    def login_attempts(self) -> LoginAttemptRepository:
        """Login attempts."""
        ...

    @property
    def break_glass(self) -> BreakGlassRepository:
        """Emergency grants and alerts."""
        ...

    @property
    def message_work(self) -> MessageWorkRepository:
        """Message handling."""
        ...

    @property
    def audit_search(self) -> AuditSearch:
        """Audit filters."""
        ...


PortalUnitOfWorkFactory = Callable[[], PortalUnitOfWork]


@dataclass(frozen=True, slots=True)
class CheckedConfig:
    """The outcome of validating a configuration text the way `config check` does."""

    practice_id: str | None
    practice_name: str | None
    issues: tuple[str, ...]
    practice: Practice | None = None


class ConfigChecker(Protocol):
    """Validates configuration text (the config loader, in the adapters)."""

    def check(self, yaml_text: str, source: str) -> CheckedConfig:
        """Validate; issues formatted as `config check` prints them."""
        ...


class PasswordHasher(Protocol):
    """A memory-hard password hash (argon2id)."""

    def hash(self, password: str) -> str:
        """A new encoded hash with a fresh salt."""
        ...

    def verify(self, encoded: str, password: str) -> bool:
        """True when ``password`` matches ``encoded``."""
        ...

    def needs_rehash(self, encoded: str) -> bool:
        """True when ``encoded`` was made with other parameters than the current ones."""
        ...


class TotpCodec(Protocol):
    """Time-based one-time passwords (RFC 6238, 30-second steps)."""

    def new_secret(self) -> str:
        """A fresh random base32 secret."""
        ...

    def matching_step(self, secret: str, code: str, at: datetime) -> int | None:
        """The time-step the code belongs to (current one or one either side), or None."""
        ...

    def provisioning_uri(self, secret: str, account: str, issuer: str) -> str:
        """The ``otpauth://`` URI an authenticator app scans."""
        ...

    def qr_svg(self, uri: str) -> str:
        """The URI as an SVG QR code (markup)."""
        ...
