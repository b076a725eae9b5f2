"""Every repository round-trips through SQLite and PostgreSQL (and the in-memory fake)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from builders import (
    DEMO_YAML,
    T0,
    make_call,
    make_entry,
    make_message,
    make_turn,
)

from triageline.domain.errors import IllegalTransitionError
from triageline.domain.messages import MessageStatus
from triageline.domain.records import TurnRole

UowFactory = Callable[[], Any]


@pytest.fixture
def any_uow(any_uow_factory: UowFactory) -> UowFactory:
    """The SQL unit of work (both databases) and the in-memory fake must behave alike."""
    factory = any_uow_factory
    with factory() as uow:
        uow.practices.store_config("demo", "Demo", DEMO_YAML, created_by="test", at=T0)
        uow.commit()
    return factory


def test_config_versions_are_idempotent_and_numbered(any_uow: UowFactory) -> None:
    with any_uow() as uow:
        same, created = uow.practices.store_config(
            "demo", "Demo", DEMO_YAML, created_by="cli", at=T0 + timedelta(hours=1)
        )
        assert (same.version, created) == (1, False)
        newer, created = uow.practices.store_config(
            "demo", "Demo Renamed", DEMO_YAML + "languages: [en]\n", created_by="cli", at=T0
        )
        assert (newer.version, created) == (2, True)
        uow.commit()
    with any_uow() as uow:
        latest = uow.practices.latest_config("demo")
        assert latest is not None and latest.version == 2
        assert latest.yaml_text.endswith("languages: [en]\n")
        assert uow.practices.get("demo").name == "Demo Renamed"
        assert list(uow.practices.list_ids()) == ["demo"]


def test_call_round_trip_keeps_every_field(any_uow: UowFactory) -> None:
    call = make_call()
    with any_uow() as uow:
        stored, created = uow.calls.get_or_add(call)
        assert created and stored == call
        uow.commit()
    with any_uow() as uow:
        assert uow.calls.get(call.id) == call
        assert uow.calls.find_external("demo", call.channel, call.external_id) == call
        assert uow.calls.lock(call.id) == call


def test_retried_webhook_finds_the_same_call(any_uow: UowFactory) -> None:
    first = make_call()
    with any_uow() as uow:
        uow.calls.get_or_add(first)
        uow.commit()
    retry = replace(make_call(), external_id=first.external_id)
    with any_uow() as uow:
        stored, created = uow.calls.get_or_add(retry)
        uow.commit()
    assert not created and stored.id == first.id
    with any_uow() as uow:
        assert [c.id for c in uow.calls.list_for_practice("demo")] == [first.id]


def test_call_save_updates_state(any_uow: UowFactory) -> None:
    call = make_call(ended_at=None, dialogue_state=None, from_number=None)
    with any_uow() as uow:
        uow.calls.get_or_add(call)
        uow.commit()
    updated = replace(call, ended_at=T0 + timedelta(minutes=9), dialogue_state="{}", abandoned=True)
    with any_uow() as uow:
        uow.calls.save(updated)
        uow.commit()
    with any_uow() as uow:
        assert uow.calls.get(call.id) == updated


def test_turns_are_unique_per_call_and_seq(any_uow: UowFactory) -> None:
    call = make_call()
    with any_uow() as uow:
        uow.calls.get_or_add(call)
        assert uow.turns.next_seq(call.id) == 0
        assert uow.turns.add(make_turn(call.id, 0))
        assert uow.turns.add(make_turn(call.id, 1, role=TurnRole.ASSISTANT, text="¿Y su nombre?"))
        uow.commit()
    with any_uow() as uow:
        assert not uow.turns.add(make_turn(call.id, 1, text="a retried webhook"))
        assert uow.turns.next_seq(call.id) == 2
        uow.commit()
    with any_uow() as uow:
        turns = uow.turns.list_for_call(call.id)
    assert [(t.seq, t.text) for t in turns] == [
        (0, make_turn(call.id).text),
        (1, "¿Y su nombre?"),
    ]


def test_message_round_trip_and_transitions(any_uow: UowFactory) -> None:
    message = make_message()
    with any_uow() as uow:
        uow.messages.add(message)
        uow.commit()
    with any_uow() as uow:
        assert uow.messages.get(message.id) == message
        acked = message.acknowledge("nurse-ann", T0 + timedelta(minutes=5))
        uow.messages.save(acked)
        uow.commit()
    with any_uow() as uow:
        stored = uow.messages.get(message.id)
        assert stored == acked and stored.status is MessageStatus.ACKNOWLEDGED
        assert uow.messages.list_for_practice("demo", status=MessageStatus.NEW) == []
        assert uow.messages.list_for_practice("demo", queue="nurse") == [acked]


def test_uncommitted_work_is_rolled_back(any_uow: UowFactory) -> None:
    message = make_message()
    with any_uow() as uow:
        uow.messages.add(message)
    with any_uow() as uow:
        assert uow.messages.get(message.id) is None


def test_sql_timestamps_come_back_aware_in_utc(uow_factory: UowFactory) -> None:
    chicago = timezone(timedelta(hours=-6))
    call = make_call(started_at=T0.astimezone(chicago))
    with uow_factory() as uow:
        uow.practices.store_config("demo", "Demo", DEMO_YAML, created_by="test", at=T0)
        uow.calls.get_or_add(call)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.calls.get(call.id)
    assert stored.started_at == T0
    assert stored.started_at.utcoffset() == timedelta(0)


def test_naive_timestamps_are_refused(uow_factory: UowFactory) -> None:
    with uow_factory() as uow, pytest.raises(Exception, match="naive"):
        uow.practices.store_config(
            "p2", "P2", DEMO_YAML, created_by="test", at=T0.replace(tzinfo=None)
        )


def test_message_status_transitions() -> None:
    message = make_message()
    acked = message.acknowledge("a", T0)
    assert acked.acknowledge("b", T0 + timedelta(minutes=1)) is acked
    resolved = acked.resolve("a", T0)
    assert resolved.status is MessageStatus.RESOLVED and resolved.resolve("b", T0) is resolved
    with pytest.raises(IllegalTransitionError):
        resolved.acknowledge("a", T0)
    assert message.resolve("a", T0).acknowledged_at is None


def test_audit_appends_form_a_chain(any_uow: UowFactory) -> None:
    with any_uow() as uow:
        first = uow.audit.append(make_entry())
        second = uow.audit.append(make_entry(action="message.read", actor="user:7"))
        uow.commit()
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    with any_uow() as uow:
        assert uow.audit.verify() is None
        assert [e.seq for e in uow.audit.list(practice_id="demo")] == [2, 1]
        assert uow.audit.list(subject=first.entry.subject) == [first]
    assert first.entry.at.tzinfo is not None and first.entry.at.utcoffset() == UTC.utcoffset(None)
