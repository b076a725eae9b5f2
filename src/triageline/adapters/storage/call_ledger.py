"""The calls service's per-step ledger in SQL: SQLAlchemy Core statements, writes in batches.

One webhook costs a handful of statements: read the call (``FOR UPDATE`` on PostgreSQL) and the
step's stored response; then, in the same transaction, claim the step (insert its response,
and the call when new, ``ON CONFLICT DO NOTHING`` to notice a concurrent writer), insert the
step's turns in one statement, update the call, and append the step's audit entries with one
chain-head claim. Nothing is written before ``claim``, so on SQLite the write lock is taken only
after the dialogue (and any booking done through other sessions) has run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Insert, Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import AuditChainHeadRow, AuditEventRow, CallRow, TurnRow
from triageline.adapters.storage.repositories import HEAD_ID, aad, call_record, call_values
from triageline.domain.audit import GENESIS_HASH, AuditEntry, link
from triageline.domain.records import CallRecord, Channel, TurnRole
from triageline.services.calls_ports import StoredStep

_CALLS: Table = CallRow.__table__  # type: ignore[assignment]
_TURNS: Table = TurnRow.__table__  # type: ignore[assignment]
_EVENTS: Table = AuditEventRow.__table__  # type: ignore[assignment]
_HEAD: Table = AuditChainHeadRow.__table__  # type: ignore[assignment]
_STEP_AAD = aad("call_steps", "response")
_TURN_AAD = aad("turns", "text")


class SqlCallLedger:
    """The per-step reads and batched writes of one call, inside the unit of work's session."""

    def __init__(self, session: Session, keyring: Keyring, steps: Table) -> None:
        """Work inside ``session`` (its transaction) with ``keyring``; ``steps``: the step log."""
        self._s = session
        self._k = keyring
        self._steps = steps

    def open(
        self, practice_id: str, channel: Channel, external_id: str, step_key: str
    ) -> tuple[CallRecord | None, StoredStep | None]:
        """The call (FOR UPDATE on PostgreSQL) and the response stored for ``step_key``."""
        connection = self._connection()
        row = connection.execute(
            select(_CALLS)
            .where(
                _CALLS.c.practice_id == practice_id,
                _CALLS.c.channel == channel.value,
                _CALLS.c.external_id == external_id,
            )
            .with_for_update()
        ).first()
        if row is None:
            return None, None
        call = call_record(self._k, row)
        stored = connection.execute(
            select(self._steps.c.response, self._steps.c.created_at).where(
                self._steps.c.call_id == call.id, self._steps.c.key == step_key
            )
        ).first()
        if stored is None:
            return call, None
        response = self._k.open(stored.response, aad=_STEP_AAD)
        return call, StoredStep(call.id, step_key, response, stored.created_at)

    def claim(self, step: StoredStep, new_call: CallRecord | None = None) -> bool:
        """Insert ``new_call`` (if given) and ``step``; False when either key exists already.

        Insert-or-ignore with RETURNING tells whether a row went in (rowcount is not reliable
        for ``ON CONFLICT DO NOTHING`` on every driver).
        """
        connection = self._connection()
        if new_call is not None:
            values = {"id": new_call.id, **call_values(self._k, new_call)}
            added = self._insert_ignore(_CALLS).values(values).returning(_CALLS.c.id)
            if connection.execute(added).first() is None:
                return False
        step_row = self._insert_ignore(self._steps).values(self._step(step))
        return connection.execute(step_row.returning(self._steps.c.id)).first() is not None

    def add_steps(self, steps: Sequence[StoredStep]) -> None:
        """Insert more steps in one statement, leaving keys that exist as they are."""
        if steps:
            rows = [self._step(step) for step in steps]
            self._connection().execute(self._insert_ignore(self._steps), rows)

    def append_turns(
        self, call_id: str, turns: Sequence[tuple[TurnRole, str]], at: datetime
    ) -> None:
        """Insert the turns after the call's last one, in one statement (text sealed)."""
        if not turns:
            return
        connection = self._connection()
        last = connection.execute(
            select(func.max(_TURNS.c.seq)).where(_TURNS.c.call_id == call_id)
        ).scalar()
        first = 0 if last is None else int(last) + 1
        seal = self._k.seal
        rows = [
            {
                "call_id": call_id,
                "seq": first + offset,
                "role": role.value,
                "text": seal(text, aad=_TURN_AAD),
                "created_at": at,
            }
            for offset, (role, text) in enumerate(turns)
        ]
        connection.execute(insert(_TURNS), rows)

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Link the entries onto the chain: one head claim, one insert, one head update."""
        if not entries:
            return
        connection = self._connection()
        claim = (
            update(_HEAD)
            .where(_HEAD.c.id == HEAD_ID)
            .values(seq=_HEAD.c.seq + len(entries))
            .returning(_HEAD.c.seq, _HEAD.c.hash)
        )
        head = connection.execute(claim).first()
        if head is None:
            genesis = {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH}
            connection.execute(self._insert_ignore(_HEAD).values(genesis))
            head = connection.execute(claim).one()
        seq = int(head.seq) - len(entries)
        previous = str(head.hash)
        rows = []
        for entry in entries:
            seq += 1
            event = link(seq, previous, entry)
            rows.append(
                {
                    "seq": event.seq,
                    "practice_id": entry.practice_id,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "channel": entry.channel,
                    "outcome": entry.outcome,
                    "at": entry.at,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                }
            )
            previous = event.hash
        connection.execute(insert(_EVENTS), rows)
        connection.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(hash=previous))

    def save(self, call: CallRecord) -> None:
        """Overwrite the stored call in one UPDATE."""
        statement = update(_CALLS).where(_CALLS.c.id == call.id)
        result = self._connection().execute(statement.values(call_values(self._k, call)))
        if result.rowcount != 1:
            raise KeyError(call.id)

    def _connection(self) -> Connection:
        return self._s.connection()

    def _step(self, step: StoredStep) -> dict[str, object]:
        return {
            "call_id": step.call_id,
            "key": step.key,
            "response": self._k.seal(step.response, aad=_STEP_AAD),
            "created_at": step.created_at,
        }

    def _insert_ignore(self, table: Table) -> Insert:
        if self._s.get_bind().dialect.name == "postgresql":
            return pg_insert(table).on_conflict_do_nothing()
        return sqlite_insert(table).on_conflict_do_nothing()
