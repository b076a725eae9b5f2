"""Alembic environment: runs online against ``sqlalchemy.url`` with our engine settings."""

from __future__ import annotations

from alembic import context

from triageline.adapters.storage.engine import make_engine
from triageline.adapters.storage.schema import metadata

config = context.config
target_metadata = metadata


def run_migrations() -> None:
    """Run migrations on a connection (batch mode so SQLite can alter tables)."""
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set; use `triageline db upgrade`")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations()
