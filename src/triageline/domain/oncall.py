"""On-call schedules: rotations, overrides, holidays and calendar shifts resolved to who is on call.

Hand-offs happen at local wall-clock times in the schedule's timezone, so a "daily" shift on a
daylight-saving change day lasts 23 or 25 real hours while the hand-off stays at, say, 08:00.
Every instant is compared and every duration computed in UTC.

Precedence, highest first, per role and layer: explicit overrides (later entries win), holiday
cover, imported calendar shifts, rotations (earlier entries win). An override whose `person` is
None means "nobody covers" and leaves a gap on purpose (a vacation without a replacement).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo

__all__ = [
    "CalendarSource",
    "CalendarSourceKind",
    "Gap",
    "GapReport",
    "HolidayCover",
    "Layer",
    "OnCallAssignment",
    "OnCallSchedule",
    "Override",
    "OverrideReason",
    "RoleOnCall",
    "Rotation",
    "ScheduleError",
    "Shift",
    "find_gaps",
    "gap_report",
    "local_datetime",
    "on_call",
    "shifts_between",
]


class ScheduleError(ValueError):
    """A schedule value is inconsistent (naive time, empty rotation, end before start...)."""


class Layer(StrEnum):
    """Who is paged first (primary) and who is paged when the primary does not answer (backup)."""

    PRIMARY = "primary"
    BACKUP = "backup"


class OverrideReason(StrEnum):
    """Why an override replaces the rotation."""

    VACATION = "vacation"
    SWAP = "swap"
    HOLIDAY = "holiday"
    OTHER = "other"


class CalendarSourceKind(StrEnum):
    """Where an imported calendar comes from."""

    FILE = "file"
    URL = "url"
    CALDAV = "caldav"


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ScheduleError(f"{what} must be timezone-aware")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def local_datetime(day: date, at: time, zone: tzinfo) -> datetime:
    """The UTC instant of a local wall-clock time; a skipped time maps forward, a repeated one to
    its first occurrence."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    local = naive.replace(tzinfo=zone, fold=0)
    # A wall-clock time that does not exist (spring forward) is interpreted with the offset in
    # force before the change, which lands it after the change: 02:30 EST == 03:30 EDT.
    return local.astimezone(UTC)


@dataclass(frozen=True)
class Shift:
    """One person (or nobody) holding a role and layer from `start` (inclusive) to `end`."""

    person: str
    role: str
    layer: Layer
    start: datetime
    end: datetime
    source: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, "shift start")
        _require_aware(self.end, "shift end")
        if _utc(self.end) <= _utc(self.start):
            raise ScheduleError("a shift must end after it starts")

    @property
    def duration(self) -> timedelta:
        """Real elapsed time, computed in UTC."""
        return _utc(self.end) - _utc(self.start)

    def covers(self, at: datetime) -> bool:
        """True if `at` falls within [start, end)."""
        return _utc(self.start) <= _utc(at) < _utc(self.end)


