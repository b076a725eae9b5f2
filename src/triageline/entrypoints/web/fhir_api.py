"""triageline's own FHIR R4 API: Schedule, Slot, Appointment, minimal Patient, $find and $book.

Mounted at ``/fhir/R4``. The backend (scheduler, catalog, clock, tokens) is read from
``app.state.fhir_backend`` (or built once by ``app.state.fhir_backend_provider``, a callable
returning the backend or None); without one every request answers 503. Every resource is validated
with fhir.resources (R4B) plus our own code and invariant checks before it leaves. All reads need
a bearer token (fail closed); only ``/metadata`` is public.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from triageline import __version__
from triageline.adapters.scheduling.core import NOT_VERIFIED, CatalogScheduler
from triageline.adapters.scheduling.fhir_mapping import (
    FHIR_JSON,
    FhirResourceError,
    JsonObject,
    appointment_resource,
    bundle,
    capability_statement,
    operation_outcome,
    parse_instant,
    patient_from_resource,
    patient_resource,
    schedule_resource,
    slot_resource,
    type_code,
    validate,
)
from triageline.domain.booking import (
    Booked,
    BookingError,
    BookingPolicy,
    BookingRequest,
    Cancelled,
    Conflict,
    IdentityClaim,
    IdentityVerdict,
    Occupancy,
    OccupancyKind,
    PatientKind,
    Rejected,
    Slot,
    SlotRequest,
    StaffTask,
    generate_slots,
    parse_slot_id,
    verify_identity,
)

MAX_RANGE = timedelta(days=31)
GRID_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class FhirApiBackend:
    """What the FHIR API serves: the built-in scheduler, the clock and the accepted tokens."""

    scheduler: CatalogScheduler
    clock: Callable[[], datetime]
    tokens: frozenset[str]
    writable: bool = True


class FhirResponse(JSONResponse):
    """JSON with the FHIR media type."""

    media_type = FHIR_JSON


class _ProblemError(Exception):
    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


def _reply(body: JsonObject, status: int = 200) -> FhirResponse:
    return FhirResponse(body, status_code=status)


def _problem(problem: _ProblemError) -> FhirResponse:
    return _reply(operation_outcome(problem.code, problem.text), problem.status)


def _backend(request: Request, *, public: bool = False) -> FhirApiBackend:
    backend = getattr(request.app.state, "fhir_backend", None)
    provider = getattr(request.app.state, "fhir_backend_provider", None)
    if backend is None and callable(provider):
        backend = provider()
        if isinstance(backend, FhirApiBackend):
            request.app.state.fhir_backend = backend
    if not isinstance(backend, FhirApiBackend):
        raise _ProblemError(503, "transient", "FHIR API is not configured")
    if public:
        return backend
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    ok = scheme.lower() == "bearer" and any(
        hmac.compare_digest(token.encode(), known.encode()) for known in backend.tokens
    )
    if not ok:
        raise _ProblemError(401, "login", "a valid bearer token is required")
    return backend


def _guard(handler: Callable[[], FhirResponse]) -> FhirResponse:
    try:
        return handler()
    except _ProblemError as problem:
        return _problem(problem)
    except (FhirResourceError, BookingError, ValueError) as exc:
        return _problem(_ProblemError(400, "invalid", str(exc)))


def _search_instant(value: str) -> datetime:
    if len(value) == 10:  # a plain date means its start, in UTC
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    return parse_instant(value)


def _date_bounds(values: list[str], now: datetime) -> tuple[datetime, datetime]:
    start, end = now, now + timedelta(days=7)
    for value in values:
        prefix, rest = value[:2], value[2:]
        if prefix in ("ge", "gt"):
            start = _search_instant(rest)
        elif prefix in ("lt", "le"):
            end = _search_instant(rest)
        elif prefix == "eq" or value[:1].isdigit():
            day = _search_instant(rest if prefix == "eq" else value)
            start, end = day, day + timedelta(days=1)
        else:
            raise _ProblemError(400, "invalid", f"unsupported date prefix in {value!r}")
    if end <= start or end - start > MAX_RANGE:
        raise _ProblemError(
            400, "too-costly", "the date range must be positive and at most 31 days"
        )
    return start, end


def _slot_status(slot: Slot, occupancy: list[Occupancy]) -> str:
    status = "free"
    for item in occupancy:
        if item.provider_id == slot.provider_id and slot.overlaps(item.start, item.end):
            if item.kind is OccupancyKind.BOOKED:
                return "busy"
            status = "busy-tentative"
    return status


def _ref_id(reference: str, kind: str) -> str:
    prefix = f"{kind}/"
    tail = reference.split("/_history")[0]
    if prefix not in tail:
        raise _ProblemError(400, "invalid", f"expected a {kind} reference, got {reference!r}")
    return tail.rsplit(prefix, 1)[1]


router = APIRouter(tags=["fhir"])


@router.get("/metadata")
def metadata(request: Request) -> FhirResponse:
    """The CapabilityStatement (public)."""

    def run() -> FhirResponse:
        backend = _backend(request, public=True)
        return _reply(capability_statement(backend.writable, __version__, backend.clock()))

    return _guard(run)


@router.get("/Schedule")
def search_schedules(request: Request) -> FhirResponse:
    """Every provider's Schedule (filter: ``actor``)."""

    def run() -> FhirResponse:
        backend = _backend(request)
        catalog = backend.scheduler.catalog
        actor = request.query_params.get("actor")
        found = [
            schedule_resource(t, catalog)
            for t in catalog.templates
            if actor is None or _ref_id(actor, "Practitioner") == t.provider_id
        ]
        return _reply(bundle("searchset", found, str(request.base_url).rstrip("/")))

    return _guard(run)


