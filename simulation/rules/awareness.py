"""Awareness, interest and following the brand.

Equations (docs/MODEL.md, "Awareness and interest"):

    awareness_i <- awareness_i + sum of the recall of the messages seen (capped at 1): 1 for a brand post or
    a page read, `recall` for an ad, n x trust x credibility for a peer's message seen n times;
    awareness_i <- awareness_i exp(-delta_a dt)
    interest_i  <- clip(interest_i + g * sum_m w_m v_m, 0, 1);  interest_i <- base + (interest_i - base) exp(-delta_i dt)
    P(an aware prospect starts following) = 1 - exp(-follow_rate * interest_i * dt)
"""

from __future__ import annotations

import numpy as np

from ..state import AWARE_THRESHOLD, ConsumerState, Source
from .forms import at_most, clamp
from .purchase import TYPICAL_INTEREST
from .rates import decay_factor, per_step_probability


def make_aware(consumers: ConsumerState, who: np.ndarray, source: Source) -> None:
    """Refresh recall of `who` (repeats allowed) and record `source` for those hearing of the product first."""
    consumers.awareness[who] = 1.0
    first = who[consumers.first_source[who] == Source.UNAWARE]
    consumers.first_source[first] = source


def raise_recall(consumers: ConsumerState, who: np.ndarray, recall, source: Source) -> None:
    """Each message seen by `who` (repeats allowed) adds its `recall` to awareness, capped at 1: one ad, or one
    mention from someone hardly trusted, may not be enough to remember the product. Those who become aware
    for the first time record `source`."""
    if np.ndim(recall) == 0:
        added = np.full(who.shape[0], float(recall))
    else:
        added = np.asarray(recall, dtype=np.float64)
    total = np.bincount(who, weights=added, minlength=consumers.n)[who]
    # Repeated consumers get the same (summed) value assigned more than once: no np.add.at needed.
    consumers.awareness[who] = recalled(consumers.awareness[who], total)
    first = who[(consumers.first_source[who] == Source.UNAWARE) & (consumers.awareness[who] >= AWARE_THRESHOLD)]
    consumers.first_source[first] = source


def raise_interest(
    consumers: ConsumerState, listeners: np.ndarray, push: np.ndarray, gain: float, unique: bool = False
) -> None:
    """Add gain x (weighted valence) of what each listener heard to its interest, kept in [0, 1].
    ``unique``: each listener appears once (no sums to take, no market-sized temporary)."""
    total = push if unique else np.bincount(listeners, weights=push, minlength=consumers.n)[listeners]
    # Repeated listeners get the same (summed) value assigned more than once: no np.add.at needed.
    consumers.interest[listeners] = raised_interest(consumers.interest[listeners], total, gain)


def recalled(awareness, recall):
    """awareness + the recall of what was seen, capped at 1."""
    return at_most(awareness + recall, 1.0)


def raised_interest(interest, push, gain: float):
    """interest <- clip(interest + g sum_m w_m v_m, 0, 1), from `push` = sum_m w_m v_m."""
    return clamp(interest + gain * push, 0.0, 1.0)


def page_visit_probability(visiting, interest, dt: float):
    """P(an aware consumer reads the product page in a step) = 1 - exp(-visiting x interest / 0.5 x dt)."""
    return per_step_probability(visiting * interest / TYPICAL_INTEREST, dt)


def fade(
    consumers: ConsumerState, *, awareness_decay: float, interest_decay: float, interest_baseline: float, dt: float
) -> None:
    """Without reminders recall fades to zero and interest back to the latent category interest."""
    if awareness_decay > 0:
        consumers.awareness *= decay_factor(awareness_decay, dt)
    if interest_decay > 0:
        factor = decay_factor(interest_decay, dt)
        consumers.interest *= factor
        consumers.interest += interest_baseline * (1.0 - factor)


def follow_probability(interest: np.ndarray, follow_rate: float, dt: float) -> np.ndarray:
    """Per-step probability that an aware consumer not yet following (of this interest) starts to follow."""
    return per_step_probability(follow_rate * interest, dt)
