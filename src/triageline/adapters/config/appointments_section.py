"""Schema of the practice configuration's `appointments` section: visit types and availability."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from triageline.domain.booking import (
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    BookingCatalog,
    CalendarSource,
    DayBlock,
    HolidayCalendar,
    NoHolidays,
    PatientKind,
    ReminderPolicy,
    SchedulerKind,
    WeeklyBlock,
)
from triageline.domain.practice import HolidayCalendar as PracticeHolidays
from triageline.domain.triage.types import Language

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5][05]$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError("use 1-40 lower-case letters, digits or hyphens")
    return value


def _check_clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError('use 24-hour "HH:MM" on a 5-minute boundary')
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


BookingId = Annotated[str, AfterValidator(_check_id)]
Clock = Annotated[str, AfterValidator(_check_clock)]
Minutes = Annotated[int, Field(ge=5, le=480, multiple_of=5)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AppointmentTypeConfig(_Model):
    """One kind of visit callers may book."""

    id: BookingId
    names: dict[Language, Annotated[str, Field(min_length=1)]]
    minutes: Minutes
    patients: list[Literal["new", "existing"]] = Field(default=["new", "existing"], min_length=1)
    providers: list[BookingId] = []
    locations: list[BookingId] = []
    languages: list[Language] = []
    insurance: list[Annotated[str, Field(min_length=1)]] = []
    lead_time_hours: Annotated[float, Field(ge=0, le=24 * 90)] = 0
    urgent_lead_time_hours: Annotated[float, Field(ge=0, le=24 * 90)] = 0
    daily_limit: Annotated[int, Field(ge=1)] | None = None
    horizon_days: Annotated[int, Field(ge=1, le=365)] = 60
    urgent_ok: bool = False

    @model_validator(mode="after")
    def _english_name(self) -> AppointmentTypeConfig:
        if Language.EN not in self.names:
            raise ValueError("names needs at least an English (en) name")
        return self


class BlockConfig(_Model):
    """A bookable stretch of local time at a location."""

    start: Clock
    end: Clock
    location: BookingId

    @model_validator(mode="after")
    def _ordered(self) -> BlockConfig:
        if _clock(self.end) <= _clock(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class WeeklyBlockConfig(BlockConfig):
    """A recurring block on some weekdays, optionally only for some appointment types."""

    days: list[Weekday] = Field(min_length=1)
    types: list[BookingId] = []


class ExceptionConfig(_Model):
    """A date whose blocks replace the weekly ones (no blocks: the provider is away)."""

    date: date
    blocks: list[BlockConfig] = []
    note: str = ""


class AvailabilityConfig(_Model):
    """One provider's bookable week (wall-clock times in `timezone`)."""

    provider: BookingId
    timezone: Annotated[str, AfterValidator(_check_zone)] | None = None
    step_minutes: Minutes = 15
    accepts_new_patients: bool = True
    weekly: list[WeeklyBlockConfig] = Field(min_length=1)
    exceptions: list[ExceptionConfig] = []


class FhirSchedulerConfig(_Model):
    """Where the EHR's FHIR R4 API is; the token is read from an environment variable."""

    base_url: Annotated[str, Field(pattern=r"^https://")]
    token_env: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]


class RemindersConfig(_Model):
    """Reminder texts before appointments (no clinical detail): on/off and the lead time."""

    enabled: bool = True
    lead_hours: Annotated[float, Field(ge=1, le=24 * 14)] = 24


