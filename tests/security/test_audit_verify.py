"""`triageline audit verify` finds altered, removed and reordered rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

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


def _fresh_chain(container: Container) -> None:
    """Empty the audit trail and append five events."""
    with container.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))
        connection.execute(text("DELETE FROM audit_chain_head"))
    with container.uow_factory() as uow:
        for minute in range(5):
            uow.audit.append(_entry(minute))
        uow.commit()


def test_verify_detects_every_kind_of_tampering(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_DATABASE_URL": database_url}
    runner = CliRunner()
    _fresh_chain(container)
    intact = runner.invoke(app, ["audit", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    assert "5 events" in intact.output
    missed: dict[str, str] = {}
    for label, statements in TAMPERING.items():
        _fresh_chain(container)
        with container.engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
        result = runner.invoke(app, ["audit", "verify"], env=env)
        if result.exit_code != 1 or "BROKEN" not in result.output:
            missed[label] = f"exit {result.exit_code}: {result.output.strip()}"
    assert missed == {}
