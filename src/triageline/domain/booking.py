"""Booking rules: appointment types, availability templates, slot search, the Appointment aggregate.

Pure and deterministic: the current time is always passed in, nothing here reads the clock or
does I/O. All instants are timezone-aware; slots are stored and compared in UTC and generated from
each provider's weekly template in the provider's local time, so daylight-saving changes move
nothing a patient sees on the wall clock.

Double booking is prevented by occupancy *cells*: every appointment occupies the 5-minute grid
cells ``[start, end)`` of its provider (see :func:`occupied_cells`). Storage adapters keep one row
per cell under a UNIQUE (provider, cell start) constraint, so two overlapping appointments can
never both be written, whatever their durations.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from triageline.domain.triage.types import Language, TriageLevel

GRID = timedelta(minutes=5)
"""Every slot start, end and duration is a multiple of this; the unit of occupancy."""

MAX_OFFERED = 3
"""How many slots a caller is offered at once."""


class BookingError(ValueError):
    """A booking rule or configuration was violated."""


class IllegalTransitionError(BookingError):
    """An appointment was asked to move to a status it cannot reach from its current one."""


class PatientKind(StrEnum):
    """Whether the caller is already a patient of the practice."""

    NEW = "new"
    EXISTING = "existing"


class TimeOfDay(StrEnum):
    """The part of the day a caller prefers; boundaries in the provider's local time."""

    ANY = "any"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    def contains(self, local: time) -> bool:
        """True when a local wall-clock start time falls in this part of the day."""
        if self is TimeOfDay.ANY:
            return True
        if self is TimeOfDay.MORNING:
            return local < time(12, 0)
        if self is TimeOfDay.AFTERNOON:
            return time(12, 0) <= local < time(17, 0)
        return local >= time(17, 0)


def _check_grid(what: str, value: timedelta) -> None:
    if value <= timedelta(0) or value % GRID:
        raise BookingError(f"{what} must be a positive multiple of {GRID}")


def check_id(what: str, value: str) -> None:
    """Ids become parts of FHIR ids: letters, digits and hyphens, 1 to 40 characters."""
    if not 1 <= len(value) <= 40 or not all(
        ch.isascii() and (ch.isalnum() or ch == "-") for ch in value
    ):
        raise BookingError(f"{what} {value!r} must be 1-40 letters, digits or hyphens")


def _check_wall_time(what: str, value: time) -> None:
    if value.second or value.microsecond or value.minute % 5:
        raise BookingError(f"{what} must fall on a 5-minute boundary")


@dataclass(frozen=True, slots=True)
class AppointmentType:
    """A kind of visit the practice lets callers book, and who may book it.

    Empty ``providers``/``locations``/``languages``/``insurance`` mean "no restriction".
    ``daily_limit`` caps how many of this type one provider sees per local day.
    """

    id: str
    names: Mapping[Language, str]
    duration: timedelta
    patient_kinds: frozenset[PatientKind] = frozenset({PatientKind.NEW, PatientKind.EXISTING})
    providers: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    languages: frozenset[Language] = frozenset()
    insurance: frozenset[str] = frozenset()
    lead_time: timedelta = timedelta(0)
    urgent_lead_time: timedelta = timedelta(0)
    daily_limit: int | None = None
    horizon: timedelta = timedelta(days=60)
    urgent_ok: bool = False

    def __post_init__(self) -> None:
        """Reject durations off the grid and impossible limits."""
        check_id("appointment type id", self.id)
        _check_grid("duration", self.duration)
        if self.daily_limit is not None and self.daily_limit < 1:
            raise BookingError("daily_limit must be at least 1")
        if self.lead_time < timedelta(0) or self.urgent_lead_time < timedelta(0):
            raise BookingError("lead times cannot be negative")
        if Language.EN not in self.names:
            raise BookingError(f"appointment type {self.id!r} needs an English name")

    def name(self, lang: Language) -> str:
        """The caller-facing name in a language, falling back to English."""
        return self.names.get(lang) or self.names[Language.EN]

    def accepts_insurance(self, plan: str | None) -> bool:
        """True when the plan (None = self-pay) is accepted for this type."""
        if not self.insurance:
            return True
        return plan is not None and _norm_plan(plan) in {_norm_plan(p) for p in self.insurance}


