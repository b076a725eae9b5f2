"""The practice as configured: locations, hours, holidays, people, handling, FAQs, routing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from enum import IntEnum, StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from triageline.domain.booking import BookingCatalog
from triageline.domain.oncall import OnCallSchedule
from triageline.domain.paging import EscalationPolicy
from triageline.domain.triage.types import Intent, Language, TriageLevel

LocalizedText = Mapping[Language, str]
"""Caller-facing text keyed by language; every language the practice serves is present."""


class UnknownLocationError(LookupError):
    """A location id that the practice does not have."""


class Weekday(IntEnum):
    """Day of the week, numbered like `date.weekday()` (Monday is 0)."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def key(self) -> str:
        """The configuration key for the day: `mon` ... `sun`."""
        return self.name.lower()

    @classmethod
    def of(cls, day: date) -> Weekday:
        """The weekday of a calendar date."""
        return cls(day.weekday())


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open span of wall-clock time within one day: start <= t < end."""

    start: time
    end: time

    def __post_init__(self) -> None:
        """Reject empty or reversed ranges."""
        if self.start >= self.end:
            raise ValueError(f"time range {self.start}-{self.end} ends before it starts")

    def contains(self, moment: time) -> bool:
        """True when the wall-clock time falls inside the range."""
        return self.start <= moment < self.end

    def __str__(self) -> str:
        """Render as `HH:MM-HH:MM`."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Regular opening hours per weekday; None means closed all day."""

    mon: TimeRange | None = None
    tue: TimeRange | None = None
    wed: TimeRange | None = None
    thu: TimeRange | None = None
    fri: TimeRange | None = None
    sat: TimeRange | None = None
    sun: TimeRange | None = None

    def on(self, weekday: Weekday) -> TimeRange | None:
        """The hours for one weekday."""
        hours: TimeRange | None = getattr(self, weekday.key)
        return hours

    @property
    def is_ever_open(self) -> bool:
        """True when at least one weekday has hours."""
        return any(self.on(day) is not None for day in Weekday)


@dataclass(frozen=True, slots=True)
class HoursOverride:
    """Different hours for one location on one date; `hours` None means closed that day."""

    day: date
    hours: TimeRange | None
    reason: str


@dataclass(frozen=True, slots=True)
class Address:
    """A US postal address."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""

    def __str__(self) -> str:
        """One line, as a caller would hear it."""
        street = f"{self.line1}, {self.line2}" if self.line2 else self.line1
        return f"{street}, {self.city}, {self.state} {self.postal_code}"


@dataclass(frozen=True, slots=True)
class Location:
    """One office of the practice, with its own time zone and hours."""

    id: str
    name: str
    address: Address
    phone: str
    tz: ZoneInfo
    hours: WeeklyHours
    lunch: TimeRange | None = None
    overrides: tuple[HoursOverride, ...] = ()

    def override_on(self, day: date) -> HoursOverride | None:
        """The hours override for a date, if one is configured."""
        for override in self.overrides:
            if override.day == day:
                return override
        return None


@dataclass(frozen=True, slots=True)
class Closure:
    """A practice-wide closure on one date: all day, or closing early at `closes_at`."""

    day: date
    name: str
    closes_at: time | None = None

    @property
    def is_full_day(self) -> bool:
        """True when the practice does not open at all that day."""
        return self.closes_at is None


class HolidayCalendar(Protocol):
    """Tells which dates the practice is closed or closes early."""

    def closure_on(self, day: date) -> Closure | None:
        """The closure on a date, or None on an ordinary day."""
        ...


@dataclass(frozen=True, slots=True)
class FixedHolidayCalendar:
    """A holiday calendar given as an explicit list of closures."""

    closures: tuple[Closure, ...] = ()

    def closure_on(self, day: date) -> Closure | None:
        """The listed closure on a date, full-day closures first."""
        found = [closure for closure in self.closures if closure.day == day]
        found.sort(key=lambda closure: not closure.is_full_day)
        return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which situations triageline answers for the practice."""

    after_hours: bool = True
    lunch: bool = True
    overflow: bool = False
    holidays: bool = True
    office_hours: bool = False


