"""The rule step in which consumers who have not bought learn whom to trust from what buyers around them report.

Equations: ``rules.trust`` (reported_evidence, source_accuracy, learn_trust, community_accuracy);
docs/MODEL.md, "Trust rules".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..marketing.base import MarketingEffects
from ..rules import trust
from ..rules.conversation import ties_spoken_by
from .experience import learn_tie_trust
from .record import StepRecord

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


def learn_from_reports(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Consumers who never bought hear this sub-step's buyers among their ties (those who talk at all:
    talkativeness > 0) report their experience, and judge the advice their ties gave against it (rules.trust:
    reported_evidence, source_accuracy, learn_trust at ``trust_learning``; community trust as after an
    experience)."""
    t, prm, c = model.ties, model.settings, model.consumers
    if t is None or (prm.trust_learning <= 0 and prm.community_trust_learning <= 0):
        return
    talking = c.talkativeness[record.purchases.buyers] > 0  # one who never talks tells nobody
    buyers, satisfaction = record.purchases.buyers[talking], record.satisfaction[talking]
    spoken, counts = ties_spoken_by(buyers, t)  # the buyers' own ties to their listeners
    listeners = t.listener[spoken].astype(np.int64)
    reported = np.repeat(satisfaction, counts)
    never_bought = np.isnan(c.satisfaction[listeners])  # who has bought judges by its own experience
    listeners, reported = listeners[never_bought], reported[never_bought]
    if listeners.size == 0:
        return
    who, at = np.unique(listeners, return_inverse=True)
    evidence = trust.reported_evidence(np.bincount(at, weights=reported), np.bincount(at))
    learn_tie_trust(model, who, evidence, prm.trust_learning)
