"""The rule step in which consumers who have not bought learn whom to trust from what buyers around them report.

Equations: ``rules.trust`` (reported_evidence, source_accuracy, learn_trust, community_accuracy);
docs/MODEL.md, "Trust rules".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..marketing.base import MarketingEffects
from ..rules import reviews, trust
from .experience import learn_tie_trust
from .record import StepRecord

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


def learn_from_reports(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Consumers who never bought learn whom to trust from what this sub-step's buyers among their ties report
    and, for those who read it this sub-step, from the product page: each judges the advice its ties gave
    against that evidence (rules.trust: reported_evidence, source_accuracy, learn_trust at
    ``report_trust_learning``; community trust as after an experience)."""
    t, prm, c = model.ties, model.settings, model.consumers
    if t is None or (prm.report_trust_learning <= 0 and prm.community_trust_learning <= 0):
        return
    buyers = record.purchases.buyers
    # The buyers' own ties to their listeners (spoken_by is ordered by speaker).
    starts, ends = t.spoken_indptr[buyers], t.spoken_indptr[buyers + 1]
    counts = ends - starts
    spoken = t.spoken_by[np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())]
    listeners = t.listener[spoken].astype(np.int64)
    reported = np.repeat(record.satisfaction, counts)
    valence, weight = page_evidence(model)
    readers = np.flatnonzero(c.page_read_step == model.tick) if weight > 0 else np.empty(0, dtype=np.int64)
    heard = np.concatenate([listeners, readers])
    heard = heard[np.isnan(c.satisfaction[heard])]  # who has bought judges by its own experience
    if heard.size == 0:
        return
    who = np.unique(heard)
    at = np.searchsorted(who, listeners)
    kept = (at < who.size) & (who[np.minimum(at, who.size - 1)] == listeners)
    report_sum = np.bincount(at[kept], weights=reported[kept], minlength=who.size)
    reports = np.bincount(at[kept], minlength=who.size)
    page_read = np.isin(who, readers)
    evidence = trust.reported_evidence(report_sum, reports, page_read, valence, weight)
    learn_tie_trust(model, who, evidence, prm.report_trust_learning)


def page_evidence(model: WordOfMouthModel) -> tuple[float, float]:
    """(V, w_p): the page's perceived valence and the weight a reader gives it, review_trust x c(n) (as when the
    page is read, ``engine.page.discover_and_read``); (0, 0) before the first review."""
    prm, page = model.settings, model.page
    volume = reviews.volume_weight(page.real_count, prm.review_volume_half, prm.review_volume_exponent)
    valence = reviews.perceived_valence(page.weights_by_star(prm.incentive_discount), prm.review_negativity)
    if volume <= 0 or np.isnan(valence):
        return 0.0, 0.0
    return float(valence), float(prm.review_trust * volume)
