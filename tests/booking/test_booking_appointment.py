"""The Appointment aggregate and identity verification."""

from __future__ import annotations

from datetime import date

import pytest
from booking_builders import make_appointment, make_patient, ny

from triageline.domain.booking import (
    AppointmentStatus,
    BookingError,
    CancelReason,
    IdentityClaim,
    IdentityVerdict,
    IllegalTransitionError,
    Slot,
    allowed_transitions,
    verify_identity,
)

MONDAY = date(2026, 3, 2)
AT = ny(date(2026, 3, 1), 12)


@pytest.mark.parametrize(
    ("name", "born", "phone", "expected"),
    [
        ("Maria Lopez", date(1980, 5, 17), None, IdentityVerdict.VERIFIED),
        ("  maría   LÓPEZ ", date(1980, 5, 17), None, IdentityVerdict.VERIFIED),
        ("Lopez, Maria", date(1980, 5, 17), None, IdentityVerdict.VERIFIED),
        ("Maria Lopez", date(1980, 5, 18), "+15555550123", IdentityVerdict.MISMATCH),
        ("Mario Lopez", date(1980, 5, 17), "+15555550123", IdentityVerdict.MISMATCH),
        ("Maria", date(1980, 5, 17), "+15555550123", IdentityVerdict.MISMATCH),
        (None, None, "+15555550123", IdentityVerdict.INCOMPLETE),
        ("Maria Lopez", None, "+15555550123", IdentityVerdict.INCOMPLETE),
        ("   ", date(1980, 5, 17), "+15555550123", IdentityVerdict.INCOMPLETE),
    ],
)
def test_identity_needs_name_and_birth_date(
    name: str | None, born: date | None, phone: str | None, expected: IdentityVerdict
) -> None:
    claim = IdentityClaim(name=name, birth_date=born, caller_phone=phone)
    assert verify_identity(claim, make_patient()) is expected


def test_caller_id_alone_never_verifies() -> None:
    patient = make_patient()
    claim = IdentityClaim(name=None, birth_date=None, caller_phone=patient.phone)
    assert verify_identity(claim, patient) is not IdentityVerdict.VERIFIED


def test_chinese_name_with_and_without_spaces() -> None:
    patient = make_patient(name="王小明", born=date(1990, 1, 2))
    assert verify_identity(IdentityClaim("王 小明", date(1990, 1, 2)), patient) is (
        IdentityVerdict.VERIFIED
    )
    assert verify_identity(IdentityClaim("王小华", date(1990, 1, 2)), patient) is (
        IdentityVerdict.MISMATCH
    )
    assert verify_identity(IdentityClaim("王小明", date(1990, 1, 2)), patient) is (
        IdentityVerdict.VERIFIED
    )


def test_booked_to_checked_in_to_fulfilled() -> None:
    appt = make_appointment()
    arrived = appt.transition(AppointmentStatus.CHECKED_IN, AT, "staff")
    done = arrived.transition(AppointmentStatus.FULFILLED, AT, "staff")
    assert [c.status for c in done.history] == [
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.FULFILLED,
    ]
    assert done.status.is_final


def test_repeated_transition_is_a_no_op() -> None:
    cancelled = make_appointment().transition(AppointmentStatus.CANCELLED, AT, "caller")
    again = cancelled.transition(AppointmentStatus.CANCELLED, AT, "caller")
    assert again is cancelled
    assert cancelled.cancel_reason is CancelReason.PATIENT


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (AppointmentStatus.CANCELLED, AppointmentStatus.BOOKED),
        (AppointmentStatus.NOSHOW, AppointmentStatus.FULFILLED),
        (AppointmentStatus.FULFILLED, AppointmentStatus.CANCELLED),
        (AppointmentStatus.CHECKED_IN, AppointmentStatus.NOSHOW),
    ],
)
def test_illegal_transitions_raise(start: AppointmentStatus, target: AppointmentStatus) -> None:
    appt = make_appointment()
    if start is not AppointmentStatus.BOOKED:
        path = {
            AppointmentStatus.CANCELLED: [AppointmentStatus.CANCELLED],
            AppointmentStatus.NOSHOW: [AppointmentStatus.NOSHOW],
            AppointmentStatus.FULFILLED: [AppointmentStatus.FULFILLED],
            AppointmentStatus.CHECKED_IN: [AppointmentStatus.CHECKED_IN],
        }[start]
        for step in path:
            appt = appt.transition(step, AT, "staff")
    with pytest.raises(IllegalTransitionError):
        appt.transition(target, AT, "staff")


def test_entered_in_error_reachable_from_anything_but_itself() -> None:
    for status in AppointmentStatus:
        reachable = allowed_transitions(status)
        assert (AppointmentStatus.ENTERED_IN_ERROR in reachable) is (
            status is not AppointmentStatus.ENTERED_IN_ERROR
        )


def test_cancel_reason_only_with_cancel_or_noshow() -> None:
    with pytest.raises(BookingError):
        make_appointment().transition(
            AppointmentStatus.CHECKED_IN, AT, "staff", CancelReason.PATIENT
        )


def test_reschedule_cancels_old_and_links_new() -> None:
    appt = make_appointment()
    slot = Slot("dr-n", "main", "follow-up", ny(MONDAY, 10), ny(MONDAY, 10, 20))
    old, new = appt.reschedule("appt-2", slot, AT, "caller")
    assert old.status is AppointmentStatus.CANCELLED
    assert old.cancel_reason is CancelReason.RESCHEDULED
    assert old.rescheduled_to == "appt-2"
    assert new.status is AppointmentStatus.BOOKED
    assert new.rescheduled_from == appt.id
    assert new.patient == appt.patient
    assert (new.provider_id, new.start) == ("dr-n", ny(MONDAY, 10))
    with pytest.raises(IllegalTransitionError):
        old.reschedule("appt-3", slot, AT, "caller")


def test_confirm_only_when_booked_and_idempotent() -> None:
    appt = make_appointment()
    confirmed = appt.confirm(AT)
    assert confirmed.confirmed_at == AT
    assert confirmed.confirm(ny(MONDAY, 1)).confirmed_at == AT
    with pytest.raises(IllegalTransitionError):
        appt.transition(AppointmentStatus.CANCELLED, AT, "caller").confirm(AT)
