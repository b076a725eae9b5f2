"""Play a scripted caller against the real calls service on a simulated clock (``simulate``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from triageline.adapters.calls.directory import StaticPracticeDirectory
from triageline.adapters.config.loader import load_practice
from triageline.domain.dialogue.actions import Action, Ask, Say
from triageline.domain.dialogue.events import CallerEvent, Pressed, Said
from triageline.domain.records import Channel
from triageline.entrypoints.cli.simulation_booking import (
    SeedError,
    appointment_entry,
    parse_seed,
    simulated_calendar,
)
from triageline.entrypoints.paging_wiring import SentLine, SimulatedCallsPaging, SimulatedPaging
from triageline.entrypoints.web.calls_wiring import engine_triage
from triageline.services.calls import CallService, RenderInfo, StatusUpdate, StepRequest
from triageline.services.calls_memory import MemoryCallsStore, SettableClock
from triageline.services.calls_ports import LoadedPractice
from triageline.services.memory import MemoryStore

CALLER_NUMBER = "+15125550199"
"""The simulated caller's number (fictional)."""
TURN_GAP = timedelta(seconds=5)
"""Simulated time a caller's turn takes."""
_DURATION = re.compile(r"(\d+)\s*([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ScriptError(ValueError):
    """A script line that is not a caller turn or a known directive."""


def parse_duration(text: str) -> timedelta:
    """``90s``, ``5m``, ``1h30m``, ``2d`` as a timedelta."""
    cleaned = text.strip().lower()
    parts = _DURATION.findall(cleaned)
    if not parts or _DURATION.sub("", cleaned).strip():
        raise ScriptError(f"not a duration: {text!r} (use e.g. 30s, 5m, 1h30m)")
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One script line: a spoken turn or a directive (``kind``: say, press, wait, ack, hangup)."""

    kind: str
    value: str = ""


def parse_script(lines: Iterable[str]) -> list[ScriptLine]:
    """The script's turns and directives; blank lines and ``##`` comments are skipped."""
    parsed: list[ScriptLine] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("##"):
            continue
        if not line.startswith("#"):
            parsed.append(ScriptLine("say", line))
            continue
        word, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if word == "press" and rest and all(c in "0123456789*#" for c in rest):
            parsed.append(ScriptLine("press", rest))
        elif word == "wait" and rest:
            parse_duration(rest)
            parsed.append(ScriptLine("wait", rest))
        elif word == "ack":
            parsed.append(ScriptLine("ack", rest))
        elif word == "hangup" and not rest:
            parsed.append(ScriptLine("hangup"))
        elif word == "appointment":
            if any(p.kind != "appointment" for p in parsed):
                raise ScriptError(f"line {number}: #appointment lines come before the call")
            try:
                parse_seed(rest)
            except SeedError as error:
                raise ScriptError(f"line {number}: {error}") from None
            parsed.append(ScriptLine("appointment", rest))
        else:
            raise ScriptError(f"line {number}: unknown directive {line!r}")
    return parsed


def _render(actions: Sequence[Action], info: RenderInfo) -> str:
    return "\n".join(
        a.text if isinstance(a, Say) else a.prompt for a in actions if isinstance(a, Say | Ask)
    )


@dataclass
class Simulation:
    """The services and the transcript of one simulated call."""

    service: CallService
    clock: SettableClock
    paging: SimulatedPaging
    store: MemoryCallsStore
    practice_id: str
    to_number: str
    transcript: list[str] = field(default_factory=list)
    call_id: str | None = None
    step: int = 0
    shown_pages: int = 0
    external_id: str = "CA" + "5" * 32

    def _stamp(self) -> str:
        return self.clock.now().strftime("%Y-%m-%d %H:%M:%S%z")

    def _send(self, event: CallerEvent | None) -> None:
        request = StepRequest(
            practice_id=self.practice_id,
            channel=Channel.VOICE,
            external_id=self.external_id,
            step_key=f"voice:{self.step}",
            event=event,
            from_number=CALLER_NUMBER,
            to_number=self.to_number,
            step_number=self.step,
        )
        result = self.service.handle(request, _render)
        self.call_id = result.call_id
        self.step += 1
        for line in result.response.splitlines():
            self.transcript.append(f"[{self._stamp()}] SERVICE: {line}")
        self._show_pages()

    def _show_pages(self) -> None:
        """Add the notifications sent since the last call, each at its own time and offset."""
        sent = self.paging.sent
        for line in sent[self.shown_pages :]:
            self.transcript.append(_page_line(line, sent))
        self.shown_pages = len(sent)

    def pass_time(self, delta: timedelta) -> None:
        """Let simulated time pass; paging timers that fall due fire at their own due time."""
        self.paging.clock.at = max(self.paging.clock.at, self.clock.now())
        self.paging.advance(self.clock.now() + delta - self.paging.clock.at)
        self.clock.set(self.paging.clock.now())
        self._show_pages()

    def start(self) -> None:
        """The call connects."""
        self._send(None)

    def play(self, line: ScriptLine) -> None:
        """Carry out one script line."""
        if line.kind in ("say", "press"):
            self.pass_time(TURN_GAP)
            now = self.clock.now()
            shown = line.value if line.kind == "say" else f"[presses {line.value}]"
            self.transcript.append(f"[{self._stamp()}] CALLER: {shown}")
            event: CallerEvent = (
                Said(line.value, 0.95, None, now)
                if line.kind == "say"
                else Pressed(line.value, now)
            )
            self._send(event)
        elif line.kind == "wait":
            self.pass_time(parse_duration(line.value))
            self.transcript.append(f"[{self._stamp()}] (waited {line.value})")
        elif line.kind == "ack":
            self.paging.clock.at = max(self.paging.clock.at, self.clock.now())
            who = self.paging.ack(line.value or None)
            if who is None:
                self.transcript.append(f"[{self._stamp()}] (no page to acknowledge)")
            else:
                self.transcript.append(f"[{self._stamp()}] PAGE acknowledged by {who}")
        elif line.kind == "hangup":
            self.pass_time(TURN_GAP)
            self.transcript.append(f"[{self._stamp()}] CALLER: [hangs up]")
            self.service.status(
                StatusUpdate(self.practice_id, self.external_id, "completed", 99, None)
            )

    def outcome(self) -> dict[str, object]:
        """The final outcome object (stable keys as in design.md)."""
        call, _turns, messages = self.service.transcript(self.call_id or "")
        pages = self.paging.outcome()
        return {
            "outcome": {
                "disposition": call.disposition if call else None,
                "triage": call.triage.value if call and call.triage else None,
                "intent": call.intent.value if call and call.intent else None,
                "lang": call.language.value if call and call.language else None,
                "messages": [m.id for m in messages],
                "pages": pages,
                "appointment": appointment_entry(call.dialogue_state if call else None),
            }
        }


def _page_line(line: SentLine, sent: Sequence[SentLine]) -> str:
    """`[stamp] PAGE +05:00 -> dr-alvarez (sms)`, the offset counted from the page's first send."""
    first = next(s.at for s in sent if s.page_id == line.page_id)
    stamp = line.at.strftime("%Y-%m-%d %H:%M:%S%z")
    return f"[{stamp}] PAGE {line.text(first).replace('  page ', ' ')}"


def simulate(
    practice_file: Path, at: datetime, script: Iterable[str], until: timedelta | None = None
) -> tuple[list[str], str]:
    """Run the script; the transcript lines and the final JSON outcome line."""
    lines = parse_script(script)
    practice = load_practice(practice_file)
    store = MemoryCallsStore()
    with store.uow_factory() as uow:
        uow.practices.store_config(
            practice.id, practice.name, practice_file.read_text("utf-8"), created_by="sim", at=at
        )
        uow.commit()
    clock = SettableClock(at)
    # Paging keeps its own store: a memory unit of work publishes its whole snapshot on commit,
    # so a page committed while the calls service's unit of work is open would be overwritten.
    paging = SimulatedPaging(MemoryStore().uow_factory, practice, at)
    directory = StaticPracticeDirectory([LoadedPractice(practice, 1, engine_triage(practice))])
    calendar = simulated_calendar(practice)
    service = CallService(
        store.calls_uow,
        directory,
        clock,
        SimulatedCallsPaging(paging),
        booking=calendar.desk if calendar else None,
    )
    sim = Simulation(service, clock, paging, store, practice.id, practice.phones.main)
    for line in (x for x in lines if x.kind == "appointment"):
        if calendar is None:
            raise ScriptError("#appointment needs an appointments section in the practice")
        try:
            seeded = calendar.seed(parse_seed(line.value), CALLER_NUMBER, at)
        except SeedError as error:
            raise ScriptError(str(error)) from None
        local = seeded.start.astimezone(practice.tz).isoformat()
        sim.transcript.append(f"(on the calendar: {seeded.appointment_type_id} at {local})")
    sim.start()
    for line in (x for x in lines if x.kind != "appointment"):
        sim.play(line)
    if until is not None and clock.now() < at + until:
        sim.pass_time(at + until - clock.now())
    return sim.transcript, json.dumps(sim.outcome(), ensure_ascii=False, sort_keys=True)
