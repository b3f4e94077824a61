"""A strategy's gain over the baseline split into expansion and acceleration (Libai, Muller & Peres 2013).

Under common random numbers replication r of the strategy and of the baseline share every consumer, so
each consumer's purchase can be compared across the two worlds:

* expansion: customers at the horizon under the strategy who would never have bought under the baseline,
  net of the reverse: E = #(C_s & ~C_b) - #(C_b & ~C_s);
* acceleration: consumers who bought under both, but earlier under the strategy: A = #(t_s < t_b), and
  the mean number of steps purchases were brought forward, mean(t_b - t_s) over those who bought in both.

Their value, with v = price x margin the gross profit of a first purchase and
d(t) = (1 + discount_rate) ** -((t + 1) * dt) the discount factor of step t (as in the run's NPV):

    expansion value    = v * (sum_{C_s & ~C_b} d(t_s) - sum_{C_b & ~C_s} d(t_b))
    acceleration value = v * sum_{both} (d(t_s) - d(t_b))

The rest of the NPV difference (marketing spend, free seeds, discounts, repeat purchases) is reported as
``other_value`` so the three parts add up to the NPV difference.
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
    """Expansion and acceleration of one paired replication (see the module docstring).

    ``strategy`` and ``baseline`` carry ``customer`` (bool per consumer, at the horizon), ``purchase_step``
    (step of first purchase in the run, -1 if none or bought before the run) and ``kpis["npv"]``.
    """
    bought_s = strategy.customer & (strategy.purchase_step >= 0)
    bought_b = baseline.customer & (baseline.purchase_step >= 0)
    gained = strategy.customer & ~baseline.customer
    lost = baseline.customer & ~strategy.customer
    both = bought_s & bought_b
    t_s, t_b = strategy.purchase_step, baseline.purchase_step
    d_s = discount_factor(t_s, discount_rate, time_unit)
    d_b = discount_factor(t_b, discount_rate, time_unit)
    # Customers before the run (purchase_step -1) bought in both worlds and bring no new purchase.
    expansion_value = unit_value * (d_s[gained & bought_s].sum() - d_b[lost & bought_b].sum())
    acceleration_value = unit_value * (d_s[both] - d_b[both]).sum()
    npv_difference = float(strategy.kpis["npv"] - baseline.kpis["npv"])
    return {
        "expansion_customers": float(gained.sum() - lost.sum()),
        "customers_gained": float(gained.sum()),
        "customers_lost": float(lost.sum()),
        "acceleration_customers": float((t_s[both] < t_b[both]).sum()),
        "delayed_customers": float((t_s[both] > t_b[both]).sum()),
        "steps_forward": float((t_b[both] - t_s[both]).mean()) if both.any() else float("nan"),
        "expansion_value": float(expansion_value),
        "acceleration_value": float(acceleration_value),
        "other_value": float(npv_difference - expansion_value - acceleration_value),
        "npv_difference": npv_difference,
    }
