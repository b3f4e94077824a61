"""Confidence intervals across replications: t-intervals on means and on paired differences.

Replications are independent draws of a run-level KPI, so the mean's interval is the Student t-interval
    mean +/- t_{1-a/2, n-1} * s / sqrt(n),
with s the sample standard deviation. Under common random numbers the paired difference
d_r = KPI_r(strategy) - KPI_r(baseline) of replication r removes the shared noise, and its interval is
the t-interval of the d_r. Runs where a KPI is undefined (NaN, e.g. 50% adoption never reached) are
left out and the number of runs used, n, is reported with the interval.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats


class Interval(NamedTuple):
    mean: float
    low: float
    high: float
    n: int  # runs where the value was defined


def t_interval(values, confidence: float = 0.95) -> Interval:
    """Mean and t-interval of the defined (non-NaN) values; one value gives an unbounded interval."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, -math.inf, math.inf, 1)
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    if sem == 0.0:  # every replication agreed exactly (e.g. a strategy identical to the baseline)
        return Interval(mean, mean, mean, n)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n)


def paired_difference(values, baseline, confidence: float = 0.95) -> Interval:
    """Mean and t-interval of the per-replication differences values[r] - baseline[r] (pairs defined in both)."""
    return t_interval(np.asarray(values, dtype=float) - np.asarray(baseline, dtype=float), confidence)
