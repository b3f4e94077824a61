"""Price promotion: a discount while it runs; the purchase rule turns it into a higher hazard."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Lever, LeverContext


class PricePromotion(Lever):
    """A price discount while the promotion runs."""

    kind: Literal["price_promotion"] = "price_promotion"
    discount: float = Field(0.2, ge=0, lt=1, description="share off the list price")

    continuous = True
    summary = "price x (1 - discount); the purchase hazard rises by (1 + price_elasticity x discount)"
    cost_rule = "forgone revenue"

    def act(self, ctx: LeverContext) -> None:
        effects = ctx.effects
        effects.offer_discount(self.discount)
