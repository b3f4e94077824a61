"""What one sub-step (and one step) did: the record the rule steps fill in and the KPIs are measured from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..step_records import Messages, Purchases, Reviews


def _nothing(dtype=np.int64) -> np.ndarray:
    return np.empty(0, dtype=dtype)


@dataclass
class StepRecord:
    """One sub-step's flows, filled in by the rule steps in their order (``schedule.SCHEDULE``)."""

    messages: Messages = field(default_factory=lambda: Messages(talkers=_nothing(), counts=_nothing()))
    purchases: Purchases = field(
        default_factory=lambda: Purchases(_nothing(), _nothing(), _nothing(float), _nothing(float))
    )
    satisfaction: np.ndarray = field(default_factory=lambda: _nothing(float))  # of this sub-step's buyers
    reviews: Reviews = field(default_factory=lambda: Reviews(_nothing(), _nothing(), _nothing(bool)))
    readers: int = 0  # consumers who read the product page
    repeat: int = 0  # repeat purchases
    aware: np.ndarray = field(default_factory=lambda: _nothing(bool))  # who was aware when purchases were made
    counts: dict[str, float] = field(default_factory=dict)  # what other rule steps count (summed over a step)

    @classmethod
    def combine(cls, records: list[StepRecord]) -> StepRecord:
        """One step's record from its sub-steps' (flows summed, states at the end)."""
        if len(records) == 1:
            return records[0]
        concat = np.concatenate
        messages = Messages(
            talkers=np.unique(concat([r.messages.talkers for r in records])),
            counts=np.empty(0, dtype=np.int64),
            positive_count=sum(r.messages.positive for r in records),
            negative_count=sum(r.messages.negative for r in records),
        )
        purchases = Purchases(
            buyers=concat([r.purchases.buyers for r in records]),
            free=concat([r.purchases.free for r in records]),
            external_part=concat([r.purchases.external_part for r in records]),
            social_part=concat([r.purchases.social_part for r in records]),
        )
        reviews = Reviews(
            posters=concat([r.reviews.posters for r in records]),
            stars=concat([r.reviews.stars for r in records]),
            incentivised=concat([r.reviews.incentivised for r in records]),
        )
        return cls(
            messages=messages,
            purchases=purchases,
            satisfaction=concat([r.satisfaction for r in records]),
            reviews=reviews,
            readers=sum(r.readers for r in records),
            repeat=sum(r.repeat for r in records),
            aware=records[-1].aware,
            counts={name: sum(r.counts.get(name, 0.0) for r in records) for r in records for name in r.counts},
        )