class ContactKind(StrEnum):
    """How a person can be reached."""

    SMS = "sms"
    VOICE = "voice"
    EMAIL = "email"
    PUSH = "push"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class SmsContact:
    """Text messages to an E.164 number."""

    number: str
    kind: ContactKind = field(default=ContactKind.SMS, init=False)


@dataclass(frozen=True, slots=True)
class VoiceContact:
    """Voice calls to an E.164 number."""

    number: str
    kind: ContactKind = field(default=ContactKind.VOICE, init=False)


@dataclass(frozen=True, slots=True)
class EmailContact:
    """E-mail to an address."""

    address: str
    kind: ContactKind = field(default=ContactKind.EMAIL, init=False)


@dataclass(frozen=True, slots=True)
class PushContact:
    """Web push to the browsers the person registered in the portal."""

    kind: ContactKind = field(default=ContactKind.PUSH, init=False)


@dataclass(frozen=True, slots=True)
class WebhookContact:
    """An HTTPS POST to a URL (for a paging system or a chat integration)."""

    url: str
    kind: ContactKind = field(default=ContactKind.WEBHOOK, init=False)


ContactMethod = SmsContact | VoiceContact | EmailContact | PushContact | WebhookContact
"""One way to reach a person; the order in a person's list is the order of preference."""


class ProviderRole(StrEnum):
    """Clinical role of a provider."""

    PHYSICIAN = "physician"
    NURSE_PRACTITIONER = "nurse_practitioner"
    PHYSICIAN_ASSISTANT = "physician_assistant"
    NURSE = "nurse"


class StaffRole(StrEnum):
    """Role of a non-clinical staff member."""

    PRACTICE_MANAGER = "practice_manager"
    FRONT_DESK = "front_desk"
    MEDICAL_ASSISTANT = "medical_assistant"
    BILLING = "billing"


@dataclass(frozen=True, slots=True)
class Provider:
    """A clinician who sees patients and may take call."""

    id: str
    name: str
    role: ProviderRole
    credentials: str
    languages: tuple[Language, ...]
    contacts: tuple[ContactMethod, ...]
    locations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StaffMember:
    """A non-clinical member of the practice team."""

    id: str
    name: str
    role: StaffRole
    languages: tuple[Language, ...]
    contacts: tuple[ContactMethod, ...]


class Situation(StrEnum):
    """The two situations handling is configured for: office open or not."""

    OFFICE_HOURS = "office_hours"
    AFTER_HOURS = "after_hours"


class HandlingAction(StrEnum):
    """What triageline does with a contact of a given urgency."""

    INSTRUCT_911 = "instruct_911"
    INSTRUCT_911_AND_TRANSFER = "instruct_911_and_transfer"
    PAGE_ONCALL = "page_oncall"
    TRANSFER_NURSE_LINE = "transfer_nurse_line"
    TAKE_MESSAGE = "take_message"

    @property
    def transfers(self) -> bool:
        """True for actions that connect the caller to a phone number."""
        return self in (
            HandlingAction.INSTRUCT_911_AND_TRANSFER,
            HandlingAction.TRANSFER_NURSE_LINE,
        )


ALLOWED_ACTIONS: Mapping[TriageLevel, frozenset[HandlingAction]] = {
    TriageLevel.EMERGENCY: frozenset(
        {HandlingAction.INSTRUCT_911, HandlingAction.INSTRUCT_911_AND_TRANSFER}
    ),
    TriageLevel.URGENT: frozenset(
        {
            HandlingAction.PAGE_ONCALL,
            HandlingAction.TRANSFER_NURSE_LINE,
            HandlingAction.TAKE_MESSAGE,
        }
    ),
    TriageLevel.ROUTINE: frozenset({HandlingAction.TAKE_MESSAGE}),
}
"""The actions a practice may choose for each urgency."""


