"""The portal's on-call calendar (who is on call, day by day, gaps marked) and override edits.

An override added in the portal becomes a new configuration version: one flow-mapping line is
inserted under ``on_call.overrides`` so the rest of the file (comments included) is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from triageline.domain.oncall import Gap, Layer, OverrideReason, find_gaps, shifts_between
from triageline.domain.practice import Practice

_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ROLE_RE = re.compile(r"^[A-Za-z0-9 _.-]{1,64}$")


class OverrideError(ValueError):
    """The override cannot be added; the message says why."""


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    """One person on call (or a gap) on one day, in the practice's local time."""

    role: str
    layer: Layer
    person: str | None
    start: datetime
    end: datetime

    @property
    def is_gap(self) -> bool:
        """True when nobody covers this interval."""
        return self.person is None


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One local day of the calendar."""

    day: date
    entries: tuple[CalendarEntry, ...]

    @property
    def has_gap(self) -> bool:
        """True when some interval of the day has nobody on call."""
        return any(e.is_gap for e in self.entries)


@dataclass(frozen=True, slots=True)
class OnCallCalendar:
    """The next days of a practice's schedule."""

    timezone: str
    days: tuple[CalendarDay, ...]
    gaps: tuple[Gap, ...]
    roles: tuple[str, ...]
    people: tuple[tuple[str, str], ...]


def people_of(practice: Practice) -> dict[str, str]:
    """Person id -> display name for providers and staff."""
    names = {p.id: p.name for p in practice.providers}
    names.update({s.id: s.name for s in practice.staff})
    return names


def calendar(practice: Practice, now: datetime, days: int = 14) -> OnCallCalendar:
    """Who is on call each local day from today for ``days`` days, gaps included."""
    schedule = practice.on_call
    names = people_of(practice)
    if schedule is None:
        return OnCallCalendar(practice.tz.key, (), (), (), tuple(sorted(names.items())))
    zone = schedule.zone
    today = now.astimezone(zone).date()
    start = datetime(today.year, today.month, today.day, tzinfo=zone)
    end_day = today + timedelta(days=days)
    end = datetime(end_day.year, end_day.month, end_day.day, tzinfo=zone)
    shifts = shifts_between(schedule, start, end)
    gaps = find_gaps(schedule, start, end)
    result: list[CalendarDay] = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        day_start = datetime(day.year, day.month, day.day, tzinfo=zone)
        nxt = day + timedelta(days=1)
        day_end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
        entries: list[CalendarEntry] = []
        for shift in shifts:
            if shift.start < day_end and shift.end > day_start:
                entries.append(
                    CalendarEntry(
                        shift.role,
                        shift.layer,
                        names.get(shift.person, shift.person),
                        max(shift.start, day_start).astimezone(zone),
                        min(shift.end, day_end).astimezone(zone),
                    )
                )
        for gap in gaps:
            if gap.start < day_end and gap.end > day_start:
                entries.append(
                    CalendarEntry(
                        gap.role,
                        gap.layer,
                        None,
                        max(gap.start, day_start).astimezone(zone),
                        min(gap.end, day_end).astimezone(zone),
                    )
                )
        order = list(Layer)
        entries.sort(key=lambda e: (e.role, order.index(e.layer), e.start))
        result.append(CalendarDay(day, tuple(entries)))
    return OnCallCalendar(
        zone.key, tuple(result), tuple(gaps), schedule.roles, tuple(sorted(names.items()))
    )


@dataclass(frozen=True, slots=True)
class OverrideRequest:
    """An override as entered in the portal (local times of the schedule's zone)."""

    role: str
    layer: Layer
    person: str | None
    replaces: str | None
    start: datetime
    end: datetime
    reason: OverrideReason


def override_line(request: OverrideRequest) -> str:
    """The YAML flow mapping for one override (ids and times only, validated first)."""
    if request.end <= request.start:
        raise OverrideError("the end must be after the start")
    for value in (request.person, request.replaces):
        if value is not None and not _ID_RE.match(value):
            raise OverrideError("unknown person")
    if not _ROLE_RE.match(request.role):
        raise OverrideError("unknown role")
    fields = []
    if request.replaces:
        fields.append(f"replaces: {request.replaces}")
    fields.append(f"person: {request.person or 'null'}")
    fields.append(f"start: {request.start.strftime('%Y-%m-%dT%H:%M')}")
    fields.append(f"end: {request.end.strftime('%Y-%m-%dT%H:%M')}")
    fields.append(f"reason: {request.reason.value}")
    fields.append(f'role: "{request.role}"')
    fields.append(f"layer: {request.layer.value}")
    return "{" + ", ".join(fields) + "}"


def add_override(yaml_text: str, request: OverrideRequest) -> str:
    """The configuration text with the override added under ``on_call.overrides``."""
    line = override_line(request)
    lines = yaml_text.splitlines(keepends=True)
    on_call = next(
        (i for i, text in enumerate(lines) if re.match(r"^on_call:\s*(#.*)?$", text)), None
    )
    if on_call is None:
        raise OverrideError("this practice has no on-call schedule to override")
    section_end = len(lines)
    child_indent: int | None = None
    for i in range(on_call + 1, len(lines)):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent = len(text) - len(text.lstrip(" "))
        if indent == 0:
            section_end = i
            break
        if child_indent is None:
            child_indent = indent
    child_indent = child_indent or 2
    key = re.compile(rf"^ {{{child_indent}}}overrides:\s*(#.*)?$")
    header = next((i for i in range(on_call + 1, section_end) if key.match(lines[i])), None)
    if header is None:
        inserted = [
            " " * child_indent + "overrides:\n",
            " " * (child_indent + 2) + f"- {line}\n",
        ]
        at = section_end
        while at > on_call + 1 and not lines[at - 1].strip():
            at -= 1
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        return "".join(lines[:at] + inserted + lines[at:])
    item_indent = child_indent + 2
    block_end = header + 1
    for i in range(header + 1, section_end):
        text = lines[i]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent = len(text) - len(text.lstrip(" "))
        if indent < child_indent or (indent == child_indent and not text.lstrip().startswith("- ")):
            break
        if text.lstrip().startswith("- ") and block_end == header + 1:
            item_indent = indent
        block_end = i + 1
    # Later overrides take precedence, so the new one goes last.
    if block_end > 0 and not lines[block_end - 1].endswith("\n"):
        lines[block_end - 1] += "\n"
    lines.insert(block_end, " " * item_indent + f"- {line}\n")
    return "".join(lines)
