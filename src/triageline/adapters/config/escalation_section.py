"""Schema of the practice configuration's `escalation` section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class EscalationSection(BaseModel):
    """The `escalation` section; its owner fills in the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)