@dataclass(frozen=True, slots=True)
class SituationHandling:
    """The action and caller-facing words for one situation and urgency."""

    action: HandlingAction
    text: LocalizedText
    transfer_to: str | None = None
    callback_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class LevelHandling:
    """Handling of emergency, urgent and routine contacts in one situation."""

    emergency: SituationHandling
    urgent: SituationHandling
    routine: SituationHandling

    def for_level(self, level: TriageLevel) -> SituationHandling:
        """The handling for a triage level; `none` is handled as routine."""
        if level is TriageLevel.EMERGENCY:
            return self.emergency
        if level is TriageLevel.URGENT:
            return self.urgent
        return self.routine


@dataclass(frozen=True, slots=True)
class Handling:
    """Handling per situation (office hours, after hours) and urgency."""

    office_hours: LevelHandling
    after_hours: LevelHandling

    def for_situation(self, situation: Situation, level: TriageLevel) -> SituationHandling:
        """The handling for one situation and urgency."""
        per_level = self.office_hours if situation is Situation.OFFICE_HOURS else self.after_hours
        return per_level.for_level(level)


class FaqTopic(StrEnum):
    """Questions every practice answers."""

    HOURS = "hours"
    LOCATIONS = "locations"
    DIRECTIONS = "directions"
    PARKING = "parking"
    INSURANCE = "insurance"
    FEES = "fees"
    PORTAL = "portal"


@dataclass(frozen=True, slots=True)
class Faq:
    """The practice's answer to one FAQ topic, per language."""

    topic: FaqTopic
    answer: LocalizedText


@dataclass(frozen=True, slots=True)
class Recording:
    """Whether calls are recorded, and the announcement played first."""

    enabled: bool
    announcement: LocalizedText = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MessageQueue:
    """A staff inbox that messages are filed into."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class MessageRouting:
    """Which queue receives messages of each intent."""

    queues: tuple[MessageQueue, ...]
    default_queue: str
    by_intent: Mapping[Intent, str] = field(default_factory=dict)

    def queue_for(self, intent: Intent) -> str:
        """The queue id for an intent, falling back to the default queue."""
        return self.by_intent.get(intent, self.default_queue)


@dataclass(frozen=True, slots=True)
class PracticePhones:
    """The practice's own phone numbers (E.164)."""

    main: str
    nurse_line: str | None = None
    sms: str | None = None
    fax: str | None = None


@dataclass(frozen=True, slots=True)
class Practice:
    """A medical practice as configured; the root of the configuration model.

    `on_call` and `escalation` are built by their section owners' `to_domain()`; `triage`
    and `appointments` carry whatever their sections build (None when a section is absent).
    """

    id: str
    name: str
    specialty: str
    tz: ZoneInfo
    state: str
    phones: PracticePhones
    languages: tuple[Language, ...]
    locations: tuple[Location, ...]
    calendar: HolidayCalendar
    coverage: Coverage
    providers: tuple[Provider, ...]
    staff: tuple[StaffMember, ...]
    handling: Handling
    faqs: tuple[Faq, ...]
    insurance_plans: tuple[str, ...]
    portal_url: str | None
    recording: Recording
    routing: MessageRouting
    retention_years: int
    triage: object | None = None
    on_call: OnCallSchedule | None = None
    escalation: EscalationPolicy | None = None
    appointments: BookingCatalog | None = None

    @property
    def default_language(self) -> Language:
        """The first configured language."""
        return self.languages[0]

    def location(self, location_id: str | None = None) -> Location:
        """A location by id; the first location when `location_id` is None."""
        if location_id is None:
            return self.locations[0]
        for location in self.locations:
            if location.id == location_id:
                return location
        known = ", ".join(location.id for location in self.locations)
        raise UnknownLocationError(f"no location {location_id!r} (known: {known})")

    def faq(self, topic: FaqTopic) -> Faq | None:
        """The configured answer for an FAQ topic, if any."""
        for faq in self.faqs:
            if faq.topic is topic:
                return faq
        return None

    def text(self, texts: LocalizedText, lang: Language) -> str:
        """The text in `lang`, or in the default language when it is missing."""
        return texts.get(lang) or texts.get(self.default_language, "")

    def person(self, person_id: str) -> Provider | StaffMember | None:
        """A provider or staff member by id."""
        for provider in self.providers:
            if provider.id == person_id:
                return provider
        for member in self.staff:
            if member.id == person_id:
                return member
        return None
