"""The rule steps after a purchase: buyers experience the product, post ratings, learn whom to trust; aware
consumers start following the brand.

Equations: ``rules.experience`` (satisfaction, opinion after experience), ``rules.reviews`` (posting, expressed
satisfaction, stars), ``rules.trust`` (source accuracy, trust learning), ``rules.awareness`` (following);
docs/MODEL.md, "Submodels".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels, streams
from ..marketing.base import MarketingEffects
from ..rules import reviews, trust
from ..rules.awareness import follow_probability
from ..rules.experience import draw_satisfaction, opinion_after_experience
from ..rules.rates import per_step_probability
from ..state import Role
from ..step_records import Reviews
from .record import StepRecord

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


def experience(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Buyers experience the product, revise their opinion and their trust in what they were told; their
    satisfaction goes into the record (rules.experience: draw_satisfaction, opinion_after_experience;
    rules.trust: source_accuracy, learn_trust)."""
    buyers = record.purchases.buyers
    if buyers.size == 0:
        record.satisfaction = np.empty(0)
        return
    c, prm = model.consumers, model.settings
    quality, spread = model.current_quality(effects)
    satisfaction = draw_satisfaction(model.taste[buyers], quality, spread)
    satisfaction[model.unit_fails[buyers]] = prm.defect_satisfaction  # a failed unit, whatever the quality
    c.satisfaction[buyers] = satisfaction
    c.purchase_step[buyers] = model.step_index
    c.purchases[buyers] += 1
    c.opinion[buyers] = opinion_after_experience(c.opinion[buyers], satisfaction, prm.experience_weight)
    c.awareness[buyers] = 1.0
    learn_trust(model, buyers, satisfaction)
    model.change_roles(buyers, Role.CUSTOMER)
    record.satisfaction = satisfaction


