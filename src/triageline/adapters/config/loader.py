"""Load a practice configuration file into the domain `Practice`, reporting every problem."""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from triageline.adapters.config.appointments_section import FullDayClosures
from triageline.adapters.config.holiday_calendar import PackageHolidayCalendar
from triageline.adapters.config.schema import (
    CLOSED,
    ContactConfig,
    LevelHandlingConfig,
    LocationConfig,
    PracticeConfig,
    SituationHandlingConfig,
    cross_field_issues,
)
from triageline.domain.booking import BookingCatalog
from triageline.domain.oncall import OnCallSchedule
from triageline.domain.paging import EscalationPolicy
from triageline.domain.practice import (
    Address,
    Closure,
    ContactKind,
    ContactMethod,
    Coverage,
    EmailContact,
    Faq,
    FaqTopic,
    FixedHolidayCalendar,
    Handling,
    HoursOverride,
    LevelHandling,
    Location,
    MessageQueue,
    MessageRouting,
    Practice,
    PracticePhones,
    Provider,
    PushContact,
    Recording,
    SituationHandling,
    SmsContact,
    StaffMember,
    TimeRange,
    VoiceContact,
    WebhookContact,
    WeeklyHours,
)

DEFAULT_CALLBACK_MINUTES = 30


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a configuration file: which file, which field, and why."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        """`file: path: reason`."""
        return f"{self.file}: {self.path}: {self.reason}"


class ConfigError(Exception):
    """A configuration file is invalid; `issues` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        """Keep the issues; the message is all of them, one per line."""
        super().__init__("\n".join(str(issue) for issue in issues))
        self.issues = issues


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.1 safe loading without base-60 integers, rejecting duplicate keys."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    list("-+0123456789"),
)


def _construct_mapping(loader: _YamlLoader, node: yaml.MappingNode) -> dict[object, object]:
    """Build a mapping, refusing a key that appears twice."""
    loader.flatten_mapping(node)
    mapping: dict[object, object] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_YamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def _yaml_issue(file: str, exc: yaml.YAMLError) -> ConfigIssue:
    """A YAML syntax error with its line and column."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        return ConfigIssue(file, where, f"YAML syntax error: {reason}")
    return ConfigIssue(file, "(file)", f"YAML syntax error: {exc}")


def format_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a field path: `locations[0].hours.mon`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


def _field_names(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model found by walking `loc` down from `model`."""
    current: object = model
    for part in loc:
        while True:
            origin = typing.get_origin(current)
            if origin is typing.Annotated:
                current = typing.get_args(current)[0]
            elif origin in (typing.Union, types.UnionType):
                options = [a for a in typing.get_args(current) if a is not type(None)]
                current = options[0]
            else:
                break
        if isinstance(part, int):
            current = typing.get_args(current)[0] if typing.get_args(current) else None
        elif isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(part)
            current = info.annotation if info is not None else None
        else:
            return []
    while typing.get_origin(current) in (typing.Union, types.UnionType, typing.Annotated):
        args = [a for a in typing.get_args(current) if a is not type(None)]
        current = args[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _reason(error: ErrorDetails) -> str:
    """A short reason for one pydantic error."""
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        allowed = _field_names(PracticeConfig, tuple(error["loc"][:-1]))
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        return f'unknown key "{key}"{hint}'
    if kind == "missing":
        return "required field is missing"
    if kind == "invalid":
        return error["msg"]
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, str | int | float | bool) else ""
    return f"{error['msg']}{shown}"


