"""Slot generation and the booking policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from booking_builders import (
    NY,
    make_catalog,
    make_holidays,
    make_request,
    make_template,
    make_type,
    ny,
)

from triageline.domain.booking import (
    AvailabilityException,
    BookingError,
    BookingPolicy,
    DayBlock,
    Ineligibility,
    Occupancy,
    OccupancyKind,
    PatientKind,
    Relaxation,
    Slot,
    TimeOfDay,
    WeeklyBlock,
    check_bookable,
    eligibility,
    find_slots,
    generate_slots,
    occupied_cells,
)
from triageline.domain.triage.types import Language, TriageLevel

SUNDAY = date(2026, 3, 1)
MONDAY = date(2026, 3, 2)
ZONE = ZoneInfo(NY)


def local_times(slots: list[Slot]) -> list[tuple[date, time]]:
    """Slots as New York (date, wall time) pairs."""
    return [(s.start.astimezone(ZONE).date(), s.start.astimezone(ZONE).time()) for s in slots]


def test_weekday_template_generates_slots_around_lunch() -> None:
    catalog = make_catalog()
    kind = catalog.type("follow-up")
    slots = list(
        generate_slots(
            catalog.template("dr-a"), kind, ny(MONDAY, 0), ny(MONDAY, 23), catalog.holidays
        )
    )
    starts = [t for _, t in local_times(slots)]
    assert starts[0] == time(8, 0)
    assert time(11, 40) in starts
    assert not any(time(12, 0) <= t < time(13, 0) for t in starts)  # lunch
    assert starts[-1] == time(16, 40)  # the last 20 minutes fit before 17:00
    assert all(s.end - s.start == timedelta(minutes=20) for s in slots)


def test_long_visit_never_runs_into_lunch() -> None:
    catalog = make_catalog()
    slots = list(
        generate_slots(
            catalog.template("dr-a"),
            catalog.type("physical"),
            ny(MONDAY, 0),
            ny(MONDAY, 23),
            catalog.holidays,
        )
    )
    for slot in slots:
        local_end = slot.end.astimezone(ZONE).time()
        local_start = slot.start.astimezone(ZONE).time()
        assert not (local_start < time(12) < local_end)
    assert time(11, 20) in [t for _, t in local_times(slots)]


def test_spring_forward_keeps_wall_clock_and_skips_missing_hour() -> None:
    night = WeeklyBlock(6, time(1, 0), time(4, 0), "main")  # Sunday 01:00-04:00
    template = make_template(blocks=(night,), step_minutes=30)
    kind = make_type(minutes=30)
    dst_sunday = date(2026, 3, 8)
    slots = list(
        generate_slots(template, kind, ny(dst_sunday, 0), ny(dst_sunday, 23), make_holidays())
    )
    starts = [t for _, t in local_times(slots)]
    assert starts == [time(1, 0), time(1, 30), time(3, 0), time(3, 30)]
    # 01:30 EST + 30 minutes is 03:00 EDT: an absolute duration, not a wall-clock one.
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_office_hours_are_wall_clock_across_dst() -> None:
    catalog = make_catalog()
    kind = catalog.type("follow-up")
    template = catalog.template("dr-a")
    before = next(generate_slots(template, kind, ny(MONDAY, 0), ny(MONDAY, 23), catalog.holidays))
    after_day = date(2026, 3, 9)
    after = next(
        generate_slots(template, kind, ny(after_day, 0), ny(after_day, 23), catalog.holidays)
    )
    assert before.start == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert after.start == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # 08:00 EDT


def test_fall_back_repeated_hour_gives_no_duplicate_slots() -> None:
    night = WeeklyBlock(6, time(0, 0), time(3, 0), "main")
    template = make_template(blocks=(night,), step_minutes=30)
    day = date(2026, 11, 1)
    slots = list(
        generate_slots(template, make_type(minutes=30), ny(day, 0), ny(day, 5), make_holidays())
    )
    assert len({s.start for s in slots}) == len(slots) == 6


def test_holiday_and_exception_days() -> None:
    away = AvailabilityException(MONDAY, ())
    short = AvailabilityException(date(2026, 3, 3), (DayBlock(time(9), time(10), "annex"),))
    catalog = make_catalog(
        templates=(make_template(exceptions=(away, short)),),
        holidays=make_holidays(date(2026, 3, 4)),
    )
    slots = list(
        generate_slots(
            catalog.template("dr-a"),
            catalog.type("follow-up"),
            ny(MONDAY, 0),
            ny(date(2026, 3, 5), 23),
            catalog.holidays,
        )
    )
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(ZONE).date(), []).append(slot)
    assert MONDAY not in by_day
    assert [s.location_id for s in by_day[date(2026, 3, 3)]] == ["annex"] * 3
    assert date(2026, 3, 4) not in by_day
    assert len(by_day[date(2026, 3, 5)]) == 24


def test_sunday_search_offers_mondays_earliest_slot() -> None:
    catalog = make_catalog()
    slots = find_slots(catalog, make_request("follow-up"), [], ny(SUNDAY, 14))
    assert len(slots) == 3
    assert slots[0].start == ny(MONDAY, 8)
    assert {s.provider_id for s in slots} <= {"dr-a", "dr-n"}
    assert slots == sorted(slots, key=lambda s: s.start)


def test_offered_slots_are_spread_out_per_provider() -> None:
    catalog = make_catalog()
    slots = find_slots(catalog, make_request(provider_id="dr-a"), [], ny(SUNDAY, 14))
    starts = [s.start for s in slots]
    assert all(b - a >= timedelta(hours=1) for a, b in pairwise(starts))


def test_lead_time_pushes_new_patient_visits_out() -> None:
    catalog = make_catalog()
    request = make_request("new-patient", kind=PatientKind.NEW)
    slots = find_slots(catalog, request, [], ny(MONDAY, 9))
    assert slots[0].start == ny(date(2026, 3, 3), 9)  # 24 hours after Monday 9:00


def test_daily_limit_per_provider() -> None:
    catalog = make_catalog()
    physical = catalog.type("physical")
    taken = [
        Occupancy("dr-a", ny(MONDAY, 8), ny(MONDAY, 8, 40), physical.id),
        Occupancy("dr-a", ny(MONDAY, 9), ny(MONDAY, 9, 40), physical.id),
    ]
    slots = BookingPolicy().candidates(
        catalog, make_request("physical", provider_id="dr-a"), taken, ny(SUNDAY, 12)
    )
    dr_a_monday = [
        s for s in slots if s.provider_id == "dr-a" and s.start.astimezone(ZONE).date() == MONDAY
    ]
    assert dr_a_monday == []
    assert any(s.provider_id == "dr-n" and s.start == ny(MONDAY, 8) for s in slots)


def test_occupied_time_is_skipped_including_partial_overlap() -> None:
    catalog = make_catalog(templates=(make_template(),))
    taken = [Occupancy("dr-a", ny(MONDAY, 8, 10), ny(MONDAY, 8, 25), "sick", OccupancyKind.HELD)]
    slots = find_slots(catalog, make_request(), taken, ny(SUNDAY, 12))
    assert slots[0].start == ny(MONDAY, 8, 40)


def test_preferred_day_time_and_provider_are_honored() -> None:
    catalog = make_catalog()
    request = make_request(
        weekdays=frozenset({3}), provider_id="dr-n", time_of_day=TimeOfDay.AFTERNOON
    )
    offer = BookingPolicy().offer(catalog, request, [], ny(SUNDAY, 12))
    assert offer.relaxed == ()
    first = offer.slots[0]
    assert first.provider_id == "dr-n"
    assert first.start == ny(date(2026, 3, 5), 13)  # Thursday 1 pm


def test_preference_relaxed_when_nothing_fits_and_reported() -> None:
    catalog = make_catalog()
    request = make_request(weekdays=frozenset({5}))  # Saturday: nobody works
    offer = BookingPolicy().offer(catalog, request, [], ny(SUNDAY, 12))
    assert Relaxation.WEEKDAY in offer.relaxed
    assert offer.slots[0].start == ny(MONDAY, 8)


def test_language_preference_picks_a_provider_who_speaks_it() -> None:
    catalog = make_catalog()
    slots = find_slots(catalog, make_request(language=Language.ZH), [], ny(SUNDAY, 12))
    assert {s.provider_id for s in slots} == {"dr-n"}


def test_urgency_is_sooner_than_routine_preferences() -> None:
    catalog = make_catalog()
    busy_morning = [Occupancy("dr-a", ny(MONDAY, 8), ny(MONDAY, 12), "sick")]
    routine = make_request(
        "sick", kind=PatientKind.EXISTING, provider_id="dr-a", weekdays=frozenset({4})
    )
    urgent = make_request(
        "sick",
        kind=PatientKind.EXISTING,
        provider_id="dr-a",
        weekdays=frozenset({4}),
        urgency=TriageLevel.URGENT,
    )
    now = ny(MONDAY, 7)
    routine_first = find_slots(catalog, routine, busy_morning, now)[0]
    urgent_first = find_slots(catalog, urgent, busy_morning, now)[0]
    assert routine_first.start.astimezone(ZONE).weekday() == 4
    assert urgent_first.start == ny(MONDAY, 8)  # anyone, at once: Dr. Nguyen is free
    assert urgent_first.provider_id == "dr-n"


def test_emergency_is_never_booked() -> None:
    catalog = make_catalog()
    request = make_request("sick", urgency=TriageLevel.EMERGENCY)
    assert eligibility(catalog, request) is Ineligibility.EMERGENCY
    assert find_slots(catalog, request, [], ny(SUNDAY, 12)) == []


@pytest.mark.parametrize(
    ("kind", "insurance", "expected"),
    [
        (PatientKind.NEW, None, Ineligibility.PATIENT_KIND),
        (PatientKind.EXISTING, None, Ineligibility.INSURANCE),
        (PatientKind.EXISTING, "Acme Gold", Ineligibility.INSURANCE),
        (PatientKind.EXISTING, "  blue  shield ", None),
    ],
)
def test_eligibility_rules(kind: PatientKind, insurance: str | None, expected: object) -> None:
    catalog = make_catalog(
        types=(
            make_type(
                "follow-up",
                kinds=frozenset({PatientKind.EXISTING}),
                insurance=frozenset({"Blue Shield"}),
            ),
        )
    )
    request = make_request(kind=kind, insurance=insurance)
    assert eligibility(catalog, request) == expected


def test_check_bookable_refuses_slots_outside_the_rules() -> None:
    catalog = make_catalog()
    request = make_request()
    good = Slot("dr-a", "main", "follow-up", ny(MONDAY, 8), ny(MONDAY, 8, 20))
    lunch = Slot("dr-a", "main", "follow-up", ny(MONDAY, 12), ny(MONDAY, 12, 20))
    past = Slot("dr-a", "main", "follow-up", ny(SUNDAY, 8), ny(SUNDAY, 8, 20))
    now = ny(SUNDAY, 12)
    assert check_bookable(catalog, request, good, [], now) is None
    assert check_bookable(catalog, request, lunch, [], now) is Ineligibility.OUTSIDE_RULES
    assert check_bookable(catalog, request, past, [], now) is Ineligibility.OUTSIDE_RULES


def test_occupied_cells_cover_the_whole_visit() -> None:
    cells = occupied_cells(ny(MONDAY, 8), ny(MONDAY, 8, 20))
    assert cells == tuple(ny(MONDAY, 8, m) for m in (0, 5, 10, 15))
    with pytest.raises(BookingError):
        occupied_cells(ny(MONDAY, 8, 2), ny(MONDAY, 8, 20))


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(BookingError):
        make_type(minutes=17)
    with pytest.raises(BookingError):
        WeeklyBlock(0, time(12), time(9), "main")
    with pytest.raises(BookingError):
        make_template(timezone="Mars/Olympus")
    with pytest.raises(BookingError):
        make_catalog(types=(make_type(providers=frozenset({"dr-x"})),))
