"""The audit hash chain: verification finds an altered row, a removed row and a removed tail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from builders import T0, make_entry
from sqlalchemy import text
from typer.testing import CliRunner

from triageline.entrypoints.cli.main import app

UowFactory = Callable[[], Any]


def _append_three(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        for minute in range(3):
            uow.audit.append(make_entry(at=T0 + timedelta(minutes=minute)))
        uow.commit()


def _tamper(container: Any, sql: str) -> None:
    with container.engine.begin() as connection:
        connection.execute(text(sql))


def _verify(uow_factory: UowFactory) -> Any:
    with uow_factory() as uow:
        return uow.audit.verify()


def test_intact_chain_verifies(uow_factory: UowFactory) -> None:
    _append_three(uow_factory)
    assert _verify(uow_factory) is None


def test_altered_row_is_found(container: Any, uow_factory: UowFactory) -> None:
    _append_three(uow_factory)
    _tamper(container, "UPDATE audit_events SET outcome = 'denied' WHERE seq = 2")
    broken = _verify(uow_factory)
    assert broken is not None and broken.seq == 2 and "altered" in broken.reason


def test_altered_row_with_recomputed_hash_breaks_the_next_link(
    container: Any, uow_factory: UowFactory
) -> None:
    _append_three(uow_factory)
    _tamper(container, f"UPDATE audit_events SET hash = '{'a' * 64}' WHERE seq = 2")
    broken = _verify(uow_factory)
    assert broken is not None and broken.seq == 2


def test_removed_row_is_found(container: Any, uow_factory: UowFactory) -> None:
    _append_three(uow_factory)
    _tamper(container, "DELETE FROM audit_events WHERE seq = 2")
    broken = _verify(uow_factory)
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


def test_removed_last_row_is_found(container: Any, uow_factory: UowFactory) -> None:
    _append_three(uow_factory)
    _tamper(container, "DELETE FROM audit_events WHERE seq = 3")
    broken = _verify(uow_factory)
    assert broken is not None and broken.seq == 3 and "missing" in broken.reason


def test_cli_reports_the_first_broken_link(
    container: Any, uow_factory: UowFactory, database_url: str, tmp_path: Path
) -> None:
    _append_three(uow_factory)
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_DATABASE_URL": database_url}
    runner = CliRunner()
    intact = runner.invoke(app, ["audit", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    assert "3 events" in intact.output
    _tamper(container, "UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 1")
    broken = runner.invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert "#1" in broken.output and "altered" in broken.output