def load_practice_config(path: Path) -> PracticeConfig:
    """Read, parse and validate a configuration file; raise ConfigError with every issue."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(file, "(file)", f"cannot read: {exc}")]) from exc
    try:
        data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_issue(file, exc)]) from exc
    return config_from_mapping(data, file)


def _on_call(
    config: PracticeConfig, base_dir: Path | None, source_name: str
) -> OnCallSchedule | None:
    """The on-call schedule, in the practice time zone unless the section names its own."""
    if config.on_call is None:
        return None
    try:
        return config.on_call.to_domain(default_timezone=config.timezone, base_dir=base_dir)
    except ValueError as exc:
        raise ConfigError([ConfigIssue(source_name, "on_call", str(exc))]) from exc


def _escalation(config: PracticeConfig, source_name: str) -> EscalationPolicy | None:
    """The escalation policy (paging chains per urgency)."""
    if config.escalation is None:
        return None
    try:
        return config.escalation.to_domain()
    except ValueError as exc:
        raise ConfigError([ConfigIssue(source_name, "escalation", str(exc))]) from exc


def _appointments(
    config: PracticeConfig, calendar: PackageHolidayCalendar, source_name: str
) -> BookingCatalog | None:
    """The booking catalog, with provider names, languages spoken and the practice's holidays."""
    if config.appointments is None:
        return None
    providers = {p.id: (p.name, frozenset(p.languages)) for p in config.providers}
    try:
        return config.appointments.to_domain(config.timezone, providers, FullDayClosures(calendar))
    except ValueError as exc:
        raise ConfigError([ConfigIssue(source_name, "appointments", str(exc))]) from exc


def config_from_mapping(data: object, source_name: str) -> PracticeConfig:
    """Validate already-parsed data (e.g. from the portal); raise ConfigError with every issue."""
    if not isinstance(data, Mapping):
        reason = "the file must be a mapping of keys to values"
        raise ConfigError([ConfigIssue(source_name, "(top level)", reason)])
    try:
        config = PracticeConfig.model_validate(dict(data))
    except ValidationError as exc:
        issues: list[ConfigIssue] = []
        bad_keys: set[str] = set()
        for error in exc.errors():
            path = format_path(tuple(error["loc"]))
            if path in bad_keys:
                continue  # the value under a bad mapping key: the key error says it all
            if error["loc"] and error["loc"][-1] == "[key]":
                bad_keys.add(path)
            issues.append(ConfigIssue(source_name, path, _reason(error)))
        raise ConfigError(issues) from exc
    problems = cross_field_issues(config)
    if problems:
        raise ConfigError([ConfigIssue(source_name, path, reason) for path, reason in problems])
    return config


def practice_from_mapping(data: object, source_name: str, base_dir: Path | None = None) -> Practice:
    """Validate parsed data and build the domain Practice; raise ConfigError on problems.

    `base_dir` resolves relative file references (on-call calendar files).
    """
    return to_practice(config_from_mapping(data, source_name), base_dir, source_name)


def load_practice(path: Path) -> Practice:
    """Load a configuration file as a domain Practice; raise ConfigError on problems."""
    return to_practice(load_practice_config(path), path.parent, str(path))


def _time(text: str) -> time:
    """`HH:MM` as a time."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _range(text: str | None) -> TimeRange | None:
    """`HH:MM-HH:MM` as a TimeRange; `closed` or None as None."""
    if text is None or text == CLOSED:
        return None
    start, end = text.split("-")
    return TimeRange(_time(start), _time(end))


def _location(config: LocationConfig, practice_tz: str) -> Location:
    """A location model as a domain Location."""
    hours = config.hours
    address = config.address
    return Location(
        id=config.id,
        name=config.name,
        address=Address(
            line1=address.line1,
            line2=address.line2,
            city=address.city,
            state=address.state,
            postal_code=address.postal_code,
        ),
        phone=config.phone,
        tz=ZoneInfo(config.timezone or practice_tz),
        hours=WeeklyHours(
            mon=_range(hours.mon),
            tue=_range(hours.tue),
            wed=_range(hours.wed),
            thu=_range(hours.thu),
            fri=_range(hours.fri),
            sat=_range(hours.sat),
            sun=_range(hours.sun),
        ),
        lunch=_range(config.lunch),
        overrides=tuple(
            HoursOverride(day=o.date, hours=_range(o.hours), reason=o.reason)
            for o in config.overrides
        ),
    )


def _contact(config: ContactConfig) -> ContactMethod:
    """A contact model as a domain contact method."""
    target = config.to or ""
    if config.kind is ContactKind.SMS:
        return SmsContact(target)
    if config.kind is ContactKind.VOICE:
        return VoiceContact(target)
    if config.kind is ContactKind.EMAIL:
        return EmailContact(target)
    if config.kind is ContactKind.WEBHOOK:
        return WebhookContact(target)
    return PushContact()


def _situation(config: SituationHandlingConfig, *, urgent: bool) -> SituationHandling:
    """One situation's handling; urgent contacts get a callback promise (default 30 min)."""
    callback = config.callback_minutes
    if callback is None and urgent:
        callback = DEFAULT_CALLBACK_MINUTES
    return SituationHandling(
        action=config.action,
        text=dict(config.text),
        transfer_to=config.transfer_to,
        callback_minutes=callback,
    )


