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


def ratio_interval(numerator, denominator, confidence: float = 0.95) -> Interval:
    """Ratio of means mean(x) / mean(y) of paired replications with Fieller's (1954) interval.

    Fieller's interval is the set of ratios R for which the paired t-test of x_r - R y_r = 0 does not
    reject at the chosen level: (xbar - R ybar)^2 <= t^2 (s_xx - 2 R s_xy + R^2 s_yy) / n, a quadratic in R.
    When the denominator's mean is itself not distinguishable from zero (ybar^2 <= t^2 s_yy / n) that set
    is unbounded and the interval is reported as (-inf, inf). Pairs with a NaN in either value are left out.
    """
    x = np.asarray(numerator, dtype=float)
    y = np.asarray(denominator, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = int(x.size)
    if n == 0 or y.mean() == 0:
        return Interval(math.nan, math.nan, math.nan, n)
    ratio = float(x.mean() / y.mean())
    if n == 1:
        return Interval(ratio, -math.inf, math.inf, 1)
    t = float(stats.t.ppf(0.5 + confidence / 2, n - 1))
    cov = np.cov(x, y, ddof=1)
    s_xx, s_yy, s_xy = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    xbar, ybar = float(x.mean()), float(y.mean())
    a = ybar**2 - t**2 * s_yy / n
    b = -2.0 * (xbar * ybar - t**2 * s_xy / n)
    c = xbar**2 - t**2 * s_xx / n
    if a <= 0:
        return Interval(ratio, -math.inf, math.inf, n)
    root = math.sqrt(max(b * b - 4 * a * c, 0.0))
    return Interval(ratio, (-b - root) / (2 * a), (-b + root) / (2 * a), n)
