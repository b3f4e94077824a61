"""The one rule for any message from the brand (an ad, a post): who sees it is decided by the lever."""

from __future__ import annotations

import numpy as np

from ..rules.awareness import raise_recall
from ..rules.trust import bounded_confidence, message_weight, shift_opinions
from ..state import Source
from .base import MarketingEffects


def hear_brand(
    model,
    who: np.ndarray,
    claimed_quality: float,
    impact: float,
    interest_gain: float,
    persuasiveness: float,
    source: Source,
    effects: MarketingEffects,
    recall: float = 1.0,
) -> None:
    """A brand message seen by `who`.

    It adds `recall` to their awareness (1: aware at once), adds ``impact x brand_trust`` to their external influence E_i, raises interest
    by ``interest_gain x brand_trust x openness`` and pulls opinions toward the claimed quality with
    weight ``persuasiveness x brand_trust x openness`` under the same bounded-confidence rule as peer
    messages (persuasiveness: the weight of one brand message relative to a peer's message).
    """
    if who.size == 0:
        return
    c, prm, trust = model.consumers, model.params, model.brand.trust
    raise_recall(c, who, recall, source)
    effects.external_influence()[who] += impact * trust
    weight = message_weight(trust, 1.0, c.openness[who])
    c.interest[who] = np.clip(c.interest[who] + interest_gain * weight, 0.0, 1.0)
    gap = claimed_quality - c.opinion[who]
    weight = bounded_confidence(persuasiveness * weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
    shift_opinions(c.opinion, who, gap, weight, prm["persuasion"])
    c.claim_heard[who] = claimed_quality
