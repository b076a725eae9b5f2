"""Wire appointments: a scheduler per practice, the booking desk and triageline's FHIR API backend.

A practice with an ``appointments`` section books on the built-in SQL calendar unless the section
says ``scheduler: fhir``; then the EHR's FHIR R4 API is used and its capabilities are read once,
when the scheduler is built (at start-up, or when a practice's configuration changes). An EHR
that cannot be written to turns bookings into staff tasks in the practice's inbox.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx
from sqlalchemy.exc import SQLAlchemyError

from triageline.adapters.notify.twilio_notifier import TwilioSettings
from triageline.adapters.scheduling.core import CatalogScheduler
from triageline.adapters.scheduling.fhir import FhirScheduler
from triageline.adapters.scheduling.reminder_sms import TwilioTextSender, UnconfiguredTextSender
from triageline.adapters.scheduling.reminder_store import SqlReminderStore
from triageline.adapters.scheduling.sql import sql_scheduler
from triageline.bootstrap import Container
from triageline.domain.audit import AuditEntry
from triageline.domain.booking import SchedulerKind
from triageline.domain.practice import Practice
from triageline.domain.triage.types import Language, TriageResult
from triageline.entrypoints.web.fhir_api import FhirApiBackend
from triageline.services.booking_desk import BookingDesk
from triageline.services.booking_tasks import InboxStaffTasks
from triageline.services.calls_ports import Clock, TriageFn
from triageline.services.ports_scheduling import Scheduler
from triageline.services.reminders import AppointmentCalendar, ReminderService, TextSender

log = logging.getLogger("triageline.booking")

FHIR_TOKENS_ENV = "TRIAGELINE_FHIR_TOKENS"
"""Comma-separated bearer tokens accepted by ``/fhir/R4`` (none set: every read answers 401)."""
FHIR_PRACTICE_ENV = "TRIAGELINE_FHIR_PRACTICE"
"""Which practice ``/fhir/R4`` serves (default: the first practice on the built-in calendar)."""
FHIR_TIMEOUT_S = 10.0

HttpClientFactory = Callable[[str, str], httpx.Client]
"""Builds the HTTP client for an EHR: (base URL, bearer token) -> client."""


def ehr_client(base_url: str, token: str) -> httpx.Client:
    """An httpx client for an EHR's FHIR base URL with the bearer token set."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/", headers=headers, timeout=FHIR_TIMEOUT_S
    )


def build_scheduler(
    container: Container,
    practice: Practice,
    *,
    environ: Mapping[str, str] | None = None,
    http_client: HttpClientFactory = ehr_client,
) -> Scheduler | None:
    """The scheduler a practice books on (None when it has no appointments section)."""
    catalog = practice.appointments
    if catalog is None:
        return None
    source = catalog.calendar
    if source.kind is SchedulerKind.FHIR and source.fhir_base_url:
        env = os.environ if environ is None else environ
        token = env.get(source.fhir_token_env or "", "")
        tasks = InboxStaffTasks(container.uow_factory, practice)
        scheduler = FhirScheduler(http_client(source.fhir_base_url, token), catalog, tasks)
        caps = scheduler.capabilities()
        log.info(
            "EHR scheduler capabilities",
            extra={
                "practice": practice.id,
                "can_book": caps.can_book,
                "can_search": caps.can_search,
                "detail": caps.detail,
            },
        )
        return scheduler
    return sql_scheduler(container.session_factory, container.keyring, practice.id, catalog)


class PracticeSchedulers:
    """The SchedulerLookup over the live practice directory, rebuilt when a catalog changes."""

    def __init__(
        self,
        practice: Callable[[str], Practice | None],
        build: Callable[[Practice], Scheduler | None],
    ) -> None:
        """Look practices up with ``practice``; make their schedulers with ``build``."""
        self._practice = practice
        self._build = build
        self._cache: dict[str, tuple[object, Scheduler | None]] = {}
        self._lock = threading.Lock()

    def scheduler_for(self, practice_id: str) -> Scheduler | None:
        """The practice's scheduler (built on first use and when its appointments change)."""
        practice = self._practice(practice_id)
        if practice is None or practice.appointments is None:
            return None
        with self._lock:
            cached = self._cache.get(practice_id)
            if cached is not None and cached[0] is practice.appointments:
                return cached[1]
            scheduler = self._build(practice)
            self._cache[practice_id] = (practice.appointments, scheduler)
            return scheduler

    def warm(self, practice_ids: Sequence[str]) -> None:
        """Build every practice's scheduler now (capability detection at start-up)."""
        for practice_id in practice_ids:
            self.scheduler_for(practice_id)


