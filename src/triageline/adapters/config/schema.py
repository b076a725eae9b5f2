"""Schema of a practice configuration file: pydantic v2 models, unknown keys forbidden.

Field-level checks (formats, E.164 numbers, time ranges, time zones) live on the models;
checks that relate several fields (ids referenced elsewhere, every language present, holiday
names known) live in `cross_field_issues`, which names the exact path of each problem.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from triageline.adapters.config.appointments_section import (
    AppointmentsSection as BookingAppointmentsSection,
)
from triageline.adapters.config.escalation_section import EscalationSection
from triageline.adapters.config.holiday_calendar import known_holiday_names
from triageline.adapters.config.oncall_section import OnCallSection
from triageline.adapters.config.triage_section import TriageSection
from triageline.domain.practice import (
    ALLOWED_ACTIONS,
    ContactKind,
    HandlingAction,
    ProviderRole,
    StaffRole,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel

CLOSED = "closed"
DEFAULT_OBSERVED_HOLIDAYS = (
    "New Year's Day",
    "Memorial Day",
    "Independence Day",
    "Labor Day",
    "Thanksgiving Day",
    "Christmas Day",
)
US_STATES = frozenset(holidays.list_supported_countries()["US"])

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")
_RANGE = re.compile(r"^(\d{2}:\d{2})-(\d{2}:\d{2})$")
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _invalid(reason: str) -> PydanticCustomError:
    """A validation error whose message is exactly `reason`."""
    return PydanticCustomError("invalid", "{reason}", {"reason": reason})


def _quoted(value: str) -> str:
    """A value in double quotes, as YAML would show it."""
    return '"' + value.replace('"', '\\"') + '"'


def _check_id(value: str) -> str:
    """Ids are short lowercase slugs: letters, digits, `-` and `_`."""
    if not _ID.match(value):
        raise _invalid(f"{_quoted(value)} is not an id (lowercase letters, digits, - and _)")
    return value


def _not_number(value: object) -> object:
    """Explain numbers that YAML read as integers because they were not quoted."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise _invalid(f'{value} was read as a number; quote it, e.g. "+{value}"')
    return value


def _check_e164(value: str) -> str:
    """Phone numbers must be valid and written in E.164 (`+15125550100`)."""
    reason = f'{_quoted(value)} is not an E.164 phone number (write it like "+15125550100")'
    if not value.startswith("+"):
        raise _invalid(reason)
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise _invalid(reason) from exc
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed) or formatted != value:
        raise _invalid(reason)
    return value


