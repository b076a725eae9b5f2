"""The portal's unit of work: the storage unit of work plus the portal repositories."""

from __future__ import annotations

from typing import Self

from triageline.adapters.auth.push_store import SqlPushSubscriptionRepository
from triageline.adapters.auth.repositories import (
    SqlAuditSearch,
    SqlBreakGlassRepository,
    SqlLoginAttemptRepository,
    SqlMessageWorkRepository,
    SqlSessionRepository,
    SqlUserRepository,
)
from triageline.adapters.storage.uow import SqlUnitOfWork


class SqlPortalUnitOfWork(SqlUnitOfWork):
    """One transaction over the storage and portal repositories."""

    users: SqlUserRepository
    sessions: SqlSessionRepository
    login_attempts: SqlLoginAttemptRepository
    break_glass: SqlBreakGlassRepository
    message_work: SqlMessageWorkRepository
    audit_search: SqlAuditSearch
    push_subscriptions: SqlPushSubscriptionRepository

    def __enter__(self) -> Self:
        """Open the session and build every repository over it."""
        super().__enter__()
        session = self.session
        self.users = SqlUserRepository(session, self.keyring)
        self.sessions = SqlSessionRepository(session)
        self.login_attempts = SqlLoginAttemptRepository(session)
        self.break_glass = SqlBreakGlassRepository(session, self.keyring)
        self.message_work = SqlMessageWorkRepository(session, self.keyring)
        self.audit_search = SqlAuditSearch(session)
        self.push_subscriptions = SqlPushSubscriptionRepository(session, self.keyring)
        return self
