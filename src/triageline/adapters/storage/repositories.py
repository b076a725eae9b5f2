"""SQLAlchemy implementations of the storage ports; PHI is sealed on write and opened on read."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.models import (
    AuditChainHeadRow,
    AuditEventRow,
    CallRow,
    MessageRow,
    PracticeConfigVersionRow,
    PracticeRow,
    TurnRow,
)
from triageline.domain.audit import GENESIS_HASH, AuditEntry, AuditEvent, ChainBreak, link
from triageline.domain.audit import verify_chain as verify_events
from triageline.domain.coverage import CoverageMode
from triageline.domain.messages import Message, MessageStatus
from triageline.domain.records import (
    CallRecord,
    Channel,
    ConfigVersion,
    PracticeRecord,
    Turn,
    TurnRole,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel


def aad(table: str, column: str) -> str:
    """The associated data binding a ciphertext to its column."""
    return f"{table}.{column}"


class SqlPracticeRepository:
    """Practices and configuration versions in SQL."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def get(self, practice_id: str) -> PracticeRecord | None:
        """The practice, or None."""
        row = self._s.get(PracticeRow, practice_id)
        return None if row is None else PracticeRecord(row.id, row.name, row.created_at)

    def list_ids(self) -> Sequence[str]:
        """Every practice id, sorted."""
        return list(self._s.scalars(select(PracticeRow.id).order_by(PracticeRow.id)))

    def latest_config(self, practice_id: str) -> ConfigVersion | None:
        """The newest configuration version, or None."""
        row = self._s.scalars(
            select(PracticeConfigVersionRow)
            .where(PracticeConfigVersionRow.practice_id == practice_id)
            .order_by(PracticeConfigVersionRow.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        return ConfigVersion(
            practice_id=row.practice_id,
            version=row.version,
            yaml_text=row.yaml_text,
            sha256=row.sha256,
            created_by=row.created_by,
            created_at=row.created_at,
        )

    def store_config(
        self, practice_id: str, name: str, yaml_text: str, *, created_by: str, at: datetime
    ) -> tuple[ConfigVersion, bool]:
        """Record a new version unless the text equals the latest; (version, created?)."""
        digest = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
        practice = self._s.get(PracticeRow, practice_id, with_for_update=True)
        if practice is None:
            self._s.add(PracticeRow(id=practice_id, name=name, created_at=at))
        elif practice.name != name:
            practice.name = name
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
        self._s.add(
            PracticeConfigVersionRow(
                practice_id=practice_id,
                version=version.version,
                yaml_text=yaml_text,
                sha256=digest,
                created_by=created_by,
                created_at=at,
            )
        )
        self._s.flush()
        return version, True


class SqlCallRepository:
    """Calls in SQL; phone numbers and dialogue state sealed."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def get(self, call_id: str) -> CallRecord | None:
        """The call, or None."""
        row = self._s.get(CallRow, call_id)
        return None if row is None else self._record(row)

    def lock(self, call_id: str) -> CallRecord | None:
        """The call, locked until commit (FOR UPDATE on PostgreSQL), or None."""
        row = self._s.get(CallRow, call_id, with_for_update=True, populate_existing=True)
        return None if row is None else self._record(row)

    def find_external(
        self, practice_id: str, channel: Channel, external_id: str
    ) -> CallRecord | None:
        """The call with this channel id, or None."""
        row = self._find_row(practice_id, channel, external_id)
        return None if row is None else self._record(row)

    def get_or_add(self, call: CallRecord) -> tuple[CallRecord, bool]:
        """Store ``call`` unless its external id exists already; (stored call, created?)."""
        existing = self._find_row(call.practice_id, call.channel, call.external_id)
        if existing is not None:
            return self._record(existing), False
        try:
            with self._s.begin_nested():
                self._s.add(self._row(call, CallRow(id=call.id)))
        except IntegrityError:
            raced = self._find_row(call.practice_id, call.channel, call.external_id)
            if raced is None:
                raise
            return self._record(raced), False
        return call, True

    def save(self, call: CallRecord) -> None:
        """Overwrite an existing call."""
        row = self._s.get(CallRow, call.id)
        if row is None:
            raise KeyError(call.id)
        self._row(call, row)
        self._s.flush()

    def list_for_practice(
        self, practice_id: str, *, since: datetime | None = None, limit: int = 100
    ) -> Sequence[CallRecord]:
        """Calls of a practice, newest first."""
        query = select(CallRow).where(CallRow.practice_id == practice_id)
        if since is not None:
            query = query.where(CallRow.started_at >= since)
        rows = self._s.scalars(query.order_by(CallRow.started_at.desc()).limit(limit))
        return [self._record(row) for row in rows]

    def _find_row(self, practice_id: str, channel: Channel, external_id: str) -> CallRow | None:
        return self._s.scalars(
            select(CallRow).where(
                CallRow.practice_id == practice_id,
                CallRow.channel == channel.value,
                CallRow.external_id == external_id,
            )
        ).first()

    def _row(self, call: CallRecord, row: CallRow) -> CallRow:
        for column, value in call_values(self._k, call).items():
            setattr(row, column, value)
        return row

    def _record(self, row: CallRow) -> CallRecord:
        return call_record(self._k, row)


def call_values(keyring: Keyring, call: CallRecord) -> dict[str, object]:
    """The ``calls`` columns for ``call`` (phone numbers and dialogue state sealed), id excluded."""
    k = keyring
    return {
        "practice_id": call.practice_id,
        "channel": call.channel.value,
        "external_id": call.external_id,
        "from_number": k.seal_optional(call.from_number, aad=aad("calls", "from_number")),
        "to_number": k.seal_optional(call.to_number, aad=aad("calls", "to_number")),
        "language": None if call.language is None else call.language.value,
        "coverage_mode": None if call.coverage_mode is None else call.coverage_mode.value,
        "disposition": call.disposition,
        "triage": None if call.triage is None else call.triage.value,
        "intent": None if call.intent is None else call.intent.value,
        "dialogue_state": k.seal_optional(call.dialogue_state, aad=aad("calls", "dialogue_state")),
        "started_at": call.started_at,
        "ended_at": call.ended_at,
        "time_to_answer_s": (
            None if call.time_to_answer is None else call.time_to_answer.total_seconds()
        ),
        "abandoned": call.abandoned,
    }


def call_record(keyring: Keyring, row: CallRow | Row[Any]) -> CallRecord:
    """The call stored in ``row`` (an ORM row or a Core row of ``calls``), opened."""
    k = keyring
    return CallRecord(
        id=row.id,
        practice_id=row.practice_id,
        channel=Channel(row.channel),
        external_id=row.external_id,
        started_at=row.started_at,
        from_number=k.open_optional(row.from_number, aad=aad("calls", "from_number")),
        to_number=k.open_optional(row.to_number, aad=aad("calls", "to_number")),
        language=None if row.language is None else Language(row.language),
        coverage_mode=None if row.coverage_mode is None else CoverageMode(row.coverage_mode),
        disposition=row.disposition,
        triage=None if row.triage is None else TriageLevel(row.triage),
        intent=None if row.intent is None else Intent(row.intent),
        dialogue_state=k.open_optional(row.dialogue_state, aad=aad("calls", "dialogue_state")),
        ended_at=row.ended_at,
        time_to_answer=(
            None if row.time_to_answer_s is None else timedelta(seconds=row.time_to_answer_s)
        ),
        abandoned=row.abandoned,
    )


class SqlTurnRepository:
    """Transcript turns in SQL; text sealed."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def add(self, turn: Turn) -> bool:
        """Store the turn; False when that (call_id, seq) already exists."""
        exists = self._s.scalar(
            select(TurnRow.id).where(TurnRow.call_id == turn.call_id, TurnRow.seq == turn.seq)
        )
        if exists is not None:
            return False
        row = TurnRow(
            call_id=turn.call_id,
            seq=turn.seq,
            role=turn.role.value,
            text=self._k.seal(turn.text, aad=aad("turns", "text")),
            created_at=turn.created_at,
        )
        try:
            with self._s.begin_nested():
                self._s.add(row)
        except IntegrityError:
            raced = self._s.scalar(
                select(TurnRow.id).where(TurnRow.call_id == turn.call_id, TurnRow.seq == turn.seq)
            )
            if raced is None:
                raise
            return False
        return True

    def list_for_call(self, call_id: str) -> Sequence[Turn]:
        """The call's turns in seq order."""
        rows = self._s.scalars(
            select(TurnRow).where(TurnRow.call_id == call_id).order_by(TurnRow.seq)
        )
        return [
            Turn(
                call_id=row.call_id,
                seq=row.seq,
                role=TurnRole(row.role),
                text=self._k.open(row.text, aad=aad("turns", "text")),
                created_at=row.created_at,
            )
            for row in rows
        ]

    def next_seq(self, call_id: str) -> int:
        """The seq the next turn should use."""
        last = self._s.scalar(select(func.max(TurnRow.seq)).where(TurnRow.call_id == call_id))
        return 0 if last is None else last + 1


_MESSAGE_SEALED = ("caller_name", "patient_name", "date_of_birth", "callback_number", "reason")


class SqlMessageRepository:
    """Secure messages in SQL; every person-identifying field sealed."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        """Work inside ``session`` with ``keyring``."""
        self._s = session
        self._k = keyring

    def add(self, message: Message) -> None:
        """Store a new message."""
        if self._s.get(MessageRow, message.id) is not None:
            raise ValueError(f"message {message.id} exists")
        self._s.add(self._row(message, MessageRow(id=message.id)))
        self._s.flush()

    def get(self, message_id: str) -> Message | None:
        """The message, or None."""
        row = self._s.get(MessageRow, message_id)
        return None if row is None else self._record(row)

    def save(self, message: Message) -> None:
        """Overwrite an existing message."""
        row = self._s.get(MessageRow, message.id)
        if row is None:
            raise KeyError(message.id)
        self._row(message, row)
        self._s.flush()

    def list_for_practice(
        self,
        practice_id: str,
        *,
        status: MessageStatus | None = None,
        queue: str | None = None,
        limit: int = 100,
    ) -> Sequence[Message]:
        """Messages of a practice, newest first."""
        query = select(MessageRow).where(MessageRow.practice_id == practice_id)
        if status is not None:
            query = query.where(MessageRow.status == status.value)
        if queue is not None:
            query = query.where(MessageRow.queue == queue)
        query = query.order_by(MessageRow.created_at.desc(), MessageRow.id).limit(limit)
        return [self._record(row) for row in self._s.scalars(query)]

    def list_for_call(self, call_id: str) -> Sequence[Message]:
        """Messages taken during one call, oldest first."""
        query = select(MessageRow).where(MessageRow.call_id == call_id)
        query = query.order_by(MessageRow.created_at, MessageRow.id)
        return [self._record(row) for row in self._s.scalars(query)]

    def _row(self, message: Message, row: MessageRow) -> MessageRow:
        row.practice_id = message.practice_id
        row.call_id = message.call_id
        row.queue = message.queue
        row.urgency = message.urgency.value
        row.status = message.status.value
        row.flagged_partial = message.flagged_partial
        for column in _MESSAGE_SEALED:
            plain: str | None = getattr(message, column)
            setattr(row, column, self._k.seal_optional(plain, aad=aad("messages", column)))
        row.created_at = message.created_at
        row.acknowledged_at = message.acknowledged_at
        row.acknowledged_by = message.acknowledged_by
        row.resolved_at = message.resolved_at
        row.resolved_by = message.resolved_by
        return row

    def _record(self, row: MessageRow) -> Message:
        def opened(column: str) -> str | None:
            sealed: str | None = getattr(row, column)
            return self._k.open_optional(sealed, aad=aad("messages", column))

        return Message(
            id=row.id,
            practice_id=row.practice_id,
            queue=row.queue,
            urgency=TriageLevel(row.urgency),
            created_at=row.created_at,
            call_id=row.call_id,
            status=MessageStatus(row.status),
            flagged_partial=row.flagged_partial,
            caller_name=opened("caller_name"),
            patient_name=opened("patient_name"),
            date_of_birth=opened("date_of_birth"),
            callback_number=opened("callback_number"),
            reason=opened("reason"),
            acknowledged_at=row.acknowledged_at,
            acknowledged_by=row.acknowledged_by,
            resolved_at=row.resolved_at,
            resolved_by=row.resolved_by,
        )


HEAD_ID = 1


class SqlAuditLog:
    """The hash-chained audit trail in SQL; appends serialise on the chain-head row."""

    def __init__(self, session: Session) -> None:
        """Work inside ``session``."""
        self._s = session

    def append(self, entry: AuditEntry) -> AuditEvent:
        """Add an entry at the end of the chain."""
        self._ensure_head()
        # Writing first takes the row lock (PostgreSQL) / the write lock (SQLite) before reading.
        claimed = self._s.execute(
            update(AuditChainHeadRow)
            .where(AuditChainHeadRow.id == HEAD_ID)
            .values(seq=AuditChainHeadRow.seq + 1)
            .returning(AuditChainHeadRow.seq, AuditChainHeadRow.hash)
        ).one()
        event = link(claimed.seq, claimed.hash, entry)
        self._s.add(
            AuditEventRow(
                seq=event.seq,
                practice_id=entry.practice_id,
                actor=entry.actor,
                action=entry.action,
                subject=entry.subject,
                channel=entry.channel,
                outcome=entry.outcome,
                at=entry.at,
                prev_hash=event.prev_hash,
                hash=event.hash,
                source=entry.source,
            )
        )
        self._s.execute(
            update(AuditChainHeadRow).where(AuditChainHeadRow.id == HEAD_ID).values(hash=event.hash)
        )
        self._s.flush()
        return event

    def list(
        self, *, practice_id: str | None = None, subject: str | None = None, limit: int = 100
    ) -> Sequence[AuditEvent]:
        """Events, newest first."""
        query = select(AuditEventRow)
        if practice_id is not None:
            query = query.where(AuditEventRow.practice_id == practice_id)
        if subject is not None:
            query = query.where(AuditEventRow.subject == subject)
        rows = self._s.scalars(query.order_by(AuditEventRow.seq.desc()).limit(limit))
        return [_event(row) for row in rows]

    def head(self) -> tuple[int, str]:
        """The recorded last seq and hash of the chain."""
        head = self._s.get(AuditChainHeadRow, HEAD_ID)
        return (0, GENESIS_HASH) if head is None else (head.seq, head.hash)

    def verify(self) -> ChainBreak | None:
        """The first break in the chain, or None."""
        head = self._s.get(AuditChainHeadRow, HEAD_ID)
        head_seq, head_hash = (0, GENESIS_HASH) if head is None else (head.seq, head.hash)
        rows = self._s.scalars(
            select(AuditEventRow).order_by(AuditEventRow.seq).execution_options(yield_per=1000)
        )
        return verify_events((_event(row) for row in rows), head_seq=head_seq, head_hash=head_hash)

    def _ensure_head(self) -> None:
        values = {"id": HEAD_ID, "seq": 0, "hash": GENESIS_HASH}
        if self._s.get_bind().dialect.name == "postgresql":
            self._s.execute(pg_insert(AuditChainHeadRow).values(values).on_conflict_do_nothing())
        else:
            self._s.execute(
                sqlite_insert(AuditChainHeadRow).values(values).on_conflict_do_nothing()
            )


def _event(row: AuditEventRow) -> AuditEvent:
    entry = AuditEntry(
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        channel=row.channel,
        outcome=row.outcome,
        at=row.at,
        practice_id=row.practice_id,
        source=row.source,
    )
    return AuditEvent(seq=row.seq, entry=entry, prev_hash=row.prev_hash, hash=row.hash)
