"""The brand's own posts and the followers' feed: followers who engage see the posts; satisfied customers among
them re-share them, and every follower who sees a post sees its re-shares (passive broadcast word of mouth)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from ..rules.awareness import raise_interest
from ..rules.conversation import credibility
from ..rules.rates import decay_factor
from ..rules.trust import bounded_confidence, message_weight, shift_opinions
from ..state import Role, Source
from .base import Lever, LeverContext
from .brand_messages import hear_brand


@dataclass(eq=False)
class Feed:
    """What each consumer last read of customers' re-shares in its feed (one run of one content lever)."""

    recommendation: np.ndarray  # float64: F_i when read (trust x credibility x proof x positive valence)
    read_tick: np.ndarray  # int64: sub-step it was read (-1: never)

    @classmethod
    def empty(cls, n: int) -> Feed:
        return cls(np.zeros(n), np.full(n, -1, dtype=np.int64))


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
        "product re-share it (prob. `reshare`): one more message of their own to their ties, attributed to "
        "brand content, and word of mouth in the feed of every follower who sees the post (`read_reshares`: "
        "the re-sharers' credibility x trust in them x min(1, real re-shares / `social_proof`), on opinion, "
        "interest and social influence S)"
    )
    cost_rule = "`cost_per_post` per post"
    channel = Source.CONTENT  # customers who first heard through it are attributed to it

    def start_run(self, model) -> Feed:
        return Feed.empty(model.consumers.n)

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
        read_reshares(model, ctx.state, engaged[c.role[engaged] != Role.CUSTOMER], resharers, self.social_proof)


def trust_in_resharers(model, readers: np.ndarray, resharers: np.ndarray) -> np.ndarray:
    """tau_i = t_weak x (f_i g_i(own) + (1 - f_i) g_i(other)): reader i's mean trust in the re-sharers as the
    strangers most of them are (weak-tie trust), times its trust in their communities, f_i being the share of
    re-sharers in i's community (everyone's when the market has no communities)."""
    c, community = model.consumers, model.network.community
    if community is None:
        own = np.ones(readers.size)
    else:
        counts = np.bincount(community[resharers][community[resharers] >= 0], minlength=int(community.max()) + 1)
        mine = community[readers]
        own = np.where(mine >= 0, counts[np.maximum(mine, 0)], 0) / resharers.size
    groups = c.group_trust[readers].astype(np.float64)
    return model.params["weak_tie_trust"] * (own * groups[:, 0] + (1.0 - own) * groups[:, 1])


def read_reshares(model, feed: Feed, readers: np.ndarray, resharers: np.ndarray, social_proof: float) -> None:
    """Followers who see a post read the customers' re-shares beside it: passive broadcast word of mouth from
    experienced customers (Aral & Walker 2011), one feed item per post. For reader i, with the re-sharers J
    (mean opinion v, mean credibility c_J: experience credibility for customers), R = |J| x ``represents``
    real re-shares (the same proof at any simulated size) and tau_i = ``trust_in_resharers``:

        proof = min(1, R / social_proof)
        w_i = tau_i x proof x c_J x openness_i     (the peer message weight, bounded confidence applied)
        interest_i += interest_gain x w_i x v;     o_i moves toward v with weight w_i (persuasion)
        F_i = tau_i x proof x c_J x max(v, 0)      (the feed's standing recommendation)

    F_i adds to the social influence of the purchase hazard, S_i = sum_j trust_ij c_j v+_ij m_ij / k_i + F_i m_i,
    the feed's last recommendation fading with the memory of recommendations (m_i = memory ** its age). It is
    kept in the listeners' sum of recommendations as k_i F_i, replacing the last one read. In mean field (no
    ties) the feed moves interest and opinion only."""
    if resharers.size == 0 or readers.size == 0 or social_proof <= 0:
        return
    c, prm = model.consumers, model.params
    valence = float(c.opinion[resharers].mean())
    heard = float(
        credibility(
            c,
            resharers,
            experience_credibility=prm["experience_credibility"],
            hearsay_credibility=prm["hearsay_credibility"],
        ).mean()
    )
    proof = min(1.0, resharers.size * model.represents / social_proof)
    vouched = trust_in_resharers(model, readers, resharers) * proof * heard
    weight = message_weight(vouched, 1.0, c.openness[readers])
    gap = valence - c.opinion[readers]
    weight = bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
    raise_interest(c, readers, weight * valence, prm["interest_gain"], unique=True)
    shift_opinions(c.opinion, readers, gap, weight, prm["persuasion"], unique=True)
    if model.ties is None:
        return
    recommendation = vouched * max(valence, 0.0)
    memory = decay_factor(prm["awareness_decay"], model.dt)
    now = model.step_index * model.substeps  # the sub-step about to run: levers act before it ages memories
    last = feed.read_tick[readers]
    before = np.where(last >= 0, feed.recommendation[readers] * memory ** (now - last), 0.0)
    social = model.social_memory
    social.recommendations[readers] += (recommendation - before) * social.ties_per_listener[readers]
    feed.recommendation[readers] = recommendation
    feed.read_tick[readers] = now
