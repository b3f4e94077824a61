"""A strategy: the levers a brand pulls, with an optional cap on their total spend; a listening strategy
also says how the brand observes the market (``listening``) and may move its budget between levers
(``reallocate``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .base import Lever
from .listening import ListeningSettings
from .reallocation import ReallocationSettings
from .registry import add_dependent, any_lever


class Strategy(BaseModel):
    """A named marketing strategy: the levers it pulls (none = do nothing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "baseline"
    description: str = ""
    budget: float | None = Field(None, ge=0, description="cap on total spend; levers stop spending when it is used up")
    levers: list[any_lever()] = Field(default_factory=list, json_schema_extra={"levers": True})  # type: ignore[valid-type]
    listening: ListeningSettings | None = Field(
        default=None,
        description="how the brand observes the market (default when a lever has a trigger: lag 1, 500 posts)",
    )
    reallocate: ReallocationSettings | None = Field(
        default=None,
        description="move the remaining budget toward the lever with the best observed response every K steps",
    )

    @model_validator(mode="after")
    def _reallocation_possible(self):
        if self.reallocate is None:
            return self
        problems = []
        if self.budget is None:
            problems.append("reallocate needs a budget to split (budget: ...)")
        if len(self.levers) < 2:
            problems.append("reallocate needs at least two levers")
        untracked = [f"{i} ({lever.kind})" for i, lever in enumerate(self.levers) if not _tracked(lever)]
        if untracked:
            problems.append(
                f"reallocate needs levers whose customers the brand can attribute (advertising, content, seeding, "
                f"referral); not levers {', '.join(untracked)}"
            )
        kinds = [lever.kind for lever in self.levers]
        if len(set(kinds)) < len(kinds):
            problems.append("reallocate attributes customers by channel: use at most one lever of each kind")
        if self.reallocate.floor * len(self.levers) > 1:
            problems.append(
                f"reallocate.floor = {self.reallocate.floor} is too large for {len(self.levers)} levers "
                f"(at most {1 / max(len(self.levers), 1):.3g})"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _tracked(lever: Lever) -> bool:
    """The brand can attribute customers to the lever (a tracked channel, or its own ``conversions``)."""
    return lever.channel is not None or type(lever).conversions is not Lever.conversions


add_dependent(Strategy)
