"""Acceptance: known PHI stored through the repositories never appears in plaintext at rest.

SQLite: the raw bytes of the database file and its WAL/SHM files. PostgreSQL: ``pg_dump`` of the
test database. A positive control (the practice name, stored in clear) proves the scan sees data.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builders import (
    PHI_DOB,
    PHI_NAME,
    PHI_PHONE,
    PHI_SYMPTOM,
    T0,
    make_call,
    make_message,
    make_turn,
)
from sqlalchemy.engine import make_url

from triageline.adapters.storage.engine import make_engine, sqlite_path

PRACTICE_NAME = "Plaintext Control Family Clinic"
NEEDLES = {
    "name": PHI_NAME,
    "surname": PHI_NAME.split()[-1],
    "date of birth": PHI_DOB,
    "phone": PHI_PHONE,
    "phone digits": PHI_PHONE.lstrip("+"),
    "symptom": PHI_SYMPTOM,
    "symptom words": "crushing chest pain",
}


def _store_phi(uow_factory: Callable[[], Any]) -> None:
    call = make_call()
    with uow_factory() as uow:
        uow.practices.store_config("demo", PRACTICE_NAME, "id: demo\n", created_by="test", at=T0)
        uow.calls.get_or_add(call)
        uow.turns.add(make_turn(call.id, 0))
        uow.messages.add(make_message(call_id=call.id))
        uow.commit()
    with uow_factory() as uow:
        stored = uow.messages.list_for_call(call.id)
    assert [m.caller_name for m in stored] == [PHI_NAME]


def _dump(database_url: str) -> bytes:
    path = sqlite_path(database_url)
    if path is not None:
        files = [path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))]
        return b"".join(p.read_bytes() for p in files if p.exists())
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    url = make_url(database_url)
    result = subprocess.run(
        [
            pg_dump,
            "--host",
            url.host or "127.0.0.1",
            "--port",
            str(url.port or 5432),
            "--username",
            url.username or "postgres",
            "--no-password",
            "--data-only",
            url.database or "",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return result.stdout


def test_phi_is_not_in_plaintext_at_rest(
    uow_factory: Callable[[], Any], database_url: str, container: Any
) -> None:
    _store_phi(uow_factory)
    container.close()
    dump = _dump(database_url)
    assert PRACTICE_NAME.encode() in dump, "control: the scan must see stored data"
    leaked = {
        label: needle
        for label, needle in NEEDLES.items()
        if needle.encode("utf-8") in dump or needle.encode("utf-16-le") in dump
    }
    assert leaked == {}


def test_new_sqlite_file_is_private(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh" / "triageline.db"
    make_engine(f"sqlite:///{fresh}").dispose()
    assert fresh.stat().st_mode & 0o077 == 0
