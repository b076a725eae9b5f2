"""FHIR R4 JSON for booking: build, validate (fhir.resources R4B plus our checks), parse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle as FhirBundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement as FhirCapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome as FhirOperationOutcome
from fhir.resources.R4B.parameters import Parameters as FhirParameters
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.schedule import Schedule as FhirSchedule
from fhir.resources.R4B.slot import Slot as FhirSlot
from pydantic import ValidationError

from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    AvailabilityTemplate,
    BookingCatalog,
    PatientIdentity,
    Slot,
)
from triageline.domain.triage.types import Language

JsonObject = dict[str, Any]
"""One FHIR resource as parsed JSON (kept inside the adapter and web layers)."""

FHIR_JSON = "application/fhir+json"
APPOINTMENT_TYPE_SYSTEM = "https://triageline.org/fhir/CodeSystem/appointment-type"
FIND_DEFINITION = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-find"
BOOK_DEFINITION = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/appointment-book"

SLOT_STATUSES = frozenset(
    {"free", "busy", "busy-unavailable", "busy-tentative", "entered-in-error"}
)
APPOINTMENT_STATUSES = frozenset(
    {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    }
)
PARTICIPANT_STATUSES = frozenset({"accepted", "declined", "tentative", "needs-action"})

_MODELS: dict[str, Any] = {
    "Appointment": FhirAppointment,
    "Bundle": FhirBundle,
    "CapabilityStatement": FhirCapabilityStatement,
    "OperationOutcome": FhirOperationOutcome,
    "Parameters": FhirParameters,
    "Patient": FhirPatient,
    "Schedule": FhirSchedule,
    "Slot": FhirSlot,
}


class FhirResourceError(ValueError):
    """A FHIR resource failed validation (structure, codes or invariants)."""


def _check_codes(resource: JsonObject) -> None:
    kind = resource.get("resourceType")
    if kind == "Slot" and resource.get("status") not in SLOT_STATUSES:
        raise FhirResourceError(f"Slot.status {resource.get('status')!r} is not a SlotStatus code")
    if kind == "Appointment":
        status = resource.get("status")
        if status not in APPOINTMENT_STATUSES:
            raise FhirResourceError(f"Appointment.status {status!r} is not an AppointmentStatus")
        has_start, has_end = "start" in resource, "end" in resource
        if has_start != has_end:
            raise FhirResourceError("app-2: start and end go together")
        if not has_start and status not in ("proposed", "cancelled", "waitlist"):
            raise FhirResourceError("app-3: only proposed or cancelled may omit start/end")
        if "cancelationReason" in resource and status not in ("cancelled", "noshow"):
            raise FhirResourceError("app-4: cancelationReason only when cancelled or noshow")
        for participant in resource.get("participant", []):
            if "actor" not in participant and "type" not in participant:
                raise FhirResourceError("app-1: a participant needs a type or an actor")
            if participant.get("status") not in PARTICIPANT_STATUSES:
                raise FhirResourceError("participant status is not a ParticipationStatus code")
    if kind == "Bundle":
        for entry in resource.get("entry", []):
            if "resource" in entry:
                _check_codes(entry["resource"])
    if kind == "Parameters":
        for part in resource.get("parameter", []):
            if "resource" in part:
                _check_codes(part["resource"])


def validate(resource: JsonObject) -> JsonObject:
    """Validate with fhir.resources (R4B) and our code/invariant checks; return the resource."""
    model = _MODELS.get(str(resource.get("resourceType")))
    if model is None:
        raise FhirResourceError(f"unsupported resourceType {resource.get('resourceType')!r}")
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        raise FhirResourceError(str(exc.errors()[0].get("msg", "invalid resource"))) from exc
    _check_codes(resource)
    return resource


def instant(value: datetime) -> str:
    """A FHIR instant (UTC, seconds precision)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: str) -> datetime:
    """Parse a FHIR dateTime/instant with an offset; naive values are refused."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise FhirResourceError(f"{value!r} has no time zone")
    return parsed.astimezone(UTC)


def operation_outcome(code: str, text: str, severity: str = "error") -> JsonObject:
    """An OperationOutcome with one issue."""
    return validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": severity, "code": code, "diagnostics": text}],
        }
    )


def bundle(kind: str, resources: list[JsonObject], base: str = "") -> JsonObject:
    """A Bundle (searchset or collection) of resources."""
    entries: list[JsonObject] = []
    for resource in resources:
        entry: JsonObject = {"resource": resource}
        if base and "id" in resource:
            entry["fullUrl"] = f"{base}/{resource['resourceType']}/{resource['id']}"
        if kind == "searchset":
            entry["search"] = {"mode": "match"}
        entries.append(entry)
    result: JsonObject = {"resourceType": "Bundle", "type": kind, "entry": entries}
    if kind == "searchset":
        result["total"] = len(entries)
    return validate(result)


def schedule_resource(template: AvailabilityTemplate, catalog: BookingCatalog) -> JsonObject:
    """A provider's Schedule."""
    kinds = [k for k in catalog.types if not k.providers or template.provider_id in k.providers]
    return validate(
        {
            "resourceType": "Schedule",
            "id": template.provider_id,
            "active": True,
            "actor": [
                {
                    "reference": f"Practitioner/{template.provider_id}",
                    "display": template.provider_name,
                }
            ],
            "serviceType": [_type_concept(k.id, k.name(Language.EN)) for k in kinds],
            "comment": f"Times in {template.timezone}",
        }
    )


