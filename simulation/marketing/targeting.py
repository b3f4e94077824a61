"""Seeding targets: whom the brand gives the product to (or activates, for advocates)."""

from __future__ import annotations

import numpy as np

from ..state import Role

TARGETING_RULES = ("random", "hubs", "influencers", "advocates", "greedy")


def _top(scores: np.ndarray, candidates: np.ndarray, k: int, rng) -> np.ndarray:
    """The k candidates with the highest scores, ties broken at random."""
    if candidates.size <= k:
        return candidates
    jitter = rng.random(candidates.size)
    order = np.lexsort((jitter, -scores[candidates]))
    return candidates[order[:k]]


def choose_seeds(model, targeting: str, k: int, rng) -> np.ndarray:
    """Indices of the consumers to seed under a targeting rule.

    random: any non-customers; hubs: highest degree (Goldenberg et al. 2009); influencers: most
    talkative; advocates: most satisfied past customers, weighted by talkativeness; greedy: CELF
    influence maximisation of the independent-cascade spread with the model's reach as tie
    probability (Kempe et al. 2003; Leskovec et al. 2007), precomputed once per model.
    """
    c = model.consumers
    non_customers = np.flatnonzero(c.role != Role.CUSTOMER)
    if targeting == "random":
        return np.sort(rng.choice(non_customers, size=min(k, non_customers.size), replace=False))
    if targeting == "hubs":
        return np.sort(_top(model.network.degree.astype(np.float64), non_customers, k, rng))
    if targeting == "influencers":
        return np.sort(_top(c.talkativeness, non_customers, k, rng))
    if targeting == "advocates":
        customers = np.flatnonzero((c.role == Role.CUSTOMER) & (c.satisfaction > 0))
        score = np.nan_to_num(c.satisfaction) * c.talkativeness
        return np.sort(_top(score, customers, k, rng))
    if targeting == "greedy":
        return np.sort(greedy_targets(model, k)[:k])
    raise ValueError(f"seeding targeting {targeting!r} is not allowed: expected one of {', '.join(TARGETING_RULES)}")


def greedy_targets(model, k: int) -> np.ndarray:
    """CELF seeds for the model's network, computed once per run and reused by later seeding levers."""
    cached = model.brand.run_memory.greedy_seeds
    if cached is None or cached.size < k:
        rng = model.fixed_stream("greedy")
        if model.network.is_complete:
            cached = rng.choice(model.network.n, size=k, replace=False)
        else:
            from ..influence.cascade import greedy_seeds

            reach = max(model.params["reach"], 1e-6)
            cached = np.asarray(greedy_seeds(model.network, k, reach, samples=100, rng=rng).seeds, dtype=np.int64)
        model.brand.run_memory.greedy_seeds = cached
    return cached
