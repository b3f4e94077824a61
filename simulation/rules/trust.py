"""Trust rules: how much a message moves its listener, and how trust is learned from experience.

Equations (docs/MODEL.md, "Trust"):

    trust_ij = t_ij * g_i(c)                                   (effective trust: in the person, in its community)
    w_ij   = trust_ij * credibility_j * openness_i            (message weight)
    w'_ij  = w_ij if |o_j - o_i| <= epsilon else beta * w_ij (bounded confidence, Deffuant et al. 2000)
    o_i   <- o_i + mu * sum_j w'_ij (o_j - o_i) / max(1, sum_j w'_ij)
    accuracy(v, s) = max(0, 1 - |v - s|)                      (v: what was said, s: what was experienced)
    trust  <- trust + eta * (accuracy - trust)
    e_i = sum_b s_b / m_i                                     (evidence of one who has not bought: buyers' reports)
    g_i(c) <- g_i(c) + eta_g (mean accuracy of what members of c told i - g_i(c))   (community trust)

g_i(c) is i's trust in its own community (c = 0) or in the others (c = 1): consumers trust members of
their own community more than outsiders, and learn how far either can be believed.
"""

from __future__ import annotations

import numpy as np

from .forms import at_least, choose, clamp


def effective_trust(tie_trust, community_trust):
    """trust_ij = t_ij x g_i(c): trust in the speaker as a person, times trust in the speaker's community."""
    return np.asarray(tie_trust, dtype=np.float64) * community_trust


def message_weight(trust, credibility, openness):
    """w = trust in the speaker x the speaker's credibility x the listener's openness."""
    return trust * credibility * openness


def bounded_confidence(weight, gap, confidence_bound: float, beyond_bound_weight: float):
    """w' = w if |gap| <= epsilon else beta w: messages whose valence lies beyond the confidence bound from the
    listener's opinion are discounted (Deffuant et al. 2000)."""
    return choose(abs(gap) <= confidence_bound, weight, weight * beyond_bound_weight)


def shifted_opinion(opinion, pull, total, persuasion: float):
    """o <- clip(o + mu sum_j w'_j (o_j - o) / max(1, sum_j w'_j), -1, 1), from `pull` = sum_j w'_j (o_j - o)
    and `total` = sum_j w'_j of what the listener heard this step."""
    return clamp(opinion + persuasion * pull / at_least(total, 1.0), -1.0, 1.0)


def shift_opinions(
    opinion: np.ndarray,
    listeners: np.ndarray,
    gap: np.ndarray,
    weight: np.ndarray,
    persuasion: float,
    unique: bool = False,
) -> None:
    """Move each listener's opinion toward what it heard this step (in place).

    Messages heard in the same step act together: the shift is the weighted mean gap, so several
    messages never push an opinion past the furthest of them (with one message it is Deffuant's rule).
    """
    n = opinion.shape[0]
    if unique:  # each listener heard one message: no sums to take (and no market-sized temporaries)
        pull, total = weight * gap, weight
    else:
        pull = np.bincount(listeners, weights=weight * gap, minlength=n)[listeners]
        total = np.bincount(listeners, weights=weight, minlength=n)[listeners]
    # Gaps were measured before any update, so assigning per message (repeats give one value) is exact.
    opinion[listeners] = shifted_opinion(opinion[listeners], pull, total, persuasion)


def source_accuracy(valence, satisfaction):
    """How well a message (or a brand claim) of valence v foretold the experience s: max(0, 1 - |v - s|)."""
    return at_least(1.0 - abs(valence - satisfaction), 0.0)


def learn_trust(trust, accuracy, learning: float):
    """Trust moves toward the source's accuracy: trust + eta (accuracy - trust)."""
    return trust + learning * (accuracy - trust)


def reported_evidence(report_sum, reports):
    """What a consumer who has not bought knows of the product this step: e_i = sum_b s_b / m_i, the mean
    satisfaction of the m_i buyers among its ties who reported their experience (``report_sum``, ``reports``;
    buyers who talk at all). It stands in for the consumer's own experience in ``source_accuracy``: advice that
    disagreed with what buyers around it report loses trust (``learn_trust`` at ``trust_learning``, as after an
    experience)."""
    return report_sum / reports


def community_accuracy(listener: np.ndarray, group: np.ndarray, accuracy: np.ndarray):
    """((listeners, groups), mean accuracy): for each listener and community group (0: own, 1: others) it
    heard from, the mean accuracy of what those ties told it."""
    key = listener.astype(np.int64) * 2 + group
    keys, inverse = np.unique(key, return_inverse=True)
    mean = np.bincount(inverse, weights=accuracy) / np.bincount(inverse)
    return (keys // 2, keys % 2), mean
