"""FHIR R4 scheduler: an EHR's calendar through Slot search and the IHE $find/$book operations.

Capabilities are read from the server's CapabilityStatement once, at start-up. When the EHR
cannot be written to (no ``$book``), or a write fails in a way that leaves the result unknown,
the request becomes a staff task and the outcome says so (:class:`StaffTask`); nothing is ever
reported as booked unless the server returned the appointment with status ``booked``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from triageline.adapters.scheduling.core import NOT_VERIFIED
from triageline.adapters.scheduling.fhir_mapping import (
    FHIR_JSON,
    FhirResourceError,
    JsonObject,
    instant,
    parse_instant,
    patient_from_resource,
    type_code,
    validate,
)
from triageline.domain.booking import (
    Appointment,
    AppointmentStatus,
    Booked,
    BookingCatalog,
    BookingError,
    BookingOutcome,
    BookingPolicy,
    BookingRequest,
    Cancelled,
    CancelOutcome,
    CancelReason,
    Conflict,
    IdentityClaim,
    IdentityVerdict,
    Occupancy,
    OccupancyKind,
    PatientIdentity,
    PatientKind,
    Rejected,
    Slot,
    SlotOffer,
    SlotRequest,
    StaffTask,
    StatusChange,
    eligibility,
    verify_identity,
)
from triageline.services.ports_scheduling import SchedulerCapabilities, StaffTaskQueue

READ_ONLY = "the practice's EHR does not accept online bookings; staff will book and call back"
UNCERTAIN = "the EHR did not confirm the booking; staff will check and call back"


def _operations(resource: JsonObject) -> set[str]:
    names: set[str] = set()
    for op in resource.get("operation", []):
        names.add(str(op.get("name", "")).lstrip("$"))
        definition = str(op.get("definition", ""))
        for known in ("find", "book", "hold"):
            if definition.endswith(f"appointment-{known}") or definition.endswith(f"-{known}"):
                names.add(known)
    return names


def read_capabilities(statement: JsonObject) -> SchedulerCapabilities:
    """What a FHIR server can do for scheduling, from its CapabilityStatement."""
    resources: dict[str, JsonObject] = {}
    for rest in statement.get("rest", []):
        if rest.get("mode", "server") != "server":
            continue
        for resource in rest.get("resource", []):
            resources[str(resource.get("type"))] = resource
    appointment = resources.get("Appointment", {})
    slot = resources.get("Slot", {})
    ops = _operations(appointment) | _operations(slot)
    slot_search = any(i.get("code") == "search-type" for i in slot.get("interaction", []))
    can_book = "book" in ops
    detail = ", ".join(sorted(ops)) or "no operations"
    return SchedulerCapabilities(
        can_search=slot_search or "find" in ops,
        can_book=can_book,
        can_cancel=can_book,
        can_reschedule=can_book,
        backend="fhir",
        detail=f"operations: {detail}",
    )


class FhirScheduler:
    """The Scheduler port over a FHIR R4 server (httpx client with base URL and auth set)."""

    def __init__(
        self,
        client: httpx.Client,
        catalog: BookingCatalog,
        staff_tasks: StaffTaskQueue,
        policy: BookingPolicy | None = None,
    ) -> None:
        """Detect the server's capabilities now (start-up); unreachable servers can't write."""
        self._client = client
        self._catalog = catalog
        self._tasks = staff_tasks
        self._policy = policy or BookingPolicy()
        self._ops: set[str] = set()
        self._slot_refs: dict[tuple[str, datetime, str], str] = {}
        try:
            statement = self._get_json("metadata")
            self._caps = read_capabilities(statement)
            for rest in statement.get("rest", []):
                for resource in rest.get("resource", []):
                    if resource.get("type") in ("Appointment", "Slot"):
                        self._ops |= _operations(resource)
        except (httpx.HTTPError, FhirResourceError, ValueError) as exc:
            self._caps = SchedulerCapabilities(
                False, False, False, False, "fhir", f"unreachable: {type(exc).__name__}"
            )

    def capabilities(self) -> SchedulerCapabilities:
        """What the EHR can do (detected at start-up)."""
        return self._caps

    def _get_json(self, path: str, params: Any = None) -> JsonObject:
        response = self._client.get(path, params=params, headers={"Accept": FHIR_JSON})
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise FhirResourceError("expected a JSON object")
        return validate(body)

    def _post(self, path: str, body: JsonObject) -> httpx.Response:
        return self._client.post(
            path,
            content=httpx.Request("POST", "/", json=validate(body)).content,
            headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
        )

    # --- search ------------------------------------------------------------------------------

    def _slot_from(self, resource: JsonObject, type_id: str) -> Slot | None:
        schedule = str(resource.get("schedule", {}).get("reference", ""))
        provider_id = schedule.rsplit("/", 1)[-1]
        try:
            self._catalog.template(provider_id)
            slot = Slot(
                provider_id,
                "ehr",
                type_code(resource) or type_id,
                parse_instant(str(resource["start"])),
                parse_instant(str(resource["end"])),
            )
        except (BookingError, KeyError, ValueError):
            return None
        if "id" in resource:
            self._slot_refs[(slot.provider_id, slot.start, slot.appointment_type_id)] = (
                f"Slot/{resource['id']}"
            )
        return slot

    def _free_slots(self, request: SlotRequest, start: datetime, end: datetime) -> list[Slot]:
        type_id = request.appointment_type_id
        found: list[Slot] = []
        if "find" in self._ops:
            params: JsonObject = {
                "resourceType": "Parameters",
                "parameter": [
                    {"name": "start", "valueDateTime": instant(start)},
                    {"name": "end", "valueDateTime": instant(end)},
                    {"name": "visit-type", "valueCoding": {"code": type_id}},
                    {"name": "patient-kind", "valueCode": request.patient_kind.value},
                ],
            }
            response = self._post("Appointment/$find", params)
            response.raise_for_status()
            for entry in validate(response.json()).get("entry", []):
                appt = entry.get("resource", {})
                practitioner = next(
                    (
                        str(p["actor"]["reference"]).rsplit("/", 1)[-1]
                        for p in appt.get("participant", [])
                        if "Practitioner/" in str(p.get("actor", {}).get("reference", ""))
                    ),
                    "",
                )
                slot_ref = next((s.get("reference") for s in appt.get("slot", [])), None)
                as_slot: JsonObject = {
                    "schedule": {"reference": f"Schedule/{practitioner}"},
                    "start": appt.get("start"),
                    "end": appt.get("end"),
                    "appointmentType": appt.get("appointmentType"),
                }
                if slot_ref:
                    as_slot["id"] = str(slot_ref).rsplit("/", 1)[-1]
                slot = self._slot_from(as_slot, type_id)
                if slot is not None:
                    found.append(slot)
            return found
        bundle = self._get_json(
            "Slot",
            [
                ("status", "free"),
                ("start", f"ge{instant(start)}"),
                ("start", f"lt{instant(end)}"),
                ("appointment-type", type_id),
            ],
        )
        for entry in bundle.get("entry", []):
            slot = self._slot_from(entry.get("resource", {}), type_id)
            if slot is not None:
                found.append(slot)
        return found

    def search(self, request: SlotRequest, now: datetime) -> SlotOffer:
        """Up to three of the EHR's free slots, chosen by the same policy as the built-in one."""
        if not self._caps.can_search or eligibility(self._catalog, request) is not None:
            return SlotOffer(())
        kind = self._catalog.type(request.appointment_type_id)
        start = now + kind.lead_time
        end = now + min(kind.horizon, timedelta(days=31))
        try:
            pool = self._free_slots(request, start, end)
        except (httpx.HTTPError, FhirResourceError, ValueError):
            return SlotOffer(())
        pool = [s for s in pool if s.start >= start and s.appointment_type_id == kind.id]
        return self._policy.choose(self._catalog, request, pool)

    def occupancy(
        self, provider_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[Occupancy]:
        """Busy and tentatively busy Slots of these providers."""
        bundle = self._get_json(
            "Slot",
            [
                ("status", "busy,busy-tentative"),
                ("start", f"ge{instant(start)}"),
                ("start", f"lt{instant(end)}"),
                ("schedule", ",".join(f"Schedule/{p}" for p in provider_ids)),
            ],
        )
        result: list[Occupancy] = []
        for entry in bundle.get("entry", []):
            resource = entry.get("resource", {})
            slot = self._slot_from(resource, "")
            if slot is None:
                continue
            kind = (
                OccupancyKind.HELD
                if resource.get("status") == "busy-tentative"
                else OccupancyKind.BOOKED
            )
            result.append(
                Occupancy(slot.provider_id, slot.start, slot.end, slot.appointment_type_id, kind)
            )
        return result

    # --- writes ------------------------------------------------------------------------------

    def _appointment_param(self, slot: Slot, status: str, appointment_id: str | None) -> JsonObject:
        resource: JsonObject = {
            "resourceType": "Appointment",
            "status": status,
            "start": instant(slot.start),
            "end": instant(slot.end),
            "appointmentType": {"coding": [{"code": slot.appointment_type_id}]},
            "participant": [
                {
                    "actor": {"reference": f"Practitioner/{slot.provider_id}"},
                    "required": "required",
                    "status": "needs-action",
                }
            ],
        }
        ref = self._slot_refs.get((slot.provider_id, slot.start, slot.appointment_type_id))
        if ref is None and "find" not in self._ops:
            ref = f"Slot/{slot.id}"
        if ref is not None:
            resource["slot"] = [{"reference": ref}]
        if appointment_id is not None:
            resource["id"] = appointment_id
        return {"name": "appointment-resource", "resource": resource}

    @staticmethod
    def _patient_param(patient: PatientIdentity) -> JsonObject:
        resource: JsonObject = {
            "resourceType": "Patient",
            "name": [{"text": patient.name}],
            "birthDate": patient.birth_date.isoformat(),
        }
        if patient.phone:
            resource["telecom"] = [{"system": "phone", "value": patient.phone}]
        return {"name": "patient-resource", "resource": resource}

    def _book_call(
        self, parameters: list[JsonObject], slot: Slot, request: SlotRequest, now: datetime
    ) -> BookingOutcome | JsonObject:
        try:
            response = self._post(
                "Appointment/$book", {"resourceType": "Parameters", "parameter": parameters}
            )
        except httpx.HTTPError:
            return StaffTask("", UNCERTAIN, slot)
        if response.status_code == 409:
            return Conflict(slot, self.search(request, now).slots)
        if 400 <= response.status_code < 500:
            return Rejected(_diagnostics(response))
        if response.status_code >= 300:
            return StaffTask("", UNCERTAIN, slot)
        try:
            body = validate(response.json())
        except (FhirResourceError, ValueError):
            return StaffTask("", UNCERTAIN, slot)
        for entry in body.get("entry", []):
            resource = entry.get("resource", {})
            if resource.get("resourceType") == "Appointment":
                return validate(resource)
        return StaffTask("", UNCERTAIN, slot)

    def _to_task(self, outcome: StaffTask, booking: BookingRequest, now: datetime) -> StaffTask:
        task_id = self._tasks.create_booking_task(booking, outcome.reason, now)
        return StaffTask(task_id, outcome.reason, booking.slot)

    def _write(self, booking: BookingRequest, now: datetime, status: str) -> BookingOutcome:
        reason = eligibility(self._catalog, booking.request)
        if reason is not None:
            return Rejected(reason.value)
        if not self._caps.can_book:
            return self._to_task(StaffTask("", READ_ONLY, booking.slot), booking, now)
        parameters = [
            self._appointment_param(booking.slot, status, None),
            self._patient_param(booking.patient),
            {"name": "patient-kind", "valueCode": booking.request.patient_kind.value},
        ]
        result = self._book_call(parameters, booking.slot, booking.request, now)
        if isinstance(result, StaffTask):
            return self._to_task(result, booking, now)
        if not isinstance(result, dict):
            return result
        appointment = self._from_resource(result, booking.patient, booking.request, now)
        if appointment is None or appointment.status not in (
            AppointmentStatus.BOOKED,
            AppointmentStatus.PENDING,
        ):
            return self._to_task(StaffTask("", UNCERTAIN, booking.slot), booking, now)
        return Booked(appointment)

    def hold(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Book as pending (IHE $book with a pending Appointment)."""
        return self._write(booking, now, "pending")

    def book(self, booking: BookingRequest, now: datetime) -> BookingOutcome:
        """Book through $book, or hand the booking to staff when the EHR can't be written."""
        return self._write(booking, now, "pending")

    def confirm_hold(self, appointment_id: str, now: datetime) -> BookingOutcome:
        """IHE $book already books; report the EHR's current record truthfully."""
        found = self.get(appointment_id)
        if found is None:
            return Rejected("no such hold")
        if found.status is AppointmentStatus.BOOKED:
            return Booked(found)
        task = self._tasks.create_change_task(appointment_id, "confirm hold", found.slot, now)
        return StaffTask(task, UNCERTAIN, found.slot)

    def _verified(self, appointment_id: str, claim: IdentityClaim) -> Appointment | None:
        found = self.get(appointment_id)
        if found is None:
            return None
        if verify_identity(claim, found.patient) is not IdentityVerdict.VERIFIED:
            return None
        return found

    def reschedule(
        self, appointment_id: str, claim: IdentityClaim, slot: Slot, now: datetime
    ) -> BookingOutcome:
        """Move a verified patient's appointment via $book (or a staff task when read-only)."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        if not self._caps.can_reschedule:
            task = self._tasks.create_change_task(appointment_id, "reschedule", slot, now)
            return StaffTask(task, READ_ONLY, slot)
        request = SlotRequest(slot.appointment_type_id, current.patient_kind)
        parameters = [
            self._appointment_param(slot, "pending", appointment_id),
            self._patient_param(current.patient),
        ]
        result = self._book_call(parameters, slot, request, now)
        if isinstance(result, StaffTask):
            task = self._tasks.create_change_task(appointment_id, "reschedule", slot, now)
            return StaffTask(task, result.reason, slot)
        if not isinstance(result, dict):
            return result
        moved = self._from_resource(result, current.patient, request, now)
        if moved is None or moved.status is not AppointmentStatus.BOOKED:
            task = self._tasks.create_change_task(appointment_id, "reschedule", slot, now)
            return StaffTask(task, UNCERTAIN, slot)
        return Booked(moved)

    def cancel(
        self,
        appointment_id: str,
        claim: IdentityClaim,
        now: datetime,
        reason: CancelReason = CancelReason.PATIENT,
    ) -> CancelOutcome:
        """Cancel a verified patient's appointment via $book (or a staff task when read-only)."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        if not self._caps.can_cancel:
            task = self._tasks.create_change_task(appointment_id, "cancel", None, now)
            return StaffTask(task, READ_ONLY)
        appointment = self._appointment_param(current.slot, "cancelled", appointment_id)
        parameters = [appointment, self._patient_param(current.patient)]
        request = SlotRequest(current.appointment_type_id, current.patient_kind)
        result = self._book_call(parameters, current.slot, request, now)
        if isinstance(result, dict) and result.get("status") == "cancelled":
            cancelled = self._from_resource(result, current.patient, request, now)
            if cancelled is not None:
                return Cancelled(cancelled)
        if isinstance(result, Rejected):
            return result
        task = self._tasks.create_change_task(appointment_id, "cancel", None, now)
        return StaffTask(task, UNCERTAIN)

    def confirm(self, appointment_id: str, claim: IdentityClaim, now: datetime) -> BookingOutcome:
        """Confirmation is recorded locally only after the EHR shows the appointment booked."""
        current = self._verified(appointment_id, claim)
        if current is None:
            return Rejected(NOT_VERIFIED)
        if current.status is not AppointmentStatus.BOOKED:
            return Rejected(f"appointment is {current.status.value}")
        return Booked(current.confirm(now))

    # --- reads -------------------------------------------------------------------------------

    def _patient(self, reference: str) -> PatientIdentity | None:
        try:
            return patient_from_resource(self._get_json(reference))
        except (httpx.HTTPError, FhirResourceError, ValueError):
            return None

    def _from_resource(
        self,
        resource: JsonObject,
        patient: PatientIdentity | None,
        request: SlotRequest | None,
        now: datetime | None,
    ) -> Appointment | None:
        try:
            status = AppointmentStatus(str(resource.get("status")))
            start = parse_instant(str(resource["start"]))
            end = parse_instant(str(resource["end"]))
        except (KeyError, ValueError):
            return None
        practitioner = ""
        for participant in resource.get("participant", []):
            reference = str(participant.get("actor", {}).get("reference", ""))
            if "Practitioner/" in reference:
                practitioner = reference.rsplit("/", 1)[-1]
            elif "Patient/" in reference and patient is None:
                patient = self._patient(reference)
        if patient is None or not practitioner or "id" not in resource:
            return None
        type_id = type_code(resource) or (request.appointment_type_id if request else "")
        kind = request.patient_kind if request else PatientKind.EXISTING
        created = resource.get("created")
        created_at = parse_instant(str(created)) if created else (now or start)
        try:
            return Appointment(
                id=str(resource["id"]),
                appointment_type_id=type_id,
                provider_id=practitioner,
                location_id="ehr",
                start=start,
                end=end,
                patient=patient,
                patient_kind=kind,
                status=status,
                created_at=created_at,
                reason=str(resource.get("description", "")),
                history=(StatusChange(status, created_at, "ehr"),),
            )
        except BookingError:
            return None

    def find_for_patient(self, claim: IdentityClaim, now: datetime) -> list[Appointment]:
        """Upcoming appointments of a verified patient (Patient search by name and birthdate)."""
        if not claim.name or claim.birth_date is None:
            return []
        try:
            patients = self._get_json(
                "Patient", {"name": claim.name, "birthdate": claim.birth_date.isoformat()}
            )
        except (httpx.HTTPError, FhirResourceError, ValueError):
            return []
        found: list[Appointment] = []
        for entry in patients.get("entry", []):
            resource = entry.get("resource", {})
            try:
                identity = patient_from_resource(resource)
            except (FhirResourceError, ValueError):
                continue
            if verify_identity(claim, identity) is not IdentityVerdict.VERIFIED:
                continue
            bundle = self._get_json(
                "Appointment",
                [
                    ("patient", f"Patient/{resource['id']}"),
                    ("date", f"ge{instant(now)}"),
                    ("date", f"lt{instant(now + timedelta(days=31))}"),
                ],
            )
            for appt_entry in bundle.get("entry", []):
                appt = self._from_resource(appt_entry.get("resource", {}), identity, None, now)
                if appt is not None and appt.status in (
                    AppointmentStatus.BOOKED,
                    AppointmentStatus.PENDING,
                ):
                    found.append(appt)
        return sorted({a.id: a for a in found}.values(), key=lambda a: a.start)

    def get(self, appointment_id: str) -> Appointment | None:
        """One appointment from the EHR, with its patient."""
        try:
            resource = self._get_json(f"Appointment/{appointment_id}")
        except (httpx.HTTPError, FhirResourceError, ValueError):
            return None
        return self._from_resource(resource, None, None, None)


def _diagnostics(response: httpx.Response) -> str:
    try:
        body = response.json()
        return str(body["issue"][0].get("diagnostics", f"HTTP {response.status_code}"))
    except (ValueError, KeyError, IndexError, TypeError):
        return f"HTTP {response.status_code}"


__all__ = ["READ_ONLY", "UNCERTAIN", "FhirScheduler", "read_capabilities"]
