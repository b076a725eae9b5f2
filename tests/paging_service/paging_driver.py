"""A paging worker process for the multi-process test: runs `run_due` on a clock read from a file.

Usage: python paging_driver.py DATABASE_URL WORKER_ID CLOCK_FILE STOP_FILE
Every notification handed to the notifier is logged in `test_sent_log` (its own connection).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from paging_service_builders import StaticPractices, make_short_chain_practice
from sqlalchemy import create_engine, text

from triageline.adapters.storage.crypto import Keyring
from triageline.adapters.storage.engine import make_engine
from triageline.adapters.storage.uow import SqlUnitOfWork
from triageline.domain.paging import Channel, DeliveryStatus
from triageline.services.paging import PagingConfig, PagingService
from triageline.services.ports import UnitOfWork
from triageline.services.ports_notify import DeliveryReceipt, Notification
from triageline.settings import SecretKey

TEST_KEY = SecretKey(kid="test1", material=bytes(range(32)))
LEASE = timedelta(seconds=30)
IDLE_POLL = 0.5


class FileClock:
    """The simulated time the test writes into a file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text().strip())


class LoggingNotifier:
    """Records each send in test_sent_log, committed at once (as a provider would have it)."""

    def __init__(self, url: str, worker: str, clock: FileClock) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")
        self.worker = worker
        self.clock = clock

    def send(self, notification: Notification) -> DeliveryReceipt:
        with self.engine.connect() as connection:
            connection.execute(
                text(
                    "INSERT INTO test_sent_log (notification_id, page_id, worker, sim_at) "
                    "VALUES (:n, :p, :w, :t)"
                ),
                {
                    "n": notification.notification_id,
                    "p": notification.page_id,
                    "w": self.worker,
                    "t": self.clock.now(),
                },
            )
        return DeliveryReceipt(DeliveryStatus.SENT, f"{self.worker}-{notification.notification_id}")


def build(url: str, worker: str, clock_file: Path) -> PagingService:
    """The paging service a driver (or the test itself) runs."""
    from sqlalchemy.orm import sessionmaker

    engine = make_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    keyring = Keyring([TEST_KEY])

    def uow_factory() -> UnitOfWork:
        return SqlUnitOfWork(sessions, keyring)

    clock = FileClock(clock_file)
    notifier = LoggingNotifier(url, worker, clock)
    practice = make_short_chain_practice()
    return PagingService(
        uow_factory=uow_factory,
        clock=clock,
        notifiers={channel: notifier for channel in Channel},
        practices=StaticPractices({practice.id: practice}),
        config=PagingConfig("https://triageline.test", b"k" * 32, lease=LEASE),
        worker_id=worker,
    )


def main() -> None:
    url, worker, clock_file, stop_file = sys.argv[1:5]
    service = build(url, worker, Path(clock_file))
    clock = FileClock(Path(clock_file))
    Path(f"{stop_file}.{worker}.ready").write_text("ready")
    # On the test's simulated clock nothing new falls due (and no lease runs out) until the
    # clock moves, so an idle worker re-polls the database as soon as the clock file changes,
    # and at least every IDLE_POLL seconds, instead of hammering the shared CPU and database.
    polled_at = 0.0
    last_clock = ""
    while not Path(stop_file).exists():
        current = Path(clock_file).read_text().strip()
        if current == last_clock and time.monotonic() - polled_at < IDLE_POLL:
            time.sleep(0.01)
            continue
        last_clock, polled_at = current, time.monotonic()
        while service.run_due(clock.now(), worker, limit=20) > 0:
            polled_at = time.monotonic()


if __name__ == "__main__":
    main()
