"""Schema of the practice configuration's `on_call` section: rotations, overrides, calendars.

Example (times without an offset are wall-clock times in the section's timezone)::

    on_call:
      timezone: America/New_York          # default: the practice's timezone
      rotations:
        - name: physicians
          role: physician                 # free text: physician, nurse, ...
          layer: primary                  # primary | backup
          participants: [dr-chen, dr-okafor, dr-patel]   # provider/staff ids, in order
          period: weekly                  # daily | weekly | custom (then every_days: N)
          handoff: "08:00"
          handoff_day: mon                # optional check that `start` is that weekday
          start: 2026-01-05
      overrides:
        - {replaces: dr-okafor, person: dr-patel, start: 2026-11-23T08:00,
           end: 2026-11-27T08:00, reason: vacation}
        - {replaces: dr-okafor, person: null, start: ..., end: ..., reason: vacation}  # gap
      holidays:
        - {date: 2026-12-25, name: Christmas, person: dr-chen, role: physician}
      ical:
        - {name: nurse-line, file: nurse-line.ics, role: nurse, people: {"rn@x.org": rn-lopez}}
        - {name: hospitalists, url: "https://example.org/feed.ics", role: physician}
      caldav:
        - {name: shared, url: "https://dav.example.org/", calendar: oncall,
           username: oncall, password_env: TRIAGELINE_CALDAV_PASSWORD, role: physician}

Secrets never appear in the file: CalDAV passwords are named by environment variable, and
URLs carrying credentials are rejected.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triageline.domain.oncall import (
    CalendarSource,
    CalendarSourceKind,
    HolidayCover,
    Layer,
    OnCallSchedule,
    Override,
    OverrideReason,
    Rotation,
)

__all__ = [
    "CalDavSourceSection",
    "HolidaySection",
    "ICalSourceSection",
    "OnCallSection",
    "OverrideSection",
    "RotationSection",
]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_ENV_PATTERN = r"^[A-Z_][A-Z0-9_]*$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA timezone {value!r}") from exc
    return value


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; use username and password_env")
    return value


def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    """A datetime without an offset is read as wall-clock time in the schedule's zone."""
    return value if value.tzinfo is not None else value.replace(tzinfo=zone, fold=0)


class RotationSection(_Section):
    """A rotation: participants take turns, handing off at a local time every period."""

    name: str = Field(min_length=1)
    role: str = Field(min_length=1, pattern=_ID_PATTERN)
    layer: Layer = Layer.PRIMARY
    participants: list[str] = Field(min_length=1)
    period: Literal["daily", "weekly", "custom"] = "weekly"
    every_days: int | None = Field(default=None, ge=1, le=366)
    handoff: time = time(8, 0)
    handoff_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    start: date
    end: date | None = None

    @field_validator("handoff")
    @classmethod
    def _wall_clock(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("hand-off is a wall-clock time in the schedule's timezone")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> RotationSection:
        if self.period == "custom" and self.every_days is None:
            raise ValueError("period custom needs every_days")
        if self.period != "custom" and self.every_days is not None:
            raise ValueError("every_days is only for period custom")
        if self.handoff_day is not None and _WEEKDAYS[self.start.weekday()] != self.handoff_day:
            raise ValueError(
                f"start {self.start} is a {_WEEKDAYS[self.start.weekday()]}, "
                f"not the hand-off day {self.handoff_day}"
            )
        if self.end is not None and self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    @property
    def period_days(self) -> int:
        """Days between hand-offs."""
        if self.period == "daily":
            return 1
        if self.period == "weekly":
            return 7
        assert self.every_days is not None
        return self.every_days

    def to_domain(self) -> Rotation:
        """The domain rotation."""
        return Rotation(
            name=self.name,
            role=self.role,
            layer=self.layer,
            participants=tuple(self.participants),
            start=self.start,
            handoff=self.handoff,
            period_days=self.period_days,
            end=self.end,
        )


class OverrideSection(_Section):
    """Replaces the rotation for a while; `person: null` deliberately leaves nobody on call."""

    person: str | None
    start: datetime
    end: datetime
    reason: OverrideReason
    replaces: str | None = None
    role: str | None = None
    layer: Layer | None = None

    @model_validator(mode="after")
    def _ordered(self) -> OverrideSection:
        if (self.start.tzinfo is None) != (self.end.tzinfo is None):
            raise ValueError("give both start and end with an offset, or neither")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.person is not None and self.person == self.replaces:
            raise ValueError("person and replaces are the same")
        return self

    def to_domain(self, zone: ZoneInfo) -> Override:
        """The domain override, naive times read in `zone`."""
        return Override(
            start=_aware(self.start, zone),
            end=_aware(self.end, zone),
            person=self.person,
            reason=self.reason,
            role=self.role,
            layer=self.layer,
            replaces=self.replaces,
        )


class HolidaySection(_Section):
    """Who (or nobody) covers a role for one local day."""

    date: date
    name: str = Field(min_length=1)
    person: str | None
    role: str | None = None
    layer: Layer | None = Layer.PRIMARY
    starts: time = time(0, 0)

    def to_domain(self) -> HolidayCover:
        """The domain holiday cover."""
        return HolidayCover(
            day=self.date,
            name=self.name,
            person=self.person,
            role=self.role,
            layer=self.layer,
            starts=self.starts,
        )


class _CalendarSection(_Section):
    name: str = Field(min_length=1)
    role: str = Field(min_length=1, pattern=_ID_PATTERN)
    layer: Layer = Layer.PRIMARY
    people: dict[str, str] = Field(default_factory=dict)
    person_property: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9-]*$")

    def _people(self) -> tuple[tuple[str, str], ...]:
        return tuple(self.people.items())


