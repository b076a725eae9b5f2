"""Schema of the practice configuration's `escalation` section: one chain per urgency.

Example (the demo practice's chain)::

    escalation:
      ack_link_valid_minutes: 720          # signed acknowledgement links expire after this
      callback_minutes: 30                 # "expect a call by" = acknowledgement + this
      urgent:
        renotify_after_ack_minutes: 30     # acknowledged but not resolved: notify again
        steps:
          - {notify: oncall_primary, channels: [sms, voice]}
          - {wait: 5}
          - {notify: oncall_primary, channels: [sms, voice]}
          - {wait: 5}
          - {notify: oncall_backup, channels: [sms, voice]}
          - {wait: 10}
          - {notify: practice_manager, channels: [sms, email]}
          - {wait: 10}
          - {repeat: 1}                    # run the steps once more from the top
        fallback: {notify: operator_queue, channels: [push, webhook]}
      emergency_notify: ...                # optional; defaults to the `urgent` chain

Targets: `oncall_primary`, `oncall_backup`, `practice_manager`, `operator_queue`,
`person:<provider or staff id>`, `role:<on-call role>`. Channels: sms, voice, email, push, webhook.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from triageline.domain.paging import (
    Channel,
    EscalationChain,
    EscalationPolicy,
    EscalationStep,
    Notify,
    PagingError,
    Repeat,
    Target,
    TargetKind,
    Wait,
)

__all__ = [
    "ChainSection",
    "EscalationSection",
    "NotifyStepSection",
    "RepeatStepSection",
    "WaitStepSection",
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotifyStepSection(_Section):
    """`{notify: TARGET, channels: [...]}`: notify a target on these channels at once."""

    notify: str
    channels: Annotated[list[Channel], Field(min_length=1)]

    @field_validator("notify")
    @classmethod
    def _known_target(cls, value: str) -> str:
        try:
            return str(Target.parse(value))
        except PagingError as error:
            raise ValueError(str(error)) from None

    @field_validator("channels")
    @classmethod
    def _distinct(cls, value: list[Channel]) -> list[Channel]:
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value

    def to_domain(self) -> Notify:
        """The domain notify step."""
        return Notify(Target.parse(self.notify), tuple(self.channels))


class WaitStepSection(_Section):
    """`{wait: MINUTES}`: give those notified so far time to acknowledge."""

    wait: Annotated[int, Field(ge=1, le=24 * 60)]

    def to_domain(self) -> Wait:
        """The domain wait step."""
        return Wait(self.wait)


class RepeatStepSection(_Section):
    """`{repeat: TIMES}` (last step only): run the chain again from the top TIMES more times."""

    repeat: Annotated[int, Field(ge=0, le=10)]

    def to_domain(self) -> Repeat:
        """The domain repeat step."""
        return Repeat(self.repeat)


def _step_kind(value: Any) -> str | None:
    """Which step a mapping is, by its key (`notify`, `wait` or `repeat`)."""
    if isinstance(value, dict):
        keys = [k for k in ("notify", "wait", "repeat") if k in value]
        return keys[0] if len(keys) == 1 else None
    if isinstance(value, BaseModel):
        return {NotifyStepSection: "notify", WaitStepSection: "wait"}.get(type(value), "repeat")
    return None


StepSection = Annotated[
    Annotated[NotifyStepSection, Tag("notify")]
    | Annotated[WaitStepSection, Tag("wait")]
    | Annotated[RepeatStepSection, Tag("repeat")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step has exactly one of `notify`, `wait` or `repeat`",
    ),
]


class ChainSection(_Section):
    """One escalation chain: steps, optional final fallback, re-notify-after-ack minutes."""

    steps: Annotated[list[StepSection], Field(min_length=1)]
    fallback: NotifyStepSection | None = None
    renotify_after_ack_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30

    @model_validator(mode="after")
    def _valid_chain(self) -> ChainSection:
        self.to_domain()
        return self

    def to_domain(self) -> EscalationChain:
        """The domain chain (ValueError, via PagingError, when the steps break a chain rule)."""
        steps: tuple[EscalationStep, ...] = tuple(step.to_domain() for step in self.steps)
        return EscalationChain(
            steps=steps,
            fallback=self.fallback.to_domain() if self.fallback else None,
            renotify_after_ack=timedelta(minutes=self.renotify_after_ack_minutes),
        )

    def targets(self) -> list[tuple[str, Target]]:
        """(field path suffix, target) of every notify step and the fallback."""
        found = [
            (f"steps.{i}.notify", Target.parse(step.notify))
            for i, step in enumerate(self.steps)
            if isinstance(step, NotifyStepSection)
        ]
        if self.fallback is not None:
            found.append(("fallback.notify", Target.parse(self.fallback.notify)))
        return found


class EscalationSection(_Section):
    """The `escalation` section: chains per urgency and acknowledgement settings."""

    urgent: ChainSection
    emergency_notify: ChainSection | None = None
    ack_link_valid_minutes: Annotated[int, Field(ge=5, le=7 * 24 * 60)] = 720
    callback_minutes: Annotated[int, Field(ge=5, le=24 * 60)] = 30

    def to_domain(self) -> EscalationPolicy:
        """The domain policy; `emergency_notify` falls back to the `urgent` chain."""
        urgent = self.urgent.to_domain()
        emergency = self.emergency_notify.to_domain() if self.emergency_notify else urgent
        return EscalationPolicy(urgent=urgent, emergency_notify=emergency)

    def _chains(self) -> list[tuple[str, ChainSection]]:
        chains = [("escalation.urgent", self.urgent)]
        if self.emergency_notify is not None:
            chains.append(("escalation.emergency_notify", self.emergency_notify))
        return chains

    def person_references(self) -> list[tuple[str, str]]:
        """(field path, person id) of every `person:` target, for cross-checks by the root."""
        return [
            (f"{prefix}.{suffix}", target.name)
            for prefix, chain in self._chains()
            for suffix, target in chain.targets()
            if target.kind is TargetKind.PERSON
        ]

    def role_references(self) -> list[tuple[str, str]]:
        """(field path, role) of every `role:` target, for cross-checks by the root."""
        return [
            (f"{prefix}.{suffix}", target.name)
            for prefix, chain in self._chains()
            for suffix, target in chain.targets()
            if target.kind is TargetKind.ROLE
        ]

    def unknown_people(self, known_ids: Collection[str]) -> list[tuple[str, str]]:
        """(field path, reason) for every `person:` target that is not a provider or staff id."""
        return [
            (path, f"unknown provider or staff id {person!r}")
            for path, person in self.person_references()
            if person not in known_ids
        ]
