"""``make_*`` builders for storage tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from triageline.domain.audit import AuditEntry
from triageline.domain.coverage import CoverageMode
from triageline.domain.messages import Message
from triageline.domain.records import CallRecord, Channel, Turn, TurnRole, new_id
from triageline.domain.triage.types import Intent, Language, TriageLevel

T0 = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)

# The known PHI of the acceptance test: none of it may appear in plaintext anywhere.
PHI_NAME = "Zebulon Quattlebaum"
PHI_DOB = "1983-07-14"
PHI_PHONE = "+15125550187"
PHI_SYMPTOM = "crushing chest pain spreading to my left arm since 2am"


def make_call(practice_id: str = "demo", **changes: Any) -> CallRecord:
    """A voice call with every field filled."""
    call = CallRecord(
        id=new_id(),
        practice_id=practice_id,
        channel=Channel.VOICE,
        external_id="CA" + new_id(),
        started_at=T0,
        from_number=PHI_PHONE,
        to_number="+15125550100",
        language=Language.ES,
        coverage_mode=CoverageMode.AFTER_HOURS,
        disposition="page_oncall",
        triage=TriageLevel.URGENT,
        intent=Intent.SYMPTOM,
        dialogue_state='{"node": "collect_name", "slots": {}}',
        ended_at=T0 + timedelta(minutes=4),
        time_to_answer=timedelta(seconds=1.5),
        abandoned=False,
    )
    return replace(call, **changes)


def make_turn(call_id: str, seq: int = 0, **changes: Any) -> Turn:
    """A caller turn."""
    turn = Turn(
        call_id=call_id,
        seq=seq,
        role=TurnRole.CALLER,
        text=PHI_SYMPTOM,
        created_at=T0 + timedelta(seconds=seq),
    )
    return replace(turn, **changes)


def make_message(practice_id: str = "demo", **changes: Any) -> Message:
    """A message carrying the known PHI."""
    message = Message(
        id=new_id(),
        practice_id=practice_id,
        queue="nurse",
        urgency=TriageLevel.URGENT,
        created_at=T0,
        caller_name=PHI_NAME,
        patient_name=PHI_NAME,
        date_of_birth=PHI_DOB,
        callback_number=PHI_PHONE,
        reason=PHI_SYMPTOM,
    )
    return replace(message, **changes)


def make_entry(**changes: Any) -> AuditEntry:
    """An audit entry without PHI."""
    entry = AuditEntry(
        actor="system:calls",
        action="message.created",
        subject="message:" + new_id(),
        channel="voice",
        outcome="ok",
        at=T0,
        practice_id="demo",
    )
    return replace(entry, **changes)


DEMO_YAML = "id: demo\nname: Demo Family Medicine\ntimezone: America/Chicago\n"