class ICalSourceSection(_CalendarSection):
    """An iCalendar file (path relative to the config file) or http(s) feed."""

    file: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @model_validator(mode="after")
    def _one_location(self) -> ICalSourceSection:
        if (self.file is None) == (self.url is None):
            raise ValueError("give exactly one of file or url")
        return self

    def to_domain(self, base_dir: Path | None) -> CalendarSource:
        """The domain source; a relative file path is resolved against `base_dir`."""
        if self.file is not None:
            path = Path(self.file)
            if not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            kind, location = CalendarSourceKind.FILE, str(path)
        else:
            assert self.url is not None
            kind, location = CalendarSourceKind.URL, self.url
        return CalendarSource(
            name=self.name,
            kind=kind,
            location=location,
            role=self.role,
            layer=self.layer,
            people=self._people(),
            person_property=self.person_property,
        )


class CalDavSourceSection(_CalendarSection):
    """A CalDAV calendar; the password is read from the environment variable `password_env`."""

    url: str
    calendar: str | None = None
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=_ENV_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: object) -> object:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "a literal password is not allowed here; name an environment variable "
                "with password_env"
            )
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    def to_domain(self) -> CalendarSource:
        """The domain source."""
        return CalendarSource(
            name=self.name,
            kind=CalendarSourceKind.CALDAV,
            location=self.url,
            role=self.role,
            layer=self.layer,
            people=self._people(),
            person_property=self.person_property,
            calendar=self.calendar,
            username=self.username,
            password_env=self.password_env,
        )


class OnCallSection(_Section):
    """The `on_call` section: who is on call when, per role and layer."""

    timezone: str | None = None
    rotations: list[RotationSection] = Field(default_factory=list)
    overrides: list[OverrideSection] = Field(default_factory=list)
    holidays: list[HolidaySection] = Field(default_factory=list)
    ical: list[ICalSourceSection] = Field(default_factory=list)
    caldav: list[CalDavSourceSection] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return None if value is None else _check_timezone(value)

    @model_validator(mode="after")
    def _unique_names(self) -> OnCallSection:
        names = [r.name for r in self.rotations] + [s.name for s in (*self.ical, *self.caldav)]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"rotation and calendar names must be unique: {duplicates}")
        return self

    def person_references(self) -> list[tuple[str, str]]:
        """Every person id the section mentions, as (field path, id)."""
        refs: list[tuple[str, str]] = []
        for i, rotation in enumerate(self.rotations):
            refs.extend(
                (f"on_call.rotations.{i}.participants.{j}", p)
                for j, p in enumerate(rotation.participants)
            )
        for i, override in enumerate(self.overrides):
            if override.person is not None:
                refs.append((f"on_call.overrides.{i}.person", override.person))
            if override.replaces is not None:
                refs.append((f"on_call.overrides.{i}.replaces", override.replaces))
        for i, holiday in enumerate(self.holidays):
            if holiday.person is not None:
                refs.append((f"on_call.holidays.{i}.person", holiday.person))
        for kind, sources in (("ical", self.ical), ("caldav", self.caldav)):
            for i, source in enumerate(sources):
                refs.extend(
                    (f"on_call.{kind}.{i}.people.{key}", person)
                    for key, person in source.people.items()
                )
        return refs

    def unknown_people(self, known_ids: Collection[str]) -> list[tuple[str, str]]:
        """(field path, reason) for every person id that is not a provider or staff id."""
        return [
            (path, f"unknown provider or staff id {person!r}")
            for path, person in self.person_references()
            if person not in known_ids
        ]

    def to_domain(
        self, *, default_timezone: str | None = None, base_dir: Path | None = None
    ) -> OnCallSchedule:
        """The domain schedule; `default_timezone` is the practice's, `base_dir` the config's.

        Raises ValueError when neither this section nor the caller gives a timezone.
        """
        timezone = self.timezone or default_timezone
        if timezone is None:
            raise ValueError("on_call.timezone is required when no practice timezone is given")
        zone = ZoneInfo(_check_timezone(timezone))
        return OnCallSchedule(
            timezone=timezone,
            rotations=tuple(r.to_domain() for r in self.rotations),
            overrides=tuple(o.to_domain(zone) for o in self.overrides),
            holidays=tuple(h.to_domain() for h in self.holidays),
            calendar_sources=(
                *(s.to_domain(base_dir) for s in self.ical),
                *(s.to_domain() for s in self.caldav),
            ),
        )
