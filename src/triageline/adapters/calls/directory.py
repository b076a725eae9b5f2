"""Practices served by this installation, from the latest configuration versions in the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import yaml

from triageline.adapters.config.loader import ConfigError, practice_from_mapping
from triageline.domain.practice import Practice
from triageline.services.calls_ports import DialledLine, LoadedPractice, TriageFn
from triageline.services.ports import UnitOfWorkFactory

log = logging.getLogger("triageline.calls.directory")

TriageFactory = Callable[[Practice], TriageFn]
"""Builds the triage function for a practice (its protocol packs and red flags)."""


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)


def lines_of(practices: Sequence[Practice]) -> dict[str, DialledLine]:
    """Every practice and location number mapped to its line (practice numbers win)."""
    lines: dict[str, DialledLine] = {}
    for practice in practices:
        for location in practice.locations:
            lines.setdefault(location.phone, DialledLine(practice.id, location.id))
    for practice in practices:
        phones = practice.phones
        for number in (phones.main, phones.sms, phones.nurse_line):
            if number:
                lines[number] = DialledLine(practice.id, None)
    return lines


class StaticPracticeDirectory:
    """A fixed set of practices (``simulate``, tests)."""

    def __init__(self, practices: Sequence[LoadedPractice]) -> None:
        """Serve exactly these practices."""
        self._by_id = {p.practice.id: p for p in practices}
        self._lines = lines_of([p.practice for p in practices])

    def get(self, practice_id: str) -> LoadedPractice | None:
        """The practice, or None."""
        return self._by_id.get(practice_id)

    def line_for(self, number: str) -> DialledLine | None:
        """The line whose number is ``number``."""
        return self._lines.get(number.strip())

    def practice_ids(self) -> Sequence[str]:
        """Every practice id."""
        return sorted(self._by_id)


@dataclass(frozen=True, slots=True)
class _Entry:
    sha256: str
    loaded: LoadedPractice


class DbPracticeDirectory:
    """Practices from the newest stored configuration, re-read at most every ``refresh``."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        triage_factory: TriageFactory,
        *,
        refresh: timedelta = timedelta(seconds=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """Read configurations through ``uow_factory``; build triage with ``triage_factory``."""
        self._uow_factory = uow_factory
        self._triage_factory = triage_factory
        self._refresh = refresh
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lines: dict[str, DialledLine] = {}
        self._loaded_at: datetime | None = None
        self._lock = threading.Lock()

    def get(self, practice_id: str) -> LoadedPractice | None:
        """The practice, or None."""
        self._maybe_reload()
        entry = self._entries.get(practice_id)
        return None if entry is None else entry.loaded

    def line_for(self, number: str) -> DialledLine | None:
        """The line whose number is ``number``."""
        self._maybe_reload()
        return self._lines.get(number.strip())

    def practice_ids(self) -> Sequence[str]:
        """Every practice id."""
        self._maybe_reload()
        return sorted(self._entries)

    def reload(self) -> None:
        """Re-read every practice's newest configuration now."""
        with self._lock:
            self._reload()

    def _maybe_reload(self) -> None:
        now = self._clock()
        if self._loaded_at is not None and now - self._loaded_at < self._refresh:
            return
        with self._lock:
            if self._loaded_at is None or now - self._loaded_at >= self._refresh:
                self._reload()

    def _reload(self) -> None:
        entries: dict[str, _Entry] = {}
        with self._uow_factory() as uow:
            for practice_id in uow.practices.list_ids():
                config = uow.practices.latest_config(practice_id)
                if config is None:
                    continue
                known = self._entries.get(practice_id)
                if known is not None and known.sha256 == config.sha256:
                    entries[practice_id] = known
                    continue
                try:
                    data = yaml.safe_load(config.yaml_text)
                    practice = practice_from_mapping(data, f"{practice_id}@v{config.version}")
                except (ConfigError, yaml.YAMLError):
                    log.exception(
                        "stored configuration does not load", extra={"practice": practice_id}
                    )
                    if known is not None:
                        entries[practice_id] = known
                    continue
                loaded = LoadedPractice(practice, config.version, self._triage_factory(practice))
                entries[practice_id] = _Entry(config.sha256, loaded)
        self._entries = entries
        self._lines = lines_of([e.loaded.practice for e in entries.values()])
        self._loaded_at = self._clock()
