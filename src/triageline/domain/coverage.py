"""Coverage: which situation the practice is in at an instant (office hours, lunch, ...)."""

from __future__ import annotations

from enum import StrEnum


class CoverageMode(StrEnum):
    """The practice's situation at one instant."""

    OFFICE_HOURS = "office_hours"
    LUNCH = "lunch"
    AFTER_HOURS = "after_hours"
    HOLIDAY = "holiday"
    CLOSED_EARLY = "closed_early"

    @property
    def is_open(self) -> bool:
        """True only while staff are at the desk."""
        return self is CoverageMode.OFFICE_HOURS
