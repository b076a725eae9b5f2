"""The calls service's step log in SQL (responses sealed) and the unit of work that includes it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Self

from sqlalchemy import ForeignKey, Integer, String, Table, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from triageline.adapters.storage.call_ledger import SqlCallLedger
from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import Base
from triageline.adapters.storage.repositories import aad
from triageline.adapters.storage.types import Sealed, UtcDateTime
from triageline.adapters.storage.uow import SqlUnitOfWork
from triageline.services.calls_ports import StoredStep


class CallStepRow(Base):
    """The response given for one step of a call; (call_id, key) is unique."""

    __tablename__ = "call_steps"
    __table_args__ = (UniqueConstraint("call_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"))
    key: Mapped[str] = mapped_column(String(80))
    response: Mapped[str] = mapped_column(Sealed())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


_AAD = aad("call_steps", "response")


class SqlStepLog:
    """Stored steps in SQL."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def get(self, call_id: str, key: str) -> StoredStep | None:
        """The stored step, or None."""
        row = self._s.scalar(
            select(CallStepRow).where(CallStepRow.call_id == call_id, CallStepRow.key == key)
        )
        return None if row is None else self._step(row)

    def add(self, step: StoredStep) -> bool:
        """Store the step; False when that key exists (also when a concurrent writer won)."""
        if self.get(step.call_id, step.key) is not None:
            return False
        row = CallStepRow(
            call_id=step.call_id,
            key=step.key,
            response=self._k.seal(step.response, aad=_AAD),
            created_at=step.created_at,
        )
        try:
            with self._s.begin_nested():
                self._s.add(row)
        except IntegrityError:
            if self.get(step.call_id, step.key) is None:
                raise
            return False
        return True

    def list_for_call(self, call_id: str, *, prefix: str = "") -> Sequence[StoredStep]:
        """The call's steps with that key prefix, oldest first."""
        query = select(CallStepRow).where(CallStepRow.call_id == call_id)
        if prefix:
            query = query.where(CallStepRow.key.startswith(prefix, autoescape=True))
        rows = self._s.scalars(query.order_by(CallStepRow.id))
        return [self._step(row) for row in rows]

    def _step(self, row: CallStepRow) -> StoredStep:
        return StoredStep(
            call_id=row.call_id,
            key=row.key,
            response=self._k.open(row.response, aad=_AAD),
            created_at=row.created_at,
        )


class SqlCallsUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with the step log and the per-step ledger in the same session."""

    steps: SqlStepLog
    ledger: SqlCallLedger

    def __enter__(self) -> Self:
        """Open the session and build every repository, the step log and ledger included."""
        super().__enter__()
        self.steps = SqlStepLog(self.session, self.keyring)
        self.ledger = SqlCallLedger(self.session, self.keyring, _STEP_TABLE)
        return self


_STEP_TABLE: Table = CallStepRow.__table__  # type: ignore[assignment]
