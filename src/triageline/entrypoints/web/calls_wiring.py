"""Wire the calls service for the web app: step log, practices, clock, paging, triage, booking."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from triageline.adapters.calls.directory import DbPracticeDirectory, SystemClock, TriageFactory
from triageline.adapters.protocols.loader import build_engine
from triageline.adapters.storage.call_steps import SqlCallsUnitOfWork
from triageline.bootstrap import Container
from triageline.domain.audit import AuditEntry
from triageline.domain.practice import Practice
from triageline.domain.triage.pack import PracticeProtocols
from triageline.domain.triage.types import Language, TriageResult
from triageline.entrypoints.booking_wiring import Booking, build_booking
from triageline.entrypoints.paging_wiring import CallsPaging, build_paging
from triageline.entrypoints.web.voice_capacity import VoiceCapacity, capacity_for
from triageline.services.calls import CallService
from triageline.services.calls_ports import CallsUnitOfWork, Clock, PagingPort, TriageFn
from triageline.services.paging import PagingService

log = logging.getLogger("triageline.calls")

TOKEN_ENV = "TRIAGELINE_TWILIO_AUTH_TOKEN"  # noqa: S105 - a variable name
"""The Twilio auth token for every practice; ``<TOKEN_ENV>__<PRACTICE_ID>`` overrides per practice.

A second, comma-separated token is accepted during rotation.
"""


def engine_triage(practice: Practice) -> TriageFn:
    """The protocol engine for a practice's triage section (the default packs when absent)."""
    section = practice.triage if isinstance(practice.triage, PracticeProtocols) else None
    engine = build_engine(section)

    def classify(text: str, lang: Language | None, answers: Mapping[str, str]) -> TriageResult:
        return engine.classify(text, lang=lang, answers=answers)

    return classify


def tokens_from_env(environ: Mapping[str, str] | None = None) -> Callable[[str], tuple[str, ...]]:
    """The auth tokens configured for a practice (empty: reject every request)."""
    env = dict(os.environ if environ is None else environ)

    def tokens(practice_id: str) -> tuple[str, ...]:
        key = f"{TOKEN_ENV}__{practice_id.upper().replace('-', '_')}"
        raw = env.get(key) or env.get(TOKEN_ENV) or ""
        return tuple(t.strip() for t in raw.split(",") if t.strip())

    return tokens


@dataclass(frozen=True, slots=True)
class CallsWeb:
    """What the calls routes need."""

    service: CallService
    directory: DbPracticeDirectory
    tokens: Callable[[str], tuple[str, ...]]
    public_base_url: str | None
    audit: Callable[[AuditEntry], None]
    pager: PagingService | None = None
    booking: Booking | None = None
    capacity: VoiceCapacity = field(default_factory=VoiceCapacity)


def build_calls(
    container: Container,
    *,
    clock: Clock | None = None,
    paging: PagingPort | None = None,
    triage_factory: TriageFactory | None = None,
    environ: Mapping[str, str] | None = None,
) -> CallsWeb:
    """The calls service over the container's database (real paging unless ``paging`` given)."""
    if paging is None:
        paging = CallsPaging(build_paging(container, clock=clock, environ=environ))
    pager = paging.service if isinstance(paging, CallsPaging) else None

    def calls_uow() -> CallsUnitOfWork:
        return SqlCallsUnitOfWork(container.session_factory, container.keyring)

    directory = DbPracticeDirectory(container.uow_factory, triage_factory or engine_triage)

    def practice_of(practice_id: str) -> Practice | None:
        loaded = directory.get(practice_id)
        return None if loaded is None else loaded.practice

    booking = build_booking(container, practice_of, environ=environ)

    def audit(entry: AuditEntry) -> None:
        with container.uow_factory() as uow:
            uow.audit.append(entry)
            uow.commit()

    return CallsWeb(
        service=CallService(
            calls_uow, directory, clock or SystemClock(), paging, booking=booking.desk
        ),
        directory=directory,
        tokens=tokens_from_env(environ),
        public_base_url=container.settings.public_base_url,
        audit=audit,
        pager=pager,
        booking=booking,
        capacity=capacity_for(
            container.settings.database_url, os.environ if environ is None else environ
        ),
    )
