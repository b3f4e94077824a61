"""Turning yearly rates into per-step probabilities."""

from __future__ import annotations

import numpy as np


def per_step_probability(rate, dt: float):
    """P(event within one step) = 1 - exp(-rate * dt) for a Poisson process of the given yearly rate.

    Converting rates this way (rather than ``rate * dt``) keeps probabilities in [0, 1] and makes the
    same market described per day, week or month agree up to the discretisation error. An infinite
    rate gives probability 1 (used for "always" in the reductions). Scalars or arrays of yearly rates (one
    form for the numpy rules and the compiled kernels, ``rules.forms``).
    """
    return -np.expm1(-rate * dt)


def decay_factor(rate: float, dt: float) -> float:
    """Share of a quantity left after one step of exponential decay at a yearly rate: exp(-rate dt)."""
    return float(np.exp(-rate * dt))
