"""Time a run will take, estimated before anything is built, so that work of hours is refused (or warned about)
at once rather than discovered after it started.

A sub-step's cost grows with the market (every rule passes over the consumers), its ties (trust, delivery) and
its talk volume (each message is delivered tie by tie):

    CPU seconds per sub-step = s + a n + b ties + c deliveries over ties + d deliveries to contacts

where deliveries = n x messages x fan-out, with ``messages`` the messages a consumer sends per sub-step
(``resources.messages_per_step`` over the sub-steps) and ``fan-out`` the ties per consumer (a network) or
``contacts`` (mean field, where each delivery draws its listener: costlier). The coefficients are
fitted by ``benchmarks/step_cost.py`` (CPU seconds, every thread's: a bound on wall time that a busy machine
inflates little); a run takes ``horizon x substeps`` sub-steps.
"""

from __future__ import annotations

import math

from .model import substeps_per_step
from .parameters import TIME_UNITS
from .resources import market_size, messages_per_step

# CPU seconds each, fitted by benchmarks/step_cost.py on 2026-12-08 at load average 9 on 2 cores (its output:
# benchmarks/step_cost.txt; within a factor of 2 of each measured market, so a figure of hours is one of hours).
COEFFICIENTS = {
    "sub-step": 8.5e-4,
    "consumers": 2.0e-8,
    "ties": 2.2e-9,
    "deliveries over ties": 1.3e-9,
    "deliveries to contacts": 1.4e-8,
}


def substep_features(params: dict, strategy, network=None) -> dict[str, float]:
    """What one sub-step of a market with these (checked) parameters works through (the keys of COEFFICIENTS)."""
    n, ties_per_consumer = market_size(params, network)
    complete = network.is_complete if network is not None else params["network"] == "complete"
    substeps = substeps_per_step(TIME_UNITS[params["time_unit"]])
    sent = n * messages_per_step(params, strategy) / substeps
    return {
        "sub-step": 1.0,
        "consumers": float(n),
        "ties": n * ties_per_consumer,
        "deliveries over ties": 0.0 if complete else sent * ties_per_consumer,
        "deliveries to contacts": sent * params["contacts"] if complete else 0.0,
    }


def step_seconds(params: dict, strategy, network=None) -> float:
    """Estimated CPU seconds of one step (all its sub-steps)."""
    features = substep_features(params, strategy, network)
    substeps = substeps_per_step(TIME_UNITS[params["time_unit"]])
    return substeps * sum(COEFFICIENTS[name] * value for name, value in features.items())


def run_seconds(params: dict, strategy, steps: int) -> float:
    """Estimated CPU seconds of one run of `steps` steps."""
    return steps * step_seconds(params, strategy)


def duration(seconds: float) -> str:
    """A duration in words a person reads at a glance: 45 ms, 40 s, 12 minutes, 3.5 hours, 9 days."""
    if not math.isfinite(seconds):
        return "forever"
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:,.0f} days"
