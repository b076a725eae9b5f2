"""Key rotation re-seals every encrypted column; afterwards the old key can be dropped."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from builders import PHI_NAME, PHI_SYMPTOM, T0, make_call, make_message, make_turn
from sqlalchemy import select
from typer.testing import CliRunner

from triageline.adapters.storage import rotation
from triageline.adapters.storage.crypto import Keyring, UnknownKeyError
from triageline.adapters.storage.models import MessageRow
from triageline.bootstrap import build_container
from triageline.entrypoints.cli.main import app
from triageline.settings import SecretKey, Settings, generate_key, parse_keys


def _fill(uow_factory: Callable[[], Any], calls: int = 3) -> list[str]:
    message_ids = []
    with uow_factory() as uow:
        uow.practices.store_config("demo", "Demo", "id: demo\n", created_by="test", at=T0)
        for _ in range(calls):
            call = make_call()
            uow.calls.get_or_add(call)
            uow.turns.add(make_turn(call.id, 0))
            message = make_message(call_id=call.id)
            uow.messages.add(message)
            message_ids.append(message.id)
        uow.commit()
    return message_ids


def test_rotation_reseals_everything_and_old_key_can_be_dropped(
    make_settings: Callable[..., Settings],
) -> None:
    old = SecretKey("old", generate_key().material)
    new = SecretKey("new", generate_key().material)
    before = build_container(make_settings(env_keys=(old,)))
    message_ids = _fill(before.uow_factory)
    before.close()

    both = build_container(make_settings(env_keys=(new, old)))
    assert rotation.count_stale(both.engine, both.keyring) > 0
    progress: list[int] = []
    report = rotation.rotate(both.engine, both.keyring, batch_size=2, on_rows=progress.append)
    assert rotation.count_stale(both.engine, both.keyring) == 0
    # 3 calls x 3 sealed + 3 turns + 3 messages x 5 sealed
    assert report.values_resealed == 3 * 3 + 3 + 3 * 5
    assert sum(progress) == report.rows_scanned == 3 + 3 + 3
    with both.engine.connect() as connection:
        sealed = connection.scalars(select(MessageRow.caller_name)).all()
    assert sealed and all(value.startswith("new:") for value in sealed)
    both.close()

    only_new = build_container(make_settings(env_keys=(new,)))
    with only_new.uow_factory() as uow:
        message = uow.messages.get(message_ids[0])
        assert message.caller_name == PHI_NAME and message.reason == PHI_SYMPTOM
        calls = uow.calls.list_for_practice("demo")
        assert len(calls) == 3 and all(c.from_number for c in calls)
        assert uow.turns.list_for_call(calls[0].id)[0].text == PHI_SYMPTOM
    only_new.close()

    only_old = build_container(make_settings(env_keys=(old,)))
    with only_old.uow_factory() as uow, pytest.raises(UnknownKeyError):
        uow.messages.get(message_ids[0])
    only_old.close()


def test_rotation_is_idempotent(container: Any, uow_factory: Callable[[], Any]) -> None:
    _fill(uow_factory, calls=1)
    report = rotation.rotate(container.engine, container.keyring)
    assert report.values_resealed == 0 and report.rows_scanned == 3


def test_cli_rotates_the_key_file_and_drops_the_old_key(database_url: str, tmp_path: Path) -> None:
    env = {"TRIAGELINE_HOME": str(tmp_path), "TRIAGELINE_DATABASE_URL": database_url}
    settings = Settings.from_env(env)
    first = build_container(settings)
    (old_key,) = settings.load_keys()
    ids = _fill(first.uow_factory, calls=2)
    first.close()

    result = CliRunner().invoke(app, ["keys", "rotate"], env=env)
    assert result.exit_code == 0, result.output
    keys = parse_keys(settings.key_file.read_text(), source="test")
    assert len(keys) == 1 and keys[0].kid != old_key.kid
    assert oct(settings.key_file.stat().st_mode & 0o777) == "0o600"
    assert base64.b64encode(old_key.material).decode() not in settings.key_file.read_text()

    after = build_container(settings)
    with after.uow_factory() as uow:
        assert uow.messages.get(ids[1]).patient_name == PHI_NAME
    assert rotation.count_stale(after.engine, Keyring(keys)) == 0
    after.close()
