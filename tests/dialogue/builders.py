"""Builders for dialogue tests: a scripted fake triage engine and a conversation driver."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from triageline.domain.coverage import CoverageMode
from triageline.domain.dialogue import (
    Action,
    Ask,
    CallerEvent,
    Channel,
    Connected,
    DialogueContext,
    DialogueState,
    Handling,
    HandlingAction,
    HungUp,
    Pressed,
    RecordingPolicy,
    Said,
    Say,
    Silence,
    SituationTime,
    TimerFired,
    TransferNumbers,
    TriageFn,
    default_handling,
    step,
)
from triageline.domain.triage.types import (
    FollowUp,
    Intent,
    Language,
    RuleHit,
    TriageLevel,
    TriageResult,
)

A = TypeVar("A")
T0 = datetime(2025, 3, 4, 22, 15, tzinfo=UTC)
CALLER_ID = "+14158675309"


def make_triage_result(
    level: TriageLevel = TriageLevel.NONE,
    intent: Intent = Intent.OTHER,
    lang: Language = Language.EN,
    *,
    rule_id: str | None = None,
    evidence: tuple[str, ...] = (),
    follow_up: FollowUp | None = None,
    crisis: bool = False,
    instruction: Mapping[Language, str] | None = None,
) -> TriageResult:
    """A TriageResult as the engine would return it."""
    rules = (RuleHit(rule_id, level, "test-pack", evidence),) if rule_id else ()
    return TriageResult(
        triage=level,
        intent=intent,
        lang=lang,
        rules=rules,
        instruction=dict(instruction or {}),
        follow_up=follow_up,
        protocol_version="test-1",
        crisis=crisis,
    )


@dataclass(frozen=True)
class FakeRule:
    """When ``phrase`` is in the text: this verdict (or a follow-up first, then by answer)."""

    phrase: str
    level: TriageLevel
    intent: Intent
    lang: Language = Language.EN
    crisis: bool = False
    ask: FollowUp | None = None
    # answer substring -> level once the follow-up fact has been answered
    by_answer: tuple[tuple[str, TriageLevel], ...] = ()


@dataclass
class FakeTriage:
    """A keyword triage engine: the first rule whose phrase occurs decides."""

    rules: list[FakeRule]
    calls: list[tuple[str, Language | None, dict[str, str]]] = field(default_factory=list)

    def __call__(
        self, text: str, lang: Language | None, answers: Mapping[str, str]
    ) -> TriageResult:
        self.calls.append((text, lang, dict(answers)))
        lowered = text.lower()
        for rule in self.rules:
            if rule.phrase.lower() not in lowered:
                continue
            level = rule.level
            follow_up = None
            if rule.ask is not None:
                answer = answers.get(rule.ask.fact)
                if answer is None:
                    follow_up = rule.ask
                else:
                    for needle, answered_level in rule.by_answer:
                        if needle in answer.lower():
                            level = answered_level
                            break
            return make_triage_result(
                level,
                rule.intent,
                rule.lang,
                rule_id=f"r.{rule.phrase}",
                evidence=(rule.phrase,),
                follow_up=follow_up,
                crisis=rule.crisis,
            )
        return make_triage_result(TriageLevel.NONE, Intent.OTHER, lang or Language.EN)


AGE_QUESTION = FollowUp(
    fact="age",
    rule_id="fever.infant",
    question={
        Language.EN: "How old is the baby?",
        Language.ES: "¿Cuántos meses tiene el bebé?",
        Language.ZH: "宝宝多大了？",
    },
)

# Reasons for calling per language: emergency, urgent, routine, FAQ, appointment.
CHEST = {Language.EN: "chest pain", Language.ES: "dolor de pecho", Language.ZH: "胸痛"}
REFILL = {Language.EN: "refill", Language.ES: "receta", Language.ZH: "续药"}
HOURS = {Language.EN: "hours", Language.ES: "horario", Language.ZH: "几点"}
FEVER = {Language.EN: "fever", Language.ES: "calentura", Language.ZH: "发烧"}


def default_rules() -> list[FakeRule]:
    """Rules covering the scripted conversations in every language."""
    rules: list[FakeRule] = []
    for lang in Language:
        rules += [
            FakeRule(CHEST[lang], TriageLevel.EMERGENCY, Intent.SYMPTOM, lang),
            FakeRule(REFILL[lang], TriageLevel.ROUTINE, Intent.REFILL, lang),
            FakeRule(HOURS[lang], TriageLevel.NONE, Intent.FAQ_HOURS, lang),
            FakeRule(
                FEVER[lang],
                TriageLevel.ROUTINE,
                Intent.SYMPTOM,
                lang,
                ask=AGE_QUESTION,
                by_answer=(("week", TriageLevel.URGENT), ("semana", TriageLevel.URGENT)),
            ),
        ]
    rules += [
        FakeRule("not breathing", TriageLevel.EMERGENCY, Intent.SYMPTOM),
        FakeRule("kill myself", TriageLevel.URGENT, Intent.SYMPTOM, crisis=True),
        FakeRule("appointment", TriageLevel.NONE, Intent.APPOINTMENT_NEW),
        FakeRule("speak to", TriageLevel.NONE, Intent.SPEAK_TO_STAFF),
        FakeRule("billing", TriageLevel.NONE, Intent.BILLING),
    ]
    return rules


NEXT_OPENING = {
    Language.EN: "tomorrow, Wednesday, after 8 AM",
    Language.ES: "mañana miércoles después de las 8 de la mañana",
    Language.ZH: "明天（星期三）上午8点以后",
}
FAQ_HOURS_ANSWER = {
    Language.EN: "We are open Monday to Friday, 8 AM to 5 PM.",
    Language.ES: "Abrimos de lunes a viernes, de 8 de la mañana a 5 de la tarde.",
    Language.ZH: "我们的营业时间是周一至周五，上午8点到下午5点。",
}


def make_context(
    *,
    coverage: CoverageMode = CoverageMode.AFTER_HOURS,
    triage: TriageFn | None = None,
    recording: bool = False,
    handling: Mapping[tuple[SituationTime, TriageLevel], Handling] | None = None,
    transfers: TransferNumbers | None = None,
    languages: tuple[Language, ...] = (Language.EN, Language.ES, Language.ZH),
    on_call_name: str | None = None,
    location_name: str | None = None,
) -> DialogueContext:
    """A practice context for tests (defaults: after hours, three languages, no recording)."""
    return DialogueContext(
        practice_name="Maple Family Medicine",
        location_name=location_name,
        triage=triage or FakeTriage(default_rules()),
        coverage=coverage,
        languages=languages,
        recording=RecordingPolicy(enabled=recording),
        handling=handling or default_handling(),
        urgent_callback_minutes=30,
        next_opening=NEXT_OPENING,
        faq={Intent.FAQ_HOURS: FAQ_HOURS_ANSWER},
        transfers=transfers
        or TransferNumbers(front_desk="+15555550100", nurse_line="+15555550111"),
        on_call_name=on_call_name,
    )


def office_emergency_transfer() -> dict[tuple[SituationTime, TriageLevel], Handling]:
    """Handling where office-hours emergencies are offered a transfer to the nurse."""
    table = dict(default_handling())
    table[(SituationTime.OFFICE_HOURS, TriageLevel.EMERGENCY)] = Handling(
        HandlingAction.TRANSFER_NURSE
    )
    return table


@dataclass
class Call:
    """Drives ``step`` like the service does, storing the state as JSON between turns."""

    context: DialogueContext
    channel: Channel = Channel.VOICE
    state_json: str = field(default_factory=lambda: DialogueState().to_json())
    clock: datetime = T0
    history: list[list[Action]] = field(default_factory=list)

    @property
    def state(self) -> DialogueState:
        return DialogueState.from_json(self.state_json)

    def send(self, event: CallerEvent) -> list[Action]:
        state, actions = step(self.state, event, self.context)
        assert DialogueState.from_json(state.to_json()) == state
        self.state_json = state.to_json()
        self.history.append(actions)
        return actions

    def _tick(self) -> datetime:
        self.clock += timedelta(seconds=7)
        return self.clock

    def connect(self, from_number: str | None = CALLER_ID) -> list[Action]:
        return self.send(Connected(self._tick(), from_number, "+15555550000", self.channel))

    def say(
        self, text: str, confidence: float = 0.92, language: Language | None = None
    ) -> list[Action]:
        return self.send(Said(text, confidence, language, self._tick()))

    def press(self, digits: str) -> list[Action]:
        return self.send(Pressed(digits, self._tick()))

    def silence(self) -> list[Action]:
        return self.send(Silence(self._tick()))

    def hang_up(self) -> list[Action]:
        return self.send(HungUp(self._tick()))

    def timer(self, name: str) -> list[Action]:
        return self.send(TimerFired(name, self._tick()))


def of_type(actions: list[Action], kind: type[A]) -> list[A]:
    """The actions of one type, in order."""
    return [a for a in actions if isinstance(a, kind)]


def spoken(actions: list[Action]) -> str:
    """Everything the caller hears in one turn, joined."""
    parts: list[str] = []
    for a in actions:
        if isinstance(a, Say):
            parts.append(a.text)
        elif isinstance(a, Ask):
            parts.append(a.prompt)
    return " ".join(parts)


def last_ask(actions: list[Action]) -> Ask:
    """The turn's question (every turn that waits ends with one)."""
    asks = of_type(actions, Ask)
    assert asks, f"expected a question in {actions}"
    return asks[-1]
