"""The Alembic history stays linear: exactly one head, so `db upgrade` never needs a merge."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from triageline.adapters.storage.migrate import alembic_config


def test_migrations_have_exactly_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