def _norm_plan(plan: str) -> str:
    return " ".join(plan.casefold().split())


@dataclass(frozen=True, slots=True)
class WeeklyBlock:
    """A recurring stretch of bookable time: weekday (0 = Monday), local start and end, location.

    ``appointment_types`` restricts the block to some types (empty = any type).
    """

    weekday: int
    start: time
    end: time
    location_id: str
    appointment_types: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Reject reversed or off-grid blocks."""
        if not 0 <= self.weekday <= 6:
            raise BookingError("weekday must be 0 (Monday) .. 6 (Sunday)")
        _check_wall_time("block start", self.start)
        _check_wall_time("block end", self.end)
        if self.end <= self.start:
            raise BookingError("a block must end after it starts")

    def allows(self, appointment_type_id: str) -> bool:
        """True when the block may hold this appointment type."""
        return not self.appointment_types or appointment_type_id in self.appointment_types


@dataclass(frozen=True, slots=True)
class DayBlock:
    """One stretch of bookable local time on a specific exception day."""

    start: time
    end: time
    location_id: str

    def __post_init__(self) -> None:
        """Reject reversed or off-grid blocks."""
        _check_wall_time("block start", self.start)
        _check_wall_time("block end", self.end)
        if self.end <= self.start:
            raise BookingError("a block must end after it starts")


@dataclass(frozen=True, slots=True)
class AvailabilityException:
    """A date whose blocks replace the weekly ones; no blocks means the provider is away."""

    day: date
    blocks: tuple[DayBlock, ...] = ()
    note: str = ""


class HolidayCalendar(Protocol):
    """Tells whether the practice is closed for a holiday on a local date."""

    def is_holiday(self, day: date) -> bool:
        """True when the practice is closed all day."""
        ...


@dataclass(frozen=True, slots=True)
class NoHolidays:
    """A holiday calendar without holidays."""

    def is_holiday(self, day: date) -> bool:
        """Never a holiday."""
        return False


@dataclass(frozen=True, slots=True)
class FixedHolidays:
    """A holiday calendar from an explicit set of dates."""

    days: frozenset[date]

    def is_holiday(self, day: date) -> bool:
        """True for the listed dates."""
        return day in self.days


@dataclass(frozen=True, slots=True)
class AvailabilityTemplate:
    """A provider's bookable week in local time, with dated exceptions."""

    provider_id: str
    provider_name: str
    timezone: str
    blocks: tuple[WeeklyBlock, ...]
    exceptions: tuple[AvailabilityException, ...] = ()
    languages: frozenset[Language] = frozenset({Language.EN})
    accepts_new_patients: bool = True
    step: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        """Validate the zone name and the slot step."""
        check_id("provider id", self.provider_id)
        try:
            ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise BookingError(f"unknown time zone {self.timezone!r}") from exc
        _check_grid("step", self.step)
        seen: set[date] = set()
        for exc_ in self.exceptions:
            if exc_.day in seen:
                raise BookingError(f"two exceptions for {exc_.day.isoformat()}")
            seen.add(exc_.day)

    @property
    def zone(self) -> ZoneInfo:
        """The provider's time zone."""
        return ZoneInfo(self.timezone)

    def blocks_on(
        self, day: date, holidays: HolidayCalendar, appointment_type_id: str
    ) -> tuple[DayBlock, ...]:
        """The local blocks open for a type on a date (holidays and exceptions applied)."""
        if holidays.is_holiday(day):
            return ()
        for exc_ in self.exceptions:
            if exc_.day == day:
                return exc_.blocks
        return tuple(
            DayBlock(b.start, b.end, b.location_id)
            for b in self.blocks
            if b.weekday == day.weekday() and b.allows(appointment_type_id)
        )


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable stretch of one provider's time for one appointment type (UTC instants)."""

    provider_id: str
    location_id: str
    appointment_type_id: str
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        """Instants must be aware and in order."""
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise BookingError("slot instants must be timezone-aware")
        if self.end <= self.start:
            raise BookingError("a slot must end after it starts")

    @property
    def id(self) -> str:
        """A stable identifier usable as a FHIR id: provider, UTC start, appointment type."""
        stamp = self.start.astimezone(UTC).strftime("%Y%m%dT%H%M")
        return f"{self.provider_id}.{stamp}.{self.appointment_type_id}"

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) intersects this slot."""
        return self.start < end and start < self.end


class OccupancyKind(StrEnum):
    """Why a provider's time is taken."""

    HELD = "held"
    BOOKED = "booked"


