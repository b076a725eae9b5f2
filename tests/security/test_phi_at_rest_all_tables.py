"""After the end-to-end flow, no PHI is stored in clear in any column of any table.

Every table of ``Base.metadata`` and every table the migrations created (reflected) is scanned,
every text and binary value of every row, on SQLite and PostgreSQL. Exceptions are listed in
``CLEAR_BY_DESIGN`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from security.phi_flow import (
    CALLER_NAME,
    NEEDLES,
    PATIENT_NAME,
    VOICE_SID,
    FlowResult,
    run_flow,
)
from security.sec_builders import leaks
from triageline.adapters.storage.models import Base
from triageline.domain.records import Channel

CLEAR_BY_DESIGN: dict[tuple[str, str], str] = {
    ("practices", "name"): "the practice's own name is not PHI (positive control below)",
    ("practice_config_versions", "yaml_text"): "the practice configuration: office data only",
}
"""(table, column) pairs stored in clear on purpose; none of them may hold caller PHI either."""


@pytest.fixture
def flow(container: Any) -> Iterator[FlowResult]:
    """The end-to-end flow over the test database."""
    yield from run_flow(container)


def _as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        return raw.decode("utf-8", "replace") + "\n" + raw.decode("utf-16-le", "replace")
    return None


def _stored_phi(flow: FlowResult) -> set[str]:
    """Control: the PHI really was stored (decrypted through the repositories)."""
    with flow.container.uow_factory() as uow:
        call = uow.calls.find_external("demo", Channel.VOICE, VOICE_SID)
        assert call is not None
        messages = uow.messages.list_for_call(call.id)
    return {m.caller_name or "" for m in messages} | {m.patient_name or "" for m in messages}


def test_no_phi_in_clear_in_any_column(flow: FlowResult) -> None:
    assert {CALLER_NAME, PATIENT_NAME} <= _stored_phi(flow)
    engine = flow.container.engine
    reflected = MetaData()
    reflected.reflect(engine)
    declared = set(Base.metadata.tables)
    assert declared <= set(reflected.tables), "every ORM table exists in the migrated database"
    found: dict[str, dict[str, str]] = {}
    controls: set[tuple[str, str]] = set()
    rows_scanned = 0
    with engine.connect() as connection:
        for name, table in sorted(reflected.tables.items()):
            for row in connection.execute(select(table)).mappings():
                rows_scanned += 1
                for column, value in row.items():
                    text = _as_text(value)
                    if text is None:
                        continue
                    if "Riverbend" in text:
                        controls.add((name, column))
                    hits = leaks(text, NEEDLES)
                    if hits:
                        found[f"{name}.{column}"] = hits
    assert controls, "control: the scan sees stored clear text"
    assert controls <= set(CLEAR_BY_DESIGN), f"clear columns not listed: {controls}"
    assert rows_scanned >= 50, "control: the flow stored calls, turns, messages, pages"
    assert found == {}
