"""The brand's own posts: followers who engage see them; satisfied customers among them re-share them."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from ..rules.awareness import raise_interest
from ..rules.trust import bounded_confidence, message_weight, shift_opinions
from ..state import Role, Source
from .base import Lever, LeverContext
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
    social_proof: float = Field(
        10.0,
        ge=0,
        description="re-shares in the real market (simulated re-shares x market.represents) at which the followers who "
        "see the post take it as fully vouched for by customers",
    )

    summary = (
        "engaged followers (prob. `engagement`) see the post (`hear_brand`); engaged customers who like the "
        "product re-share it (prob. `reshare`) as one more message of their own to their ties, attributed to "
        "brand content, and the followers who see the post see who re-shared it: customers vouching for the "
        "product (`customers_vouch`, weight min(1, real re-shares / `social_proof`))"
    )
    cost_rule = "`cost_per_post` per post"
    channel = Source.CONTENT  # customers who first heard through it are attributed to it

    def act(self, ctx: LeverContext) -> None:
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
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
        resharers = fans[rng.random(fans.size) < self.reshare]
        effects.add_messages(resharers, Source.CONTENT)
        customers_vouch(model, engaged[c.role[engaged] != Role.CUSTOMER], resharers, self.social_proof)


def customers_vouch(model, readers: np.ndarray, resharers: np.ndarray, social_proof: float) -> None:
    """Followers who see a post with customers' re-shares read them as customers' recommendations: interest
    and opinion move toward the re-sharers' mean opinion with weight weak-tie trust x experience credibility
    x openness x min(1, R / social_proof), R = re-shares x ``represents`` (the real market's re-shares: the
    same proof at any simulated size) -- social media as the channel from those who have
    experienced the product to those still waiting (the trust and interest rules of peer messages)."""
    if resharers.size == 0 or readers.size == 0 or social_proof <= 0:
        return
    c, prm = model.consumers, model.params
    valence = float(c.opinion[resharers].mean())
    proof = min(1.0, resharers.size * model.represents / social_proof)
    weight = message_weight(prm["weak_tie_trust"] * proof, prm["experience_credibility"], c.openness[readers])
    gap = valence - c.opinion[readers]
    weight = bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
    raise_interest(c, readers, weight * valence, prm["interest_gain"])
    shift_opinions(c.opinion, readers, gap, weight, prm["persuasion"])