@router.get("/Schedule/{schedule_id}")
def read_schedule(schedule_id: str, request: Request) -> FhirResponse:
    """One provider's Schedule."""

    def run() -> FhirResponse:
        catalog = _backend(request).scheduler.catalog
        try:
            return _reply(schedule_resource(catalog.template(schedule_id), catalog))
        except BookingError:
            raise _ProblemError(404, "not-found", f"Schedule/{schedule_id} not found") from None

    return _guard(run)


def _slots(
    backend: FhirApiBackend,
    provider_ids: list[str],
    type_ids: list[str] | None,
    start: datetime,
    end: datetime,
) -> list[tuple[Slot, str]]:
    scheduler = backend.scheduler
    catalog = scheduler.catalog
    occupancy = scheduler.occupancy(
        provider_ids, start - timedelta(days=1), end + timedelta(days=1)
    )
    found: list[tuple[Slot, str]] = []
    for provider_id in provider_ids:
        template = catalog.template(provider_id)
        for kind in catalog.types:
            if type_ids is not None and kind.id not in type_ids:
                continue
            if kind.providers and provider_id not in kind.providers:
                continue
            for slot in generate_slots(template, kind, start, end, catalog.holidays):
                found.append((slot, _slot_status(slot, occupancy)))
    found.sort(key=lambda pair: (pair[0].start, pair[0].provider_id, pair[0].appointment_type_id))
    return found


@router.get("/Slot")
def search_slots(request: Request) -> FhirResponse:
    """Slots by ``schedule``, ``start`` (ge/gt/lt/le/eq), ``status`` and ``appointment-type``."""

    def run() -> FhirResponse:
        backend = _backend(request)
        catalog = backend.scheduler.catalog
        params = request.query_params
        start, end = _date_bounds(params.getlist("start"), backend.clock())
        schedules = params.get("schedule")
        providers = (
            [_ref_id(s, "Schedule") for s in schedules.split(",")]
            if schedules
            else [t.provider_id for t in catalog.templates]
        )
        for provider_id in providers:
            try:
                catalog.template(provider_id)
            except BookingError:
                raise _ProblemError(404, "not-found", f"Schedule/{provider_id} not found") from None
        types = params.get("appointment-type")
        type_ids = [t.rsplit("|", 1)[-1] for t in types.split(",")] if types else None
        statuses = set(params.get("status", "").split(",")) - {""}
        pairs = [
            (s, st)
            for s, st in _slots(backend, providers, type_ids, start, end)
            if not statuses or st in statuses
        ]
        count = int(params.get("_count", "500"))
        resources = [slot_resource(s, st, catalog) for s, st in pairs[: max(0, count)]]
        return _reply(bundle("searchset", resources, str(request.base_url).rstrip("/")))

    return _guard(run)


