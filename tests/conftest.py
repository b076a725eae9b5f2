"""Suite-wide fixtures: isolated home, migrated databases (SQLite and PostgreSQL), containers.

Fixtures for everyone:

- ``database_url``: an empty, migrated database; parametrized ``sqlite`` (file under tmp_path)
  and ``postgresql`` (marked ``postgres``; a per-session database, emptied before each test).
  PostgreSQL unreachable: skipped locally, a failure when ``CI=true``.
- ``make_settings(**changes)`` / ``settings``: Settings for that database with a test key.
- ``make_container(**changes)`` / ``container``: a wired Container (closed after the test).
- ``uow_factory``: ``container.uow_factory`` (SQL, both databases).
- ``memory_uow_factory``: the in-memory fake, for service tests.
- ``any_uow_factory``: parametrized memory / sqlite / postgresql, for contract tests.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from triageline.settings import SecretKey, Settings

PG_ADMIN_URL = os.environ.get(
    "TRIAGELINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_KEY = SecretKey(kid="test1", material=bytes(range(32)))


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point TRIAGELINE_HOME at a temporary directory so no test writes into the repository."""
    home = tmp_path_factory.mktemp("triageline-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRIAGELINE_HOME", str(home))
        patch.delenv("TRIAGELINE_DATABASE_URL", raising=False)
        patch.delenv("TRIAGELINE_SECRET_KEY", raising=False)
        yield home


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy."""
    from triageline.adapters.storage.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL unreachable: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this session, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from triageline.adapters.storage.migrate import upgrade

    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"triageline_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        _postgres_unavailable(str(error).splitlines()[0])
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    """Truncate every application table (whatever migrations created) before a test."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            tables = connection.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            ).all()
            if tables:
                names = ", ".join(f'"{t}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def _provision(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty migrated database of ``kind`` (``sqlite`` or ``postgresql``)."""
    if kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "var" / "triageline.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database at the newest migration, on SQLite and on PostgreSQL."""
    return _provision(request.param, request, tmp_path)


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str) -> Callable[..., Settings]:
    """Build Settings for the test database and a fixed test key; keywords override fields."""

    def build(**changes: Any) -> Settings:
        base = Settings(
            home=tmp_path,
            database_url=database_url,
            key_file=tmp_path / "var" / "secret.key",
            env_keys=(TEST_KEY,),
            public_base_url="https://triageline.test",
            log_level="INFO",
        )
        return replace(base, **changes)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Settings for the test database."""
    return make_settings()


@pytest.fixture
def make_container(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Any]]:
    """Build wired Containers (keywords override Settings fields); all closed after the test."""
    from triageline.bootstrap import Container, build_container

    built: list[Container] = []

    def build(**changes: Any) -> Container:
        container = build_container(make_settings(**changes))
        built.append(container)
        return container

    yield build
    for container in built:
        container.close()


@pytest.fixture
def container(make_container: Callable[..., Any]) -> Any:
    """A Container over the test database."""
    return make_container()


@pytest.fixture
def uow_factory(container: Any) -> Callable[[], Any]:
    """Units of work over the test database (SQLite and PostgreSQL)."""
    factory: Callable[[], Any] = container.uow_factory
    return factory


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """Units of work over the in-memory fake, SQLite and PostgreSQL: one test, three backends."""
    from triageline.bootstrap import build_container
    from triageline.services.memory import MemoryStore

    if request.param == "memory":
        yield MemoryStore().uow_factory
        return
    url = _provision(request.param, request, tmp_path)
    container = build_container(
        Settings(
            home=tmp_path,
            database_url=url,
            key_file=tmp_path / "var" / "secret.key",
            env_keys=(TEST_KEY,),
            public_base_url="https://triageline.test",
            log_level="INFO",
        )
    )
    yield container.uow_factory
    container.close()


@pytest.fixture
def memory_uow_factory() -> Callable[[], Any]:
    """Units of work over a fresh in-memory store (no database)."""
    from triageline.services.memory import MemoryStore

    return MemoryStore().uow_factory
