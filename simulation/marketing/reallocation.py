"""Budget reallocation: every K steps the remaining budget moves toward the lever with the best observed
response per unit spent (a strategy's ``reallocate:``).

The rule (Thompson sampling, Thompson 1933; as probability matching over a Poisson-gamma model):

* each lever i has a tracked channel (``Lever.conversions``: customers who first heard of the product
  through its ads, its posts, its seeds, or were referred); the brand observes C_i, the customers its
  channel won, and S_i, what it spent, both up to the reading it acts on (the listening lag);
* conversions per unit spent, lambda_i, have the posterior Gamma(a + C_i, a / r + S_i), with a =
  ``prior_customers`` and r = (sum C + a) / sum S the pooled rate (so the prior weighs as much as a
  customers at the average response of all levers);
* P_i, the probability that lever i has the highest lambda, is estimated from ``draws`` joint draws of the
  posteriors; lever i gets the share  w_i = floor + (1 - m floor) P_i  of the remaining budget (m levers),
  as its allowance until the next reallocation; what it leaves unspent returns to the pool then.

Before any spend the split is even. At step 0 and every ``every`` steps after, the split is redone. A
lever's own settings set how fast it can spend (its ceiling); the allowance caps it (``Brand.pay``). The
draws use their own random stream (``reallocate``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from .base import Lever


class ReallocationSettings(BaseModel):
    """How a strategy moves its budget between its levers (a strategy's ``reallocate:``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    every: int = Field(..., ge=1, le=100_000, description="steps between two splits of the remaining budget (K)")
    floor: float = Field(0.1, ge=0, le=1, description="least share of the remaining budget each lever keeps")
    prior_customers: float = Field(
        1.0, gt=0, description="weight of the prior, in customers at the pooled response rate"
    )
    draws: int = Field(
        2000, ge=10, le=1_000_000, description="posterior draws estimating each lever's chance to be best"
    )


def thompson_shares(
    conversions: np.ndarray,
    spend: np.ndarray,
    floor: float,
    prior_customers: float,
    draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(shares, P(best)) for levers with these observed conversions and spend (see the module docstring)."""
    conversions = np.asarray(conversions, dtype=float)
    spend = np.asarray(spend, dtype=float)
    m = conversions.size
    if spend.sum() <= 0:
        best = np.full(m, 1.0 / m)
    else:
        pooled = (conversions.sum() + prior_customers) / spend.sum()
        shape = prior_customers + conversions
        rate = prior_customers / pooled + spend
        samples = rng.gamma(shape, 1.0 / rate, size=(draws, m))
        best = np.bincount(samples.argmax(axis=1), minlength=m) / draws
    return floor + (1.0 - m * floor) * best, best


class BudgetAllocation:
    """The allowance of each lever of a reallocating strategy, and what each spent and won (per step)."""

    def __init__(self, settings: ReallocationSettings, budget: float, levers: list[Lever]):
        self.settings = settings
        self.budget = budget
        self.levers = levers
        m = len(levers)
        self.allowance = np.full(m, np.inf)
        self.spent_by_step: list[np.ndarray] = []  # per step: spend of each lever
        self.won_by_step: list[np.ndarray] = []  # per step: customers each lever's channel won

    def _row(self, rows: list[np.ndarray], step: int) -> np.ndarray:
        while len(rows) <= step:
            rows.append(np.zeros(len(self.levers)))
        return rows[step]

    def left(self, index: int) -> float:
        return float(self.allowance[index])

    def spend(self, index: int, step: int, amount: float) -> None:
        self.allowance[index] -= amount
        self._row(self.spent_by_step, step)[index] += amount

    def convert(self, model, purchases) -> None:
        """Count each lever's customers of this step: by channel (first heard through it, whenever that
        was), or, for a lever that counts its own (referred purchases), only while it acts."""
        row = self._row(self.won_by_step, model.step_index)
        acting = {index for index, _ in model.brand.acting}
        for index, lever in enumerate(self.levers):
            if lever.channel is None and index not in acting:
                continue
            row[index] += lever.conversions(model, purchases) or 0.0

    def update(self, model, seen: int, rng: np.random.Generator) -> list[tuple[int, float, float]]:
        """At a reallocation step, split the remaining budget; returns (lever, share, allowance) for each lever."""
        step = model.step_index
        if step % self.settings.every:
            return []
        upto = max(seen + 1, 0)  # steps 0..seen are observed
        spent = (
            np.sum(self.spent_by_step[:upto], axis=0)
            if upto and self.spent_by_step[:upto]
            else np.zeros(len(self.levers))
        )
        won = (
            np.sum(self.won_by_step[:upto], axis=0) if upto and self.won_by_step[:upto] else np.zeros(len(self.levers))
        )
        s = self.settings
        shares, _ = thompson_shares(won, spent, s.floor, s.prior_customers, s.draws, rng)
        remaining = max(0.0, self.budget - model.brand.spend)
        self.allowance = remaining * shares
        return [(i, float(shares[i]), float(self.allowance[i])) for i in range(len(self.levers))]
