"""Bounded capacity for voice webhooks, and load shedding that answers safely instead of silence.

Voice steps run on at most ``slots`` threads per process (so a burst cannot exhaust the
database pool or pile up behind SQLite's write lock). A step that cannot start within the
budget (well below Twilio's 15 s webhook limit) is shed: the caller hears the 911 instruction
in English, Spanish and Chinese, then is held and sent back to the same step (which then runs,
or replays if it had been stored); from the second shed on, a configured nurse line is dialled.
Every shed is audited after the response has gone out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TypeVar

import anyio
import anyio.to_thread
from twilio.twiml.voice_response import VoiceResponse

log = logging.getLogger("triageline.web.capacity")

T = TypeVar("T")

STEP_SLOTS = 8
"""Voice steps run at once per process on PostgreSQL (each holds at most two connections)."""
SQLITE_STEP_SLOTS = 2
"""On SQLite writes take turns on one file lock: more steps at once only queue on the lock.

Measured with ``bench/calls_bench.py`` (200 calls, one process): p99 276 ms with 8 slots,
55 ms with 2, 110 ms with 1 (docs/benchmarks.md).
"""
SLOTS_ENV = "TRIAGELINE_VOICE_SLOTS"
SHED_BUDGET_S = 8.0
"""How long a voice step may wait for a slot before the caller gets the safe answer."""
EMERGENCY_LINES = (
    ("If this is a medical emergency, hang up and dial 911.", "Polly.Joanna-Neural", "en-US"),
    ("Si es una emergencia médica, cuelgue y marque el 911.", "Polly.Lupe-Neural", "es-US"),
    ("如果是医疗紧急情况，请挂断电话并拨打911。", "Polly.Zhiyu-Neural", "cmn-CN"),
)
"""The 911 instruction in every supported language (the call's language is not read when shed)."""
HOLD_LINE = "Please stay on the line. Por favor, no cuelgue."
CONNECT_LINE = "Connecting you to our nurse line now."


class VoiceCapacity:
    """Runs voice steps on a bounded number of threads; a step not started in time is shed."""

    def __init__(self, slots: int = STEP_SLOTS, budget_s: float = SHED_BUDGET_S) -> None:
        """Allow ``slots`` concurrent steps; wait at most ``budget_s`` seconds for one."""
        if slots < 1 or budget_s <= 0:
            raise ValueError("slots must be >= 1 and the budget positive")
        self.slots = slots
        self.budget_s = budget_s
        self._limiter: anyio.CapacityLimiter | None = None

    async def run(self, work: Callable[[], T]) -> T | None:
        """``work()`` on a worker thread, or None (nothing run) when no slot freed in time."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.slots)
        limiter = self._limiter
        acquired = False
        with anyio.move_on_after(self.budget_s):
            await limiter.acquire()
            acquired = True
        if not acquired:
            return None
        try:
            return await anyio.to_thread.run_sync(work)
        finally:
            limiter.release()


def shed_twiml(retry_url: str, attempt: int, nurse_line: str | None) -> str:
    """The safe answer when a voice step was shed: 911 first, then hold and retry (or dial)."""
    response = VoiceResponse()
    for text, voice, language in EMERGENCY_LINES:
        response.say(text, voice=voice, language=language)
    if attempt >= 2 and nurse_line:
        response.say(CONNECT_LINE, voice=EMERGENCY_LINES[0][1], language="en-US")
        response.dial(nurse_line, action=retry_url, method="POST")
        return str(response)
    response.say(HOLD_LINE, voice=EMERGENCY_LINES[0][1], language="en-US")
    response.pause(length=2)
    response.redirect(retry_url, method="POST")
    return str(response)


def shed_attempt(raw: str | None) -> int:
    """The how-many-th shed of this step a retry URL says this is (0 for a first try)."""
    try:
        return max(0, min(int(raw or "0"), 99))
    except ValueError:
        return 0


def with_shed(url: str, attempt: int) -> str:
    """``url`` carrying the shed counter (replacing any earlier one)."""
    base, _, query = url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("shed=")]
    kept.append(f"shed={attempt}")
    return f"{base}?{'&'.join(kept)}"


def log_shed(practice_id: str | None, path: str) -> None:
    """Log a shed step (ids and path only; never form values)."""
    log.warning("voice step shed", extra={"practice": practice_id, "path": path})


def capacity_for(database_url: str, environ: Mapping[str, str]) -> VoiceCapacity:
    """The capacity for this database (``TRIAGELINE_VOICE_SLOTS`` overrides the default)."""
    raw = environ.get(SLOTS_ENV, "").strip()
    if raw:
        try:
            slots = int(raw)
        except ValueError:
            raise ValueError(f"{SLOTS_ENV}: {raw!r} is not a whole number") from None
        if slots < 1:
            raise ValueError(f"{SLOTS_ENV}: must be at least 1")
        return VoiceCapacity(slots)
    sqlite = database_url.startswith("sqlite")
    return VoiceCapacity(SQLITE_STEP_SLOTS if sqlite else STEP_SLOTS)
