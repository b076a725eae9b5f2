"""The composition root: settings -> engine, keyring and unit-of-work factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.engine import make_engine
from triageline.adapters.storage.uow import SqlUnitOfWork
from triageline.services.ports import UnitOfWork
from triageline.settings import Settings


@dataclass(frozen=True, slots=True)
class Container:
    """Everything wired for one process; build it once with ``build_container``."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    keyring: Keyring

    def uow_factory(self) -> UnitOfWork:
        """A new, unopened unit of work (use it in a with-block)."""
        return SqlUnitOfWork(self.session_factory, self.keyring)

    def sql_uow(self) -> SqlUnitOfWork:
        """A new SQL unit of work, for adapters that need its session."""
        return SqlUnitOfWork(self.session_factory, self.keyring)

    def database_ok(self) -> bool:
        """True when the database answers ``SELECT 1``."""
        try:
            with self.engine.connect() as connection:
                answer: object = connection.execute(text("SELECT 1")).scalar_one()
                return answer == 1
        except SQLAlchemyError:
            return False

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()


def build_container(settings: Settings, *, keyring: Keyring | None = None) -> Container:
    """Wire the storage adapters for ``settings`` (keys from the environment or the key file)."""
    engine = make_engine(settings.database_url)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        keyring=keyring if keyring is not None else Keyring(settings.load_keys()),
    )
