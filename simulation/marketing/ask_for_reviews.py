"""Asking every buyer for a review: more buyers with a moderate experience post (less under-reporting)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Lever, LeverContext


class AskForReviews(Lever):
    """Ask every buyer for a rating (a follow-up e-mail): removes part of the under-reporting bias."""

    kind: Literal["ask_for_reviews"] = "ask_for_reviews"
    removes: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of the under-reporting bias removed (buyers with a moderate experience post)",
    )
    cost_per_request: float = Field(0.05, ge=0, description="cost of asking one buyer")

    continuous = True
    summary = (
        "every buyer is asked for a rating: the posting probability becomes propensity x (a + (1 - a) d^gamma) "
        "with a = `removes`, so buyers with a moderate experience post too"
    )
    cost_rule = "`cost_per_request` per buyer asked"
    counters = {"review_requests": "buyers asked for a review"}

    def act(self, ctx: LeverContext) -> None:
        effects = ctx.effects
        effects.review_ask = max(effects.review_ask, self.removes)

    def on_purchases(self, ctx: LeverContext) -> None:
        model, purchases, effects = ctx.model, ctx.purchases, ctx.effects
        asked = int(purchases.buyers.size)
        model.brand.pay(self.kind, asked * self.cost_per_request * model.represents, effects)
        effects.count("review_requests", asked)
