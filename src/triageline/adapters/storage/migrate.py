"""Run the Alembic migrations in ``<repo>/migrations`` programmatically (no alembic.ini needed)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from triageline.adapters.storage.engine import make_engine


def migrations_dir() -> Path:
    """The migrations folder: ``TRIAGELINE_MIGRATIONS_DIR``, else ``migrations/`` of the tree."""
    override = os.environ.get("TRIAGELINE_MIGRATIONS_DIR")
    path = Path(override) if override else Path(__file__).resolve().parents[4] / "migrations"
    if not (path / "env.py").is_file():
        raise FileNotFoundError(
            f"Alembic migrations not found at {path}; set TRIAGELINE_MIGRATIONS_DIR"
        )
    return path


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration pointing at our migrations and ``database_url``."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str | None:
    """The newest revision in the migrations folder."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None before the first migration)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
