"""Schema of the practice configuration's `triage` section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class TriageSection(BaseModel):
    """The `triage` section; its owner fills in the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)
