"""Schema of the practice configuration's `triage` section: packs, red flags, raised levels."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triageline.domain.triage.matcher import PhraseError, compile_phrases
from triageline.domain.triage.pack import PracticeProtocols, ProtocolPack, Rule
from triageline.domain.triage.types import Language, TriageLevel

_DEFAULT_PACKS = ["adult", "pediatric", "obstetric", "behavioral"]
_MANDATORY = ("adult", "behavioral")


class RedFlag(BaseModel):
    """A practice-added red flag: phrases per language that raise the call to a level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)
    level: Literal["emergency", "urgent", "routine"]
    phrases: dict[Language, list[str]]
    instruction: dict[Language, str] = Field(default_factory=dict)
    description: str = ""

    @field_validator("phrases")
    @classmethod
    def _phrases_compile(cls, value: dict[Language, list[str]]) -> dict[Language, list[str]]:
        """At least one phrase, and every phrase valid in the pack syntax."""
        if not any(value.values()):
            raise ValueError("a red flag needs at least one phrase")
        for lang, phrases in value.items():
            for phrase in phrases:
                try:
                    compile_phrases(phrase, lang)
                except PhraseError as exc:
                    raise ValueError(f"{lang}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _emergency_says_911(self) -> RedFlag:
        """An emergency red flag's own instruction must tell the caller to dial 911."""
        if self.level == "emergency":
            for lang, text in self.instruction.items():
                if "911" not in text:
                    raise ValueError(f"instruction.{lang}: an emergency instruction must say 911")
        return self

    def to_rule(self) -> Rule:
        """The red flag as a protocol rule of the `practice` pack."""
        return Rule(
            id=self.id,
            level=TriageLevel(self.level),
            pack="practice",
            match=(),
            instruction=dict(self.instruction),
            phrases={lang: tuple(p) for lang, p in self.phrases.items()},
            description=self.description,
        )


class TriageSection(BaseModel):
    """The `triage` section: packs, extra red flags, built-in rules raised to a higher level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    packs: list[str] = Field(default_factory=lambda: list(_DEFAULT_PACKS))
    red_flags: list[RedFlag] = Field(default_factory=list)
    raise_levels: dict[str, Literal["emergency", "urgent", "routine"]] = Field(default_factory=dict)

    @field_validator("packs")
    @classmethod
    def _mandatory_packs(cls, value: list[str]) -> list[str]:
        """The adult and behavioral packs hold any-age 911 criteria and cannot be dropped."""
        missing = [p for p in _MANDATORY if p not in value]
        if missing:
            raise ValueError(f"packs {', '.join(missing)} are mandatory (they hold 911 criteria)")
        return value

    @model_validator(mode="after")
    def _never_lower_builtin(self) -> TriageSection:
        """Reject a red flag or a level change that would lower a built-in rule."""
        from triageline.adapters.protocols.loader import PackError, load_packs

        ids = [flag.id for flag in self.red_flags]
        if len(ids) != len(set(ids)):
            raise ValueError("red_flags: ids must be unique")
        try:
            packs = load_packs(self.packs)
        except PackError as exc:
            raise ValueError(str(exc)) from None
        builtin = {rule.id: rule for pack in packs for rule in pack.rules}
        for flag in self.red_flags:
            base = builtin.get(flag.id)
            if base is not None and TriageLevel(flag.level).rank < base.level.rank:
                raise ValueError(
                    f"red_flags.{flag.id}: level {flag.level} would lower built-in {base.level}"
                )
        for rule_id, level in self.raise_levels.items():
            base = builtin.get(rule_id)
            if base is None:
                raise ValueError(f"raise_levels.{rule_id}: no such built-in rule")
            if TriageLevel(level).rank < base.level.rank:
                raise ValueError(
                    f"raise_levels.{rule_id}: {level} would lower built-in {base.level}"
                )
        return self

    def to_domain(self) -> PracticeProtocols:
        """The section as the domain's PracticeProtocols (used by the engine builder)."""
        return PracticeProtocols(
            packs=tuple(self.packs),
            red_flags=tuple(flag.to_rule() for flag in self.red_flags),
            raise_levels={k: TriageLevel(v) for k, v in self.raise_levels.items()},
        )

    def extra_rules(self, packs: list[ProtocolPack]) -> list[Rule]:
        """Practice rules for the engine: red flags and raised copies of built-in rules."""
        return self.to_domain().extra_rules(packs)
