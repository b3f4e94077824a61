"""One function per marketing lever, carrying it out on the market for one step.

Each returns nothing and writes what the lever did into the step's ``MarketingEffects``: who saw brand
messages (``hear_brand``, the one rule for any brand message), who was seeded, the discount, the review
response in force, the spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..rules.awareness import make_aware
from ..rules.trust import bounded_confidence, message_weight, shift_opinions
from ..state import Role, Source
from . import levers as L
from .targeting import choose_seeds


@dataclass
class MarketingEffects:
    """What the brand's levers did this step (read by the model's other rules)."""

    background: float  # external influence present without any campaign
    external: np.ndarray | None = None  # E_i once a brand message was seen this step (else background for all)
    seeds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    reshares: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    discount: float = 0.0
    response_share: float = 0.0
    response_softening: float = 0.0
    referral_reward: float = 0.0
    quality_shift: float = 0.0
    spread_factor: float = 1.0
    response_cost: float = 0.0
    spend: dict = field(default_factory=dict)

    def external_influence(self, n: int) -> np.ndarray:
        """E_i for every consumer (allocated on the first brand message of the step)."""
        if self.external is None:
            self.external = np.full(n, self.background)
        return self.external

    def add_spend(self, kind: str, amount: float) -> None:
        self.spend[kind] = self.spend.get(kind, 0.0) + amount


def hear_brand(
    model, who: np.ndarray, claimed_quality: float, impact: float, interest_gain: float, source: Source, effects
) -> None:
    """A brand message (ad or post) seen by `who`.

    It makes them aware, adds ``impact x brand_trust`` to their external influence E_i, raises interest
    by ``interest_gain x brand_trust x openness`` and pulls opinions toward the claimed quality with
    weight ``brand_trust x openness`` under the same bounded-confidence rule as peer messages.
    """
    if who.size == 0:
        return
    c, prm, trust = model.consumers, model.params, model.brand.trust
    make_aware(c, who, source)
    effects.external_influence(c.n)[who] += impact * trust
    weight = message_weight(trust, 1.0, c.openness[who])
    c.interest[who] = np.clip(c.interest[who] + interest_gain * weight, 0.0, 1.0)
    gap = claimed_quality - c.opinion[who]
    weight = bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
    shift_opinions(c.opinion, who, gap, weight, prm["persuasion"])
    c.claim_heard[who] = claimed_quality


def _audience(model, lever: L.Advertising) -> np.ndarray:
    c = model.consumers
    if lever.target == "everyone":
        return np.arange(c.n)
    if lever.target == "prospects":
        return np.flatnonzero(c.role == Role.PROSPECT)
    if lever.target == "non_customers":
        return np.flatnonzero(c.role != Role.CUSTOMER)
    if lever.target == "followers":
        return np.flatnonzero(c.follows_brand)
    community = model.network.community
    if community is None:
        raise ValueError(f"advertising target 'community' needs a network with communities, not {model.network.kind!r}")
    return np.flatnonzero(community == lever.community)


def advertise(model, lever: L.Advertising, rng, effects) -> None:
    """Ads reach a share of the target audience (set directly, or by budget / CPM), paid per impression."""
    audience = _audience(model, lever)
    if audience.size == 0:
        return
    cost_per_view = lever.cpm / 1000.0 * model.represents  # one simulated consumer reached = `represents` impressions
    if lever.budget is not None:
        views = lever.budget / cost_per_view
    else:
        views = lever.reach * audience.size
    views *= model.brand.affordable_share(views * cost_per_view)
    share = min(1.0, views / audience.size)
    seen = audience[rng.random(audience.size) < share]
    effects.add_spend("advertising", model.brand.pay(seen.size * cost_per_view))
    hear_brand(model, seen, lever.claimed_quality, lever.impact, lever.interest_gain, Source.ADVERTISING, effects)


def post_content(model, lever: L.BrandContent, rng, effects) -> None:
    """A brand post: engaged followers see it; engaged customers who like the product re-share it."""
    if model.brand.affordable_share(lever.cost_per_post) < 1.0:
        return
    effects.add_spend("content", model.brand.pay(lever.cost_per_post))
    c = model.consumers
    followers = np.flatnonzero(c.follows_brand)
    engaged = followers[rng.random(followers.size) < lever.engagement]
    hear_brand(model, engaged, lever.claimed_quality, lever.impact, lever.interest_gain, Source.CONTENT, effects)
    fans = engaged[(c.role[engaged] == Role.CUSTOMER) & (c.opinion[engaged] > 0)]
    effects.reshares = np.concatenate([effects.reshares, fans[rng.random(fans.size) < lever.reshare]])


def seed(model, lever: L.Seeding, rng, effects) -> None:
    """Give the product to k targeted consumers (advocates, already customers, get a talk boost instead)."""
    unit_cost = (model.unit_cost if lever.cost_per_seed is None else lever.cost_per_seed) * model.represents
    k = int(lever.k * model.brand.affordable_share(lever.k * unit_cost))
    if k == 0:
        return
    chosen = choose_seeds(model, lever.targeting, k, rng)
    effects.add_spend("seeding", model.brand.pay(chosen.size * unit_cost))
    c = model.consumers
    advocates = chosen[c.role[chosen] == Role.CUSTOMER]
    model.base_talk_boost[advocates] *= lever.advocate_boost  # advocates stay boosted
    make_aware(c, chosen, Source.SEEDING)
    c.first_source[chosen[c.role[chosen] != Role.CUSTOMER]] = Source.SEEDING  # their adoption is the campaign's
    effects.seeds = np.unique(np.concatenate([effects.seeds, chosen[c.role[chosen] != Role.CUSTOMER]]))


def run_referral(model, lever: L.Referral, rng, effects) -> None:
    """While it runs, customers talk `talk_boost` times more and their messages count as incentivised."""
    c = model.consumers
    customers = c.role == Role.CUSTOMER
    c.incentivised[customers] = True
    c.talk_boost[customers] *= lever.talk_boost
    effects.referral_reward += lever.reward


def respond_to_reviews(model, lever: L.ReviewResponse, rng, effects) -> None:
    """Answering negative messages this step; the model counts and pays for the answers it delivers."""
    effects.response_share = max(effects.response_share, lever.share)
    effects.response_softening = max(effects.response_softening, lever.softening)
    effects.response_cost = lever.cost_per_response


def improve_quality(model, lever: L.QualityImprovement, rng, effects) -> None:
    """A lasting improvement of the experience from `start` on, paid once (and per step if set)."""
    effects.quality_shift += lever.shift
    effects.spread_factor *= lever.spread_factor
    cost = lever.cost_per_step + (lever.cost if model.step_index == lever.start else 0.0)
    effects.add_spend("quality", model.brand.pay(cost))


def promote_price(model, lever: L.PricePromotion, rng, effects) -> None:
    """A discount while the promotion runs."""
    effects.discount = max(effects.discount, lever.discount)


# Levers acting at their scheduled steps, and levers in force throughout their period.
SCHEDULED = {L.Advertising: advertise, L.BrandContent: post_content, L.Seeding: seed}
CONTINUOUS = {
    L.Referral: run_referral,
    L.ReviewResponse: respond_to_reviews,
    L.QualityImprovement: improve_quality,
    L.PricePromotion: promote_price,
}


def carry_out_strategy(model, brand) -> MarketingEffects:
    """Apply every lever of the brand's strategy that acts at the current step."""
    step = model.step_index
    c = model.consumers
    effects = MarketingEffects(background=model.params["background_media"])
    if any(isinstance(lever, (L.Referral, L.Seeding)) for lever in brand.strategy.levers):
        # Boosts and incentives last only while their programme runs: reset, then re-apply.
        c.talk_boost[:] = model.base_talk_boost
        c.incentivised[:] = False
    for index, lever in enumerate(brand.strategy.levers):
        rng = model.stream("marketing", index)
        if type(lever) in SCHEDULED and lever.active(step):
            SCHEDULED[type(lever)](model, lever, rng, effects)
        elif type(lever) in CONTINUOUS and lever.running(step):
            CONTINUOUS[type(lever)](model, lever, rng, effects)
    return effects
