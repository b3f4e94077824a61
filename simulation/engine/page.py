"""The product page's rule step: consumers discover the product through media or its page, and read the page.

Equations: ``rules.reviews`` (volume weight c(n), perceived valence V), ``rules.trust`` (bounded confidence,
opinion shift), ``rules.awareness``; docs/MODEL.md, "Submodels".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels, streams
from ..marketing.base import MarketingEffects
from ..rules import reviews, trust
from ..rules.awareness import make_aware, page_visit_probability, raise_interest
from ..rules.rates import per_step_probability
from ..state import CUSTOMER_CODE, Source
from .delivery import fading_by_age
from .kernel_inputs import PageReaders, PageReading
from .record import StepRecord

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


def read_page(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Consumers discover the product and read its page (``discover_and_read``; rules.reviews: volume_weight,
    perceived_valence; rules.awareness.page_visit_probability; rules.trust: bounded_confidence, shifted_opinion)."""
    record.readers = discover_and_read(model)


def discover_and_read(model: WordOfMouthModel) -> int:
    """Unaware consumers learn of the product from media (rate ``media_awareness_rate``) or from its page
    (rate ``page_discovery_rate`` x c(n)); aware non-customers read the page (rate ``page_visit_rate`` x
    interest / 0.5), and so do those who found the product through it.

    A read moves interest and opinion toward the page's perceived valence V with weight
    review_trust x c(n) x openness (``rules.reviews``), and leaves the page signal R_i that enters the
    purchase hazard. Returns the number of readers.
    """
    c, prm, page = model.consumers, model.settings, model.page
    n_reviews = page.real_count  # real-market reviews: the same page at any simulated size
    volume = reviews.volume_weight(n_reviews, prm.review_volume_half, prm.review_volume_exponent)
    media, finding = prm.media_awareness_rate, prm.page_discovery_rate * volume
    visiting = prm.page_visit_rate if n_reviews else 0.0
    if media <= 0 and finding <= 0 and visiting <= 0:
        return 0
    discover = float(per_step_probability(media + finding, model.dt))
    # Thinning: interest <= 1, so no consumer above this bound discovers or reads.
    bound = max(discover, float(page_visit_probability(visiting, 1.0, model.dt)))
    via_page_below = discover * finding / max(media + finding, 1e-300)
    valence = reviews.perceived_valence(page.weights_by_star(prm.incentive_discount), prm.review_negativity)
    weight_per_openness, signal = prm.review_trust * volume, prm.review_trust * volume * max(valence, 0.0)
    if model.compiled:  # the numpy lines below in one pass over the market, with the thinning
        state = PageReaders(
            c.role, c.awareness, c.first_source, c.interest, c.openness, c.opinion, c.page_signal, c.page_read_step
        )
        settings = PageReading(
            model.salt("page"),
            bound,
            discover,
            via_page_below,
            float(visiting),
            model.dt,
            float(valence),
            float(weight_per_openness),
            float(signal),
            model.tick,
            float(prm.confidence_bound),
            float(prm.beyond_bound_weight),
            float(prm.interest_gain),
            float(prm.persuasion),
        )
        return sum(kernels.over_consumers(kernels.compiled().discover_and_read, c.n, (state, settings)))
    who, u = streams.thinned(c.role != CUSTOMER_CODE, bound, model.salt("page"), False)
    aware = c.aware_among(who)
    found = ~aware & (u < discover)
    via_page = found & (u < via_page_below)
    make_aware(c, who[found & ~via_page], Source.MEDIA)
    visit = page_visit_probability(visiting, c.interest[who], model.dt)
    readers = who[(aware & (u < visit)) | via_page]
    if readers.size == 0:
        return 0
    make_aware(c, readers, Source.REVIEWS)
    weight = weight_per_openness * c.openness[readers]
    gap = valence - c.opinion[readers]
    weight = trust.bounded_confidence(weight, gap, prm.confidence_bound, prm.beyond_bound_weight)
    raise_interest(c, readers, weight * valence, prm.interest_gain, unique=True)
    trust.shift_opinions(c.opinion, readers, gap, weight, prm.persuasion, unique=True)
    c.page_signal[readers] = signal
    c.page_read_step[readers] = model.tick
    return int(readers.size)


def page_influence(model: WordOfMouthModel, who: np.ndarray) -> np.ndarray:
    """R_i: the page signal of i's last read, fading like the memory of recommendations."""
    c = model.consumers
    read = c.page_read_step[who]
    return np.where(read >= 0, c.page_signal[who] * fading_by_age(model)[np.maximum(model.tick - read, 0)], 0.0)
