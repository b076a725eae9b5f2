"""The SQLAlchemy unit of work: one session, every repository, commit or roll back."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.paging_repositories import (
    SqlAckLinkNonces,
    SqlNotificationOutbox,
    SqlPageRepository,
    SqlTimerRepository,
)
from triageline.adapters.storage.repositories import (
    SqlAuditLog,
    SqlCallRepository,
    SqlMessageRepository,
    SqlPracticeRepository,
    SqlTurnRepository,
)


class SqlUnitOfWork:
    """One database transaction; repositories are created on ``__enter__``.

    To add a repository: create it in its own module taking ``(session, keyring)``, declare the
    attribute in ``services.ports.UnitOfWork`` and here, and build it in ``__enter__``.
    """

    practices: SqlPracticeRepository
    calls: SqlCallRepository
    turns: SqlTurnRepository
    messages: SqlMessageRepository
    audit: SqlAuditLog
    pages: SqlPageRepository
    outbox: SqlNotificationOutbox
    timers: SqlTimerRepository
    ack_links: SqlAckLinkNonces

    def __init__(self, session_factory: sessionmaker[Session], keyring: Keyring) -> None:
        """Remember how to open a session; nothing is opened until ``with``."""
        self._session_factory = session_factory
        self.keyring = keyring
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The open session (only inside ``with``), for adapter-level repositories."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        return self._session

    def __enter__(self) -> Self:
        """Open a session and build the repositories over it."""
        session = self._session_factory()
        self._session = session
        self.practices = SqlPracticeRepository(session)
        self.calls = SqlCallRepository(session, self.keyring)
        self.turns = SqlTurnRepository(session, self.keyring)
        self.messages = SqlMessageRepository(session, self.keyring)
        self.audit = SqlAuditLog(session)
        self.pages = SqlPageRepository(session, self.keyring)
        self.outbox = SqlNotificationOutbox(session)
        self.timers = SqlTimerRepository(session)
        self.ack_links = SqlAckLinkNonces(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back anything uncommitted and close the session."""
        session, self._session = self._session, None
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()

    def commit(self) -> None:
        """Commit the transaction."""
        self.session.commit()

    def rollback(self) -> None:
        """Roll back the transaction."""
        self.session.rollback()
