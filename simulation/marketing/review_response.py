"""Answering negative reviews: an answered review loses part of its weight with those who read it."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Lever, MarketingEffects


class ReviewResponse(Lever):
    """Answering negative reviews, which softens their effect on readers."""

    kind: Literal["review_response"] = "review_response"
    share: float = Field(0.5, ge=0, le=1, description="share of negative messages the brand answers")
    softening: float = Field(0.5, ge=0, le=1, description="share of an answered message's weight removed")
    cost_per_response: float = Field(2.0, ge=0, description="cost of one answer seen by one reader")

    continuous = True
    summary = "a share `share` of negative messages is answered; an answered one loses `softening` of its credibility"
    cost_rule = "`cost_per_response` per answer seen"
    counters = {"answered_reviews": "negative messages answered by the brand (times seen)"}

    def on_messages(self, model, messages, effects: MarketingEffects, rng) -> None:
        negative = messages.valence < 0
        # Its own stream: answering never shifts the draws of other levers (common random numbers).
        answered = negative & (model.stream("response").random(messages.size) < self.share)
        messages.credibility[answered] *= 1.0 - self.softening
        seen = float(messages.seen[answered].sum())
        model.brand.pay(self.kind, seen * self.cost_per_response * model.represents, effects)
        effects.count("answered_reviews", seen)
