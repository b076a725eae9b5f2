"""In-memory implementations of the storage ports (standard library only) for service tests.

``MemoryStore`` holds the committed state; each unit of work edits a private copy and publishes
it on ``commit()``, so a block left without committing changes nothing, as with a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from triageline.domain.audit import GENESIS_HASH, AuditEntry, AuditEvent, ChainBreak, link
from triageline.domain.audit import verify_chain as verify_events
from triageline.domain.messages import Message, MessageStatus
from triageline.domain.records import CallRecord, Channel, ConfigVersion, PracticeRecord, Turn
from triageline.services.memory_paging import (
    MemoryAckLinkNonces,
    MemoryNotificationOutbox,
    MemoryPageRepository,
    MemoryTimerRepository,
    PagingTables,
)
from triageline.services.ports import UnitOfWork


@dataclass(slots=True)
class MemoryState:
    """Every table as plain containers of frozen records."""

    practices: dict[str, PracticeRecord] = field(default_factory=dict)
    configs: dict[str, list[ConfigVersion]] = field(default_factory=dict)
    calls: dict[str, CallRecord] = field(default_factory=dict)
    turns: dict[tuple[str, int], Turn] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    paging: PagingTables = field(default_factory=PagingTables)

    def copy(self) -> MemoryState:
        """A copy that can be edited without touching this one (records are immutable)."""
        return MemoryState(
            practices=dict(self.practices),
            configs={k: list(v) for k, v in self.configs.items()},
            calls=dict(self.calls),
            turns=dict(self.turns),
            messages=dict(self.messages),
            audit=list(self.audit),
            paging=self.paging.copy(),
        )


class MemoryPracticeRepository:
    """Practices and configuration versions in memory."""

    def __init__(self, state: MemoryState) -> None:
        """Work on ``state``."""
        self._st = state

    def get(self, practice_id: str) -> PracticeRecord | None:
        """The practice, or None."""
        return self._st.practices.get(practice_id)

    def list_ids(self) -> Sequence[str]:
        """Every practice id, sorted."""
        return sorted(self._st.practices)

    def latest_config(self, practice_id: str) -> ConfigVersion | None:
        """The newest configuration version, or None."""
        versions = self._st.configs.get(practice_id)
        return versions[-1] if versions else None

    def store_config(
        self, practice_id: str, name: str, yaml_text: str, *, created_by: str, at: datetime
    ) -> tuple[ConfigVersion, bool]:
        """Record a new version unless the text equals the latest; (version, created?)."""
        digest = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
        existing = self._st.practices.get(practice_id)
        created_at = at if existing is None else existing.created_at
        self._st.practices[practice_id] = PracticeRecord(practice_id, name, created_at)
        latest = self.latest_config(practice_id)
        if latest is not None and latest.sha256 == digest:
            return latest, False
        version = ConfigVersion(
            practice_id=practice_id,
            version=1 if latest is None else latest.version + 1,
            yaml_text=yaml_text,
            sha256=digest,
            created_by=created_by,
            created_at=at,
        )
        self._st.configs.setdefault(practice_id, []).append(version)
        return version, True


class MemoryCallRepository:
    """Calls in memory."""

    def __init__(self, state: MemoryState) -> None:
        """Work on ``state``."""
        self._st = state

    def get(self, call_id: str) -> CallRecord | None:
        """The call, or None."""
        return self._st.calls.get(call_id)

    def lock(self, call_id: str) -> CallRecord | None:
        """The call (a single process needs no lock), or None."""
        return self._st.calls.get(call_id)

    def find_external(
        self, practice_id: str, channel: Channel, external_id: str
    ) -> CallRecord | None:
        """The call with this channel id, or None."""
        for call in self._st.calls.values():
            key = (call.practice_id, call.channel, call.external_id)
            if key == (practice_id, channel, external_id):
                return call
        return None

    def get_or_add(self, call: CallRecord) -> tuple[CallRecord, bool]:
        """Store ``call`` unless its external id exists; (stored call, created?)."""
        existing = self.find_external(call.practice_id, call.channel, call.external_id)
        if existing is not None:
            return existing, False
        if call.practice_id not in self._st.practices:
            raise KeyError(f"unknown practice {call.practice_id}")
        self._st.calls[call.id] = call
        return call, True

    def save(self, call: CallRecord) -> None:
        """Overwrite an existing call."""
        if call.id not in self._st.calls:
            raise KeyError(call.id)
        self._st.calls[call.id] = call

    def list_for_practice(
        self, practice_id: str, *, since: datetime | None = None, limit: int = 100
    ) -> Sequence[CallRecord]:
        """Calls of a practice, newest first."""
        calls = [
            c
            for c in self._st.calls.values()
            if c.practice_id == practice_id and (since is None or c.started_at >= since)
        ]
        return sorted(calls, key=lambda c: c.started_at, reverse=True)[:limit]


class MemoryTurnRepository:
    """Transcript turns in memory."""

    def __init__(self, state: MemoryState) -> None:
        """Work on ``state``."""
        self._st = state

    def add(self, turn: Turn) -> bool:
        """Store the turn; False when that (call_id, seq) already exists."""
        key = (turn.call_id, turn.seq)
        if key in self._st.turns:
            return False
        if turn.call_id not in self._st.calls:
            raise KeyError(f"unknown call {turn.call_id}")
        self._st.turns[key] = turn
        return True

    def list_for_call(self, call_id: str) -> Sequence[Turn]:
        """The call's turns in seq order."""
        return sorted((t for t in self._st.turns.values() if t.call_id == call_id), key=_seq)

    def next_seq(self, call_id: str) -> int:
        """The seq the next turn should use."""
        seqs = [seq for (cid, seq) in self._st.turns if cid == call_id]
        return max(seqs) + 1 if seqs else 0


