"""Answering negative reviews: public answers on the product page, and answers to negative posts."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from .base import Lever, LeverContext


class ReviewResponse(Lever):
    """Answering negative reviews, which softens their effect on everyone who reads them."""

    kind: Literal["review_response"] = "review_response"
    share: float = Field(0.5, ge=0, le=1, description="share of negative reviews (and posts) the brand answers")
    softening: float = Field(0.5, ge=0, le=1, description="share of an answered review's weight removed for readers")
    posts: bool = Field(True, description="also answer negative posts of consumers on social media")
    cost_per_response: float = Field(2.0, ge=0, description="cost of one answer")

    continuous = True
    summary = (
        "the brand reads the product page's new negative reviews (1-2 stars) and answers a share `share` in public: "
        "each answered review loses `softening` of its weight with every reader; with `posts`, it also answers that "
        "share of the consumers voicing negative posts, whose messages lose `softening` of their credibility"
    )
    cost_rule = "`cost_per_response` per answer"
    counters = {
        "answered_reviews": "negative reviews answered on the product page",
        "answered_posts": "consumers whose negative posts the brand answered",
    }

    def act(self, ctx: LeverContext) -> None:
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
        answered = model.page.answer_negative(self.share, self.softening, rng)
        model.brand.pay(self.kind, answered * self.cost_per_response * model.represents, effects)
        effects.count("answered_reviews", answered)

    def on_messages(self, ctx: LeverContext) -> None:
        model, messages, effects = ctx.model, ctx.messages, ctx.effects
        if not self.posts:
            return
        # (a lever reading messages gets them one by one: engine.delivery.DeliveryPaths.choose)
        assert messages.valence is not None and messages.credibility is not None and messages.speakers is not None
        # One uniform per consumer: whether a complaint is answered does not depend on who else complains.
        answered = (messages.valence < 0) & (
            model.stream("response").random(model.consumers.n)[messages.speakers] < self.share
        )
        messages.credibility[answered] *= 1.0 - self.softening
        speakers = np.unique(messages.speakers[answered]).size
        model.brand.pay(self.kind, speakers * self.cost_per_response * model.represents, effects)
        effects.count("answered_posts", speakers)
