"""A strategy's gain over the baseline split into expansion, acceleration and free seeds (Libai, Muller &
Peres 2013 for the first two).

Under common random numbers replication r of the strategy and of the baseline share every consumer, so
each consumer's purchase can be compared across the two worlds:

* expansion: customers at the horizon under the strategy who would never have bought under the baseline,
  net of the reverse: E = #(C_s & ~C_b) - #(C_b & ~C_s);
* acceleration: consumers who bought under both, but earlier under the strategy: A = #(t_s < t_b), and
  the mean number of steps purchases were brought forward, mean(t_b - t_s) over those who bought in both.

Free seeds (consumers given the product by a seeding lever) are kept apart from paying customers: they
bring no sale. With v = price x margin x represents the gross profit of a first purchase in the market's
money (each simulated consumer stands for ``market.represents`` real ones, as the run's money does),
paid_w(i) whether consumer i paid for a first purchase in world w, and d(t) = (1 + discount_rate) **
-((t + 1) * dt) the discount factor of step t (as in the run's NPV), consumer i's first-purchase value in
world w is V_w(i) = v * paid_w(i) * d(t_w(i)) (0 without a purchase in the run). The NPV difference splits
over disjoint sets of consumers:

    free seed value    = sum_{free in either world} (V_s - V_b)   (sales given away: <= 0 when seeds would have paid)
    expansion value    = sum_{C_s & ~C_b, paying} V_s - sum_{C_b & ~C_s, paying} V_b
    acceleration value = sum_{bought and paid in both} (V_s - V_b)
    other value        = NPV_s - NPV_b - (the three above)   (marketing spend, discounts, repeat purchases)

so the four parts add up to the NPV difference exactly. Counts are of simulated consumers.
"""

from __future__ import annotations

import numpy as np

from ..kpis import PAIR_KPIS
from ..parameters import TIME_UNITS

# Per-replication measures, in the order reports show them (labels and units: kpis.PAIR_KPIS; the
# incremental_* pair KPIs are experiment.incremental's).
MEASURES = {name: kpi.label for name, kpi in PAIR_KPIS.items() if not name.startswith("incremental_")}


def discount_factor(step: np.ndarray, discount_rate: float, time_unit: str) -> np.ndarray:
    """d(t) = (1 + r) ** -((t + 1) dt): value today of a unit earned at step t."""
    return (1.0 + discount_rate) ** (-(np.asarray(step, dtype=float) + 1.0) * TIME_UNITS[time_unit])


def decompose(strategy, baseline, unit_value: float, discount_rate: float, time_unit: str) -> dict:
    """Expansion, acceleration and free seeds of one paired replication (see the module docstring).

    ``strategy`` and ``baseline`` carry ``customer`` (bool per consumer, at the horizon), ``purchase_step``
    (step of first purchase in the run, -1 if none or bought before the run), ``free_seed`` (bool per
    consumer: got the product free from a seeding lever) and ``kpis["npv"]``. ``unit_value`` is v, the
    gross profit of one real first purchase times ``market.represents``.
    """
    bought_s = strategy.customer & (strategy.purchase_step >= 0)
    bought_b = baseline.customer & (baseline.purchase_step >= 0)
    free = strategy.free_seed | baseline.free_seed
    t_s, t_b = strategy.purchase_step, baseline.purchase_step
    value_s = np.where(bought_s & ~strategy.free_seed, unit_value * discount_factor(t_s, discount_rate, time_unit), 0.0)
    value_b = np.where(bought_b & ~baseline.free_seed, unit_value * discount_factor(t_b, discount_rate, time_unit), 0.0)
    gained = strategy.customer & ~baseline.customer & ~free
    lost = baseline.customer & ~strategy.customer & ~free
    both = bought_s & bought_b & ~free
    # Customers before the run (purchase_step -1) bought in both worlds and bring no new purchase.
    free_seed_value = (value_s[free] - value_b[free]).sum()
    expansion_value = value_s[gained].sum() - value_b[lost].sum()
    acceleration_value = (value_s[both] - value_b[both]).sum()
    npv_difference = float(strategy.kpis["npv"] - baseline.kpis["npv"])
    return {
        "expansion_customers": float(gained.sum() - lost.sum()),
        "customers_gained": float(gained.sum()),
        "customers_lost": float(lost.sum()),
        "free_seeds": float(strategy.free_seed.sum() - baseline.free_seed.sum()),
        "acceleration_customers": float((t_s[both] < t_b[both]).sum()),
        "delayed_customers": float((t_s[both] > t_b[both]).sum()),
        "steps_forward": float((t_b[both] - t_s[both]).mean()) if both.any() else float("nan"),
        "expansion_value": float(expansion_value),
        "acceleration_value": float(acceleration_value),
        "free_seed_value": float(free_seed_value),
        "other_value": float(npv_difference - expansion_value - acceleration_value - free_seed_value),
        "npv_difference": npv_difference,
    }