@dataclass(frozen=True, slots=True)
class Occupancy:
    """An existing appointment (or hold) taking a provider's time."""

    provider_id: str
    start: datetime
    end: datetime
    appointment_type_id: str
    kind: OccupancyKind = OccupancyKind.BOOKED


def occupied_cells(start: datetime, end: datetime) -> tuple[datetime, ...]:
    """The UTC grid cells an appointment [start, end) occupies (the double-booking key)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise BookingError("instants must be timezone-aware")
    first = start.astimezone(UTC)
    last = end.astimezone(UTC)
    if (first - datetime(1970, 1, 1, tzinfo=UTC)) % GRID or (last - first) % GRID:
        raise BookingError("appointments must start and end on the 5-minute grid")
    cells: list[datetime] = []
    cursor = first
    while cursor < last:
        cells.append(cursor)
        cursor += GRID
    return tuple(cells)


def parse_slot_id(slot_id: str) -> tuple[str, datetime, str]:
    """Split a :attr:`Slot.id` into (provider id, UTC start, appointment type id)."""
    parts = slot_id.split(".")
    if len(parts) != 3 or not parts[0] or not parts[2]:
        raise BookingError(f"not a slot id: {slot_id!r}")
    try:
        start = datetime.strptime(parts[1], "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except ValueError as exc:
        raise BookingError(f"not a slot id: {slot_id!r}") from exc
    return parts[0], start, parts[2]


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The aware instant for a local wall time, or None when DST skips that time.

    In the repeated hour of a fall-back night the first (daylight) occurrence is used.
    """
    naive = datetime.combine(day, wall)
    aware = naive.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        return None
    return aware


class SchedulerKind(StrEnum):
    """Which calendar a practice books on."""

    BUILTIN = "builtin"
    FHIR = "fhir"


@dataclass(frozen=True, slots=True)
class CalendarSource:
    """The practice's calendar: the built-in one, or an EHR's FHIR R4 API (token in an env var)."""

    kind: SchedulerKind = SchedulerKind.BUILTIN
    fhir_base_url: str | None = None
    fhir_token_env: str | None = None


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """Whether and how long before an appointment the patient gets a reminder text."""

    enabled: bool = True
    lead: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        """A reminder is sent at least an hour ahead."""
        if self.lead < timedelta(hours=1):
            raise BookingError("a reminder lead time must be at least one hour")


