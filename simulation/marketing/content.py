"""The brand's own posts: followers who engage see them; satisfied customers among them re-share them."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..state import Role, Source
from .base import Lever, MarketingEffects
from .brand_messages import hear_brand


class BrandContent(Lever):
    """The brand's own posts: followers who engage see them; satisfied customers re-share them."""

    kind: Literal["content"] = "content"
    engagement: float = Field(0.3, ge=0, le=1, description="probability a follower sees and engages with a post")
    reshare: float = Field(
        0.2, ge=0, le=1, description="probability an engaged customer who likes the product re-shares it"
    )
    claimed_quality: float = Field(0.7, ge=-1, le=1, description="quality the posts claim")
    impact: float = Field(1.0, ge=0, description="external influence of one post seen, relative to background media")
    interest_gain: float = Field(0.15, ge=0, le=1, description="interest one post adds at full brand trust")
    persuasiveness: float = Field(
        0.3, ge=0, le=1, description="weight of one post on opinion, relative to a peer's message at equal trust"
    )
    cost_per_post: float = Field(500.0, ge=0, description="cost of producing one post")

    summary = (
        "engaged followers (prob. `engagement`) see the post (`hear_brand`); engaged customers who like the "
        "product re-share it (prob. `reshare`) as one more message of their own, attributed to brand content"
    )
    cost_rule = "`cost_per_post` per post"
    channel = Source.CONTENT  # customers who first heard through it are attributed to it

    def act(self, model, effects: MarketingEffects, rng) -> None:
        if model.brand.affordable_share(self.cost_per_post) < 1.0:
            model.brand.pay(self.kind, 0.0, effects, planned=self.cost_per_post)
            return
        model.brand.pay(self.kind, self.cost_per_post, effects)
        c = model.consumers
        followers = np.flatnonzero(c.follows_brand)
        engaged = followers[rng.random(followers.size) < self.engagement]
        hear_brand(
            model,
            engaged,
            self.claimed_quality,
            self.impact,
            self.interest_gain,
            self.persuasiveness,
            Source.CONTENT,
            effects,
        )
        fans = engaged[(c.role[engaged] == Role.CUSTOMER) & (c.opinion[engaged] > 0)]
        effects.add_messages(fans[rng.random(fans.size) < self.reshare], Source.CONTENT)
