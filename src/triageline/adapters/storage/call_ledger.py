"""The calls service's per-step ledger in SQL: SQLAlchemy Core statements, writes in batches.

One webhook costs a handful of statements: read the call (``FOR UPDATE`` on PostgreSQL) and the
step's stored response; then, in the same transaction, claim the step (insert its response,
and the call when new, ``ON CONFLICT DO NOTHING`` to notice a concurrent writer), insert the
step's turns in one statement, update the call, and append the step's audit entries with one
chain-head claim. Nothing is written before ``claim``, so on SQLite the write lock is taken only
after the dialogue (and any booking done through other sessions) has run.

The statements are built once per database dialect and reused with bound parameters, so a
webhook pays for neither statement construction nor cache-key generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)
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


@dataclass(frozen=True, slots=True)
class _Statements:
    """Every statement the ledger runs, built once for a step-log table and a dialect."""

    open_call: Select[tuple[object, ...]]
    open_step: Select[tuple[object, ...]]
    claim_call: Insert
    claim_step: Insert
    add_steps: Insert
    last_turn: Select[int | None]
    add_turns: Insert
    claim_head: Update
    add_head: Insert
    add_events: Insert
    set_head: Update
    save_call: Update


@cache
def _statements(steps: Table, dialect: str) -> _Statements:
    def insert_ignore(table: Table) -> Insert:
        if dialect == "postgresql":
            return pg_insert(table).on_conflict_do_nothing()
        return sqlite_insert(table).on_conflict_do_nothing()

    calls = _CALLS.c
    return _Statements(
        open_call=select(_CALLS)
        .where(
            calls.practice_id == bindparam("b_practice"),
            calls.channel == bindparam("b_channel"),
            calls.external_id == bindparam("b_external"),
        )
        .with_for_update(),
        open_step=select(steps.c.response, steps.c.created_at).where(
            steps.c.call_id == bindparam("b_call"), steps.c.key == bindparam("b_key")
        ),
        claim_call=insert_ignore(_CALLS).returning(calls.id),
        claim_step=insert_ignore(steps).returning(steps.c.id),
        add_steps=insert_ignore(steps),
        last_turn=select(func.max(_TURNS.c.seq)).where(_TURNS.c.call_id == bindparam("b_call")),
        add_turns=insert(_TURNS),
        claim_head=update(_HEAD)
        .where(_HEAD.c.id == HEAD_ID)
        .values(seq=_HEAD.c.seq + bindparam("b_count"))
        .returning(_HEAD.c.seq, _HEAD.c.hash),
        add_head=insert_ignore(_HEAD),
        add_events=insert(_EVENTS),
        set_head=update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(hash=bindparam("b_hash")),
        save_call=update(_CALLS).where(calls.id == bindparam("b_id")),
    )


class SqlCallLedger:
    """The per-step reads and batched writes of one call, inside the unit of work's session."""

    def __init__(self, session: Session, keyring: Keyring, steps: Table) -> None:
        """Work inside ``session`` (its transaction) with ``keyring``; ``steps``: the step log."""
        self._s = session
        self._k = keyring
        self._steps = steps
        self._q: _Statements | None = None

    def open(
        self, practice_id: str, channel: Channel, external_id: str, step_key: str
    ) -> tuple[CallRecord | None, StoredStep | None]:
        """The call (FOR UPDATE on PostgreSQL) and the response stored for ``step_key``."""
        q = self._statements()
        connection = self._s.connection()
        row = connection.execute(
            q.open_call,
            {"b_practice": practice_id, "b_channel": channel.value, "b_external": external_id},
        ).first()
        if row is None:
            return None, None
        call = call_record(self._k, row)
        stored = connection.execute(q.open_step, {"b_call": call.id, "b_key": step_key}).first()
        if stored is None:
            return call, None
        response = self._k.open(stored.response, aad=_STEP_AAD)
        return call, StoredStep(call.id, step_key, response, stored.created_at)

    def claim(self, step: StoredStep, new_call: CallRecord | None = None) -> bool:
        """Insert ``new_call`` (if given) and ``step``; False when either key exists already.

        Insert-or-ignore with RETURNING tells whether a row went in (rowcount is not reliable
        for ``ON CONFLICT DO NOTHING`` on every driver).
        """
        q = self._statements()
        connection = self._s.connection()
        if new_call is not None:
            values = {"id": new_call.id, **call_values(self._k, new_call)}
            if connection.execute(q.claim_call, values).first() is None:
                return False
        return connection.execute(q.claim_step, self._step(step)).first() is not None

    def add_steps(self, steps: Sequence[StoredStep]) -> None:
        """Insert more steps in one statement, leaving keys that exist as they are."""
        if steps:
            rows = [self._step(step) for step in steps]
            self._s.connection().execute(self._statements().add_steps, rows)

    def append_turns(
        self, call_id: str, turns: Sequence[tuple[TurnRole, str]], at: datetime
    ) -> None:
        """Insert the turns after the call's last one, in one statement (text sealed)."""
        if not turns:
            return
        q = self._statements()
        connection = self._s.connection()
        last = connection.execute(q.last_turn, {"b_call": call_id}).scalar()
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
        connection.execute(q.add_turns, rows)

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Link the entries onto the chain: one head claim, one insert, one head update."""
        if not entries:
            return
        q = self._statements()
        connection = self._s.connection()
        count = {"b_count": len(entries)}
        head = connection.execute(q.claim_head, count).first()
        if head is None:
            connection.execute(q.add_head, {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH})
            head = connection.execute(q.claim_head, count).one()
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
                    "source": entry.source,
                }
            )
            previous = event.hash
        connection.execute(q.add_events, rows)
        connection.execute(q.set_head, {"b_hash": previous})

    def save(self, call: CallRecord) -> None:
        """Overwrite the stored call in one UPDATE."""
        values = {"b_id": call.id, **call_values(self._k, call)}
        result = self._s.connection().execute(self._statements().save_call, values)
        if result.rowcount != 1:
            raise KeyError(call.id)

    def _statements(self) -> _Statements:
        if self._q is None:
            self._q = _statements(self._steps, self._s.get_bind().dialect.name)
        return self._q

    def _step(self, step: StoredStep) -> dict[str, object]:
        return {
            "call_id": step.call_id,
            "key": step.key,
            "response": self._k.seal(step.response, aad=_STEP_AAD),
            "created_at": step.created_at,
        }