@dataclass(frozen=True, slots=True)
class BookingCatalog:
    """Everything needed to generate slots: types, provider templates, holidays."""

    types: tuple[AppointmentType, ...]
    templates: tuple[AvailabilityTemplate, ...]
    holidays: HolidayCalendar = field(default_factory=NoHolidays)
    calendar: CalendarSource = field(default_factory=CalendarSource)
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)

    def __post_init__(self) -> None:
        """Ids must be unique and type restrictions must name known providers."""
        type_ids = [t.id for t in self.types]
        if len(set(type_ids)) != len(type_ids):
            raise BookingError("appointment type ids must be unique")
        provider_ids = [t.provider_id for t in self.templates]
        if len(set(provider_ids)) != len(provider_ids):
            raise BookingError("one availability template per provider")
        known = set(provider_ids)
        for kind in self.types:
            unknown = kind.providers - known
            if unknown:
                raise BookingError(
                    f"appointment type {kind.id!r} names unknown providers {sorted(unknown)}"
                )

    def type(self, type_id: str) -> AppointmentType:
        """The appointment type with this id; BookingError when unknown."""
        for kind in self.types:
            if kind.id == type_id:
                return kind
        raise BookingError(f"unknown appointment type {type_id!r}")

    def template(self, provider_id: str) -> AvailabilityTemplate:
        """The availability template of a provider; BookingError when unknown."""
        for template in self.templates:
            if template.provider_id == provider_id:
                return template
        raise BookingError(f"unknown provider {provider_id!r}")

    def providers_for(self, kind: AppointmentType) -> tuple[AvailabilityTemplate, ...]:
        """Templates of the providers who may see this appointment type."""
        return tuple(
            t for t in self.templates if not kind.providers or t.provider_id in kind.providers
        )


