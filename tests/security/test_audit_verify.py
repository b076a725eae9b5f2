"""`triageline audit verify` finds altered, removed and reordered rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from triageline.bootstrap import Container
from triageline.domain.audit import AuditEntry
from triageline.entrypoints.cli.main import app

T0 = datetime(2026, 3, 4, 4, 0, tzinfo=UTC)
SWAP_2_AND_4 = (
    "UPDATE audit_events SET seq = -2 WHERE seq = 2",
    "UPDATE audit_events SET seq = 2 WHERE seq = 4",
    "UPDATE audit_events SET seq = 4 WHERE seq = -2",
)
TAMPERING: dict[str, tuple[str, ...]] = {
    "altered outcome": ("UPDATE audit_events SET outcome = 'allowed' WHERE seq = 3",),
    "altered actor": ("UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 1",),
    "altered subject": ("UPDATE audit_events SET subject = 'message:9999' WHERE seq = 5",),
    "altered hash": (f"UPDATE audit_events SET hash = '{'b' * 64}' WHERE seq = 2",),
    "removed middle": ("DELETE FROM audit_events WHERE seq = 3",),
    "removed first": ("DELETE FROM audit_events WHERE seq = 1",),
    "removed last": ("DELETE FROM audit_events WHERE seq = 5",),
    "removed all": ("DELETE FROM audit_events",),
    "reordered (seq swapped)": SWAP_2_AND_4,
    "reordered (contents swapped)": (
        "UPDATE audit_events SET seq = -1 WHERE seq = 1",
        "UPDATE audit_events SET seq = 1 WHERE seq = 2",
        "UPDATE audit_events SET seq = 2 WHERE seq = -1",
    ),
}


def _entry(minute: int) -> AuditEntry:
    return AuditEntry(
        actor="system:calls" if minute % 2 else "user:alice",
        action="message.read",
        subject=f"message:{minute:04d}",
        channel="portal",
        outcome="ok",
        at=T0 + timedelta(minutes=minute),
        practice_id="demo",
    )


@pytest.fixture
def verify(container: Container, database_url: str, tmp_path: Path) -> Callable[[], Any]:
    """Five audit events; ``verify()`` runs the CLI against the test database."""
    with container.uow_factory() as uow:
        for minute in range(5):
            uow.audit.append(_entry(minute))
        uow.commit()
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_DATABASE_URL": database_url}

    def run() -> Any:
        return CliRunner().invoke(app, ["audit", "verify"], env=env)

    return run


def test_an_intact_chain_verifies(verify: Callable[[], Any]) -> None:
    result = verify()
    assert result.exit_code == 0, result.output
    assert "5 events" in result.output


@pytest.mark.parametrize("label", sorted(TAMPERING))
def test_tampering_is_detected(label: str, verify: Callable[[], Any], container: Container) -> None:
    with container.engine.begin() as connection:
        for statement in TAMPERING[label]:
            connection.execute(text(statement))
    result = verify()
    assert result.exit_code == 1, (label, result.output)
    assert "BROKEN" in result.output
