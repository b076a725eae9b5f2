"""The `appointments` configuration section and its domain catalog."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from booking_builders import make_request, ny
from pydantic import ValidationError

from triageline.adapters.config.appointments_section import AppointmentsSection, FullDayClosures
from triageline.adapters.config.loader import load_practice
from triageline.domain.booking import BookingCatalog, PatientKind, find_slots
from triageline.domain.practice import Closure, FixedHolidayCalendar
from triageline.domain.triage.types import Language

FIXTURE = Path(__file__).parent / "fixtures" / "appointments.yaml"
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo-practice.yaml"


def load_fixture() -> dict[str, Any]:
    """The fixture section as parsed YAML."""
    data: dict[str, Any] = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    return data


def test_fixture_section_builds_the_catalog() -> None:
    section = AppointmentsSection.model_validate(load_fixture())
    catalog = section.to_domain(providers={"dr-a": ("Dr. A", frozenset({Language.EN}))})
    follow_up = catalog.type("follow-up")
    assert follow_up.duration == timedelta(minutes=20)
    assert follow_up.patient_kinds == frozenset({PatientKind.EXISTING})
    assert follow_up.name(Language.ZH) == "复诊"
    assert catalog.type("physical").name(Language.ES) == "Annual physical"
    dr_a = catalog.template("dr-a")
    assert dr_a.provider_name == "Dr. A"
    assert dr_a.timezone == "America/New_York"
    assert catalog.template("dr-b").timezone == "America/Denver"
    assert len(dr_a.blocks) == 10
    assert dr_a.exceptions[0].blocks == ()


def test_section_catalog_books_around_exception_and_holiday() -> None:
    section = AppointmentsSection.model_validate(load_fixture())
    closures = FixedHolidayCalendar(closures=(Closure(date(2026, 3, 4), "Closed"),))
    catalog = section.to_domain(holidays=FullDayClosures(closures))
    request = make_request("follow-up", provider_id="dr-a")
    slots = find_slots(catalog, request, [], ny(date(2026, 3, 2), 18))
    assert slots[0].start == ny(date(2026, 3, 5), 8)  # Tue away, Wed closed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["types"][0].update(minutes=17), "multiple of 5"),
        (lambda d: d["types"][0].update(colour="red"), "Extra inputs"),
        (lambda d: d["types"][1].update(providers=["dr-x"]), "no availability"),
        (lambda d: d["availability"][0]["weekly"][0].update(end="07:00"), "must be after"),
        (lambda d: d["availability"][0]["weekly"][0].update(start="8:00"), "HH:MM"),
        (lambda d: d["types"][0].update(names={"es": "Consulta"}), "English"),
        (lambda d: d.update(scheduler="fhir"), "fhir"),
        (lambda d: d["availability"][1].update(timezone="Mars/Base"), "time zone"),
        (lambda d: d["availability"][1]["weekly"][0].update(types=["nope"]), "unknown"),
    ],
)
def test_invalid_sections_are_refused(change: Any, message: str) -> None:
    data = load_fixture()
    change(data)
    with pytest.raises(ValidationError, match=message):
        AppointmentsSection.model_validate(data)


def test_demo_practice_appointments_load() -> None:
    practice = load_practice(DEMO)
    catalog = practice.appointments
    assert isinstance(catalog, BookingCatalog)
    assert {t.id for t in catalog.types} >= {"new-patient", "follow-up", "sick", "annual-physical"}
    alvarez = catalog.template("dr-alvarez")
    monday = [b for b in alvarez.blocks if b.weekday == 0]
    assert (monday[0].end, monday[1].start) == (time(12), time(13))  # lunch kept free