def generate_slots(
    template: AvailabilityTemplate,
    kind: AppointmentType,
    start: datetime,
    end: datetime,
    holidays: HolidayCalendar,
) -> Iterator[Slot]:
    """Every slot of a type in a provider's template starting within [start, end), in order.

    Ignores occupancy and booking rules; DST-correct (wall-clock blocks, absolute durations,
    skipped local times never produce a slot).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise BookingError("search bounds must be timezone-aware")
    zone = template.zone
    day = start.astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    while day <= last_day:
        for block in sorted(template.blocks_on(day, holidays, kind.id), key=lambda b: b.start):
            if kind.locations and block.location_id not in kind.locations:
                continue
            block_end = local_instant(day, block.end, zone)
            if block_end is None:
                continue
            wall = datetime.combine(day, block.start)
            wall_end = datetime.combine(day, block.end)
            while wall < wall_end:
                slot_start = local_instant(day, wall.time(), zone)
                if slot_start is not None:
                    slot_end = slot_start + kind.duration
                    if slot_end > block_end:
                        break
                    if start <= slot_start < end:
                        yield Slot(
                            provider_id=template.provider_id,
                            location_id=block.location_id,
                            appointment_type_id=kind.id,
                            start=slot_start.astimezone(UTC),
                            end=slot_end.astimezone(UTC),
                        )
                wall += template.step
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CallerPreference:
    """What the caller asked for; every field is optional."""

    weekdays: frozenset[int] = frozenset()
    time_of_day: TimeOfDay = TimeOfDay.ANY
    provider_id: str | None = None
    language: Language | None = None
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """A search for slots: what, for whom, how urgent, what the caller prefers."""

    appointment_type_id: str
    patient_kind: PatientKind
    urgency: TriageLevel = TriageLevel.ROUTINE
    insurance: str | None = None
    preference: CallerPreference = field(default_factory=CallerPreference)


class Relaxation(StrEnum):
    """A preference the policy had to drop to find a slot (so the caller can be told)."""

    TIME_OF_DAY = "time_of_day"
    WEEKDAY = "weekday"
    PROVIDER = "provider"
    LANGUAGE = "language"


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """Up to three slots to offer, and which preferences were dropped to find them."""

    slots: tuple[Slot, ...]
    relaxed: tuple[Relaxation, ...] = ()


class Ineligibility(StrEnum):
    """Why a caller cannot book a type at all."""

    UNKNOWN_TYPE = "unknown_type"
    PATIENT_KIND = "patient_kind"
    INSURANCE = "insurance"
    LANGUAGE = "language"
    EMERGENCY = "emergency"
    OUTSIDE_RULES = "outside_rules"


def eligibility(catalog: BookingCatalog, request: SlotRequest) -> Ineligibility | None:
    """Why the caller may not book this type (None when they may)."""
    if request.urgency is TriageLevel.EMERGENCY:
        return Ineligibility.EMERGENCY
    try:
        kind = catalog.type(request.appointment_type_id)
    except BookingError:
        return Ineligibility.UNKNOWN_TYPE
    if request.patient_kind not in kind.patient_kinds:
        return Ineligibility.PATIENT_KIND
    if not kind.accepts_insurance(request.insurance):
        return Ineligibility.INSURANCE
    lang = request.preference.language
    if kind.languages and lang is not None and lang not in kind.languages:
        return Ineligibility.LANGUAGE
    return None


def _daily_counts(
    occupancy: Iterable[Occupancy], catalog: BookingCatalog, type_id: str
) -> dict[tuple[str, date], int]:
    counts: dict[tuple[str, date], int] = {}
    zones = {t.provider_id: t.zone for t in catalog.templates}
    for item in occupancy:
        zone = zones.get(item.provider_id)
        if item.appointment_type_id != type_id or zone is None:
            continue
        key = (item.provider_id, item.start.astimezone(zone).date())
        counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """How slots are chosen: earliest suitable first, preferences honored, urgency sooner.

    Routine requests honor every preference and relax them one at a time (time of day, then
    weekday, then language, then provider) only when nothing fits within the horizon. Urgent
    requests ignore day/time/provider preferences, use the type's urgent lead time and search
    only ``urgent_window`` ahead: the earliest slot with anyone is what matters.
    """

    urgent_window: timedelta = timedelta(days=2)
    spacing: timedelta = timedelta(hours=1)

    def candidates(
        self,
        catalog: BookingCatalog,
        request: SlotRequest,
        occupancy: Sequence[Occupancy],
        now: datetime,
    ) -> list[Slot]:
        """Every free, rule-abiding slot for the request in time order (preferences ignored)."""
        if eligibility(catalog, request) is not None:
            return []
        kind = catalog.type(request.appointment_type_id)
        urgent = request.urgency is TriageLevel.URGENT and kind.urgent_ok
        lead = kind.urgent_lead_time if urgent else kind.lead_time
        start = now + lead
        if request.preference.not_before is not None and not urgent:
            start = max(start, request.preference.not_before)
        end = now + (min(self.urgent_window, kind.horizon) if urgent else kind.horizon)
        counts = _daily_counts(occupancy, catalog, kind.id)
        by_provider: dict[str, list[Occupancy]] = {}
        for item in occupancy:
            by_provider.setdefault(item.provider_id, []).append(item)
        found: list[Slot] = []
        for template in catalog.providers_for(kind):
            if request.patient_kind is PatientKind.NEW and not template.accepts_new_patients:
                continue
            taken = by_provider.get(template.provider_id, [])
            for slot in generate_slots(template, kind, start, end, catalog.holidays):
                if any(slot.overlaps(o.start, o.end) for o in taken):
                    continue
                local_day = slot.start.astimezone(template.zone).date()
                if kind.daily_limit is not None and (
                    counts.get((template.provider_id, local_day), 0) >= kind.daily_limit
                ):
                    continue
                found.append(slot)
        found.sort(key=lambda s: (s.start, s.provider_id))
        return found

    def offer(
        self,
        catalog: BookingCatalog,
        request: SlotRequest,
        occupancy: Sequence[Occupancy],
        now: datetime,
    ) -> SlotOffer:
        """Choose up to three slots to offer, earliest suitable first."""
        return self.choose(catalog, request, self.candidates(catalog, request, occupancy, now))

    def choose(
        self, catalog: BookingCatalog, request: SlotRequest, pool: Sequence[Slot]
    ) -> SlotOffer:
        """Pick up to three of the given free slots (in time order) for the caller's preferences."""
        pool = sorted(pool, key=lambda s: (s.start, s.provider_id))
        if not pool:
            return SlotOffer(())
        kind = catalog.type(request.appointment_type_id)
        pref = request.preference
        if request.urgency is TriageLevel.URGENT and kind.urgent_ok:
            return SlotOffer(self._spread(pool))
        steps: list[Relaxation] = [
            Relaxation.TIME_OF_DAY,
            Relaxation.WEEKDAY,
            Relaxation.LANGUAGE,
            Relaxation.PROVIDER,
        ]
        relaxed: list[Relaxation] = []
        while True:
            chosen = [s for s in pool if self._fits(catalog, s, pref, relaxed)]
            if chosen:
                return SlotOffer(self._spread(chosen), tuple(relaxed))
            if not steps:
                return SlotOffer(())
            relaxed.append(steps.pop(0))

    def _fits(
        self,
        catalog: BookingCatalog,
        slot: Slot,
        pref: CallerPreference,
        relaxed: Sequence[Relaxation],
    ) -> bool:
        template = catalog.template(slot.provider_id)
        local = slot.start.astimezone(template.zone)
        if Relaxation.TIME_OF_DAY not in relaxed and not pref.time_of_day.contains(local.time()):
            return False
        if (
            Relaxation.WEEKDAY not in relaxed
            and pref.weekdays
            and local.weekday() not in pref.weekdays
        ):
            return False
        if (
            Relaxation.LANGUAGE not in relaxed
            and pref.language is not None
            and pref.language not in template.languages
        ):
            return False
        if Relaxation.PROVIDER not in relaxed and pref.provider_id is not None:
            return slot.provider_id == pref.provider_id
        return True

    def _spread(self, ordered: Sequence[Slot]) -> tuple[Slot, ...]:
        chosen: list[Slot] = []
        for slot in ordered:
            if any(
                c.provider_id == slot.provider_id and abs(c.start - slot.start) < self.spacing
                for c in chosen
            ):
                continue
            chosen.append(slot)
            if len(chosen) == MAX_OFFERED:
                break
        return tuple(chosen)


