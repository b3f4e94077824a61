"""The KPIs measured at every step (names, labels and units: ``simulation.kpis.STEP_KPIS``).

``model.timeseries()`` gives them as a DataFrame, one row per step, through Mesa's DataCollector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kpis import ADOPTION_SOURCES
from .marketing.registry import counters as lever_counters
from .state import ConsumerState, Role, Source, TieState
from .step_records import Messages, Purchases


@dataclass
class Tallies:
    """Counts the KPIs need every step, kept up to date as they change instead of recounted."""

    role_counts: np.ndarray  # consumers per Role
    customers_by_source: np.ndarray  # customers per Source they first heard through
    ever_followed: int  # consumers who followed the brand at some point
    tie_trust_total: float  # sum of trust over ties

    @classmethod
    def count(cls, consumers: ConsumerState, ties: TieState | None) -> Tallies:
        customers = consumers.role == Role.CUSTOMER
        return cls(
            role_counts=np.bincount(consumers.role, minlength=len(Role)),
            customers_by_source=np.bincount(consumers.first_source[customers], minlength=len(Source)),
            ever_followed=int(consumers.follows_brand.sum()),
            tie_trust_total=0.0 if ties is None else float(ties.trust.sum(dtype=np.float64)),
        )

    def change_roles(self, consumers: ConsumerState, who: np.ndarray, role: Role) -> None:
        """Count `who` (whose roles are about to change) under their new role."""
        self.role_counts -= np.bincount(consumers.role[who], minlength=len(Role))
        self.role_counts[role] += who.size
        if role == Role.CUSTOMER:
            self.customers_by_source += np.bincount(consumers.first_source[who], minlength=len(Source))


def measure_kpis(
    step: int,
    consumers: ConsumerState,
    tallies: Tallies,
    aware: np.ndarray,
    purchases: Purchases,
    messages: Messages,
    effects,
    repeat: int,
    *,
    page,
    reviews,
    readers: int,
    revenue: float,
    margin: float,
    brand_trust: float,
    mean_tie_trust: float,
    compiled: bool = False,
) -> dict:
    """This step's KPIs. Opinions are summarised over aware consumers (the others have none to voice)."""
    c, counts = consumers, tallies.role_counts
    n_aware, opinion_sum, negatives = aware_opinions(aware, c.opinion, compiled)
    average_rating = page.average
    spend = float(sum(effects.spend.values()))
    gross = revenue * margin
    kpis = {
        "step": step,
        "adopters": int(counts[Role.CUSTOMER]),
        "new_adopters": int(purchases.buyers.size),
        "prospects": int(counts[Role.PROSPECT]),
        "followers": int(counts[Role.FOLLOWER]),
        "customers": int(counts[Role.CUSTOMER]),
        "following": int(np.count_nonzero(c.follows_brand)),
        "followers_gained": int(tallies.ever_followed),
        "aware_share": n_aware / c.n,
        "mean_opinion": opinion_sum / n_aware if n_aware else float("nan"),
        "negative_share": negatives / n_aware if n_aware else float("nan"),
        "talkers": int(messages.talkers.size),
        "positive_messages": messages.positive,
        "negative_messages": messages.negative,
        "repeat_purchases": repeat,
        "revenue": float(revenue),
        "gross_profit": gross,
        "spend": spend,
        "planned_spend": float(sum(effects.planned.values())),
        "profit": gross - spend,
        "brand_trust": float(brand_trust),
        "mean_tie_trust": float(mean_tie_trust),
        "average_rating": float("nan") if average_rating is None else average_rating,
        "review_count": page.count,
        "reviews_posted": int(reviews.stars.size),
        "page_readers": readers,
    }
    kpis.update(zip(_RATING_KPIS, page.histogram.tolist(), strict=True))
    by_source = tallies.customers_by_source.tolist()
    for name, source in _SOURCE_KPIS:
        kpis[name] = by_source[source]
    for name in lever_counters():
        kpis[name] = float(effects.counters.get(name, 0.0))
    return kpis


def aware_opinions(aware: np.ndarray, opinion: np.ndarray, compiled: bool = False) -> tuple[int, float, int]:
    """(aware consumers, the sum of their opinions, how many hold a negative one); ``compiled``: in one pass
    (``kernels.aware_opinions``). Both forms add the aware consumers' opinions in four lanes (the 1st, 5th,
    9th...; the 2nd, 6th...), each in the consumers' order, then (lane 1 + lane 2) + (lane 3 + lane 4): the
    same sum to the last bit, without one long chain of additions."""
    if compiled:
        from . import kernels

        count, total, negative = kernels.compiled().aware_opinions(aware, opinion)
        return int(count), float(total), int(negative)
    held = opinion[aware]
    # 0.0 + : a lane starts from zero in the compiled form (which turns a lone -0.0 into 0.0)
    lanes = [0.0 + float(np.add.accumulate(held[k::4])[-1]) if held.size > k else 0.0 for k in range(4)]
    return int(held.size), (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]), int(np.count_nonzero(held < 0))


_RATING_KPIS = [f"ratings_{stars}" for stars in range(1, 6)]
_SOURCE_KPIS = [(f"adopters_{name}", Source[name.upper()]) for name in ADOPTION_SOURCES]