@dataclass(frozen=True, slots=True)
class Booking:
    """What the web app needs for appointments: the desk, the schedulers and the FHIR API set-up."""

    desk: BookingDesk
    schedulers: PracticeSchedulers
    fhir_tokens: frozenset[str] = frozenset()
    fhir_practice: str | None = None
    reminders: ReminderService | None = None

    def warm(self, practice_ids: Callable[[], Sequence[str]]) -> None:
        """Build every practice's scheduler now (an unreachable database is logged, not fatal)."""
        try:
            self.schedulers.warm(practice_ids())
        except SQLAlchemyError:
            log.warning("schedulers not built at start-up: the database is not reachable")

    def fhir_backend(
        self, practice_ids: Callable[[], Sequence[str]], clock: Clock
    ) -> FhirApiBackend | None:
        """The FHIR API backend over the chosen practice's built-in calendar (None: none yet)."""
        try:
            candidates = [self.fhir_practice] if self.fhir_practice else list(practice_ids())
            for practice_id in candidates:
                scheduler = self.schedulers.scheduler_for(practice_id)
                if isinstance(scheduler, CatalogScheduler):
                    return FhirApiBackend(scheduler, clock.now, self.fhir_tokens)
        except SQLAlchemyError:
            log.warning("FHIR API not configured: the database is not reachable")
        return None


def fhir_tokens(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The bearer tokens ``/fhir/R4`` accepts, from ``TRIAGELINE_FHIR_TOKENS``."""
    env = os.environ if environ is None else environ
    raw = env.get(FHIR_TOKENS_ENV, "")
    return frozenset(t.strip() for t in raw.split(",") if t.strip())


def build_booking(
    container: Container,
    practice: Callable[[str], Practice | None],
    *,
    environ: Mapping[str, str] | None = None,
    http_client: HttpClientFactory = ehr_client,
    practice_ids: Callable[[], Sequence[str]] | None = None,
) -> Booking:
    """The booking desk over every practice's scheduler, and the FHIR API settings."""

    def build(found: Practice) -> Scheduler | None:
        return build_scheduler(container, found, environ=environ, http_client=http_client)

    env = os.environ if environ is None else environ
    schedulers = PracticeSchedulers(practice, build)
    chosen = env.get(FHIR_PRACTICE_ENV, "").strip() or None
    reminders = build_reminders(
        container, schedulers, practice, practice_ids or (lambda: ()), text_sender(env)
    )
    return Booking(BookingDesk(schedulers), schedulers, fhir_tokens(env), chosen, reminders)


def text_sender(environ: Mapping[str, str]) -> TextSender:
    """Twilio when the TRIAGELINE_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM_NUMBER vars are set."""
    account = environ.get("TRIAGELINE_TWILIO_ACCOUNT_SID", "").strip()
    token = environ.get("TRIAGELINE_TWILIO_AUTH_TOKEN", "").split(",")[0].strip()
    sender = environ.get("TRIAGELINE_TWILIO_FROM_NUMBER", "").strip()
    if not (account and token and sender):
        return UnconfiguredTextSender()
    settings = TwilioSettings(
        account, token, sender, base_url=environ.get("TRIAGELINE_TWILIO_BASE_URL") or None
    )
    return TwilioTextSender(settings)


def build_reminders(
    container: Container,
    schedulers: PracticeSchedulers,
    practice: Callable[[str], Practice | None],
    practice_ids: Callable[[], Sequence[str]],
    sender: TextSender,
    worker_id: str = "worker",
) -> ReminderService:
    """Reminders over the built-in calendars, stored in the container's database."""

    def calendar_for(practice_id: str) -> AppointmentCalendar | None:
        found = schedulers.scheduler_for(practice_id)
        return found if isinstance(found, CatalogScheduler) else None

    def audit(entry: AuditEntry) -> None:
        with container.uow_factory() as uow:
            uow.audit.append(entry)
            uow.commit()

    store = SqlReminderStore(container.session_factory, container.keyring)
    return ReminderService(store, calendar_for, practice, practice_ids, sender, audit, worker_id)


def fhir_backend_provider(
    booking: Booking, practice_ids: Callable[[], Sequence[str]], clock: Clock
) -> Callable[[], FhirApiBackend | None]:
    """What ``app.state.fhir_backend_provider`` calls until a backend can be built."""

    def provide() -> FhirApiBackend | None:
        return booking.fhir_backend(practice_ids, clock)

    return provide


def _no_triage(practice: Practice) -> TriageFn:
    def classify(text: str, lang: Language | None, answers: Mapping[str, str]) -> TriageResult:
        raise LookupError("the reminder worker does not triage")

    return classify


def reminders_for_worker(
    container: Container, worker_id: str, environ: Mapping[str, str] | None = None
) -> ReminderService:
    """The reminder service a worker runs (``run_due(now)`` each tick) over stored practices."""
    from triageline.adapters.calls.directory import DbPracticeDirectory

    directory = DbPracticeDirectory(container.uow_factory, _no_triage)

    def practice_of(practice_id: str) -> Practice | None:
        loaded = directory.get(practice_id)
        return None if loaded is None else loaded.practice

    env = os.environ if environ is None else environ
    schedulers = PracticeSchedulers(
        practice_of, lambda p: build_scheduler(container, p, environ=env)
    )
    return build_reminders(
        container, schedulers, practice_of, directory.practice_ids, text_sender(env), worker_id
    )