def find_slots(
    catalog: BookingCatalog,
    request: SlotRequest,
    occupancy: Sequence[Occupancy],
    now: datetime,
    policy: BookingPolicy | None = None,
) -> list[Slot]:
    """Up to three slots to offer the caller, earliest suitable first (empty when none)."""
    return list((policy or BookingPolicy()).offer(catalog, request, occupancy, now).slots)


def check_bookable(
    catalog: BookingCatalog,
    request: SlotRequest,
    slot: Slot,
    occupancy: Sequence[Occupancy],
    now: datetime,
    policy: BookingPolicy | None = None,
) -> Ineligibility | None:
    """Why this exact slot cannot be booked for the request (None when it can).

    Occupancy overlap is *not* judged here (that is a conflict, decided by storage).
    """
    reason = eligibility(catalog, request)
    if reason is not None:
        return reason
    if slot.appointment_type_id != request.appointment_type_id:
        return Ineligibility.OUTSIDE_RULES
    others = [
        o
        for o in occupancy
        if not (o.provider_id == slot.provider_id and slot.overlaps(o.start, o.end))
    ]
    allowed = (policy or BookingPolicy()).candidates(catalog, request, others, now)
    if slot not in allowed:
        return Ineligibility.OUTSIDE_RULES
    return None


# --- identity -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """Who an appointment is for (PHI: store encrypted, never log)."""

    name: str
    birth_date: date
    phone: str = ""


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    """What a caller said about who they are; caller ID travels separately and never decides."""

    name: str | None
    birth_date: date | None
    caller_phone: str | None = None


class IdentityVerdict(StrEnum):
    """Outcome of checking a caller's claim against a record."""

    VERIFIED = "verified"
    INCOMPLETE = "incomplete"
    MISMATCH = "mismatch"


