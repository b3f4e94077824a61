"""Incentivised reviews: buyers are offered a reward for a review; readers discount those reviews."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Lever, LeverContext


class IncentivisedReviews(Lever):
    """A reward for posting a review: more reviews, flagged as incentivised, which readers discount."""

    kind: Literal["incentivised_reviews"] = "incentivised_reviews"
    uptake: float = Field(
        0.2, ge=0, le=1, description="probability a buyer who would not have reviewed does so for the reward"
    )
    reward: float = Field(5.0, ge=0, description="reward paid per incentivised review")

    continuous = True
    summary = (
        "buyers are offered a reward: one who would not have posted does so with probability `uptake`; those "
        "reviews are flagged incentivised and carry `incentive_discount` of their weight with readers"
    )
    cost_rule = "`reward` per incentivised review posted"
    counters = {"incentivised_reviews": "incentivised reviews posted"}

    def act(self, ctx: LeverContext) -> None:
        effects = ctx.effects
        effects.review_incentive = max(effects.review_incentive, self.uptake)

    def on_reviews(self, ctx: LeverContext) -> None:
        model, reviews, effects = ctx.model, ctx.reviews, ctx.effects
        posted = int(reviews.incentivised.sum())
        model.brand.pay(self.kind, posted * self.reward * model.represents, effects)
        effects.count("incentivised_reviews", posted)
