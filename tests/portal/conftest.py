"""Portal fixtures: the full app over the test database with a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portal_helpers import Portal, SettableClock

from triageline.adapters.auth.passwords import Argon2PasswordHasher


@pytest.fixture
def portal(container: Any) -> Iterator[Portal]:
    """The full web app over the test database (SQLite and PostgreSQL) with a settable clock."""
    from triageline.entrypoints.web.app import create_app

    app = create_app(container)
    wiring = app.state.portal
    clock = SettableClock()
    wiring.clock = clock
    wiring.hasher = Argon2PasswordHasher(time_cost=2, memory_cost_kib=19456, parallelism=1)
    yield Portal(app, clock, wiring)


@pytest.fixture
def two_practices(portal: Portal) -> Portal:
    """Practices ``a`` and ``b``."""
    portal.add_practice("a")
    portal.add_practice("b")
    return portal
