"""Portal users, roles, sessions and break-glass grants, and who may do what (no I/O here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

IDLE_TIMEOUT = timedelta(minutes=15)
"""Automatic logoff after this much inactivity (HIPAA 164.312(a)(2)(iii))."""

ABSOLUTE_LIFETIME = timedelta(hours=12)
"""A session ends this long after login whatever the activity (ASVS 7.3.2)."""

PENDING_LIFETIME = timedelta(minutes=5)
"""How long a half-finished login (password accepted, code not yet) may wait."""

LOCKOUT_THRESHOLD = 5
"""Consecutive failed attempts (password or code) that lock an account."""

LOCKOUT_DURATION = timedelta(minutes=15)
"""How long a locked account stays locked."""

IP_WINDOW = timedelta(minutes=15)
"""The window in which failed logins from one address are counted."""

IP_FAILURE_LIMIT = 20
"""Failed logins from one address within ``IP_WINDOW`` after which it is refused."""

BREAK_GLASS_DURATION = timedelta(minutes=60)
"""How long emergency access lasts."""

MIN_PASSWORD_LENGTH = 12
"""Minimum length of a new password (ASVS 6.2.1 asks for 8; 15 is recommended)."""

MAX_PASSWORD_LENGTH = 128
"""Maximum length of a password (ASVS 6.2.9 asks to allow at least 64)."""


class Role(StrEnum):
    """What a portal user is to the practices they belong to."""

    SERVICE_ADMIN = "service_admin"
    PRACTICE_ADMIN = "practice_admin"
    CLINICIAN = "clinician"
    STAFF = "staff"
    OPERATOR = "operator"


class Permission(StrEnum):
    """One thing a role may do within a practice."""

    VIEW_PHI = "view_phi"
    HANDLE_MESSAGES = "handle_messages"
    VIEW_ONCALL = "view_oncall"
    EDIT_ONCALL = "edit_oncall"
    LIVE_BOARD = "live_board"
    EDIT_SETTINGS = "edit_settings"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"


_CARE = frozenset({Permission.VIEW_PHI, Permission.HANDLE_MESSAGES, Permission.VIEW_ONCALL})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # A service administrator runs the installation; reading PHI needs break-glass.
    Role.SERVICE_ADMIN: frozenset(
        {
            Permission.VIEW_ONCALL,
            Permission.EDIT_ONCALL,
            Permission.LIVE_BOARD,
            Permission.EDIT_SETTINGS,
            Permission.MANAGE_USERS,
            Permission.VIEW_AUDIT,
        }
    ),
    Role.PRACTICE_ADMIN: frozenset(Permission),
    Role.CLINICIAN: _CARE,
    Role.STAFF: _CARE,
    Role.OPERATOR: _CARE | {Permission.LIVE_BOARD},
}

BREAK_GLASS_PERMISSIONS = _CARE
"""What an active break-glass grant adds for its practice."""


class SessionState(StrEnum):
    """How far a browser session has come through login."""

    ANONYMOUS = "anonymous"
    PENDING_MFA = "pending_mfa"
    PENDING_ENROLMENT = "pending_enrolment"
    ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class User:
    """A portal login; ``practice_ids`` is empty for a service administrator (all practices)."""

    id: str
    username: str
    display_name: str
    role: Role
    practice_ids: tuple[str, ...]
    password_hash: str
    created_at: datetime
    totp_secret: str | None = None
    totp_confirmed: bool = False
    totp_last_step: int = 0
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    language: str = "en"
    person_id: str | None = None
    """The roster id (a provider or staff member of the practice configuration) or None."""

    def locked(self, now: datetime) -> bool:
        """True while the account is locked out."""
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class PortalSession:
    """A server-side browser session, found by the SHA-256 of its cookie token."""

    token_hash: str
    state: SessionState
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    user_id: str | None = None
    ip: str = ""
    language: str = "en"

    def expired(self, now: datetime) -> bool:
        """True when idle too long, or past its absolute or pending lifetime."""
        if self.state is SessionState.ACTIVE:
            return (
                now - self.last_seen_at >= IDLE_TIMEOUT
                or now - self.created_at >= ABSOLUTE_LIFETIME
            )
        if self.state is SessionState.ANONYMOUS:
            return now - self.last_seen_at >= IDLE_TIMEOUT
        return now - self.created_at >= PENDING_LIFETIME


@dataclass(frozen=True, slots=True)
class BreakGlassGrant:
    """Emergency access by one user to one practice, with a reason, until ``expires_at``."""

    id: str
    user_id: str
    practice_id: str
    reason: str
    started_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        """True while the grant lasts."""
        return self.started_at <= now < self.expires_at


@dataclass(frozen=True, slots=True)
class PortalAlert:
    """A notice shown as a banner to a practice's administrators (e.g. break-glass used)."""

    id: str
    practice_id: str
    kind: str
    text: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class MessageWork:
    """Portal-side handling of a message: assignee, callback done, resolution note (PHI)."""

    message_id: str
    assigned_to: str | None = None
    callback_done_at: datetime | None = None
    callback_done_by: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Access:
    """What one user may do, per practice, at one instant (roles plus break-glass)."""

    user: User
    all_practice_ids: tuple[str, ...]
    grants: tuple[BreakGlassGrant, ...] = ()

    def practices(self, permission: Permission) -> tuple[str, ...]:
        """The practices where ``permission`` is allowed, sorted."""
        allowed: set[str] = set()
        if permission in ROLE_PERMISSIONS[self.user.role]:
            if self.user.role is Role.SERVICE_ADMIN:
                allowed.update(self.all_practice_ids)
            else:
                allowed.update(self.user.practice_ids)
        if permission in BREAK_GLASS_PERMISSIONS:
            allowed.update(g.practice_id for g in self.grants)
        return tuple(sorted(allowed))

    def allows(self, permission: Permission, practice_id: str) -> bool:
        """True when ``permission`` is allowed in ``practice_id`` (deny by default)."""
        return practice_id in self.practices(permission)

    def anywhere(self, permission: Permission) -> bool:
        """True when ``permission`` is allowed in at least one practice."""
        return bool(self.practices(permission))

    def via_break_glass(self, practice_id: str) -> bool:
        """True when access to ``practice_id`` exists only through an emergency grant."""
        return any(g.practice_id == practice_id for g in self.grants) and not (
            Permission.VIEW_PHI in ROLE_PERMISSIONS[self.user.role]
            and practice_id in self.user.practice_ids
        )


def grantable_roles(by: Role) -> tuple[Role, ...]:
    """Roles a user with role ``by`` may give to others."""
    if by is Role.SERVICE_ADMIN:
        return tuple(Role)
    if by is Role.PRACTICE_ADMIN:
        return (Role.PRACTICE_ADMIN, Role.CLINICIAN, Role.STAFF, Role.OPERATOR)
    return ()


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively, without surrounding blanks."""
    return username.strip().lower()


def password_problem(password: str, username: str, common: Iterable[str] = ()) -> str | None:
    """Why a new password is unacceptable, or None (length and common-password checks only)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if normalise_username(username) in lowered:
        return "do not include the username"
    if lowered in set(common):
        return "this password is too common"
    return None