@router.get("/Slot/{slot_id}")
def read_slot(slot_id: str, request: Request) -> FhirResponse:
    """One Slot with its current status."""

    def run() -> FhirResponse:
        backend = _backend(request)
        catalog = backend.scheduler.catalog
        try:
            provider_id, start, type_id = parse_slot_id(slot_id)
            kind = catalog.type(type_id)
            catalog.template(provider_id)
        except BookingError:
            raise _ProblemError(404, "not-found", f"Slot/{slot_id} not found") from None
        for slot, status in _slots(backend, [provider_id], [kind.id], start, start + GRID_STEP):
            if slot.id == slot_id:
                return _reply(slot_resource(slot, status, catalog))
        raise _ProblemError(404, "not-found", f"Slot/{slot_id} not found")

    return _guard(run)


def _read_parameters(raw: bytes) -> dict[str, list[dict[str, Any]]]:
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError as exc:
        raise _ProblemError(400, "structure", "request body is not JSON") from exc
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise _ProblemError(400, "structure", "expected a Parameters resource")
    validate(body)
    params: dict[str, list[dict[str, Any]]] = {}
    for part in body.get("parameter", []):
        params.setdefault(str(part.get("name")), []).append(part)
    return params


def _find(backend: FhirApiBackend, params: dict[str, list[dict[str, Any]]]) -> list[Slot]:
    def value(name: str) -> str | None:
        for part in params.get(name, []):
            for key in ("valueDateTime", "valueDate", "valueString", "valueCode", "valueInstant"):
                if key in part:
                    return str(part[key])
            if "valueCoding" in part:
                return str(part["valueCoding"].get("code"))
            if "valueReference" in part:
                return str(part["valueReference"].get("reference"))
        return None

    start_text, end_text = value("start"), value("end")
    if start_text is None or end_text is None:
        raise _ProblemError(400, "required", "$find needs start and end")
    start, end = parse_instant(start_text), parse_instant(end_text)
    catalog = backend.scheduler.catalog
    type_id = value("visit-type") or catalog.types[0].id
    practitioner = value("practitioner")
    kind_text = value("patient-kind")
    kind = PatientKind(kind_text) if kind_text else _default_kind(backend, type_id)
    request = SlotRequest(type_id, kind)
    wanted = _ref_id(practitioner, "Practitioner") if practitioner else None
    scheduler = backend.scheduler
    catalog = scheduler.catalog
    now = backend.clock()
    occupancy = scheduler.occupancy(
        [t.provider_id for t in catalog.templates], now - timedelta(days=1), end
    )
    pool = BookingPolicy().candidates(catalog, request, occupancy, now)
    return [
        s for s in pool if start <= s.start < end and (wanted is None or s.provider_id == wanted)
    ][:50]


def _default_kind(backend: FhirApiBackend, type_id: str) -> PatientKind:
    try:
        kinds = backend.scheduler.catalog.type(type_id).patient_kinds
    except BookingError:
        return PatientKind.EXISTING
    return PatientKind.EXISTING if PatientKind.EXISTING in kinds else PatientKind.NEW


def _proposed(slot: Slot, backend: FhirApiBackend) -> JsonObject:
    catalog = backend.scheduler.catalog
    resource = slot_resource(slot, "free", catalog)
    return {
        "resourceType": "Appointment",
        "status": "proposed",
        "appointmentType": resource["appointmentType"],
        "start": resource["start"],
        "end": resource["end"],
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "participant": [
            {
                "actor": {
                    "reference": f"Practitioner/{slot.provider_id}",
                    "display": catalog.template(slot.provider_id).provider_name,
                },
                "required": "required",
                "status": "needs-action",
            },
            {"type": [{"text": "patient"}], "required": "required", "status": "needs-action"},
        ],
    }