class AppointmentsSection(_Model):
    """The `appointments` section: visit types, provider availability and which calendar."""

    scheduler: Literal["builtin", "fhir"] = "builtin"
    timezone: Annotated[str, AfterValidator(_check_zone)] | None = None
    fhir: FhirSchedulerConfig | None = None
    reminders: RemindersConfig = RemindersConfig()
    types: list[AppointmentTypeConfig] = Field(min_length=1)
    availability: list[AvailabilityConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> AppointmentsSection:
        if self.scheduler == "fhir" and self.fhir is None:
            raise ValueError("scheduler: fhir needs a `fhir` block (base_url, token_env)")
        type_ids = [t.id for t in self.types]
        if len(set(type_ids)) != len(type_ids):
            raise ValueError("appointment type ids must be unique")
        providers = [a.provider for a in self.availability]
        if len(set(providers)) != len(providers):
            raise ValueError("one availability entry per provider")
        for kind in self.types:
            unknown = sorted(set(kind.providers) - set(providers))
            if unknown:
                raise ValueError(f"type {kind.id!r}: no availability for providers {unknown}")
        for entry in self.availability:
            for block in entry.weekly:
                unknown = sorted(set(block.types) - set(type_ids))
                if unknown:
                    raise ValueError(f"{entry.provider}: unknown appointment types {unknown}")
            days = [e.date for e in entry.exceptions]
            if len(set(days)) != len(days):
                raise ValueError(f"{entry.provider}: two exceptions for the same date")
        return self

    def provider_ids(self) -> frozenset[str]:
        """Every provider named in the section (the root schema checks they exist)."""
        named = {a.provider for a in self.availability}
        for kind in self.types:
            named |= set(kind.providers)
        return frozenset(named)

    def location_ids(self) -> frozenset[str]:
        """Every location named in the section (the root schema checks they exist)."""
        named: set[str] = set()
        for kind in self.types:
            named |= set(kind.locations)
        for entry in self.availability:
            named |= {b.location for b in entry.weekly}
            for exc in entry.exceptions:
                named |= {b.location for b in exc.blocks}
        return frozenset(named)

    def to_domain(
        self,
        timezone: str | None = None,
        providers: Mapping[str, tuple[str, frozenset[Language]]] | None = None,
        holidays: HolidayCalendar | None = None,
    ) -> BookingCatalog:
        """The booking catalog; ``providers`` maps id to (display name, languages spoken).

        ``timezone`` (the practice's) overrides the section's own default zone; a provider's own
        ``timezone`` wins over both.
        """
        known = providers or {}
        default_zone = timezone or self.timezone
        types = tuple(
            AppointmentType(
                id=t.id,
                names=dict(t.names),
                duration=timedelta(minutes=t.minutes),
                patient_kinds=frozenset(PatientKind(p) for p in t.patients),
                providers=frozenset(t.providers),
                locations=frozenset(t.locations),
                languages=frozenset(t.languages),
                insurance=frozenset(t.insurance),
                lead_time=timedelta(hours=t.lead_time_hours),
                urgent_lead_time=timedelta(hours=t.urgent_lead_time_hours),
                daily_limit=t.daily_limit,
                horizon=timedelta(days=t.horizon_days),
                urgent_ok=t.urgent_ok,
            )
            for t in self.types
        )
        templates = []
        for entry in self.availability:
            name, languages = known.get(entry.provider, (entry.provider, frozenset({Language.EN})))
            blocks = tuple(
                WeeklyBlock(
                    _DAYS.index(day),
                    _clock(block.start),
                    _clock(block.end),
                    block.location,
                    frozenset(block.types),
                )
                for block in entry.weekly
                for day in block.days
            )
            exceptions = tuple(
                AvailabilityException(
                    e.date,
                    tuple(DayBlock(_clock(b.start), _clock(b.end), b.location) for b in e.blocks),
                    e.note,
                )
                for e in entry.exceptions
            )
            templates.append(
                AvailabilityTemplate(
                    provider_id=entry.provider,
                    provider_name=name,
                    timezone=_zone_for(entry, default_zone),
                    blocks=blocks,
                    exceptions=exceptions,
                    languages=languages or frozenset({Language.EN}),
                    accepts_new_patients=entry.accepts_new_patients,
                    step=timedelta(minutes=entry.step_minutes),
                )
            )
        calendar = CalendarSource(
            SchedulerKind(self.scheduler),
            self.fhir.base_url if self.fhir else None,
            self.fhir.token_env if self.fhir else None,
        )
        reminders = ReminderPolicy(
            self.reminders.enabled, timedelta(hours=self.reminders.lead_hours)
        )
        return BookingCatalog(
            types, tuple(templates), holidays or NoHolidays(), calendar, reminders
        )


def _zone_for(entry: AvailabilityConfig, default: str | None) -> str:
    zone = entry.timezone or default
    if zone is None:
        raise ValueError(f"appointments: no time zone for {entry.provider} (set `timezone`)")
    return zone


@dataclass(frozen=True)
class FullDayClosures:
    """The practice's holiday calendar seen by booking: only all-day closures block slots."""

    calendar: PracticeHolidays

    def is_holiday(self, day: date) -> bool:
        """True when the practice is closed all day."""
        closure = self.calendar.closure_on(day)
        return closure is not None and closure.is_full_day