def _levels(config: LevelHandlingConfig) -> LevelHandling:
    """Handling of the three urgencies in one situation."""
    return LevelHandling(
        emergency=_situation(config.emergency, urgent=False),
        urgent=_situation(config.urgent, urgent=True),
        routine=_situation(config.routine, urgent=False),
    )


def _section_domain(section: BaseModel | None) -> object | None:
    """A section's domain object: its `to_domain()` if it has one, else the model itself."""
    if section is None:
        return None
    convert = getattr(section, "to_domain", None)
    if callable(convert):
        result: object = convert()
        return result
    return section


def to_practice(
    config: PracticeConfig, base_dir: Path | None = None, source_name: str = "<config>"
) -> Practice:
    """Build the domain Practice from a validated configuration; ConfigError if it cannot."""
    section = config.holidays
    configured = FixedHolidayCalendar(
        tuple(Closure(day=c.date, name=c.name) for c in section.closures)
        + tuple(
            Closure(day=e.date, name=e.name, closes_at=_time(e.closes_at))
            for e in section.early_closings
        )
    )
    calendar = PackageHolidayCalendar(
        country=section.country,
        subdivision=section.subdivision or config.state,
        observed=frozenset(section.observe),
        configured=configured,
    )
    faqs = tuple(
        Faq(topic=FaqTopic(topic), answer=dict(text))
        for topic, text in config.faqs
        if text is not None
    )
    routing = config.routing
    return Practice(
        id=config.id,
        name=config.name,
        specialty=config.specialty,
        tz=ZoneInfo(config.timezone),
        state=config.state,
        phones=PracticePhones(
            main=config.phones.main,
            nurse_line=config.phones.nurse_line,
            sms=config.phones.sms,
            fax=config.phones.fax,
        ),
        languages=tuple(config.languages),
        locations=tuple(_location(loc, config.timezone) for loc in config.locations),
        calendar=calendar,
        coverage=Coverage(**config.coverage.model_dump()),
        providers=tuple(
            Provider(
                id=p.id,
                name=p.name,
                role=p.role,
                credentials=p.credentials,
                languages=tuple(p.languages),
                contacts=tuple(_contact(c) for c in p.contact),
                locations=tuple(p.locations),
            )
            for p in config.providers
        ),
        staff=tuple(
            StaffMember(
                id=s.id,
                name=s.name,
                role=s.role,
                languages=tuple(s.languages),
                contacts=tuple(_contact(c) for c in s.contact),
            )
            for s in config.staff
        ),
        handling=Handling(
            office_hours=_levels(config.handling.office_hours),
            after_hours=_levels(config.handling.after_hours),
        ),
        faqs=faqs,
        insurance_plans=tuple(config.insurance_plans),
        portal_url=config.portal_url,
        recording=Recording(
            enabled=config.recording.enabled,
            announcement=dict(config.recording.announcement),
        ),
        routing=MessageRouting(
            queues=tuple(MessageQueue(id=q.id, name=q.name) for q in routing.queues),
            default_queue=routing.default_queue,
            by_intent=dict(routing.intents),
        ),
        retention_years=config.retention_years,
        triage=_section_domain(config.triage),
        on_call=_on_call(config, base_dir, source_name),
        escalation=_escalation(config, source_name),
        appointments=_appointments(config, calendar, source_name),
    )