@dataclass(frozen=True)
class Rotation:
    """Participants taking turns in one role and layer, handing off every `period_days` days."""

    name: str
    role: str
    layer: Layer
    participants: tuple[str, ...]
    start: date
    handoff: time
    period_days: int = 7
    end: date | None = None

    def __post_init__(self) -> None:
        if not self.participants:
            raise ScheduleError(f"rotation {self.name!r} has no participants")
        if self.period_days < 1:
            raise ScheduleError(f"rotation {self.name!r}: period_days must be at least 1")
        if self.end is not None and self.end <= self.start:
            raise ScheduleError(f"rotation {self.name!r}: end must be after start")

    def handoff_at(self, index: int, zone: tzinfo) -> datetime:
        """UTC instant of the hand-off that begins turn `index` (0 = the rotation's start)."""
        return local_datetime(
            self.start + timedelta(days=index * self.period_days), self.handoff, zone
        )

    def _last_index(self) -> int | None:
        if self.end is None:
            return None
        days = (self.end - self.start).days
        return -(-days // self.period_days) - 1

    def shifts(self, start: datetime, end: datetime, zone: tzinfo) -> list[Shift]:
        """The rotation's turns overlapping [start, end), unclipped, in order."""
        _require_aware(start, "window start")
        _require_aware(end, "window end")
        start_u, end_u = _utc(start), _utc(end)
        local_day = start_u.astimezone(zone).date()
        index = max(0, (local_day - self.start).days // self.period_days - 1)
        last = self._last_index()
        result: list[Shift] = []
        while last is None or index <= last:
            begin = self.handoff_at(index, zone)
            if begin >= end_u:
                break
            finish = self.handoff_at(index + 1, zone)
            if last is not None and index == last and self.end is not None:
                finish = min(finish, local_datetime(self.end, self.handoff, zone))
            if finish > start_u and finish > begin:
                person = self.participants[index % len(self.participants)]
                result.append(Shift(person, self.role, self.layer, begin, finish, self.name))
            index += 1
        return result


@dataclass(frozen=True)
class Override:
    """Replaces whoever is on call in [start, end); `person=None` leaves nobody (a gap).

    `role`/`layer` of None match every role/layer; `replaces` restricts it to the scheduled turns
    (rotation or calendar) of one person (a vacation), otherwise every turn in the window is
    replaced (a swap or cover). When overrides overlap, the later one wins.
    """

    start: datetime
    end: datetime
    person: str | None
    reason: OverrideReason
    role: str | None = None
    layer: Layer | None = None
    replaces: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, "override start")
        _require_aware(self.end, "override end")
        if _utc(self.end) <= _utc(self.start):
            raise ScheduleError("an override must end after it starts")

    def matches(self, role: str, layer: Layer) -> bool:
        """True if this override applies to the role and layer."""
        return (self.role is None or self.role == role) and (
            self.layer is None or self.layer == layer
        )


@dataclass(frozen=True)
class HolidayCover:
    """On a holiday, `person` (or nobody) covers from `starts` local time for one local day."""

    day: date
    name: str
    person: str | None
    role: str | None = None
    layer: Layer | None = Layer.PRIMARY
    starts: time = time(0)

    def as_override(self, zone: tzinfo) -> Override:
        """The holiday as an override spanning the local day (23 or 25 h on a DST day)."""
        return Override(
            start=local_datetime(self.day, self.starts, zone),
            end=local_datetime(self.day + timedelta(days=1), self.starts, zone),
            person=self.person,
            reason=OverrideReason.HOLIDAY,
            role=self.role,
            layer=self.layer,
        )


@dataclass(frozen=True)
class CalendarSource:
    """An iCalendar feed whose events become shifts in one role and layer.

    `location` is an absolute file path, an http(s) URL or a CalDAV server URL. The person of an
    event is found by `person_property` (default: the ATTENDEE e-mail, then SUMMARY) and mapped to
    a practice person id through `people` (calendar value -> person id).
    """

    name: str
    kind: CalendarSourceKind
    location: str
    role: str
    layer: Layer
    people: tuple[tuple[str, str], ...] = ()
    person_property: str | None = None
    calendar: str | None = None
    username: str | None = None
    password_env: str | None = None


@dataclass(frozen=True)
class OnCallSchedule:
    """A practice's on-call schedule in one IANA timezone."""

    timezone: str
    rotations: tuple[Rotation, ...] = ()
    overrides: tuple[Override, ...] = ()
    holidays: tuple[HolidayCover, ...] = ()
    calendar_shifts: tuple[Shift, ...] = ()
    calendar_sources: tuple[CalendarSource, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (KeyError, ValueError) as exc:
            raise ScheduleError(f"unknown timezone {self.timezone!r}") from exc
        object.__setattr__(self, "zone", zone)

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role the schedule knows, in order of first appearance."""
        seen: dict[str, None] = {}
        for rotation in self.rotations:
            seen.setdefault(rotation.role)
        for shift in self.calendar_shifts:
            seen.setdefault(shift.role)
        for source in self.calendar_sources:
            seen.setdefault(source.role)
        for override in self.overrides:
            if override.role is not None:
                seen.setdefault(override.role)
        return tuple(seen)

    def layers_of(self, role: str) -> tuple[Layer, ...]:
        """The layers that some rotation, calendar or shift fills for `role`."""
        found = {r.layer for r in self.rotations if r.role == role}
        found.update(s.layer for s in self.calendar_sources if s.role == role)
        found.update(s.layer for s in self.calendar_shifts if s.role == role)
        return tuple(layer for layer in Layer if layer in found)

    def with_calendar_shifts(self, shifts: Iterable[Shift]) -> OnCallSchedule:
        """A copy with imported calendar shifts added."""
        return replace(self, calendar_shifts=(*self.calendar_shifts, *shifts))

    def with_override(self, override: Override) -> OnCallSchedule:
        """A copy with one more override, effective at once (it wins over earlier ones)."""
        return replace(self, overrides=(*self.overrides, override))


@dataclass(frozen=True)
class RoleOnCall:
    """Primary and backup for one role at one instant (None = nobody)."""

    role: str
    primary: Shift | None
    backup: Shift | None


@dataclass(frozen=True)
class OnCallAssignment:
    """Who is on call at one instant, per role; empty when the schedule has no roles."""

    at: datetime
    roles: tuple[RoleOnCall, ...]

    def for_role(self, role: str) -> RoleOnCall:
        """The entry for `role` (nobody on call if the role is unknown)."""
        for entry in self.roles:
            if entry.role == role:
                return entry
        return RoleOnCall(role, None, None)

    @property
    def is_empty(self) -> bool:
        """True when nobody at all is on call."""
        return all(r.primary is None and r.backup is None for r in self.roles)


@dataclass(frozen=True)
class Gap:
    """An interval [start, end) in which nobody holds the role and layer."""

    role: str
    layer: Layer
    start: datetime
    end: datetime
    cause: str

    @property
    def duration(self) -> timedelta:
        """Real length of the gap, computed in UTC."""
        return _utc(self.end) - _utc(self.start)


@dataclass(frozen=True)
class GapReport:
    """Primary-layer gaps of every role in [start, end): what the practice manager is told daily."""

    start: datetime
    end: datetime
    gaps: tuple[Gap, ...]

    @property
    def has_gaps(self) -> bool:
        """True if any role has an uncovered interval."""
        return bool(self.gaps)


# --- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    """A candidate for one role/layer over [start, end); person None = explicitly nobody."""

    person: str | None
    start: datetime
    end: datetime
    source: str
    replaces: str | None = None


def _base_claims(
    schedule: OnCallSchedule, role: str, layer: Layer, start: datetime, end: datetime
) -> list[list[_Claim]]:
    """Base candidates by priority tier: calendar shifts first, then each rotation."""
    tiers: list[list[_Claim]] = []
    calendar = [
        _Claim(s.person, _utc(s.start), _utc(s.end), s.source or "calendar")
        for s in schedule.calendar_shifts
        if s.role == role and s.layer == layer and s.end > start and s.start < end
    ]
    tiers.append(calendar)
    for rotation in schedule.rotations:
        if rotation.role == role and rotation.layer == layer:
            tiers.append(
                [
                    _Claim(s.person, s.start, s.end, s.source)
                    for s in rotation.shifts(start, end, schedule.zone)
                ]
            )
    return tiers


def _override_claims(
    schedule: OnCallSchedule, role: str, layer: Layer, start: datetime, end: datetime
) -> list[_Claim]:
    """Overrides in ascending priority (holidays first, later explicit overrides last)."""
    overrides = [h.as_override(schedule.zone) for h in schedule.holidays]
    overrides.extend(schedule.overrides)
    return [
        _Claim(o.person, _utc(o.start), _utc(o.end), f"override:{o.reason.value}", o.replaces)
        for o in overrides
        if o.matches(role, layer) and o.end > start and o.start < end
    ]


def _first_covering(claims: Sequence[_Claim], at: datetime) -> _Claim | None:
    for claim in claims:
        if claim.start <= at < claim.end:
            return claim
    return None


def _resolve_at(
    base: Sequence[Sequence[_Claim]], overrides: Sequence[_Claim], at: datetime
) -> _Claim | None:
    """The winning claim at `at` (None: no shift at all)."""
    scheduled: _Claim | None = None
    for tier in base:
        scheduled = _first_covering(tier, at)
        if scheduled is not None:
            break
    winner = scheduled
    for claim in overrides:
        if not claim.start <= at < claim.end:
            continue
        # `replaces` names whose scheduled turn is taken over, whatever earlier overrides did.
        if claim.replaces is None or (scheduled is not None and scheduled.person == claim.replaces):
            winner = claim
    return winner


def _segments(
    schedule: OnCallSchedule, role: str, layer: Layer, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, _Claim | None]]:
    """Consecutive pieces of [start, end) with their winning claim, merged when the same."""
    start_u, end_u = _utc(start), _utc(end)
    if end_u <= start_u:
        return []
    base = _base_claims(schedule, role, layer, start_u, end_u)
    overrides = _override_claims(schedule, role, layer, start_u, end_u)
    cuts = {start_u, end_u}
    for claim in [c for tier in base for c in tier] + overrides:
        for instant in (claim.start, claim.end):
            if start_u < instant < end_u:
                cuts.add(instant)
    points = sorted(cuts)
    pieces: list[tuple[datetime, datetime, _Claim | None]] = []
    for left, right in pairwise(points):
        winner = _resolve_at(base, overrides, left)
        if pieces and pieces[-1][2] == winner and pieces[-1][1] == left:
            pieces[-1] = (pieces[-1][0], right, winner)
        else:
            pieces.append((left, right, winner))
    return pieces


def _check_window(start: datetime, end: datetime) -> None:
    _require_aware(start, "start")
    _require_aware(end, "end")
    if _utc(end) < _utc(start):
        raise ScheduleError("end must not be before start")


def _roles(schedule: OnCallSchedule, role: str | None) -> tuple[str, ...]:
    return schedule.roles if role is None else (role,)


def shifts_between(
    schedule: OnCallSchedule,
    start: datetime,
    end: datetime,
    *,
    role: str | None = None,
    layer: Layer | None = None,
) -> list[Shift]:
    """Effective shifts (after overrides) clipped to [start, end), in UTC, sorted by start."""
    _check_window(start, end)
    layers = tuple(Layer) if layer is None else (layer,)
    result: list[Shift] = []
    for each_role in _roles(schedule, role):
        for each_layer in layers:
            for left, right, claim in _segments(schedule, each_role, each_layer, start, end):
                if claim is not None and claim.person is not None:
                    result.append(
                        Shift(claim.person, each_role, each_layer, left, right, claim.source)
                    )
    order = list(Layer)
    result.sort(key=lambda s: (s.start, s.role, order.index(s.layer)))
    return result


def find_gaps(
    schedule: OnCallSchedule,
    start: datetime,
    end: datetime,
    *,
    role: str | None = None,
    layer: Layer = Layer.PRIMARY,
) -> list[Gap]:
    """Every interval of [start, end) with nobody on call, per role (every role with that layer
    if None)."""
    _check_window(start, end)
    # Without an explicit role, a role that has no such layer at all is not "missing" it.
    roles = (
        _roles(schedule, role)
        if role is not None
        else tuple(r for r in schedule.roles if layer in schedule.layers_of(r))
    )
    gaps: list[Gap] = []
    for each_role in roles:
        for left, right, claim in _segments(schedule, each_role, layer, start, end):
            if claim is None:
                cause = "no rotation or calendar shift"
            elif claim.person is None:
                cause = f"{claim.source.removeprefix('override:')} override without replacement"
            else:
                continue
            if gaps and gaps[-1].role == each_role and gaps[-1].end == left:
                previous = gaps[-1]
                merged_cause = previous.cause if previous.cause == cause else "mixed"
                gaps[-1] = replace(previous, end=right, cause=merged_cause)
            else:
                gaps.append(Gap(each_role, layer, left, right, cause))
    gaps.sort(key=lambda g: (g.start, g.role))
    return gaps


def on_call(schedule: OnCallSchedule, at: datetime) -> OnCallAssignment:
    """Primary and backup per role at instant `at`; the shifts carry their real start and end."""
    _require_aware(at, "at")
    at_u = _utc(at)
    entries: list[RoleOnCall] = []
    for role in schedule.roles:
        found: dict[Layer, Shift | None] = {}
        for layer in Layer:
            found[layer] = _shift_at(schedule, role, layer, at_u)
        entries.append(RoleOnCall(role, found[Layer.PRIMARY], found[Layer.BACKUP]))
    return OnCallAssignment(at_u, tuple(entries))


def _shift_at(schedule: OnCallSchedule, role: str, layer: Layer, at: datetime) -> Shift | None:
    """The effective shift holding `at`, extended to its full (unclipped) span."""
    base = _base_claims(schedule, role, layer, at, at + timedelta(microseconds=1))
    overrides = _override_claims(schedule, role, layer, at, at + timedelta(microseconds=1))
    winner = _resolve_at(base, overrides, at)
    if winner is None or winner.person is None:
        return None
    # Clip to where this claim actually wins: look around it within the claim's own span.
    pieces = _segments(schedule, role, layer, winner.start, winner.end)
    for left, right, claim in pieces:
        if claim == winner and left <= at < right:
            return Shift(winner.person, role, layer, left, right, winner.source)
    return Shift(winner.person, role, layer, winner.start, winner.end, winner.source)


def gap_report(schedule: OnCallSchedule, now: datetime, days: int = 7) -> GapReport:
    """Primary-layer gaps of every role in the next `days` days: the worker's daily notice."""
    _require_aware(now, "now")
    if days < 1:
        raise ScheduleError("days must be at least 1")
    start = _utc(now)
    end = start + timedelta(days=days)
    return GapReport(start, end, tuple(find_gaps(schedule, start, end)))
