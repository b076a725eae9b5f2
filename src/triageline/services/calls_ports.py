"""Ports the calls service needs beyond storage: the clock, the step log, paging and practices.

The step log keeps the rendered response of every handled webhook keyed on (call, step key), in
the same transaction as the call's new state, so a retried webhook gets the identical response
and repeats no side effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from triageline.domain.audit import AuditEntry
from triageline.domain.practice import Practice
from triageline.domain.records import CallRecord, Channel, TurnRole
from triageline.domain.triage.types import Language, TriageLevel, TriageResult
from triageline.services.ports import UnitOfWork


class Clock(Protocol):
    """Tells the time (timezone-aware); tests and `simulate` pass a settable one."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


@dataclass(frozen=True, slots=True)
class StoredStep:
    """The response produced for one step of a call (PHI: stored encrypted)."""

    call_id: str
    key: str
    response: str
    created_at: datetime


class StepLog(Protocol):
    """Responses already given, keyed on (call id, step key)."""

    def get(self, call_id: str, key: str) -> StoredStep | None:
        """The stored response for that step, or None."""
        ...

    def add(self, step: StoredStep) -> bool:
        """Store the step; False (nothing stored) when that key exists already."""
        ...

    def list_for_call(self, call_id: str, *, prefix: str = "") -> Sequence[StoredStep]:
        """The call's steps whose key starts with ``prefix``, oldest first."""
        ...


class CallLedger(Protocol):
    """One step of a call in few round trips: read the call, then write everything in batches.

    Reads come first and write nothing, so a step may consult other services (booking) before
    its transaction takes any write lock. ``claim`` is the first write: it stores the step's
    response (and the call, when new) and reports a concurrent writer that got there first, in
    which case the caller rolls back and handles the step again (it then replays).
    """

    def open(
        self, practice_id: str, channel: Channel, external_id: str, step_key: str
    ) -> tuple[CallRecord | None, StoredStep | None]:
        """The call (locked until commit where the database can) and ``step_key``'s response."""
        ...

    def claim(self, step: StoredStep, new_call: CallRecord | None = None) -> bool:
        """Store ``new_call`` (if given) and ``step``; False when either key exists already."""
        ...

    def add_steps(self, steps: Sequence[StoredStep]) -> None:
        """Store more steps (keys that exist already are left as they are)."""
        ...

    def append_turns(
        self, call_id: str, turns: Sequence[tuple[TurnRole, str]], at: datetime
    ) -> None:
        """Add transcript turns after the call's last one, in order (stored encrypted)."""
        ...

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append the entries to the audit chain in order (one chain-head update)."""
        ...

    def save(self, call: CallRecord) -> None:
        """Overwrite the stored call."""
        ...


class CallsUnitOfWork(UnitOfWork, Protocol):
    """The storage unit of work plus the step log and the per-step ledger, in one transaction."""

    @property
    def steps(self) -> StepLog:
        """Responses already given."""
        ...

    @property
    def ledger(self) -> CallLedger:
        """The batched per-step reads and writes the calls service's hot path uses."""
        ...


CallsUnitOfWorkFactory = Callable[[], CallsUnitOfWork]
"""Makes a new, unopened calls unit of work."""


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What the calls service asks of paging: notify the practice about one message now."""

    practice_id: str
    message_id: str
    call_id: str
    urgency: TriageLevel
    requested_at: datetime


class PagingPort(Protocol):
    """Starts a page for a message; idempotent on the message id."""

    def open_page(self, request: PageRequest) -> str | None:
        """Open (or find) the page for ``request.message_id``; its id, or None if none opened."""
        ...


TriageFn = Callable[[str, Language | None, Mapping[str, str]], TriageResult]
"""The triage engine's classify as the dialogue takes it."""


@dataclass(frozen=True, slots=True)
class LoadedPractice:
    """A practice's configuration with the triage function built for it."""

    practice: Practice
    version: int
    triage: TriageFn


@dataclass(frozen=True, slots=True)
class DialledLine:
    """Which practice (and location) a dialled number belongs to."""

    practice_id: str
    location_id: str | None


class PracticeDirectory(Protocol):
    """The practices this installation serves, from the latest stored configuration."""

    def get(self, practice_id: str) -> LoadedPractice | None:
        """The practice, or None when unknown."""
        ...

    def line_for(self, number: str) -> DialledLine | None:
        """The practice (and location) whose phone number is ``number`` (E.164), or None."""
        ...

    def practice_ids(self) -> Sequence[str]:
        """Every practice id served."""
        ...