def _seq(turn: Turn) -> int:
    return turn.seq


class MemoryMessageRepository:
    """Secure messages in memory."""

    def __init__(self, state: MemoryState) -> None:
        """Work on ``state``."""
        self._st = state

    def add(self, message: Message) -> None:
        """Store a new message."""
        if message.id in self._st.messages:
            raise ValueError(f"message {message.id} exists")
        if message.practice_id not in self._st.practices:
            raise KeyError(f"unknown practice {message.practice_id}")
        self._st.messages[message.id] = message

    def get(self, message_id: str) -> Message | None:
        """The message, or None."""
        return self._st.messages.get(message_id)

    def save(self, message: Message) -> None:
        """Overwrite an existing message."""
        if message.id not in self._st.messages:
            raise KeyError(message.id)
        self._st.messages[message.id] = message

    def list_for_practice(
        self,
        practice_id: str,
        *,
        status: MessageStatus | None = None,
        queue: str | None = None,
        limit: int = 100,
    ) -> Sequence[Message]:
        """Messages of a practice, newest first."""
        found = [
            m
            for m in self._st.messages.values()
            if m.practice_id == practice_id
            and (status is None or m.status is status)
            and (queue is None or m.queue == queue)
        ]
        found.sort(key=lambda m: m.id)
        found.sort(key=lambda m: m.created_at, reverse=True)
        return found[:limit]

    def list_for_call(self, call_id: str) -> Sequence[Message]:
        """Messages taken during one call, oldest first."""
        found = [m for m in self._st.messages.values() if m.call_id == call_id]
        return sorted(found, key=lambda m: (m.created_at, m.id))


class MemoryAuditLog:
    """The hash-chained audit trail in memory."""

    def __init__(self, state: MemoryState) -> None:
        """Work on ``state``."""
        self._st = state

    def append(self, entry: AuditEntry) -> AuditEvent:
        """Add an entry at the end of the chain."""
        last = self._st.audit[-1] if self._st.audit else None
        event = link(
            1 if last is None else last.seq + 1,
            GENESIS_HASH if last is None else last.hash,
            entry,
        )
        self._st.audit.append(event)
        return event

    def list(
        self, *, practice_id: str | None = None, subject: str | None = None, limit: int = 100
    ) -> Sequence[AuditEvent]:
        """Events, newest first."""
        found = [
            e
            for e in reversed(self._st.audit)
            if (practice_id is None or e.entry.practice_id == practice_id)
            and (subject is None or e.entry.subject == subject)
        ]
        return found[:limit]

    def head(self) -> tuple[int, str]:
        """The last seq and hash of the chain."""
        events = self._st.audit
        return (events[-1].seq, events[-1].hash) if events else (0, GENESIS_HASH)

    def verify(self) -> ChainBreak | None:
        """The first break in the chain, or None."""
        events = self._st.audit
        head_seq = events[-1].seq if events else 0
        head_hash = events[-1].hash if events else GENESIS_HASH
        return verify_events(events, head_seq=head_seq, head_hash=head_hash)


class MemoryUnitOfWork:
    """A unit of work over a MemoryStore; ``commit()`` publishes the private copy."""

    practices: MemoryPracticeRepository
    calls: MemoryCallRepository
    turns: MemoryTurnRepository
    messages: MemoryMessageRepository
    audit: MemoryAuditLog
    pages: MemoryPageRepository
    outbox: MemoryNotificationOutbox
    timers: MemoryTimerRepository
    ack_links: MemoryAckLinkNonces

    def __init__(self, store: MemoryStore) -> None:
        """Bind to ``store``; nothing is copied until ``with``."""
        self._store = store
        self._state: MemoryState | None = None
        self.commits = 0

    def __enter__(self) -> Self:
        """Take a private copy of the committed state and build the repositories over it."""
        self._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Discard uncommitted changes."""
        self._state = None

    def commit(self) -> None:
        """Publish the private copy as the committed state."""
        if self._state is None:
            raise RuntimeError("the unit of work is not open; use it in a with-block")
        self._store.state = self._state
        self.commits += 1
        self._begin()

    def rollback(self) -> None:
        """Discard changes since the last commit."""
        self._begin()

    def _begin(self) -> None:
        state = self._store.state.copy()
        self._state = state
        self.practices = MemoryPracticeRepository(state)
        self.calls = MemoryCallRepository(state)
        self.turns = MemoryTurnRepository(state)
        self.messages = MemoryMessageRepository(state)
        self.audit = MemoryAuditLog(state)
        self.pages = MemoryPageRepository(state.paging)
        self.outbox = MemoryNotificationOutbox(state.paging)
        self.timers = MemoryTimerRepository(state.paging)
        self.ack_links = MemoryAckLinkNonces(state.paging)


class MemoryStore:
    """The committed state shared by every MemoryUnitOfWork made from it."""

    def __init__(self) -> None:
        """Start empty."""
        self.state = MemoryState()

    def uow_factory(self) -> UnitOfWork:
        """A new unit of work over this store (matches ``UnitOfWorkFactory``)."""
        return MemoryUnitOfWork(self)


def memory_uow_factory() -> Callable[[], UnitOfWork]:
    """A unit-of-work factory over a fresh, empty MemoryStore."""
    return MemoryStore().uow_factory