def _type_concept(type_id: str, display: str) -> JsonObject:
    return {"coding": [{"system": APPOINTMENT_TYPE_SYSTEM, "code": type_id, "display": display}]}


def slot_resource(slot: Slot, status: str, catalog: BookingCatalog) -> JsonObject:
    """A Slot of a provider's Schedule with its current status."""
    kind = catalog.type(slot.appointment_type_id)
    return validate(
        {
            "resourceType": "Slot",
            "id": slot.id,
            "schedule": {"reference": f"Schedule/{slot.provider_id}"},
            "status": status,
            "start": instant(slot.start),
            "end": instant(slot.end),
            "appointmentType": _type_concept(kind.id, kind.name(Language.EN)),
            "comment": f"Location {slot.location_id}",
        }
    )


def patient_id(appointment: Appointment) -> str:
    """The minimal Patient's id for an appointment's patient."""
    return f"p-{appointment.id}"


def patient_resource(appointment: Appointment) -> JsonObject:
    """The minimal Patient (name, birth date, phone) of a built-in appointment."""
    patient = appointment.patient
    resource: JsonObject = {
        "resourceType": "Patient",
        "id": patient_id(appointment),
        "name": [{"text": patient.name}],
        "birthDate": patient.birth_date.isoformat(),
    }
    if patient.phone:
        resource["telecom"] = [{"system": "phone", "value": patient.phone, "use": "mobile"}]
    return validate(resource)


def appointment_resource(appointment: Appointment, catalog: BookingCatalog) -> JsonObject:
    """An Appointment with its patient and practitioner participants."""
    kind = catalog.type(appointment.appointment_type_id)
    template = catalog.template(appointment.provider_id)
    accepted = "accepted" if appointment.status is not AppointmentStatus.CANCELLED else "declined"
    resource: JsonObject = {
        "resourceType": "Appointment",
        "id": appointment.id,
        "status": appointment.status.value,
        "appointmentType": _type_concept(kind.id, kind.name(Language.EN)),
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "minutesDuration": int((appointment.end - appointment.start).total_seconds() // 60),
        "slot": [{"reference": f"Slot/{appointment.slot.id}"}],
        "created": instant(appointment.created_at),
        "participant": [
            {
                "actor": {"reference": f"Patient/{patient_id(appointment)}"},
                "required": "required",
                "status": accepted,
            },
            {
                "actor": {
                    "reference": f"Practitioner/{appointment.provider_id}",
                    "display": template.provider_name,
                },
                "required": "required",
                "status": accepted,
            },
        ],
    }
    if appointment.reason:
        resource["description"] = appointment.reason
    if appointment.cancel_reason is not None and appointment.status in (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.NOSHOW,
    ):
        resource["cancelationReason"] = {"text": appointment.cancel_reason.value}
    return validate(resource)


def capability_statement(writable: bool, software_version: str, now: datetime) -> JsonObject:
    """What triageline's FHIR API offers; writes and $book only when ``writable``."""
    read_search = [{"code": "read"}, {"code": "search-type"}]
    appointment_ops: list[JsonObject] = [{"name": "find", "definition": FIND_DEFINITION}]
    appointment_interactions = list(read_search)
    if writable:
        appointment_ops.append({"name": "book", "definition": BOOK_DEFINITION})
    slot_params = [
        {"name": "schedule", "type": "reference"},
        {"name": "start", "type": "date"},
        {"name": "status", "type": "token"},
        {"name": "appointment-type", "type": "token"},
    ]
    return validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": instant(now),
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": [FHIR_JSON],
            "software": {"name": "triageline", "version": software_version},
            "implementation": {"description": "triageline FHIR R4 scheduling API"},
            "rest": [
                {
                    "mode": "server",
                    "security": {"description": "Bearer token required for all but /metadata"},
                    "resource": [
                        {"type": "Schedule", "interaction": read_search},
                        {"type": "Slot", "interaction": read_search, "searchParam": slot_params},
                        {
                            "type": "Appointment",
                            "interaction": appointment_interactions,
                            "operation": appointment_ops,
                        },
                        {"type": "Patient", "interaction": read_search},
                    ],
                }
            ],
        }
    )


def patient_from_resource(resource: JsonObject) -> PatientIdentity:
    """The identity carried by a Patient resource (name text or given+family, birthDate, phone)."""
    validate(resource)
    names = resource.get("name") or []
    name = ""
    if names:
        first = names[0]
        name = first.get("text") or " ".join([*first.get("given", []), first.get("family", "")])
    birth = resource.get("birthDate")
    if not name.strip() or not birth:
        raise FhirResourceError("Patient needs a name and a birthDate")
    phone = next(
        (t.get("value", "") for t in resource.get("telecom", []) if t.get("system") == "phone"),
        "",
    )
    return PatientIdentity(name=name.strip(), birth_date=date.fromisoformat(birth), phone=phone)


def type_code(resource: JsonObject) -> str | None:
    """Our appointment type code from an Appointment's or Slot's appointmentType."""
    for coding in (resource.get("appointmentType") or {}).get("coding", []):
        if coding.get("system") == APPOINTMENT_TYPE_SYSTEM or not coding.get("system"):
            code = coding.get("code")
            if isinstance(code, str):
                return code
    return None
