"""SQL repositories for the portal ports; TOTP secrets, grant reasons and notes are sealed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from triageline.adapters.auth.models import (
    BreakGlassGrantRow,
    MessageWorkRow,
    PortalAlertRow,
    PortalLoginAttemptRow,
    PortalSessionRow,
    PortalUserPracticeRow,
    PortalUserRow,
)
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import AuditEventRow
from triageline.adapters.storage.repositories import aad
from triageline.domain.audit import AuditEntry, AuditEvent
from triageline.services.portal_model import (
    BreakGlassGrant,
    MessageWork,
    PortalAlert,
    PortalSession,
    Role,
    SessionState,
    User,
    normalise_username,
)
from triageline.services.portal_ports import AuditQuery, LoginAttempt


class SqlUserRepository:
    """Portal users in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def add(self, user: User) -> None:
        """Store a new user (ValueError if the id or username exists)."""
        if self._s.get(PortalUserRow, user.id) is not None or self.by_username(user.username):
            raise ValueError("user exists")
        self._s.add(self._row(user, PortalUserRow(id=user.id)))
        self._s.flush()
        self._set_practices(user)

    def get(self, user_id: str) -> User | None:
        """The user, or None."""
        row = self._s.get(PortalUserRow, user_id)
        return None if row is None else self._user(row)

    def by_username(self, username: str) -> User | None:
        """The user with this normalised username, or None."""
        row = self._s.scalars(
            select(PortalUserRow).where(PortalUserRow.username == normalise_username(username))
        ).first()
        return None if row is None else self._user(row)

    def save(self, user: User) -> None:
        """Overwrite an existing user."""
        row = self._s.get(PortalUserRow, user.id)
        if row is None:
            raise KeyError(user.id)
        self._row(user, row)
        self._s.flush()
        self._set_practices(user)

    def list(self, practice_ids: Sequence[str] | None = None) -> Sequence[User]:
        """Users by username; only members of ``practice_ids`` when given."""
        query = select(PortalUserRow).order_by(PortalUserRow.username)
        if practice_ids is not None:
            members = select(PortalUserPracticeRow.user_id).where(
                PortalUserPracticeRow.practice_id.in_(list(practice_ids))
            )
            query = query.where(PortalUserRow.id.in_(members))
        return [self._user(row) for row in self._s.scalars(query)]

    def _set_practices(self, user: User) -> None:
        self._s.execute(
            delete(PortalUserPracticeRow).where(PortalUserPracticeRow.user_id == user.id)
        )
        for pid in user.practice_ids:
            self._s.add(PortalUserPracticeRow(user_id=user.id, practice_id=pid))
        self._s.flush()

    def _row(self, user: User, row: PortalUserRow) -> PortalUserRow:
        row.username = normalise_username(user.username)
        row.display_name = user.display_name
        row.role = user.role.value
        row.password_hash = user.password_hash
        row.totp_secret = self._k.seal_optional(
            user.totp_secret, aad=aad("portal_users", "totp_secret")
        )
        row.totp_confirmed = user.totp_confirmed
        row.totp_last_step = user.totp_last_step
        row.failed_logins = user.failed_logins
        row.locked_until = user.locked_until
        row.active = user.active
        row.language = user.language
        row.created_at = user.created_at
        row.person_id = user.person_id
        return row

    def _user(self, row: PortalUserRow) -> User:
        practices = self._s.scalars(
            select(PortalUserPracticeRow.practice_id)
            .where(PortalUserPracticeRow.user_id == row.id)
            .order_by(PortalUserPracticeRow.practice_id)
        )
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=Role(row.role),
            practice_ids=tuple(practices),
            password_hash=row.password_hash,
            created_at=row.created_at,
            totp_secret=self._k.open_optional(
                row.totp_secret, aad=aad("portal_users", "totp_secret")
            ),
            totp_confirmed=row.totp_confirmed,
            totp_last_step=row.totp_last_step,
            failed_logins=row.failed_logins,
            locked_until=row.locked_until,
            active=row.active,
            language=row.language,
            person_id=row.person_id,
        )


class SqlSessionRepository:
    """Server-side sessions in SQL."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def add(self, session: PortalSession) -> None:
        """Store a new session."""
        self._s.add(
            PortalSessionRow(
                token_hash=session.token_hash,
                state=session.state.value,
                csrf_token=session.csrf_token,
                user_id=session.user_id,
                ip=session.ip[:64],
                language=session.language,
                created_at=session.created_at,
                last_seen_at=session.last_seen_at,
            )
        )
        self._s.flush()

    def get(self, token_hash: str) -> PortalSession | None:
        """The session, or None."""
        row = self._s.get(PortalSessionRow, token_hash, populate_existing=True)
        if row is None:
            return None
        return PortalSession(
            token_hash=row.token_hash,
            state=SessionState(row.state),
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            user_id=row.user_id,
            ip=row.ip,
            language=row.language,
        )

    def touch(self, token_hash: str, at: datetime) -> None:
        """Record activity."""
        self._s.execute(
            update(PortalSessionRow)
            .where(PortalSessionRow.token_hash == token_hash)
            .values(last_seen_at=at)
        )

    def delete(self, token_hash: str) -> None:
        """End one session."""
        self._s.execute(delete(PortalSessionRow).where(PortalSessionRow.token_hash == token_hash))
        self._s.expire_all()

    def delete_for_user(self, user_id: str) -> int:
        """End every session of a user."""
        count = self._s.scalar(
            select(func.count())
            .select_from(PortalSessionRow)
            .where(PortalSessionRow.user_id == user_id)
        )
        self._s.execute(delete(PortalSessionRow).where(PortalSessionRow.user_id == user_id))
        self._s.expire_all()
        return int(count or 0)


class SqlLoginAttemptRepository:
    """Login attempts in SQL."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def add(self, attempt: LoginAttempt) -> None:
        """Record an attempt."""
        self._s.add(
            PortalLoginAttemptRow(
                username_hash=attempt.username_hash,
                ip=attempt.ip[:64],
                at=attempt.at,
                success=attempt.success,
            )
        )
        self._s.flush()

    def failures_from(self, ip: str, since: datetime) -> int:
        """Failed attempts from ``ip`` since ``since``."""
        count = self._s.scalar(
            select(func.count())
            .select_from(PortalLoginAttemptRow)
            .where(
                PortalLoginAttemptRow.ip == ip[:64],
                PortalLoginAttemptRow.at >= since,
                PortalLoginAttemptRow.success.is_(False),
            )
        )
        return int(count or 0)


