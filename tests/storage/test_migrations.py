"""The Alembic migrations create exactly the schema the ORM models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from triageline.adapters.storage.migrate import current_revision, head_revision
from triageline.adapters.storage.schema import metadata


def test_database_is_at_head(database_url: str) -> None:
    assert head_revision() is not None
    assert current_revision(database_url) == head_revision()


def test_migrated_schema_matches_models(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []
