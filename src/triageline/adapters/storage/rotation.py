"""Key rotation: re-seal every ``Sealed`` column of every table under the keyring's current key.

Rows are processed in primary-key batches, one transaction per batch; each update is conditional
on the old ciphertext, so a row rewritten meanwhile is left alone (it was sealed anew anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Column, Engine, Table, and_, func, select, update

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.schema import metadata
from triageline.adapters.storage.types import Sealed


@dataclass(frozen=True, slots=True)
class RotationReport:
    """How many rows were read and how many values were re-sealed."""

    rows_scanned: int
    values_resealed: int


def sealed_tables() -> list[tuple[Table, list[Column[str]]]]:
    """Every table with at least one Sealed column, and those columns."""
    found: list[tuple[Table, list[Column[str]]]] = []
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, Sealed)]
        if columns:
            if len(table.primary_key.columns) != 1:
                raise ValueError(f"{table.name}: rotation needs a single-column primary key")
            found.append((table, columns))
    return found


def count_rows(engine: Engine) -> int:
    """Rows that rotation will scan."""
    with engine.connect() as connection:
        return sum(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table, _ in sealed_tables()
        )


def count_stale(engine: Engine, keyring: Keyring) -> int:
    """Sealed values not under the current key (0 means old keys can be dropped)."""
    prefix = f"{keyring.current_kid}:"
    stale = 0
    with engine.connect() as connection:
        for table, columns in sealed_tables():
            for column in columns:
                stale += (
                    connection.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(column.is_not(None), func.substr(column, 1, len(prefix)) != prefix)
                    )
                    or 0
                )
    return stale


def rotate(
    engine: Engine,
    keyring: Keyring,
    *,
    batch_size: int = 500,
    on_rows: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-seal every value not under the current key; ``on_rows(n)`` reports progress."""
    scanned = resealed = 0
    for table, columns in sealed_tables():
        pk = next(iter(table.primary_key.columns))
        last: object = None
        while True:
            with engine.begin() as connection:
                query = select(pk, *columns).order_by(pk).limit(batch_size)
                if last is not None:
                    query = query.where(pk > last)
                rows = connection.execute(query).all()
                for row in rows:
                    changes: dict[str, str] = {}
                    for column in columns:
                        sealed = row._mapping[column]
                        if sealed is None or keyring.is_current(sealed):
                            continue
                        aad = f"{table.name}.{column.name}"
                        changes[column.name] = keyring.seal(keyring.open(sealed, aad=aad), aad=aad)
                    if changes:
                        unchanged = [
                            table.c[name] == row._mapping[table.c[name]] for name in changes
                        ]
                        connection.execute(
                            update(table).where(and_(pk == row[0], *unchanged)).values(changes)
                        )
                        resealed += len(changes)
            if not rows:
                break
            last = rows[-1][0]
            scanned += len(rows)
            if on_rows is not None:
                on_rows(len(rows))
    return RotationReport(rows_scanned=scanned, values_resealed=resealed)
