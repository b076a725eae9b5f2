"""Wire the paging service: practices, notifiers from the environment, link secret, clocks.

Also the calls service's `PagingPort` (``CallsPaging``) and the simulated-clock bundle that
`triageline simulate` drives (``SimulatedPaging``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from triageline.adapters.auth.push_store import SqlPushDirectory
from triageline.adapters.calls.directory import DbPracticeDirectory
from triageline.adapters.notify.capture import CapturingNotifier
from triageline.adapters.notify.settings import NotifySettings, build_notifiers
from triageline.bootstrap import Container
from triageline.domain.paging import AckSource, Channel, Page, Target
from triageline.domain.practice import Practice
from triageline.domain.triage.types import Language, TriageLevel, TriageResult
from triageline.services.calls_ports import TriageFn
from triageline.services.paging import (
    PagingConfig,
    PagingService,
    PagingServiceError,
    urgency_for,
)
from triageline.services.paging_targets import practice_resolver
from triageline.services.ports import UnitOfWorkFactory
from triageline.services.ports_notify import Notification, Notifier
from triageline.services.ports_paging import CallerUpdate, Clock

LOCAL_BASE_URL = "http://127.0.0.1:8000"


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """Now."""
        return datetime.now(UTC)


class DirectoryPractices:
    """The PracticeSource over the calls engineer's practice directory (stored configurations)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        """Read the newest stored configuration of every practice through ``uow_factory``."""
        self._directory = DbPracticeDirectory(uow_factory, _no_triage)

    def get(self, practice_id: str) -> Practice | None:
        """The practice, or None."""
        loaded = self._directory.get(practice_id)
        return None if loaded is None else loaded.practice

    def practice_ids(self) -> Sequence[str]:
        """Every practice id."""
        return self._directory.practice_ids()


def _no_triage(practice: Practice) -> TriageFn:
    def classify(text: str, lang: Language | None, answers: Mapping[str, str]) -> TriageResult:
        raise RuntimeError("the paging worker does not triage")

    return classify


@dataclass
class StaticPractices:
    """A PracticeSource over practices loaded from files."""

    practices: dict[str, Practice] = field(default_factory=dict)

    def get(self, practice_id: str) -> Practice | None:
        """The practice, or None."""
        return self.practices.get(practice_id)

    def practice_ids(self) -> Sequence[str]:
        """Every practice id."""
        return sorted(self.practices)


def link_secret(container: Container) -> bytes:
    """The acknowledgement-link signing key, derived from the current data key."""
    keys = container.settings.load_keys()
    return hmac.new(keys[0].material, b"triageline/ack-link/v1", hashlib.sha256).digest()


def public_base_url(container: Container) -> str:
    """The externally visible origin (links in pages); loopback when not configured."""
    return container.settings.public_base_url or LOCAL_BASE_URL


def notifiers_from_env(
    base_url: str,
    environ: Mapping[str, str] | None = None,
    *,
    container: Container | None = None,
) -> dict[Channel, Notifier]:
    """A notifier for every channel configured in the environment (see `notify.settings`).

    ``TRIAGELINE_NOTIFY=dry-run`` gives every channel a notifier that sends nothing. A channel
    without a notifier fails at once, so the page moves to the next channel. A bad or incomplete
    variable raises `SettingsError` naming it (so ``serve`` and ``worker`` fail at start-up).
    With ``container``, web push reaches the browsers registered in the portal.
    """
    env = os.environ if environ is None else environ
    directory = (
        None
        if container is None
        else SqlPushDirectory(container.session_factory, container.keyring)
    )
    return build_notifiers(
        NotifySettings.from_env(env, base_url=base_url), push_directory=directory
    )


def build_paging(
    container: Container,
    *,
    clock: Clock | None = None,
    notifiers: Mapping[Channel, Notifier] | None = None,
    practices: DirectoryPractices | StaticPractices | None = None,
    worker_id: str = "web",
    environ: Mapping[str, str] | None = None,
) -> PagingService:
    """The paging service over the container's database."""
    base = public_base_url(container)
    return PagingService(
        uow_factory=container.uow_factory,
        clock=clock or SystemClock(),
        notifiers=notifiers
        if notifiers is not None
        else notifiers_from_env(base, environ, container=container),
        practices=practices or DirectoryPractices(container.uow_factory),
        config=PagingConfig(public_base_url=base, link_secret=link_secret(container)),
        worker_id=worker_id,
    )


class PageRequestLike(Protocol):
    """The fields of the calls service's `PageRequest` that paging reads."""

    @property
    def practice_id(self) -> str:
        """The practice."""
        ...

    @property
    def message_id(self) -> str:
        """The message the page is about (idempotency key)."""
        ...

    @property
    def call_id(self) -> str:
        """The call the message came from."""
        ...

    @property
    def urgency(self) -> TriageLevel:
        """The triage level."""
        ...

    @property
    def requested_at(self) -> datetime:
        """When the disposition was made."""
        ...


class CallsPaging:
    """The calls service's PagingPort: `open_page(request) -> page id | None`."""

    def __init__(self, service: PagingService) -> None:
        """Open pages through ``service``."""
        self._service = service

    @property
    def service(self) -> PagingService:
        """The paging service pages are opened through (the SMS route acknowledges with it)."""
        return self._service

    def open_page(
        self, request: PageRequestLike, caller_update: CallerUpdate | None = None
    ) -> str | None:
        """Open (or find) the page for the request's message; None for a non-paging level."""
        try:
            urgency = urgency_for(request.urgency)
        except PagingServiceError:
            return None
        ref = self._service.open_page(
            request.practice_id,
            request.message_id,
            urgency,
            request.requested_at,
            call_id=request.call_id,
            caller_update=caller_update,
        )
        return ref.page_id


