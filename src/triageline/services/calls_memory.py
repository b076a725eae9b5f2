"""In-memory fakes for the calls service: the step log over a MemoryStore, a settable clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from triageline.domain.audit import AuditEntry
from triageline.domain.records import CallRecord, Channel, Turn, TurnRole
from triageline.services.calls_ports import CallsUnitOfWork, PageRequest, StoredStep
from triageline.services.memory import MemoryStore, MemoryUnitOfWork
from triageline.services.ports import UnitOfWork


class MemoryStepLog:
    """Stored steps in a plain dict (one private copy per unit of work)."""

    def __init__(self, steps: dict[tuple[str, str], StoredStep]) -> None:
        """Work on ``steps``."""
        self._steps = steps

    def get(self, call_id: str, key: str) -> StoredStep | None:
        """The stored step, or None."""
        return self._steps.get((call_id, key))

    def add(self, step: StoredStep) -> bool:
        """Store the step unless its key exists."""
        if (step.call_id, step.key) in self._steps:
            return False
        self._steps[(step.call_id, step.key)] = step
        return True

    def list_for_call(self, call_id: str, *, prefix: str = "") -> Sequence[StoredStep]:
        """The call's steps with that key prefix, oldest first."""
        found = [
            s for (cid, key), s in self._steps.items() if cid == call_id and key.startswith(prefix)
        ]
        return sorted(found, key=lambda s: s.created_at)


class RepositoryLedger:
    """The per-step ledger over plain repositories and a step log (in-memory units of work)."""

    def __init__(self, uow: UnitOfWork, steps: MemoryStepLog) -> None:
        """Work through ``uow``'s repositories and ``steps``."""
        self._uow = uow
        self._steps = steps

    def open(
        self, practice_id: str, channel: Channel, external_id: str, step_key: str
    ) -> tuple[CallRecord | None, StoredStep | None]:
        """The call with that channel id and the response stored for ``step_key``."""
        call = self._uow.calls.find_external(practice_id, channel, external_id)
        if call is None:
            return None, None
        return call, self._steps.get(call.id, step_key)

    def claim(self, step: StoredStep, new_call: CallRecord | None = None) -> bool:
        """Store ``new_call`` (if given) and ``step``; False when either exists already."""
        if new_call is not None:
            _stored, created = self._uow.calls.get_or_add(new_call)
            if not created:
                return False
        return self._steps.add(step)

    def add_steps(self, steps: Sequence[StoredStep]) -> None:
        """Store more steps, keeping existing keys."""
        for step in steps:
            self._steps.add(step)

    def append_turns(
        self, call_id: str, turns: Sequence[tuple[TurnRole, str]], at: datetime
    ) -> None:
        """Add turns after the call's last one."""
        seq = self._uow.turns.next_seq(call_id)
        for offset, (role, text) in enumerate(turns):
            self._uow.turns.add(Turn(call_id, seq + offset, role, text, at))

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append the entries to the chain in order."""
        for entry in entries:
            self._uow.audit.append(entry)

    def save(self, call: CallRecord) -> None:
        """Overwrite the stored call."""
        self._uow.calls.save(call)


class MemoryCallsStore(MemoryStore):
    """A MemoryStore that also keeps the calls service's step log."""

    def __init__(self) -> None:
        """Start empty."""
        super().__init__()
        self.steps: dict[tuple[str, str], StoredStep] = {}

    def calls_uow(self) -> CallsUnitOfWork:
        """A new calls unit of work over this store."""
        return MemoryCallsUnitOfWork(self)


class MemoryCallsUnitOfWork(MemoryUnitOfWork):
    """A memory unit of work whose commit also publishes the step log."""

    steps: MemoryStepLog
    ledger: RepositoryLedger

    def __init__(self, store: MemoryCallsStore) -> None:
        """Bind to ``store``."""
        self._calls_store = store
        self._steps: dict[tuple[str, str], StoredStep] = {}
        super().__init__(store)

    def commit(self) -> None:
        """Publish the storage state and the step log together."""
        self._calls_store.steps = self._steps
        super().commit()

    def _begin(self) -> None:
        super()._begin()
        self._steps = dict(self._calls_store.steps)
        self.steps = MemoryStepLog(self._steps)
        self.ledger = RepositoryLedger(self, self.steps)


@dataclass(slots=True)
class SettableClock:
    """A clock that only moves when told to (for tests and ``simulate``)."""

    current: datetime

    def now(self) -> datetime:
        """The current simulated instant."""
        return self.current

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self.current = self.current + delta

    def set(self, at: datetime) -> None:
        """Jump to an instant."""
        self.current = at


@dataclass(slots=True)
class RecordingPaging:
    """A paging port that remembers the requests it got (idempotent on message id)."""

    requests: list[PageRequest] = field(default_factory=list)

    def open_page(self, request: PageRequest) -> str | None:
        """Record the request once per message; the page id is derived from the message id."""
        if all(r.message_id != request.message_id for r in self.requests):
            self.requests.append(request)
        return f"page-{request.message_id}"