def normalize_name(name: str) -> tuple[str, ...]:
    """Name tokens for comparison: case, accents, punctuation and word order ignored."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(
        ch if (ch.isalnum() or ch.isspace()) else " "
        for ch in decomposed
        if not unicodedata.combining(ch)
    )
    tokens = kept.split()
    if tokens and all(_is_cjk(token) for token in tokens):
        # Chinese names are written with or without spaces: compare character by character.
        tokens = list("".join(tokens))
    return tuple(sorted(tokens))


def _is_cjk(token: str) -> bool:
    return all(unicodedata.name(ch, "").startswith("CJK") for ch in token)


def verify_identity(claim: IdentityClaim, record: PatientIdentity) -> IdentityVerdict:
    """Name and date of birth must both match; a matching phone number alone never suffices."""
    if not claim.name or not claim.name.strip() or claim.birth_date is None:
        return IdentityVerdict.INCOMPLETE
    if claim.birth_date != record.birth_date:
        return IdentityVerdict.MISMATCH
    if normalize_name(claim.name) != normalize_name(record.name):
        return IdentityVerdict.MISMATCH
    return IdentityVerdict.VERIFIED


# --- the Appointment aggregate --------------------------------------------------------------


class AppointmentStatus(StrEnum):
    """Appointment status, named as in FHIR R4 ``AppointmentStatus``.

    A reschedule cancels the old appointment (``cancel_reason = rescheduled``, linked to the new
    one) and books a new one, as FHIR has no "rescheduled" status.
    """

    PROPOSED = "proposed"
    PENDING = "pending"
    BOOKED = "booked"
    CHECKED_IN = "checked-in"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NOSHOW = "noshow"
    ENTERED_IN_ERROR = "entered-in-error"

    @property
    def holds_time(self) -> bool:
        """True while the appointment occupies the provider's time."""
        return self in _HOLDS_TIME

    @property
    def is_final(self) -> bool:
        """True when no further transition is possible (except entered-in-error)."""
        return not _TRANSITIONS[self]


_HOLDS_TIME = frozenset(
    {
        AppointmentStatus.PENDING,
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.FULFILLED,
        AppointmentStatus.NOSHOW,
    }
)

_TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.PROPOSED: frozenset(
        {AppointmentStatus.PENDING, AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}
    ),
    AppointmentStatus.PENDING: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}),
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.FULFILLED,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NOSHOW,
        }
    ),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.FULFILLED}),
    AppointmentStatus.FULFILLED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NOSHOW: frozenset(),
    AppointmentStatus.ENTERED_IN_ERROR: frozenset(),
}


def allowed_transitions(status: AppointmentStatus) -> frozenset[AppointmentStatus]:
    """The statuses reachable in one step (entered-in-error is reachable from any other)."""
    extra = (
        frozenset({AppointmentStatus.ENTERED_IN_ERROR})
        if status is not AppointmentStatus.ENTERED_IN_ERROR
        else frozenset()
    )
    return _TRANSITIONS[status] | extra