# ----------------------------------------------------------------------------- simulate


@dataclass
class SimulatedClock:
    """A clock that only moves when told to."""

    at: datetime

    def now(self) -> datetime:
        """The simulated instant."""
        return self.at


@dataclass(frozen=True, slots=True)
class SentLine:
    """One notification as `simulate` prints it."""

    at: datetime
    recipient: str
    channel: str
    page_id: str

    def text(self, start: datetime) -> str:
        """`+05:00  page → dr-alvarez (sms)` relative to ``start``."""
        offset = int((self.at - start).total_seconds())
        sign = "+" if offset >= 0 else "-"
        minutes, seconds = divmod(abs(offset), 60)
        return f"{sign}{minutes:02d}:{seconds:02d}  page -> {self.recipient} ({self.channel})"


class SimulatedPaging:
    """The real paging service on a simulated clock with a capturing notifier (for simulate).

    ``advance(duration)`` moves the clock, firing every due timer at its own due time;
    ``ack(who)`` acknowledges the latest page (``None``: whoever was paged last; ``"oncall"``:
    the current on-call primary).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, practice: Practice, start: datetime) -> None:
        """Wire the service over ``uow_factory`` for one practice, with the clock at ``start``."""
        self.clock = SimulatedClock(start)
        self.notifier = CapturingNotifier()
        self.practice = practice
        self.start = start
        self.sent: list[SentLine] = []
        self.notifier.on_send = self._record
        self.service = PagingService(
            uow_factory=uow_factory,
            clock=self.clock,
            notifiers={channel: self.notifier for channel in Channel},
            practices=StaticPractices({practice.id: practice}),
            config=PagingConfig(
                public_base_url="https://triageline.invalid", link_secret=b"s" * 32
            ),
            worker_id="simulate",
        )
        self._uow_factory = uow_factory
        self.page_ids: list[str] = []

    def _record(self, notification: Notification) -> None:
        self.sent.append(
            SentLine(
                self.clock.now(),
                notification.recipient_id,
                notification.channel.value,
                notification.page_id,
            )
        )

    def open_page(
        self, message_id: str, level: TriageLevel, caller_update: CallerUpdate | None = None
    ) -> str:
        """Open the page for a message now (what the calls service does on an urgent call)."""
        ref = self.service.open_page(
            self.practice.id,
            message_id,
            urgency_for(level),
            self.clock.now(),
            caller_update=caller_update,
        )
        if ref.page_id not in self.page_ids:
            self.page_ids.append(ref.page_id)
        return ref.page_id

    def open_request(self, request: PageRequestLike) -> str | None:
        """The calls service's PagingPort on the simulated clock (moved to the request's time)."""
        self.clock.at = max(self.clock.at, request.requested_at)
        page_id = CallsPaging(self.service).open_page(request)
        if page_id is not None and page_id not in self.page_ids:
            self.page_ids.append(page_id)
        return page_id

    def advance(self, duration: timedelta) -> list[SentLine]:
        """Let ``duration`` of simulated time pass; each timer fires at its due time."""
        target = self.clock.now() + duration
        before = len(self.sent)
        while True:
            due = self.service.next_due()
            if due is None or due > target:
                break
            self.clock.at = max(self.clock.at, due)
            self.service.run_due(self.clock.at, "simulate")
        self.clock.at = target
        return self.sent[before:]

    def ack(self, who: str | None = None) -> str | None:
        """Acknowledge the latest page; returns the acknowledger (None when there is no page)."""
        if not self.page_ids:
            return None
        page_id = self.page_ids[-1]
        actor = self._who(page_id, who)
        self.service.acknowledge(
            page_id=page_id, actor=actor, channel=AckSource.SMS_REPLY, at=self.clock.now()
        )
        return actor

    def _who(self, page_id: str, who: str | None) -> str:
        if who == "oncall":
            found = practice_resolver(self.practice)(Target.parse("oncall_primary"), self.clock.at)
            return found[0].id if found else "oncall"
        if who:
            return who
        paged = [line for line in self.sent if line.page_id == page_id]
        return paged[-1].recipient if paged else "oncall"

    def pages(self) -> list[Page]:
        """The pages opened so far, oldest first."""
        with self._uow_factory() as uow:
            records = [uow.pages.get(page_id) for page_id in self.page_ids]
        return [r.page for r in records if r is not None]

    def outcome(self) -> list[dict[str, object]]:
        """The `pages` entries of simulate's outcome JSON line."""
        out: list[dict[str, object]] = []
        for page in self.pages():
            out.append(
                {
                    "id": page.id,
                    "code": page.code,
                    "status": page.status.value,
                    "acknowledged_at": page.acknowledged_at.isoformat()
                    if page.acknowledged_at
                    else None,
                    "acknowledged_by": page.acknowledged_by,
                    "notifications": [
                        {
                            "recipient": line.recipient,
                            "channel": line.channel,
                            "sent_at": line.at.isoformat(),
                        }
                        for line in self.sent
                        if line.page_id == page.id
                    ],
                }
            )
        return out


class SimulatedCallsPaging:
    """The calls service's PagingPort over a `SimulatedPaging` (pages opened on its clock)."""

    def __init__(self, simulated: SimulatedPaging) -> None:
        """Open pages through ``simulated``."""
        self._simulated = simulated

    def open_page(self, request: PageRequestLike) -> str | None:
        """Open (or find) the page for the request's message; None for a non-paging level."""
        return self._simulated.open_request(request)