class SqlBreakGlassRepository:
    """Break-glass grants and portal alerts in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def add(self, grant: BreakGlassGrant) -> None:
        """Store a grant."""
        self._s.add(
            BreakGlassGrantRow(
                id=grant.id,
                user_id=grant.user_id,
                practice_id=grant.practice_id,
                reason=self._k.seal(grant.reason, aad=aad("break_glass_grants", "reason")),
                started_at=grant.started_at,
                expires_at=grant.expires_at,
            )
        )
        self._s.flush()

    def active_for_user(self, user_id: str, at: datetime) -> Sequence[BreakGlassGrant]:
        """Grants in force at ``at``."""
        rows = self._s.scalars(
            select(BreakGlassGrantRow).where(
                BreakGlassGrantRow.user_id == user_id,
                BreakGlassGrantRow.started_at <= at,
                BreakGlassGrantRow.expires_at > at,
            )
        )
        return [
            BreakGlassGrant(
                id=row.id,
                user_id=row.user_id,
                practice_id=row.practice_id,
                reason=self._k.open(row.reason, aad=aad("break_glass_grants", "reason")),
                started_at=row.started_at,
                expires_at=row.expires_at,
            )
            for row in rows
        ]

    def add_alert(self, alert: PortalAlert) -> None:
        """Store an alert."""
        self._s.add(
            PortalAlertRow(
                id=alert.id,
                practice_id=alert.practice_id,
                kind=alert.kind,
                text=alert.text,
                created_at=alert.created_at,
                expires_at=alert.expires_at,
            )
        )
        self._s.flush()

    def alerts_for(self, practice_ids: Sequence[str], at: datetime) -> Sequence[PortalAlert]:
        """Alerts still shown, newest first."""
        rows = self._s.scalars(
            select(PortalAlertRow)
            .where(
                PortalAlertRow.practice_id.in_(list(practice_ids)),
                PortalAlertRow.expires_at > at,
            )
            .order_by(PortalAlertRow.created_at.desc())
            .limit(20)
        )
        return [
            PortalAlert(r.id, r.practice_id, r.kind, r.text, r.created_at, r.expires_at)
            for r in rows
        ]


class SqlMessageWorkRepository:
    """Message handling records in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def get(self, message_id: str) -> MessageWork:
        """The handling record, or an empty one."""
        row = self._s.get(MessageWorkRow, message_id)
        if row is None:
            return MessageWork(message_id)
        return MessageWork(
            message_id=row.message_id,
            assigned_to=row.assigned_to,
            callback_done_at=row.callback_done_at,
            callback_done_by=row.callback_done_by,
            note=self._k.open_optional(row.note, aad=aad("message_work", "note")),
        )

    def save(self, work: MessageWork) -> None:
        """Create or overwrite the handling record."""
        row = self._s.get(MessageWorkRow, work.message_id)
        if row is None:
            row = MessageWorkRow(message_id=work.message_id)
            self._s.add(row)
        row.assigned_to = work.assigned_to
        row.callback_done_at = work.callback_done_at
        row.callback_done_by = work.callback_done_by
        row.note = self._k.seal_optional(work.note, aad=aad("message_work", "note"))
        self._s.flush()


class SqlAuditSearch:
    """Filtered reads of the audit table."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def search(self, query: AuditQuery) -> Sequence[AuditEvent]:
        """Events matching every filter, newest first."""
        stmt = select(AuditEventRow)
        if query.practice_ids is not None:
            stmt = stmt.where(
                or_(
                    AuditEventRow.practice_id.in_(list(query.practice_ids)),
                    AuditEventRow.practice_id.is_(None) & self._own_actor(query),
                )
            )
        if query.actor:
            stmt = stmt.where(AuditEventRow.actor == query.actor)
        if query.action:
            stmt = stmt.where(AuditEventRow.action.startswith(query.action, autoescape=True))
        if query.subject:
            stmt = stmt.where(AuditEventRow.subject == query.subject)
        if query.subjects is not None:
            stmt = stmt.where(AuditEventRow.subject.in_(list(query.subjects)))
        if query.source:
            stmt = stmt.where(AuditEventRow.source.startswith(query.source, autoescape=True))
        rows = self._s.scalars(stmt.order_by(AuditEventRow.seq.desc()).limit(query.limit))
        return [
            AuditEvent(
                seq=row.seq,
                entry=AuditEntry(
                    actor=row.actor,
                    action=row.action,
                    subject=row.subject,
                    channel=row.channel,
                    outcome=row.outcome,
                    at=row.at,
                    practice_id=row.practice_id,
                    source=row.source,
                ),
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
            for row in rows
        ]

    @staticmethod
    def _own_actor(query: AuditQuery) -> ColumnElement[bool]:
        """Events without a practice are shown when their actor is a member of the practices."""
        members = select(PortalUserPracticeRow.user_id).where(
            PortalUserPracticeRow.practice_id.in_(list(query.practice_ids or ()))
        )
        return AuditEventRow.actor.in_(members)
