"""Ports: what the services need from storage, as typing.Protocol (no SQLAlchemy here).

Get a unit of work from the composition root (``Container.uow_factory``) or, in service tests,
from ``triageline.services.memory.MemoryStore().uow_factory``::

    with uow_factory() as uow:
        uow.messages.add(message)
        uow.audit.append(entry)
        uow.commit()

Leaving the block without ``commit()`` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from triageline.domain.audit import AuditEntry, AuditEvent, ChainBreak
from triageline.domain.messages import Message, MessageStatus
from triageline.domain.records import CallRecord, Channel, ConfigVersion, PracticeRecord, Turn
from triageline.services.ports_paging import (
    AckLinkNonces,
    NotificationOutbox,
    PageRepository,
    TimerRepository,
)


class PracticeRepository(Protocol):
    """Practices and the versions of their configuration."""

    def get(self, practice_id: str) -> PracticeRecord | None:
        """The practice, or None."""
        ...

    def list_ids(self) -> Sequence[str]:
        """Every practice id, sorted."""
        ...

    def latest_config(self, practice_id: str) -> ConfigVersion | None:
        """The newest configuration version of a practice, or None."""
        ...

    def store_config(
        self, practice_id: str, name: str, yaml_text: str, *, created_by: str, at: datetime
    ) -> tuple[ConfigVersion, bool]:
        """Record a new version unless the text equals the latest; (version, created?)."""
        ...


class CallRepository(Protocol):
    """Calls, SMS threads and chats."""

    def get(self, call_id: str) -> CallRecord | None:
        """The call, or None."""
        ...

    def lock(self, call_id: str) -> CallRecord | None:
        """The call, locked until commit (SELECT ... FOR UPDATE on PostgreSQL), or None."""
        ...

    def find_external(
        self, practice_id: str, channel: Channel, external_id: str
    ) -> CallRecord | None:
        """The call with this channel id (e.g. CallSid), or None."""
        ...

    def get_or_add(self, call: CallRecord) -> tuple[CallRecord, bool]:
        """Store ``call`` unless one with its external id exists; (stored call, created?)."""
        ...

    def save(self, call: CallRecord) -> None:
        """Overwrite an existing call with this record (KeyError if unknown)."""
        ...

    def list_for_practice(
        self, practice_id: str, *, since: datetime | None = None, limit: int = 100
    ) -> Sequence[CallRecord]:
        """Calls of a practice, newest first."""
        ...


class TurnRepository(Protocol):
    """Transcript turns; (call_id, seq) is unique so a retried webhook adds nothing."""

    def add(self, turn: Turn) -> bool:
        """Store the turn; False (and nothing stored) when that (call_id, seq) already exists."""
        ...

    def list_for_call(self, call_id: str) -> Sequence[Turn]:
        """The call's turns in seq order."""
        ...

    def next_seq(self, call_id: str) -> int:
        """The seq the next turn of this call should use (0 for the first)."""
        ...


class MessageRepository(Protocol):
    """Secure messages."""

    def add(self, message: Message) -> None:
        """Store a new message (ValueError if the id exists)."""
        ...

    def get(self, message_id: str) -> Message | None:
        """The message, or None."""
        ...

    def save(self, message: Message) -> None:
        """Overwrite an existing message, e.g. after a status transition (KeyError if unknown)."""
        ...

    def list_for_practice(
        self,
        practice_id: str,
        *,
        status: MessageStatus | None = None,
        queue: str | None = None,
        limit: int = 100,
    ) -> Sequence[Message]:
        """Messages of a practice, newest first, optionally filtered."""
        ...

    def list_for_call(self, call_id: str) -> Sequence[Message]:
        """Messages taken during one call, oldest first."""
        ...


class AuditLog(Protocol):
    """The append-only, hash-chained audit trail."""

    def append(self, entry: AuditEntry) -> AuditEvent:
        """Add an entry at the end of the chain (serialised across writers)."""
        ...

    def list(
        self, *, practice_id: str | None = None, subject: str | None = None, limit: int = 100
    ) -> Sequence[AuditEvent]:
        """Events, newest first, optionally filtered."""
        ...

    def head(self) -> tuple[int, str]:
        """The last seq and hash of the chain ((0, GENESIS_HASH) when empty)."""
        ...

    def verify(self) -> ChainBreak | None:
        """The first break in the chain, or None when it is intact."""
        ...


class UnitOfWork(Protocol):
    """One transaction over every repository; use as a context manager and call commit()."""

    @property
    def practices(self) -> PracticeRepository:
        """Practices and configuration versions."""
        ...

    @property
    def calls(self) -> CallRepository:
        """Calls, SMS threads and chats."""
        ...

    @property
    def turns(self) -> TurnRepository:
        """Transcript turns."""
        ...

    @property
    def messages(self) -> MessageRepository:
        """Secure messages."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit trail."""
        ...

    @property
    def pages(self) -> PageRepository:
        """Pages and their notifications."""
        ...

    @property
    def outbox(self) -> NotificationOutbox:
        """Notifications waiting to be handed to a notifier."""
        ...

    @property
    def timers(self) -> TimerRepository:
        """Durable paging timers."""
        ...

    @property
    def ack_links(self) -> AckLinkNonces:
        """Used acknowledgement-link nonces."""
        ...

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    def commit(self) -> None:
        """Make everything done so far durable."""
        ...

    def rollback(self) -> None:
        """Discard everything since the last commit."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
