"""Quality improvement: a lasting change of the product experience from `start` on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import LeverContext, Programme


class QualityImprovement(Programme):
    """Improve the product experience from `start` on: shift the mean, narrow the spread."""

    kind: Literal["quality"] = "quality"
    shift: float = Field(0.2, ge=-2, le=2, description="added to the mean satisfaction")
    spread_factor: float = Field(0.8, ge=0, le=1, description="multiplies the spread of satisfaction")
    cost: float = Field(50_000.0, ge=0, description="one-off cost at start")

    summary = "mean satisfaction + `shift`, spread x `spread_factor` for buyers from `start` on"

    def act(self, ctx: LeverContext) -> None:
        model, effects = ctx.model, ctx.effects
        effects.quality_shift += self.shift
        effects.spread_factor *= self.spread_factor
        self.pay_programme(model, effects)