@router.post("/Appointment/$find")
async def appointment_find(request: Request) -> FhirResponse:
    """IHE ITI-115: free times as proposed Appointments (Parameters in, searchset Bundle out)."""
    raw = await request.body()

    def run() -> FhirResponse:
        backend = _backend(request)
        slots = _find(backend, _read_parameters(raw))
        return _reply(bundle("searchset", [_proposed(s, backend) for s in slots]))

    return _guard(run)


@router.post("/Slot/$find")
async def slot_find(request: Request) -> FhirResponse:
    """Free Slots for the same parameters as Appointment/$find, earliest first."""
    raw = await request.body()

    def run() -> FhirResponse:
        backend = _backend(request)
        slots = _find(backend, _read_parameters(raw))
        catalog = backend.scheduler.catalog
        return _reply(bundle("searchset", [slot_resource(s, "free", catalog) for s in slots]))

    return _guard(run)


@router.post("/Appointment/$book")
async def appointment_book(request: Request) -> FhirResponse:
    """IHE ITI-117: book, move or cancel; conflicts answer 409 with an OperationOutcome."""
    raw = await request.body()

    def run() -> FhirResponse:
        backend = _backend(request)
        if not backend.writable:
            raise _ProblemError(405, "not-supported", "this server does not accept bookings")
        params = _read_parameters(raw)
        appointment = _param_resource(params, "appointment-resource", "Appointment")
        patient_res = _param_resource(params, "patient-resource", "Patient")
        if appointment is None or patient_res is None:
            raise _ProblemError(
                400, "required", "$book needs appointment-resource and patient-resource"
            )
        patient = patient_from_resource(patient_res)
        claim = IdentityClaim(patient.name, patient.birth_date)
        now = backend.clock()
        scheduler = backend.scheduler
        existing_id = appointment.get("id")
        existing = scheduler.get(existing_id) if existing_id else None
        if existing_id and existing is None:
            raise _ProblemError(404, "not-found", f"Appointment/{existing_id} not found")
        if existing is not None and appointment.get("status") == "cancelled":
            cancelled = scheduler.cancel(existing.id, claim, now)
            if isinstance(cancelled, Cancelled):
                return _collection(backend, cancelled.appointment.id)
            raise _ProblemError(422, "business-rule", _rejection(cancelled))
        slot = _slot_of(backend, appointment)
        if existing is not None:
            outcome = scheduler.reschedule(existing.id, claim, slot, now)
        else:
            if appointment.get("status") not in ("pending", "proposed", "booked"):
                raise _ProblemError(400, "invalid", "a new appointment must be pending or proposed")
            kind_text = _param_value(params, "patient-kind")
            kind = (
                PatientKind(kind_text)
                if kind_text
                else _default_kind(backend, slot.appointment_type_id)
            )
            slot_request = SlotRequest(slot.appointment_type_id, kind)
            outcome = scheduler.book(
                BookingRequest(
                    slot, slot_request, patient, str(appointment.get("description", ""))
                ),
                now,
            )
        if isinstance(outcome, Booked):
            return _collection(backend, outcome.appointment.id)
        if isinstance(outcome, Conflict):
            raise _ProblemError(409, "conflict", f"Slot/{slot.id} is no longer free")
        raise _ProblemError(422, "business-rule", _rejection(outcome))

    return _guard(run)


def _rejection(outcome: Rejected | StaffTask) -> str:
    return outcome.reason


def _collection(backend: FhirApiBackend, appointment_id: str) -> FhirResponse:
    stored = backend.scheduler.get(appointment_id)
    if stored is None:
        raise _ProblemError(500, "exception", "booked appointment vanished")
    resource = appointment_resource(stored, backend.scheduler.catalog)
    return _reply(bundle("collection", [resource]))


def _param_resource(
    params: dict[str, list[dict[str, Any]]], name: str, kind: str
) -> JsonObject | None:
    for part in params.get(name, []):
        resource = part.get("resource")
        if isinstance(resource, dict) and resource.get("resourceType") == kind:
            return resource
    return None


def _param_value(params: dict[str, list[dict[str, Any]]], name: str) -> str | None:
    for part in params.get(name, []):
        for key in ("valueCode", "valueString"):
            if key in part:
                return str(part[key])
    return None


