"""Small records the dialogue collects and hands on: caller details and the triage summary."""

from __future__ import annotations

from dataclasses import dataclass, replace

from triageline.domain.triage.types import Intent, Language, TriageLevel, TriageResult


@dataclass(frozen=True, slots=True)
class CallerDetails:
    """What the caller has told us so far; any field may still be missing."""

    caller_name: str | None = None
    patient_name: str | None = None
    patient_is_caller: bool | None = None
    patient_dob: str | None = None
    callback_number: str | None = None
    callback_confirmed: bool = False
    reason_text: str | None = None

    def with_(self, **changes: object) -> CallerDetails:
        """A copy with the given fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def is_empty(self) -> bool:
        """True when the caller has given us nothing at all."""
        return not any(
            (self.caller_name, self.patient_name, self.patient_dob, self.reason_text)
        ) and not (self.callback_number and self.callback_confirmed)


@dataclass(frozen=True, slots=True)
class TriageSummary:
    """The parts of a ``TriageResult`` the conversation keeps (and every disposition records)."""

    level: TriageLevel
    intent: Intent
    lang: Language
    rule_ids: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    protocol_version: str = ""
    crisis: bool = False

    @classmethod
    def of(cls, result: TriageResult) -> TriageSummary:
        """Summarise an engine verdict."""
        return cls(
            level=result.triage,
            intent=result.intent,
            lang=result.lang,
            rule_ids=tuple(hit.rule_id for hit in result.rules),
            evidence=result.evidence,
            protocol_version=result.protocol_version,
            crisis=result.crisis,
        )

    def raised_to(self, level: TriageLevel) -> TriageSummary:
        """The same summary with the level raised (never lowered) to at least ``level``."""
        return replace(self, level=TriageLevel.highest(self.level, level))
