"""Purchase: the hazard of buying, combining Bass's external and social influence.

Equation (docs/MODEL.md, "Purchase"):

    g_i = (interest_i / 0.5) * max(0, 1 + kappa o_i) * [o_i > o_reject]       (gate; 1 for a typical consumer)
    h_i = g_i * (p * E_i + q * S_i + r * R_i) * (1 + elasticity * discount)   (hazard, per year)
    P(i buys in a step) = 1 - exp(-h_i dt)

E_i is the external influence (background media plus brand messages seen this step, weighted by brand
trust), S_i the social influence: the recommendations i's ties hold, each weighted by i's trust in the
speaker and the speaker's credibility, per tie (taken at mid-step, ``midstep_influence``), R_i the
signal of the product page i last read (``rules.reviews``), r = ``review_influence``. With every gate at 1, E = 1 and a complete network, S = F (the
adopters' share) and the hazard is Bass's p + q F.
"""

from __future__ import annotations

import numpy as np

from .forms import at_least, choose, clamp
from .rates import per_step_probability

TYPICAL_INTEREST = 0.5


def purchase_gate(opinion, interest, opinion_sensitivity: float, rejection_opinion: float):
    """Interest scaled by opinion; a negative enough opinion blocks the purchase altogether.

    Interest is measured against the typical 0.5 and opinion against neutral, so a typical consumer's
    gate is 1 and its hazard is Bass's p E + q S.
    """
    scale = at_least(1.0 + opinion_sensitivity * opinion, 0.0)
    return choose(opinion > rejection_opinion, (interest / TYPICAL_INTEREST) * scale, 0.0)


def purchase_hazard(gate, p: float, external, q: float, social, price_factor: float = 1.0):
    """h = g (p E + q S) (1 + elasticity x discount): the yearly purchase hazard."""
    return gate * (p * external + q * social) * price_factor


def purchase_probability(hazard, dt: float):
    """Per-step purchase probability from the yearly hazard."""
    return per_step_probability(hazard, dt)


def social_share(external_part, social_part):
    """Share of a purchase attributable to peers: q S / (p E + q S) (0 where the hazard is 0)."""
    total = external_part + social_part
    return np.divide(social_part, total, out=np.zeros_like(total, dtype=np.float64), where=total > 0)


def midstep_influence(now, before):
    """S at the middle of the step, S + (S - S_prev) / 2 (kept in [0, 1]): the hazard integrated over the
    step with the second-order Adams-Bashforth rule instead of held at its value at the step's start."""
    return clamp(1.5 * now - 0.5 * before, 0.0, 1.0)