def review(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Buyers post ratings on the product page; those offered an incentive post more (rules.reviews:
    posting_probability, expressed_satisfaction, rating_stars)."""
    record.reviews = buyers_review(model, effects, record.purchases.buyers, record.satisfaction)


def buyers_review(model: WordOfMouthModel, effects: MarketingEffects, buyers, satisfaction) -> Reviews:
    """The ratings these buyers (of this sub-step, with this satisfaction) post, each on its own hashed uniform."""
    uniforms = streams.hashed_uniforms(model.salt("reviews"), buyers, model.compiled)
    return post_reviews(
        model, buyers, satisfaction, uniforms, effects.review_ask, effects.review_incentive, model.page.average
    )


def post_reviews(
    model: WordOfMouthModel, buyers, satisfaction, uniforms, asked: float, uptake: float, average: float | None
) -> Reviews:
    """Post the ratings of the buyers whose uniform falls under their posting probability.

    A buyer posts spontaneously when u < P; offered an incentive, one who would not have posts with
    probability `uptake` (P <= u < P + (1 - P) uptake), and its review is flagged incentivised."""
    prm = model.settings
    spontaneous = reviews.posting_probability(
        satisfaction,
        prm.review_propensity,
        prm.review_extremity,
        prm.review_reference,
        asked,
        model.page.negative_share,
        prm.herding_correction,
        prm.review_notable,
    )
    posts = uniforms < spontaneous + (1.0 - spontaneous) * uptake
    incentivised = posts & (uniforms >= spontaneous)
    expressed = reviews.expressed_satisfaction(satisfaction[posts], average, prm.herding)
    stars = reviews.rating_stars(expressed, prm.rating_bias)
    model.page.post(stars, incentivised[posts])
    return Reviews(posters=buyers[posts], stars=stars, incentivised=incentivised[posts])


def ask_for_reviews(model: WordOfMouthModel, who: np.ndarray, uptake: float = 0.0) -> Reviews:
    """Customers among `who` asked for a rating now (a lever's verb, ``LeverContext.ask_to_review``): each posts
    as a buyer asked for a review does (``post_reviews`` with the whole under-reporting bias removed), on its
    own hashed uniform. Raises ValueError if any of `who` has not bought (nothing to rate)."""
    who = np.asarray(who, dtype=np.int64)
    c = model.consumers
    never = who[np.isnan(c.satisfaction[who])]
    if never.size:
        raise ValueError(
            f"ask_to_review was given {never.size} consumers who never bought (e.g. consumer {int(never[0])}); "
            "only customers can rate the product"
        )
    uniforms = streams.hashed_uniforms(model.salt("reviews_asked"), who, model.compiled)
    return post_reviews(model, who, c.satisfaction[who], uniforms, 1.0, uptake, model.page.average)


def learn_trust(model: WordOfMouthModel, buyers: np.ndarray, satisfaction: np.ndarray) -> None:
    """Ties whose last message matched the experience gain trust, misleading ones lose it; so does the brand.
    First and repeat buyers alike (``purchase.repeat_purchases``): each purchase is an experience."""
    c, prm = model.consumers, model.settings
    learn_tie_trust(model, buyers, satisfaction, prm.trust_learning)
    claims = c.claim_heard[buyers]
    told = ~np.isnan(claims)
    if told.any():
        accuracy = float(trust.source_accuracy(claims[told], satisfaction[told]).mean())
        rate = per_step_probability(prm.brand_trust_learning, model.dt)
        model.brand.trust = float(trust.learn_trust(model.brand.trust, accuracy, float(rate)))


def learn_tie_trust(model: WordOfMouthModel, who: np.ndarray, evidence: np.ndarray, learning: float) -> None:
    """The ties of `who` (distinct consumers) that carried a message move their trust toward its accuracy against
    `evidence` (one's own satisfaction, or ``rules.trust.reported_evidence``) at rate `learning`; trust in each
    community moves toward the mean accuracy of its ties at ``community_trust_learning``."""
    if model.ties is None or who.size == 0:
        return
    prm = model.settings
    if model.compiled:  # _learn_tie_trust, consumer by consumer (the same numbers)
        model.tallies.tie_trust_total += kernels.compiled().learn_tie_trust(
            who,
            evidence,
            model.network.indptr,
            model.ties.last_valence,
            model.ties.trust,
            model.ties.same_community,
            model.consumers.group_trust,
            float(learning),
            float(prm.community_trust_learning),
        )
    else:
        _learn_tie_trust(model, who, evidence, learning)


def _learn_tie_trust(model: WordOfMouthModel, who: np.ndarray, evidence: np.ndarray, learning: float) -> None:
    """``learn_tie_trust`` in numpy: the ties that carried a message learn from its accuracy; so does trust in
    each community."""
    c, prm, t = model.consumers, model.settings, model.ties
    assert t is not None
    starts, ends = model.network.indptr[who], model.network.indptr[who + 1]
    counts = ends - starts
    ties = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    heard = ~np.isnan(t.last_valence[ties])
    ties = ties[heard]
    experienced = np.repeat(evidence, counts)[heard]
    accuracy = trust.source_accuracy(t.last_valence[ties], experienced)
    before = t.trust[ties]
    after = trust.learn_trust(before, accuracy, learning).astype(np.float32)
    t.trust[ties] = after
    if after.size:  # changes added one after another, as the compiled pass adds them (the same sum)
        change = np.add.accumulate(after.astype(np.float64) - before.astype(np.float64))[-1]
        model.tallies.tie_trust_total += float(change)
    if prm.community_trust_learning > 0:
        listener = t.listener[ties]
        group = (~t.same_community[ties]).astype(np.intp)
        (rows, cols), told = trust.community_accuracy(listener, group, accuracy)
        learned = trust.learn_trust(c.group_trust[rows, cols], told, prm.community_trust_learning)
        c.group_trust[rows, cols] = learned.astype(np.float32)


def follow(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Aware consumers start following the brand; prospects who do become followers
    (rules.awareness.follow_probability)."""
    c = model.consumers
    rate = model.settings.follow_rate
    if rate <= 0:
        return
    # Thinning: interest <= 1 bounds the probability.
    who, u = streams.thinned(
        record.aware & ~c.follows_brand,
        float(per_step_probability(rate, model.dt)),  # follow_probability at interest 1
        model.salt("follow"),
        model.compiled,
    )
    new = who[u < follow_probability(c.interest[who], rate, model.dt)]
    c.follows_brand[new] = True
    model.tallies.ever_followed += new.size
    model.change_roles(new[c.role[new] == Role.PROSPECT], Role.FOLLOWER)
