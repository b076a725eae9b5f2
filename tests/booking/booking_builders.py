"""Builders for booking tests: a demo catalog, requests, patients and appointments."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from triageline.domain.booking import (
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityTemplate,
    BookingCatalog,
    CallerPreference,
    FixedHolidays,
    HolidayCalendar,
    NoHolidays,
    PatientIdentity,
    PatientKind,
    Slot,
    SlotRequest,
    WeeklyBlock,
    new_appointment,
)
from triageline.domain.triage.types import Language, TriageLevel

NY = "America/New_York"
SUNDAY_NOON = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)
"""Sunday 1 March 2026, noon in New York."""


def make_weekdays(
    location: str = "main",
    morning: tuple[time, time] = (time(8), time(12)),
    afternoon: tuple[time, time] = (time(13), time(17)),
) -> tuple[WeeklyBlock, ...]:
    """Monday to Friday, a morning and an afternoon block with lunch between."""
    blocks: list[WeeklyBlock] = []
    for day in range(5):
        blocks.append(WeeklyBlock(day, morning[0], morning[1], location))
        blocks.append(WeeklyBlock(day, afternoon[0], afternoon[1], location))
    return tuple(blocks)


def make_template(
    provider_id: str = "dr-a",
    *,
    name: str = "Dr. Alvarez",
    blocks: tuple[WeeklyBlock, ...] | None = None,
    exceptions: tuple[AvailabilityException, ...] = (),
    languages: frozenset[Language] = frozenset({Language.EN, Language.ES}),
    accepts_new: bool = True,
    step_minutes: int = 20,
    timezone: str = NY,
) -> AvailabilityTemplate:
    """A provider's week (weekday office hours with lunch unless told otherwise)."""
    return AvailabilityTemplate(
        provider_id=provider_id,
        provider_name=name,
        timezone=timezone,
        blocks=make_weekdays() if blocks is None else blocks,
        exceptions=exceptions,
        languages=languages,
        accepts_new_patients=accepts_new,
        step=timedelta(minutes=step_minutes),
    )


def make_type(
    type_id: str = "follow-up",
    *,
    minutes: int = 20,
    kinds: frozenset[PatientKind] = frozenset({PatientKind.NEW, PatientKind.EXISTING}),
    lead_hours: float = 0,
    daily_limit: int | None = None,
    urgent_ok: bool = False,
    insurance: frozenset[str] = frozenset(),
    providers: frozenset[str] = frozenset(),
    languages: frozenset[Language] = frozenset(),
) -> AppointmentType:
    """An appointment type with English, Spanish and Chinese names."""
    return AppointmentType(
        id=type_id,
        names={
            Language.EN: type_id,
            Language.ES: f"{type_id} (es)",
            Language.ZH: f"{type_id} (zh)",
        },
        duration=timedelta(minutes=minutes),
        patient_kinds=kinds,
        providers=providers,
        languages=languages,
        insurance=insurance,
        lead_time=timedelta(hours=lead_hours),
        daily_limit=daily_limit,
        urgent_ok=urgent_ok,
    )


def make_catalog(
    *,
    types: tuple[AppointmentType, ...] | None = None,
    templates: tuple[AvailabilityTemplate, ...] | None = None,
    holidays: HolidayCalendar | None = None,
) -> BookingCatalog:
    """The demo practice: Dr. Alvarez (en/es) and Dr. Nguyen (en/zh), four visit types."""
    return BookingCatalog(
        types=types
        or (
            make_type("new-patient", minutes=40, kinds=frozenset({PatientKind.NEW}), lead_hours=24),
            make_type("follow-up", minutes=20, kinds=frozenset({PatientKind.EXISTING})),
            make_type("sick", minutes=15, urgent_ok=True),
            make_type(
                "physical", minutes=40, kinds=frozenset({PatientKind.EXISTING}), daily_limit=2
            ),
        ),
        templates=templates
        or (
            make_template("dr-a"),
            make_template(
                "dr-n",
                name="Dr. Nguyen",
                languages=frozenset({Language.EN, Language.ZH}),
                step_minutes=15,
            ),
        ),
        holidays=holidays or NoHolidays(),
    )


def make_holidays(*days: date) -> FixedHolidays:
    """A holiday calendar closing the given dates."""
    return FixedHolidays(frozenset(days))


def make_request(
    type_id: str = "follow-up",
    *,
    kind: PatientKind = PatientKind.EXISTING,
    urgency: TriageLevel = TriageLevel.ROUTINE,
    insurance: str | None = None,
    weekdays: frozenset[int] = frozenset(),
    provider_id: str | None = None,
    language: Language | None = None,
    **preference: object,
) -> SlotRequest:
    """A slot request with optional preferences."""
    pref = CallerPreference(
        weekdays=weekdays,
        provider_id=provider_id,
        language=language,
        **preference,  # type: ignore[arg-type]
    )
    return SlotRequest(type_id, kind, urgency, insurance, pref)


def make_patient(name: str = "Maria Lopez", born: date = date(1980, 5, 17)) -> PatientIdentity:
    """A patient identity (fictional)."""
    return PatientIdentity(name=name, birth_date=born, phone="+15555550123")


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given as New York wall time, returned in UTC."""
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour, minute), ZoneInfo(NY)).astimezone(UTC)


def make_appointment(
    slot: Slot | None = None,
    *,
    appointment_id: str = "appt-1",
    patient: PatientIdentity | None = None,
    at: datetime | None = None,
) -> Appointment:
    """A booked appointment (Monday 2 March 2026, 9:00 New York, follow-up with Dr. Alvarez)."""
    monday = date(2026, 3, 2)
    slot = slot or Slot("dr-a", "main", "follow-up", ny(monday, 9), ny(monday, 9, 20))
    return new_appointment(
        appointment_id,
        slot,
        patient or make_patient(),
        PatientKind.EXISTING,
        at or ny(date(2026, 3, 1), 10),
        "test",
    )
