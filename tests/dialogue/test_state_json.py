"""DialogueState survives JSON storage exactly; bad JSON is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triageline.domain.dialogue import (
    CallerDetails,
    Channel,
    DialogueError,
    DialogueState,
    PendingFollowUp,
    Phase,
    RecordingStatus,
    TriageSummary,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel

texts = st.text(max_size=40)
opt_texts = st.none() | texts

details = st.builds(
    CallerDetails,
    caller_name=opt_texts,
    patient_name=opt_texts,
    patient_is_caller=st.none() | st.booleans(),
    patient_dob=opt_texts,
    callback_number=opt_texts,
    callback_confirmed=st.booleans(),
    reason_text=opt_texts,
)
summaries = st.builds(
    TriageSummary,
    level=st.sampled_from(TriageLevel),
    intent=st.sampled_from(Intent),
    lang=st.sampled_from(Language),
    rule_ids=st.lists(texts, max_size=3).map(tuple),
    evidence=st.lists(texts, max_size=3).map(tuple),
    protocol_version=texts,
    crisis=st.booleans(),
)
follow_ups = st.builds(
    PendingFollowUp,
    fact=texts,
    rule_id=texts,
    question=st.lists(st.tuples(st.sampled_from(Language), texts), max_size=3).map(tuple),
)
states = st.builds(
    DialogueState,
    phase=st.sampled_from(Phase),
    channel=st.sampled_from(Channel),
    language=st.sampled_from(Language),
    language_chosen=st.booleans(),
    recording=st.sampled_from(RecordingStatus),
    started_at=st.none()
    | st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    caller_id=opt_texts,
    dialled=opt_texts,
    details=details,
    reprompts=st.integers(0, 5),
    triage=st.none() | summaries,
    answers=st.lists(st.tuples(texts, texts), max_size=3).map(tuple),
    follow_up=st.none() | follow_ups,
    follow_ups_asked=st.integers(0, 5),
    unconfirmed=opt_texts,
    messages_taken=st.integers(0, 5),
    paged=st.booleans(),
    emergency_handled=st.booleans(),
    crisis_offered=st.booleans(),
    turn=st.integers(0, 10_000),
)


@given(states)
def test_json_round_trip_is_exact(state: DialogueState) -> None:
    assert DialogueState.from_json(state.to_json()) == state


def test_json_is_stable_text() -> None:
    state = DialogueState(phase=Phase.REASON, language=Language.ZH)
    assert state.to_json() == DialogueState.from_json(state.to_json()).to_json()
    assert '"phase": "reason"' in state.to_json()


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        "{}",
        '{"format": 99}',
        DialogueState().to_json().replace('"phase": "new"', '"phase": "flying"'),
        DialogueState().to_json().replace('"reprompts": 0', '"reprompts": "0"'),
    ],
)
def test_bad_json_is_refused(bad: str) -> None:
    with pytest.raises(DialogueError):
        DialogueState.from_json(bad)