def _slot_of(backend: FhirApiBackend, appointment: JsonObject) -> Slot:
    catalog = backend.scheduler.catalog
    for ref in appointment.get("slot", []):
        provider_id, start, type_id = parse_slot_id(_ref_id(str(ref.get("reference")), "Slot"))
        kind = catalog.type(type_id)
        template = catalog.template(provider_id)
        for slot in generate_slots(template, kind, start, start + GRID_STEP, catalog.holidays):
            return slot
        raise _ProblemError(422, "business-rule", "that slot is not in the provider's schedule")
    coded_type = type_code(appointment)
    if coded_type is None or "start" not in appointment:
        raise _ProblemError(400, "required", "give slot[] or appointmentType with start and end")
    start = parse_instant(str(appointment["start"]))
    practitioner = next(
        (
            _ref_id(p["actor"]["reference"], "Practitioner")
            for p in appointment.get("participant", [])
            if "Practitioner/" in str(p.get("actor", {}).get("reference", ""))
        ),
        None,
    )
    if practitioner is None:
        raise _ProblemError(400, "required", "a Practitioner participant is required")
    kind = catalog.type(coded_type)
    template = catalog.template(practitioner)
    for slot in generate_slots(template, kind, start, start + GRID_STEP, catalog.holidays):
        return slot
    raise _ProblemError(422, "business-rule", "that time is not in the provider's schedule")


@router.get("/Appointment")
def search_appointments(request: Request) -> FhirResponse:
    """Appointments by ``date`` (ge/gt/lt/le/eq), ``practitioner``, ``patient`` and ``status``."""

    def run() -> FhirResponse:
        backend = _backend(request)
        params = request.query_params
        start, end = _date_bounds(params.getlist("date"), backend.clock())
        practitioner = params.get("practitioner")
        patient = params.get("patient")
        statuses = set(params.get("status", "").split(",")) - {""}
        found = [
            a
            for a in backend.scheduler.between(start, end)
            if (practitioner is None or _ref_id(practitioner, "Practitioner") == a.provider_id)
            and (patient is None or _ref_id(patient, "Patient") == f"p-{a.id}")
            and (not statuses or a.status.value in statuses)
        ]
        catalog = backend.scheduler.catalog
        resources = [appointment_resource(a, catalog) for a in found]
        return _reply(bundle("searchset", resources, str(request.base_url).rstrip("/")))

    return _guard(run)


@router.get("/Appointment/{appointment_id}")
def read_appointment(appointment_id: str, request: Request) -> FhirResponse:
    """One Appointment."""

    def run() -> FhirResponse:
        backend = _backend(request)
        found = backend.scheduler.get(appointment_id)
        if found is None:
            raise _ProblemError(404, "not-found", f"Appointment/{appointment_id} not found")
        return _reply(appointment_resource(found, backend.scheduler.catalog))

    return _guard(run)


@router.get("/Patient/{patient_id}")
def read_patient(patient_id: str, request: Request) -> FhirResponse:
    """The minimal Patient behind an appointment."""

    def run() -> FhirResponse:
        backend = _backend(request)
        found = (
            backend.scheduler.get(patient_id.removeprefix("p-"))
            if patient_id.startswith("p-")
            else None
        )
        if found is None:
            raise _ProblemError(404, "not-found", f"Patient/{patient_id} not found")
        return _reply(patient_resource(found))

    return _guard(run)


@router.get("/Patient")
def search_patients(request: Request) -> FhirResponse:
    """Patients by ``name`` and ``birthdate`` together (both required: never one alone)."""

    def run() -> FhirResponse:
        backend = _backend(request)
        name = request.query_params.get("name")
        birth = request.query_params.get("birthdate")
        if not name or not birth:
            raise _ProblemError(400, "required", "search Patient by name and birthdate together")
        claim = IdentityClaim(name, date.fromisoformat(birth.removeprefix("eq")))
        now = backend.clock()
        matches = [
            a
            for a in backend.scheduler.find_for_patient(claim, now - timedelta(days=3650))
            if verify_identity(claim, a.patient) is IdentityVerdict.VERIFIED
        ]
        return _reply(bundle("searchset", [patient_resource(a) for a in matches]))

    return _guard(run)


__all__ = ["NOT_VERIFIED", "FhirApiBackend", "router"]