class CancelReason(StrEnum):
    """Why an appointment was cancelled."""

    PATIENT = "patient"
    PRACTICE = "practice"
    RESCHEDULED = "rescheduled"
    EXPIRED_HOLD = "expired_hold"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One recorded move of an appointment's status."""

    status: AppointmentStatus
    at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class Appointment:
    """A patient's visit with one provider: the booking aggregate."""

    id: str
    appointment_type_id: str
    provider_id: str
    location_id: str
    start: datetime
    end: datetime
    patient: PatientIdentity
    patient_kind: PatientKind
    status: AppointmentStatus
    created_at: datetime
    reason: str = ""
    insurance: str | None = None
    confirmed_at: datetime | None = None
    cancel_reason: CancelReason | None = None
    rescheduled_from: str | None = None
    rescheduled_to: str | None = None
    history: tuple[StatusChange, ...] = ()

    def __post_init__(self) -> None:
        """Instants aware and ordered."""
        for instant in (self.start, self.end, self.created_at):
            if instant.tzinfo is None:
                raise BookingError("appointment instants must be timezone-aware")
        if self.end <= self.start:
            raise BookingError("an appointment must end after it starts")

    @property
    def slot(self) -> Slot:
        """The provider time this appointment takes."""
        return Slot(
            self.provider_id, self.location_id, self.appointment_type_id, self.start, self.end
        )

    def transition(
        self,
        to: AppointmentStatus,
        at: datetime,
        actor: str,
        cancel_reason: CancelReason | None = None,
    ) -> Appointment:
        """Move to a new status; a repeat is a no-op, an illegal move raises."""
        if to is self.status:
            return self
        if to not in allowed_transitions(self.status):
            raise IllegalTransitionError(
                f"appointment {self.id}: {self.status} -> {to} not allowed"
            )
        if cancel_reason is not None and to not in (
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NOSHOW,
        ):
            raise BookingError("a cancel reason only goes with cancelled or noshow")
        if to is AppointmentStatus.CANCELLED and cancel_reason is None:
            cancel_reason = CancelReason.PATIENT
        return replace(
            self,
            status=to,
            cancel_reason=cancel_reason,
            history=(*self.history, StatusChange(to, at, actor)),
        )

    def confirm(self, at: datetime) -> Appointment:
        """Record the patient's confirmation; only a booked appointment can be confirmed."""
        if self.status is not AppointmentStatus.BOOKED:
            raise IllegalTransitionError(
                f"appointment {self.id}: cannot confirm while {self.status}"
            )
        if self.confirmed_at is not None:
            return self
        return replace(self, confirmed_at=at)

    def reschedule(
        self, new_id: str, slot: Slot, at: datetime, actor: str
    ) -> tuple[Appointment, Appointment]:
        """Cancel this appointment and book its replacement at ``slot``: (old, new)."""
        if self.status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
            raise IllegalTransitionError(
                f"appointment {self.id}: cannot reschedule while {self.status}"
            )
        if slot.provider_id == self.provider_id and slot.start == self.start:
            raise BookingError("the new slot is the current one")
        old = replace(
            self.transition(AppointmentStatus.CANCELLED, at, actor, CancelReason.RESCHEDULED),
            rescheduled_to=new_id,
        )
        new = Appointment(
            id=new_id,
            appointment_type_id=slot.appointment_type_id,
            provider_id=slot.provider_id,
            location_id=slot.location_id,
            start=slot.start,
            end=slot.end,
            patient=self.patient,
            patient_kind=self.patient_kind,
            status=AppointmentStatus.BOOKED,
            created_at=at,
            reason=self.reason,
            insurance=self.insurance,
            rescheduled_from=self.id,
            history=(StatusChange(AppointmentStatus.BOOKED, at, actor),),
        )
        return old, new


def new_appointment(
    appointment_id: str,
    slot: Slot,
    patient: PatientIdentity,
    patient_kind: PatientKind,
    at: datetime,
    actor: str,
    reason: str = "",
    insurance: str | None = None,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
) -> Appointment:
    """A freshly booked (or held, with status pending) appointment for a slot."""
    if status not in (AppointmentStatus.BOOKED, AppointmentStatus.PENDING):
        raise BookingError("a new appointment is booked or pending")
    return Appointment(
        id=appointment_id,
        appointment_type_id=slot.appointment_type_id,
        provider_id=slot.provider_id,
        location_id=slot.location_id,
        start=slot.start,
        end=slot.end,
        patient=patient,
        patient_kind=patient_kind,
        status=status,
        created_at=at,
        reason=reason,
        insurance=insurance,
        history=(StatusChange(status, at, actor),),
    )


# --- outcomes of booking through any scheduler ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Booked:
    """The appointment is on the calendar."""

    appointment: Appointment


@dataclass(frozen=True, slots=True)
class StaffTask:
    """Nothing was booked; staff will book it (the caller must be told so)."""

    task_id: str
    reason: str
    slot: Slot | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """The slot was taken by someone else in the meantime; offer these instead."""

    slot: Slot
    alternatives: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejected:
    """The request breaks a booking rule or identity was not verified."""

    reason: str


BookingOutcome = Booked | StaffTask | Conflict | Rejected
"""What any booking, reschedule or cancellation produced; never a silent success."""


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The appointment is cancelled and its time released."""

    appointment: Appointment


CancelOutcome = Cancelled | StaffTask | Rejected
"""What a cancellation produced; never a silent success."""


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """A request to book one offered slot for a patient."""

    slot: Slot
    request: SlotRequest
    patient: PatientIdentity
    reason: str = ""
