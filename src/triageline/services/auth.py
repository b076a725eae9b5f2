"""Portal authentication: password then TOTP, server-side sessions, lockout and CSRF tokens.

A browser first gets an anonymous session (so the login form carries a CSRF token); a correct
password rotates it into a pending one, a correct code (or a confirmed enrolment) rotates that
into an active session. Every attempt is audited without PHI or secrets.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from triageline.domain.audit import SOURCE_MAX, AuditEntry
from triageline.services.portal_model import (
    IP_FAILURE_LIMIT,
    IP_WINDOW,
    LOCKOUT_DURATION,
    LOCKOUT_THRESHOLD,
    PortalSession,
    SessionState,
    User,
    normalise_username,
)
from triageline.services.portal_ports import (
    LoginAttempt,
    PasswordHasher,
    PortalClock,
    PortalUnitOfWork,
    PortalUnitOfWorkFactory,
    TotpCodec,
)

ISSUER = "triageline"

# Verifying against this hash when the username is unknown keeps response times alike.
_DUMMY_PASSWORD = "not-a-real-password-" + "x" * 12


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a session token is stored; the token itself never is."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def username_hash(username: str) -> str:
    """A stable, non-reversible key for a username in the attempts table."""
    return hashlib.sha256(normalise_username(username).encode("utf-8")).hexdigest()


PORTAL_CHANNEL = "portal"
"""The audit channel of every portal action (where it came from is the event's ``source``)."""


def portal_source(ip: str) -> str | None:
    """The audit ``source`` of a portal request: the client address, or None when unknown."""
    return ip[:SOURCE_MAX] if ip else None


class LoginResult(StrEnum):
    """What a login step came to."""

    NEED_CODE = "need_code"
    NEED_ENROLMENT = "need_enrolment"
    LOGGED_IN = "logged_in"
    BAD_CREDENTIALS = "bad_credentials"
    BAD_CODE = "bad_code"
    REPLAYED_CODE = "replayed_code"
    LOCKED = "locked"
    THROTTLED = "throttled"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class LoginStep:
    """The result of a login step and the session token the browser should now hold."""

    result: LoginResult
    token: str | None = None


@dataclass(frozen=True, slots=True)
class CurrentSession:
    """A live session and, once logged in, its user."""

    token: str
    session: PortalSession
    user: User | None


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the enrolment page shows: the secret, its URI and the QR code."""

    secret: str
    uri: str
    qr_svg: str


class AuthService:
    """Logs users in and out and keeps their sessions."""

    def __init__(
        self,
        uow_factory: PortalUnitOfWorkFactory,
        hasher: PasswordHasher,
        totp: TotpCodec,
        clock: PortalClock,
    ) -> None:
        """Work through ``uow_factory`` with these adapters and clock."""
        self._uow = uow_factory
        self._hasher = hasher
        self._totp = totp
        self._clock = clock
        self._dummy_hash: str | None = None

    # Sessions -----------------------------------------------------------------------------

    def start(self, ip: str, language: str = "en") -> CurrentSession:
        """A new anonymous session (for the login form's CSRF token)."""
        now = self._clock.now()
        with self._uow() as uow:
            token, session = self._new_session(uow, SessionState.ANONYMOUS, None, ip, language, now)
            uow.commit()
        return CurrentSession(token, session, None)

    def current(self, token: str | None) -> CurrentSession | None:
        """The live session for a cookie token (activity recorded), or None if unknown/expired."""
        if not token:
            return None
        now = self._clock.now()
        key = token_hash(token)
        with self._uow() as uow:
            session = uow.sessions.get(key)
            if session is None:
                return None
            if session.expired(now):
                uow.sessions.delete(key)
                if session.state is SessionState.ACTIVE and session.user_id is not None:
                    self._audit(uow, session.user_id, "auth.logoff_idle", session.ip, now)
                uow.commit()
                return None
            user = uow.users.get(session.user_id) if session.user_id else None
            if session.user_id and (user is None or not user.active):
                uow.sessions.delete(key)
                uow.commit()
                return None
            if session.state in (SessionState.ACTIVE, SessionState.ANONYMOUS):
                uow.sessions.touch(key, now)
                session = replace(session, last_seen_at=now)
            uow.commit()
        return CurrentSession(token, session, user)

    def set_language(self, token: str, language: str) -> None:
        """Remember the interface language of a session (e.g. chosen on the login page)."""
        with self._uow() as uow:
            session = uow.sessions.get(token_hash(token))
            if session is not None:
                uow.sessions.delete(session.token_hash)
                uow.sessions.add(replace(session, language=language))
                uow.commit()

    def logout(self, token: str) -> None:
        """End the session server-side."""
        now = self._clock.now()
        with self._uow() as uow:
            session = uow.sessions.get(token_hash(token))
            if session is not None:
                uow.sessions.delete(session.token_hash)
                if session.user_id:
                    self._audit(uow, session.user_id, "auth.logout", session.ip, now)
                uow.commit()

    @staticmethod
    def csrf_ok(session: PortalSession, submitted: str | None) -> bool:
        """True when the submitted token equals the session's (constant-time)."""
        return bool(submitted) and hmac.compare_digest(
            session.csrf_token.encode("ascii"), (submitted or "").encode("utf-8", "replace")
        )

    # Login ----------------------------------------------------------------------------------

    def login_password(self, token: str, username: str, password: str, ip: str) -> LoginStep:
        """Check the password; on success rotate into a session waiting for the code."""
        now = self._clock.now()
        with self._uow() as uow:
            session = uow.sessions.get(token_hash(token))
            if session is None or session.expired(now):
                return LoginStep(LoginResult.EXPIRED)
            if uow.login_attempts.failures_from(ip, now - IP_WINDOW) >= IP_FAILURE_LIMIT:
                self._audit(uow, "anonymous", "auth.login", ip, now, outcome="throttled")
                uow.commit()
                return LoginStep(LoginResult.THROTTLED)
            user = uow.users.by_username(username)
            if user is None or not user.active:
                self._hasher.verify(self._dummy(), password)
                self._failed(uow, None, username, ip, now)
                uow.commit()
                return LoginStep(LoginResult.BAD_CREDENTIALS)
            if user.locked(now):
                self._audit(uow, user.id, "auth.login", ip, now, outcome="locked")
                uow.login_attempts.add(LoginAttempt(username_hash(username), ip, now, False))
                uow.commit()
                return LoginStep(LoginResult.LOCKED)
            if not self._hasher.verify(user.password_hash, password):
                locked = self._failed(uow, user, username, ip, now)
                uow.commit()
                return LoginStep(LoginResult.LOCKED if locked else LoginResult.BAD_CREDENTIALS)
            if self._hasher.needs_rehash(user.password_hash):
                user = replace(user, password_hash=self._hasher.hash(password))
                uow.users.save(user)
                self._audit(uow, user.id, "auth.password_rehashed", ip, now)
            state = (
                SessionState.PENDING_MFA
                if user.totp_confirmed and user.totp_secret
                else SessionState.PENDING_ENROLMENT
            )
            uow.sessions.delete(session.token_hash)
            new_token, _ = self._new_session(uow, state, user.id, ip, session.language, now)
            self._audit(uow, user.id, "auth.password_ok", ip, now)
            uow.commit()
        result = (
            LoginResult.NEED_CODE
            if state is SessionState.PENDING_MFA
            else LoginResult.NEED_ENROLMENT
        )
        return LoginStep(result, new_token)

    def login_code(self, token: str, code: str, ip: str) -> LoginStep:
        """Check the TOTP code (never the same time-step twice); rotate into an active session."""
        now = self._clock.now()
        with self._uow() as uow:
            pending = self._pending(uow, token, SessionState.PENDING_MFA, now)
            if pending is None:
                return LoginStep(LoginResult.EXPIRED)
            session, user = pending
            if not user.active or not user.totp_secret:
                return LoginStep(LoginResult.EXPIRED)
            if user.locked(now):
                return LoginStep(LoginResult.LOCKED)
            step = self._totp.matching_step(user.totp_secret, code.strip().replace(" ", ""), now)
            if step is None or step <= user.totp_last_step:
                replayed = step is not None
                locked = self._failed(
                    uow,
                    user,
                    user.username,
                    ip,
                    now,
                    action="auth.code_replayed" if replayed else "auth.code",
                )
                uow.commit()
                if locked:
                    return LoginStep(LoginResult.LOCKED)
                return LoginStep(LoginResult.REPLAYED_CODE if replayed else LoginResult.BAD_CODE)
            user = replace(user, totp_last_step=step, failed_logins=0, locked_until=None)
            uow.users.save(user)
            new_token = self._activate(uow, session, user, ip, now)
            self._audit(uow, user.id, "auth.login", ip, now)
            uow.commit()
        return LoginStep(LoginResult.LOGGED_IN, new_token)

    def enrolment(self, token: str) -> Enrolment | None:
        """The secret and QR code for a session waiting for enrolment (secret made if needed)."""
        now = self._clock.now()
        with self._uow() as uow:
            pending = self._pending(uow, token, SessionState.PENDING_ENROLMENT, now)
            if pending is None:
                return None
            _session, user = pending
            if not user.totp_secret:
                user = replace(user, totp_secret=self._totp.new_secret(), totp_confirmed=False)
                uow.users.save(user)
                uow.commit()
        secret = user.totp_secret or ""
        uri = self._totp.provisioning_uri(secret, user.username, ISSUER)
        return Enrolment(secret, uri, self._totp.qr_svg(uri))

    def confirm_enrolment(self, token: str, code: str, ip: str) -> LoginStep:
        """Confirm the authenticator with a first code; rotate into an active session."""
        now = self._clock.now()
        with self._uow() as uow:
            pending = self._pending(uow, token, SessionState.PENDING_ENROLMENT, now)
            if pending is None:
                return LoginStep(LoginResult.EXPIRED)
            session, user = pending
            if not user.totp_secret:
                return LoginStep(LoginResult.EXPIRED)
            step = self._totp.matching_step(user.totp_secret, code.strip().replace(" ", ""), now)
            if step is None:
                locked = self._failed(uow, user, user.username, ip, now, action="auth.enrol")
                uow.commit()
                return LoginStep(LoginResult.LOCKED if locked else LoginResult.BAD_CODE)
            user = replace(
                user, totp_confirmed=True, totp_last_step=step, failed_logins=0, locked_until=None
            )
            uow.users.save(user)
            self._audit(uow, user.id, "auth.mfa_enrolled", ip, now)
            new_token = self._activate(uow, session, user, ip, now)
            self._audit(uow, user.id, "auth.login", ip, now)
            uow.commit()
        return LoginStep(LoginResult.LOGGED_IN, new_token)

    # Internals ------------------------------------------------------------------------------

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(_DUMMY_PASSWORD)
        return self._dummy_hash

    @staticmethod
    def _pending(
        uow: PortalUnitOfWork, token: str, state: SessionState, now: datetime
    ) -> tuple[PortalSession, User] | None:
        """A live session waiting in ``state`` and its user; None when there is none."""
        session = uow.sessions.get(token_hash(token))
        if (
            session is None
            or session.expired(now)
            or session.state is not state
            or session.user_id is None
        ):
            return None
        user = uow.users.get(session.user_id)
        return None if user is None else (session, user)

    def _activate(
        self, uow: PortalUnitOfWork, old: PortalSession, user: User, ip: str, now: datetime
    ) -> str:
        uow.sessions.delete(old.token_hash)
        token, _ = self._new_session(uow, SessionState.ACTIVE, user.id, ip, user.language, now)
        return token

    @staticmethod
    def _new_session(
        uow: PortalUnitOfWork,
        state: SessionState,
        user_id: str | None,
        ip: str,
        language: str,
        now: datetime,
    ) -> tuple[str, PortalSession]:
        token = secrets.token_urlsafe(32)
        session = PortalSession(
            token_hash=token_hash(token),
            state=state,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            user_id=user_id,
            ip=ip,
            language=language,
        )
        uow.sessions.add(session)
        return token, session

    def _failed(
        self,
        uow: PortalUnitOfWork,
        user: User | None,
        username: str,
        ip: str,
        now: datetime,
        *,
        action: str = "auth.password",
    ) -> bool:
        """Record a failure; lock the account at the threshold. True when now locked."""
        uow.login_attempts.add(LoginAttempt(username_hash(username), ip, now, False))
        if user is None:
            self._audit(uow, "anonymous", action, ip, now, outcome="failed")
            return False
        expired_lock = user.locked_until is not None and now >= user.locked_until
        count = (0 if expired_lock else user.failed_logins) + 1
        locked_until = now + LOCKOUT_DURATION if count >= LOCKOUT_THRESHOLD else None
        uow.users.save(replace(user, failed_logins=count, locked_until=locked_until))
        self._audit(uow, user.id, action, ip, now, outcome="failed")
        if count >= LOCKOUT_THRESHOLD:
            self._audit(uow, user.id, "auth.locked", ip, now, outcome="locked")
            uow.sessions.delete_for_user(user.id)
            return True
        return False

    @staticmethod
    def _audit(
        uow: PortalUnitOfWork,
        actor: str,
        action: str,
        ip: str,
        now: datetime,
        *,
        outcome: str = "ok",
    ) -> None:
        subject = f"user:{actor}" if actor != "anonymous" else "user:unknown"
        uow.audit.append(
            AuditEntry(
                actor=actor,
                action=action,
                subject=subject,
                channel=PORTAL_CHANNEL,
                outcome=outcome,
                at=now,
                source=portal_source(ip),
            )
        )
