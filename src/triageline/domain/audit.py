"""The tamper-evident audit trail: entries, hash-chained events and chain verification.

Audit events never carry PHI: subjects are ids (``message:3f2a...``), never names or numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64

SOURCE_MAX = 64
"""The longest stored ``source`` (an IPv6 address with a zone fits)."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it is placed in the chain.

    ``actor`` is a user id or ``system:<component>``; ``channel`` the source (``voice``, ``sms``,
    ``web``, ``portal``, ``cli``, ``worker``); ``outcome`` e.g. ``ok``, ``denied``, ``failed``;
    ``source`` where the action came from when known (the client address of a portal request,
    at most ``SOURCE_MAX`` characters), never PHI.
    """

    actor: str
    action: str
    subject: str
    channel: str
    outcome: str
    at: datetime
    practice_id: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An entry placed in the chain: its position, the previous hash and its own hash."""

    seq: int
    entry: AuditEntry
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place where the stored chain does not verify."""

    seq: int
    reason: str

    def __str__(self) -> str:
        """Human-readable: position and reason."""
        return f"audit event #{self.seq}: {self.reason}"


def chain_hash(seq: int, prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the canonical JSON of the event's position, predecessor and content."""
    if entry.at.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    content: dict[str, object] = {
        "seq": seq,
        "prev": prev_hash,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "channel": entry.channel,
        "outcome": entry.outcome,
        "practice": entry.practice_id,
    }
    if entry.source is not None:
        # Added later: only events that have a source hash it, so older rows still verify.
        content["source"] = entry.source
    canonical = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def link(seq: int, prev_hash: str, entry: AuditEntry) -> AuditEvent:
    """Place an entry after the event whose hash is ``prev_hash``."""
    return AuditEvent(
        seq=seq, entry=entry, prev_hash=prev_hash, hash=chain_hash(seq, prev_hash, entry)
    )


def verify_chain(
    events: Iterable[AuditEvent], *, head_seq: int, head_hash: str
) -> ChainBreak | None:
    """Check events (in seq order) against each other and the recorded head; first break or None.

    Detects an altered row (hash mismatch), a removed row (gap in seq or broken prev link) and
    removed rows at the end (the recorded head is beyond the last stored event).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(expected_seq, f"missing (next stored event is #{event.seq})")
        if event.prev_hash != expected_prev:
            return ChainBreak(event.seq, "does not link to the previous event")
        if chain_hash(event.seq, event.prev_hash, event.entry) != event.hash:
            return ChainBreak(event.seq, "content does not match its hash (altered)")
        expected_prev = event.hash
        expected_seq += 1
    last = expected_seq - 1
    if head_seq > last:
        return ChainBreak(last + 1, f"missing (the chain head records #{head_seq})")
    if head_seq < last:
        return ChainBreak(head_seq + 1, "stored beyond the recorded chain head (inserted)")
    if head_hash != expected_prev:
        return ChainBreak(last, "the chain head hash does not match the last event")
    return None
