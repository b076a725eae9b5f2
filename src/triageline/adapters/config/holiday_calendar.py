"""The practice holiday calendar: public holidays from the `holidays` package plus closures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

import holidays

from triageline.domain.practice import Closure, FixedHolidayCalendar

_OBSERVED_SUFFIX = " (observed)"
_NAME_YEARS = range(2020, 2041)


def base_name(name: str) -> str:
    """A holiday name without the package's " (observed)" suffix."""
    return name.removesuffix(_OBSERVED_SUFFIX)


@cache
def known_holiday_names(country: str, subdivision: str | None) -> frozenset[str]:
    """Every holiday name the package knows for a country and subdivision (2020-2040)."""
    table = holidays.country_holidays(country, subdiv=subdivision, years=_NAME_YEARS)
    return frozenset(base_name(name) for day in table for name in table.get_list(day))


@dataclass(frozen=True)
class PackageHolidayCalendar:
    """Closures: configured closures and early closings first, then the observed holidays.

    A holiday observed on another day (Independence Day on a Saturday is observed on the
    Friday) closes the practice on both days when its name is in `observed`.
    """

    country: str
    subdivision: str | None
    observed: frozenset[str]
    configured: FixedHolidayCalendar = field(default_factory=FixedHolidayCalendar)
    _table: holidays.HolidayBase = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Build the package's lazily expanding holiday table."""
        table = holidays.country_holidays(self.country, subdiv=self.subdivision)
        object.__setattr__(self, "_table", table)

    def closure_on(self, day: date) -> Closure | None:
        """The closure on a date: a configured one, else an observed public holiday."""
        configured = self.configured.closure_on(day)
        if configured is not None:
            return configured
        names = [name for name in self._table.get_list(day) if base_name(name) in self.observed]
        if names:
            return Closure(day=day, name="; ".join(names))
        return None
