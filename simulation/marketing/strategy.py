"""A strategy: the levers a brand pulls, with an optional cap on their total spend."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .registry import add_dependent, any_lever


class Strategy(BaseModel):
    """A named marketing strategy: the levers it pulls (none = do nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "baseline"
    description: str = ""
    budget: float | None = Field(None, ge=0, description="cap on total spend; levers stop spending when it is used up")
    levers: list[any_lever()] = Field(default_factory=list, json_schema_extra={"levers": True})  # type: ignore[valid-type]


add_dependent(Strategy)
