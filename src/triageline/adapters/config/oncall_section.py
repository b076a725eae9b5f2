"""Schema of the practice configuration's `oncall` section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class OnCallSection(BaseModel):
    """The `oncall` section; its owner fills in the fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)
