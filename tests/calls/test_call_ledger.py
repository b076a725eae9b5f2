"""The calls ledger (per-step batched reads and writes) on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import pytest
from sqlalchemy import create_engine, text

from calls.calls_builders import AFTER_HOURS, load_demo
from triageline.adapters.calls.render import voice_renderer
from triageline.adapters.storage.call_steps import SqlCallsUnitOfWork
from triageline.bootstrap import Container, build_container
from triageline.domain.audit import AuditEntry
from triageline.domain.records import CallRecord, Channel, TurnRole, new_id
from triageline.entrypoints.web.calls_wiring import build_calls
from triageline.services.calls import CallService, StepRequest
from triageline.services.calls_memory import MemoryCallsStore, RecordingPaging, SettableClock
from triageline.services.calls_ports import CallsUnitOfWork, StoredStep
from triageline.settings import SecretKey, Settings

T0 = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
SECRET_LINE = "my chest hurts since two"


def make_call_record(external_id: str = "CA-ledger", **changes: Any) -> CallRecord:
    """A new voice call of the demo practice."""
    call = CallRecord(
        id=new_id(),
        practice_id="demo",
        channel=Channel.VOICE,
        external_id=external_id,
        started_at=T0,
        from_number="+15125550199",
        to_number="+15125550100",
    )
    return replace(call, **changes)


def make_entry(action: str, **changes: Any) -> AuditEntry:
    """An audit entry of the calls service."""
    entry = AuditEntry(
        actor="system:calls",
        action=action,
        subject="call:x",
        channel="voice",
        outcome="ok",
        at=T0,
        practice_id="demo",
    )
    return replace(entry, **changes)


TEST_KEY = SecretKey(kid="ledger1", material=bytes(range(1, 33)))


def _sql_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty migrated SQLite copy, or the session's PostgreSQL database emptied."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "ledger.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            tables = connection.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).all()
            names = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def calls_uow(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], CallsUnitOfWork]]:
    """Calls units of work over the in-memory fake, SQLite and PostgreSQL (demo practice row)."""
    if request.param == "memory":
        store = MemoryCallsStore()
        with store.uow_factory() as uow:
            uow.practices.store_config("demo", "Riverbend", "x: 1", created_by="t", at=T0)
            uow.commit()
        yield store.calls_uow
        return
    settings = Settings(
        home=tmp_path,
        database_url=_sql_url(request.param, request, tmp_path),
        key_file=tmp_path / "var" / "secret.key",
        env_keys=(TEST_KEY,),
        public_base_url="https://triageline.test",
        log_level="INFO",
    )
    container = build_container(settings)
    with container.uow_factory() as uow:
        uow.practices.store_config("demo", "Riverbend", "x: 1", created_by="t", at=T0)
        uow.commit()
    try:
        yield lambda: SqlCallsUnitOfWork(container.session_factory, container.keyring)
    finally:
        container.close()


def test_a_claimed_step_is_found_with_its_call(calls_uow: Callable[[], CallsUnitOfWork]) -> None:
    call = make_call_record()
    with calls_uow() as uow:
        assert uow.ledger.open("demo", Channel.VOICE, call.external_id, "voice:0") == (None, None)
        assert uow.ledger.claim(StoredStep(call.id, "voice:0", "<Response/>", T0), call)
        uow.commit()
    with calls_uow() as uow:
        found, stored = uow.ledger.open("demo", Channel.VOICE, call.external_id, "voice:0")
        missing = uow.ledger.open("demo", Channel.VOICE, call.external_id, "voice:1")
    assert found == call
    assert stored == StoredStep(call.id, "voice:0", "<Response/>", T0)
    assert missing == (call, None)


def test_a_step_or_call_claimed_twice_is_refused(calls_uow: Callable[[], CallsUnitOfWork]) -> None:
    call = make_call_record()
    with calls_uow() as uow:
        assert uow.ledger.claim(StoredStep(call.id, "voice:0", "first", T0), call)
        uow.commit()
    with calls_uow() as uow:
        assert not uow.ledger.claim(StoredStep(call.id, "voice:0", "second", T0))
    twin = make_call_record(id=new_id())
    with calls_uow() as uow:
        assert not uow.ledger.claim(StoredStep(twin.id, "voice:0", "twin", T0), twin)
    with calls_uow() as uow:
        found, stored = uow.ledger.open("demo", Channel.VOICE, call.external_id, "voice:0")
    assert found is not None and found.id == call.id
    assert stored is not None and stored.response == "first"


def test_turns_follow_the_last_one_in_order(calls_uow: Callable[[], CallsUnitOfWork]) -> None:
    call = make_call_record()
    with calls_uow() as uow:
        uow.ledger.claim(StoredStep(call.id, "voice:0", "r", T0), call)
        uow.ledger.append_turns(call.id, [(TurnRole.ASSISTANT, "Hello")], T0)
        uow.ledger.append_turns(call.id, [], T0)
        uow.ledger.append_turns(
            call.id, [(TurnRole.CALLER, SECRET_LINE), (TurnRole.ASSISTANT, "Sorry")], T0
        )
        uow.commit()
    with calls_uow() as uow:
        turns = uow.turns.list_for_call(call.id)
    assert [(t.seq, t.role, t.text) for t in turns] == [
        (0, TurnRole.ASSISTANT, "Hello"),
        (1, TurnRole.CALLER, SECRET_LINE),
        (2, TurnRole.ASSISTANT, "Sorry"),
    ]


def test_batched_audit_keeps_one_verifiable_chain(calls_uow: Callable[[], CallsUnitOfWork]) -> None:
    with calls_uow() as uow:
        uow.ledger.append_audit([make_entry("a1"), make_entry("a2"), make_entry("a3")])
        uow.audit.append(make_entry("single"))
        uow.ledger.append_audit([make_entry("b1"), make_entry("b2")])
        uow.ledger.append_audit([])
        uow.commit()
    with calls_uow() as uow:
        events = list(reversed(uow.audit.list(limit=100)))
        assert uow.audit.verify() is None
        assert uow.audit.head() == (6, events[-1].hash)
    assert [(e.seq, e.entry.action) for e in events] == [
        (1, "a1"),
        (2, "a2"),
        (3, "a3"),
        (4, "single"),
        (5, "b1"),
        (6, "b2"),
    ]
    assert all(e.prev_hash == p.hash for p, e in itertools.pairwise(events))


def test_nothing_is_kept_without_a_commit(calls_uow: Callable[[], CallsUnitOfWork]) -> None:
    call = make_call_record()
    with calls_uow() as uow:
        uow.ledger.claim(StoredStep(call.id, "voice:0", "r", T0), call)
        uow.ledger.add_steps([StoredStep(call.id, "message-ref:m1", "msg", T0)])
        uow.ledger.append_turns(call.id, [(TurnRole.CALLER, SECRET_LINE)], T0)
        uow.ledger.save(replace(call, disposition="paged"))
        uow.ledger.append_audit([make_entry("lost")])
    with calls_uow() as uow:
        assert uow.ledger.open("demo", Channel.VOICE, call.external_id, "voice:0") == (None, None)
        assert uow.turns.list_for_call(call.id) == []
        assert uow.audit.head()[0] == 0


def test_save_overwrites_and_extra_steps_keep_existing_keys(
    calls_uow: Callable[[], CallsUnitOfWork],
) -> None:
    call = make_call_record()
    later = replace(call, disposition="paged", ended_at=T0 + timedelta(minutes=2), abandoned=True)
    with calls_uow() as uow:
        uow.ledger.claim(StoredStep(call.id, "voice:0", "r", T0), call)
        uow.ledger.add_steps([StoredStep(call.id, "message-ref:m1", "first", T0)])
        uow.ledger.add_steps([StoredStep(call.id, "message-ref:m1", "second", T0)])
        uow.ledger.save(later)
        uow.commit()
    with calls_uow() as uow:
        found, ref = uow.ledger.open("demo", Channel.VOICE, call.external_id, "message-ref:m1")
    assert found == later
    assert ref is not None and ref.response == "first"


class _FailingSaveUow(SqlCallsUnitOfWork):
    """A calls unit of work whose call update fails (after the step was claimed)."""

    def __enter__(self) -> Self:
        super().__enter__()

        def fail(call: CallRecord) -> None:
            raise RuntimeError("disk full")

        self.ledger.save = fail  # type: ignore[method-assign]
        return self


def test_a_failed_step_leaves_nothing_behind_on_sql(container: Container) -> None:
    """One transaction: the claimed step, turns and audit vanish when a later write fails."""
    load_demo(container)
    web = build_calls(container, clock=SettableClock(AFTER_HOURS), paging=RecordingPaging())
    failing = CallService(
        lambda: _FailingSaveUow(container.session_factory, container.keyring),
        web.directory,
        SettableClock(AFTER_HOURS),
        RecordingPaging(),
    )
    request = StepRequest(
        practice_id="demo",
        channel=Channel.VOICE,
        external_id="CA-fails",
        step_key="voice:0",
        event=None,
        from_number="+15125550199",
        to_number="+15125550100",
    )
    with pytest.raises(RuntimeError, match="disk full"):
        failing.handle(request, voice_renderer())
    with container.engine.connect() as connection:
        counts = {
            table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("calls", "call_steps", "turns", "audit_events")
        }
    assert counts == {"calls": 0, "call_steps": 0, "turns": 0, "audit_events": 0}
    result = web.service.handle(request, voice_renderer())
    assert not result.replayed and "Riverbend" in result.response