def _clock_minutes(text: str) -> int | None:
    """Minutes since midnight for a valid `HH:MM`, else None."""
    match = _CLOCK.match(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return None
    return hours * 60 + minutes


def _check_clock(value: str) -> str:
    """A wall-clock time on a 24-hour clock, `HH:MM`."""
    if _clock_minutes(value) is None:
        raise _invalid(f"{_quoted(value)} is not a time (use HH:MM on a 24-hour clock)")
    return value


def _check_range(value: str) -> str:
    """A time range `HH:MM-HH:MM` within one day."""
    match = _RANGE.match(value)
    start = _clock_minutes(match.group(1)) if match else None
    end = _clock_minutes(match.group(2)) if match else None
    if start is None or end is None:
        raise _invalid(f"{_quoted(value)} is not a time range")
    if start >= end:
        raise _invalid(f"{_quoted(value)} ends before it starts")
    return value


def _check_day_hours(value: str) -> str:
    """A day's hours: a time range or `closed`."""
    return value if value == CLOSED else _check_range(value)


def _check_timezone(value: str) -> str:
    """An IANA time zone name such as `America/Chicago`."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _invalid(f"{_quoted(value)} is not an IANA time zone (e.g. America/Chicago)") from exc
    return value


def _check_state(value: str) -> str:
    """A two-letter USPS state or territory code."""
    if value not in US_STATES:
        raise _invalid(f"{_quoted(value)} is not a US state code (e.g. TX)")
    return value


def _check_zip(value: str) -> str:
    """A US ZIP or ZIP+4 code."""
    if not _ZIP.match(value):
        raise _invalid(f"{_quoted(value)} is not a ZIP code")
    return value


def _check_https(value: str) -> str:
    """An absolute https:// URL."""
    if not re.match(r"^https://[^\s/]+\.[^\s]+$", value):
        raise _invalid(f"{_quoted(value)} is not an https:// URL")
    return value


def _check_email(value: str) -> str:
    """A plausible e-mail address."""
    if not _EMAIL.match(value):
        raise _invalid(f"{_quoted(value)} is not an e-mail address")
    return value


Identifier = Annotated[str, AfterValidator(_check_id)]
PhoneNumber = Annotated[str, BeforeValidator(_not_number), AfterValidator(_check_e164)]
ClockTime = Annotated[str, AfterValidator(_check_clock)]
TimeRangeText = Annotated[str, AfterValidator(_check_range)]
DayHours = Annotated[str, AfterValidator(_check_day_hours)]
TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
StateCode = Annotated[str, AfterValidator(_check_state)]
HttpsUrl = Annotated[str, AfterValidator(_check_https)]
Text = Annotated[str, Field(min_length=1)]
LocalizedTextConfig = dict[Language, Text]


class _Section(BaseModel):
    """Base of every configuration model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PhonesConfig(_Section):
    """The practice's own numbers."""

    main: PhoneNumber
    nurse_line: PhoneNumber | None = None
    sms: PhoneNumber | None = None
    fax: PhoneNumber | None = None


class AddressConfig(_Section):
    """A US postal address."""

    line1: Text
    line2: str = ""
    city: Text
    state: StateCode
    postal_code: Annotated[str, BeforeValidator(_not_number), AfterValidator(_check_zip)]


class WeeklyHoursConfig(_Section):
    """Opening hours per weekday, `HH:MM-HH:MM` or `closed`; a missing day is closed."""

    mon: DayHours = CLOSED
    tue: DayHours = CLOSED
    wed: DayHours = CLOSED
    thu: DayHours = CLOSED
    fri: DayHours = CLOSED
    sat: DayHours = CLOSED
    sun: DayHours = CLOSED


class HoursOverrideConfig(_Section):
    """Different hours (or `closed`) for one location on one date."""

    date: date
    hours: DayHours
    reason: Text


class LocationConfig(_Section):
    """One office."""

    id: Identifier
    name: Text
    address: AddressConfig
    phone: PhoneNumber
    timezone: TimeZoneName | None = None
    hours: WeeklyHoursConfig
    lunch: TimeRangeText | None = None
    overrides: list[HoursOverrideConfig] = []


class ClosureConfig(_Section):
    """A date the whole practice is closed."""

    date: date
    name: Text


class EarlyClosingConfig(_Section):
    """A date the whole practice closes early."""

    date: date
    closes_at: ClockTime
    name: Text


class HolidaysConfig(_Section):
    """Public holidays observed (from the `holidays` package) plus configured closures."""

    country: str = "US"
    subdivision: str | None = None
    observe: list[str] = list(DEFAULT_OBSERVED_HOLIDAYS)
    closures: list[ClosureConfig] = []
    early_closings: list[EarlyClosingConfig] = []


class CoverageConfig(_Section):
    """Which situations triageline answers."""

    after_hours: bool = True
    lunch: bool = True
    overflow: bool = False
    holidays: bool = True
    office_hours: bool = False


class ContactConfig(_Section):
    """One way to reach a person: sms/voice need `to` (E.164), email an address, webhook a URL."""

    kind: ContactKind
    to: str | None = None

    @model_validator(mode="after")
    def _target_fits_kind(self) -> ContactConfig:
        """Check `to` against the kind of contact."""
        if self.kind is ContactKind.PUSH:
            if self.to is not None:
                raise _invalid('a push contact takes no "to" (devices register in the portal)')
            return self
        if self.to is None:
            raise _invalid(f'a {self.kind.value} contact needs "to"')
        if self.kind in (ContactKind.SMS, ContactKind.VOICE):
            _check_e164(self.to)
        elif self.kind is ContactKind.EMAIL:
            _check_email(self.to)
        else:
            _check_https(self.to)
        return self


class ProviderConfig(_Section):
    """A clinician."""

    id: Identifier
    name: Text
    role: ProviderRole
    credentials: str = ""
    languages: list[Language] = Field(min_length=1)
    contact: list[ContactConfig] = []
    locations: list[Identifier] = []


class StaffConfig(_Section):
    """A non-clinical team member."""

    id: Identifier
    name: Text
    role: StaffRole
    languages: list[Language] = Field(min_length=1)
    contact: list[ContactConfig] = []


class SituationHandlingConfig(_Section):
    """Action and caller-facing text for one situation and urgency."""

    action: HandlingAction
    text: LocalizedTextConfig
    transfer_to: PhoneNumber | None = None
    callback_minutes: Annotated[int, Field(ge=5, le=1440)] | None = None


class LevelHandlingConfig(_Section):
    """Handling of each urgency in one situation."""

    emergency: SituationHandlingConfig
    urgent: SituationHandlingConfig
    routine: SituationHandlingConfig


class HandlingConfig(_Section):
    """Handling per situation: office hours and after hours (lunch, holidays included)."""

    office_hours: LevelHandlingConfig
    after_hours: LevelHandlingConfig


class FaqsConfig(_Section):
    """Answers to the common questions, per language."""

    hours: LocalizedTextConfig | None = None
    locations: LocalizedTextConfig | None = None
    directions: LocalizedTextConfig | None = None
    parking: LocalizedTextConfig | None = None
    insurance: LocalizedTextConfig | None = None
    fees: LocalizedTextConfig | None = None
    portal: LocalizedTextConfig | None = None


class RecordingConfig(_Section):
    """Call recording and its announcement."""

    enabled: bool = False
    announcement: LocalizedTextConfig = {}


class QueueConfig(_Section):
    """A staff inbox for messages."""

    id: Identifier
    name: Text


class RoutingConfig(_Section):
    """Which queue gets which intent; everything else goes to `default_queue`."""

    queues: list[QueueConfig] = Field(min_length=1)
    default_queue: Identifier
    intents: dict[Intent, Identifier] = {}


class PracticeConfig(_Section):
    """A whole practice configuration file."""

    id: Identifier
    name: Text
    specialty: str = ""
    timezone: TimeZoneName
    state: StateCode
    phones: PhonesConfig
    languages: list[Language] = Field(min_length=1)
    portal_url: HttpsUrl | None = None
    locations: list[LocationConfig] = Field(min_length=1)
    holidays: HolidaysConfig = HolidaysConfig()
    coverage: CoverageConfig = CoverageConfig()
    providers: list[ProviderConfig] = []
    staff: list[StaffConfig] = []
    handling: HandlingConfig
    faqs: FaqsConfig = FaqsConfig()
    insurance_plans: list[Text] = []
    recording: RecordingConfig = RecordingConfig()
    routing: RoutingConfig
    retention_years: Annotated[int, Field(ge=1, le=100)] = 7
    triage: TriageSection | None = None
    on_call: OnCallSection | None = None
    escalation: EscalationSection | None = None
    appointments: BookingAppointmentsSection | None = None


Issue = tuple[str, str]
"""A cross-field problem: (field path, reason)."""


def _suggest(word: str, choices: frozenset[str] | list[str]) -> str:
    """`; did you mean "x"?` when a close match exists."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def _duplicates(path: str, values: list[str], what: str) -> list[Issue]:
    """One issue per repeated value."""
    seen: set[str] = set()
    issues: list[Issue] = []
    for index, value in enumerate(values):
        if value in seen:
            issues.append((f"{path}[{index}]", f"duplicate {what} {_quoted(value)}"))
        seen.add(value)
    return issues


def _languages_missing(path: str, text: LocalizedTextConfig, wanted: list[Language]) -> list[Issue]:
    """One issue per practice language without text."""
    missing = [lang.value for lang in wanted if lang not in text]
    if not missing:
        return []
    return [(path, "missing text for language " + ", ".join(_quoted(m) for m in missing))]


def _holiday_issues(config: PracticeConfig) -> list[Issue]:
    """Country and subdivision supported, observed names known, closure dates distinct."""
    section = config.holidays
    issues: list[Issue] = []
    supported = holidays.list_supported_countries()
    if section.country not in supported:
        reason = f"{_quoted(section.country)} is not a country the holidays package supports"
        return [("holidays.country", reason)]
    subdivision = section.subdivision if section.subdivision is not None else config.state
    if subdivision not in supported[section.country]:
        path = "holidays.subdivision" if section.subdivision is not None else "state"
        reason = f"{_quoted(subdivision)} is not a subdivision of {section.country}"
        return [(path, reason)]
    known = known_holiday_names(section.country, subdivision)
    for index, name in enumerate(section.observe):
        if name not in known:
            reason = f"{_quoted(name)} is not a holiday in {section.country}-{subdivision}"
            issues.append((f"holidays.observe[{index}]", reason + _suggest(name, known)))
    issues += _duplicates("holidays.observe", section.observe, "holiday")
    dates = [c.date.isoformat() for c in section.closures]
    dates += [e.date.isoformat() for e in section.early_closings]
    for index, day in enumerate(dates):
        if day in dates[:index]:
            closure_count = len(section.closures)
            path = (
                f"holidays.closures[{index}]"
                if index < closure_count
                else f"holidays.early_closings[{index - closure_count}]"
            )
            issues.append((f"{path}.date", f"{day} is already listed as a closure"))
    return issues


def _location_issues(config: PracticeConfig) -> list[Issue]:
    """Distinct ids, a location that opens at least one day, distinct override dates."""
    issues = _duplicates("locations", [loc.id for loc in config.locations], "location id")
    for index, location in enumerate(config.locations):
        days = location.hours.model_dump().values()
        if all(hours == CLOSED for hours in days):
            issues.append((f"locations[{index}].hours", "the location is closed every day"))
        override_dates = [o.date.isoformat() for o in location.overrides]
        issues += _duplicates(f"locations[{index}].overrides", override_dates, "override date")
    return issues


def _people_issues(config: PracticeConfig) -> list[Issue]:
    """Person ids distinct across providers and staff; provider locations exist."""
    ids = [p.id for p in config.providers] + [s.id for s in config.staff]
    issues: list[Issue] = []
    seen: set[str] = set()
    for index, person_id in enumerate(ids):
        section, offset = ("providers", 0) if index < len(config.providers) else ("staff", 1)
        position = index if offset == 0 else index - len(config.providers)
        if person_id in seen:
            issues.append(
                (f"{section}[{position}].id", f"duplicate person id {_quoted(person_id)}")
            )
        seen.add(person_id)
    location_ids = [loc.id for loc in config.locations]
    for index, provider in enumerate(config.providers):
        for at, location_id in enumerate(provider.locations):
            if location_id not in location_ids:
                reason = f"no location {_quoted(location_id)}" + _suggest(location_id, location_ids)
                issues.append((f"providers[{index}].locations[{at}]", reason))
    return issues


def _handling_issues(config: PracticeConfig) -> list[Issue]:
    """Allowed actions per urgency, a number for transfers, text in every language."""
    issues: list[Issue] = []
    for situation in ("office_hours", "after_hours"):
        per_level: LevelHandlingConfig = getattr(config.handling, situation)
        for level in (TriageLevel.EMERGENCY, TriageLevel.URGENT, TriageLevel.ROUTINE):
            item: SituationHandlingConfig = getattr(per_level, level.value)
            path = f"handling.{situation}.{level.value}"
            allowed = ALLOWED_ACTIONS[level]
            if item.action not in allowed:
                names = ", ".join(sorted(action.value for action in allowed))
                reason = (
                    f"{_quoted(item.action.value)} is not allowed for {level.value} (use {names})"
                )
                issues.append((f"{path}.action", reason))
            if item.action.transfers and item.transfer_to is None and not config.phones.nurse_line:
                reason = f"{item.action.value} needs transfer_to or phones.nurse_line"
                issues.append((f"{path}.transfer_to", reason))
            issues += _languages_missing(f"{path}.text", item.text, config.languages)
    return issues


def _text_issues(config: PracticeConfig) -> list[Issue]:
    """FAQ answers and the recording announcement in every practice language."""
    issues: list[Issue] = []
    for topic, text in config.faqs:
        if text is not None:
            issues += _languages_missing(f"faqs.{topic}", text, config.languages)
    if config.recording.enabled:
        issues += _languages_missing(
            "recording.announcement", config.recording.announcement, config.languages
        )
    return issues


def _routing_issues(config: PracticeConfig) -> list[Issue]:
    """Queue ids distinct; the default queue and every intent's queue exist."""
    routing = config.routing
    queue_ids = [queue.id for queue in routing.queues]
    issues = _duplicates("routing.queues", queue_ids, "queue id")
    if routing.default_queue not in queue_ids:
        reason = f"no queue {_quoted(routing.default_queue)}"
        issues.append(
            ("routing.default_queue", reason + _suggest(routing.default_queue, queue_ids))
        )
    for intent, queue in routing.intents.items():
        if queue not in queue_ids:
            reason = f"no queue {_quoted(queue)}" + _suggest(queue, queue_ids)
            issues.append((f"routing.intents.{intent.value}", reason))
    return issues


def _section_reference_issues(config: PracticeConfig) -> list[Issue]:
    """Person ids used by the on-call and escalation sections must be providers or staff."""
    known = {p.id for p in config.providers} | {s.id for s in config.staff}
    found: list[Issue] = []
    if config.on_call is not None:
        found += config.on_call.unknown_people(known)
    if config.escalation is not None:
        found += config.escalation.unknown_people(known)
    if config.appointments is not None:
        providers = {p.id for p in config.providers}
        locations = {loc.id for loc in config.locations}
        for pid in sorted(config.appointments.provider_ids() - providers):
            found.append(("appointments", f"no provider {_quoted(pid)}"))
        for lid in sorted(config.appointments.location_ids() - locations):
            found.append(("appointments", f"no location {_quoted(lid)}"))
    return [(re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path), reason) for path, reason in found]


def cross_field_issues(config: PracticeConfig) -> list[Issue]:
    """Every problem that involves more than one field, as (path, reason)."""
    issues = _duplicates("languages", [lang.value for lang in config.languages], "language")
    issues += _location_issues(config)
    issues += _holiday_issues(config)
    issues += _people_issues(config)
    issues += _handling_issues(config)
    issues += _text_issues(config)
    issues += _routing_issues(config)
    issues += _section_reference_issues(config)
    return issues
