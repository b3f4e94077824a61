"""The KPIs recorded each step (through Mesa's DataCollector; ``model.timeseries()`` gives a DataFrame)."""

from __future__ import annotations

import numpy as np

from .state import Role, Source

ADOPTION_SOURCES = ("prior", "advertising", "content", "peer", "seeding")

KPI_NAMES = (
    "step",
    "adopters",
    "new_adopters",
    "prospects",
    "followers",
    "customers",
    "following",
    "followers_gained",
    "aware_share",
    "mean_opinion",
    "negative_share",
    "talkers",
    "positive_messages",
    "negative_messages",
    "answered_reviews",
    "repeat_purchases",
    "revenue",
    "gross_profit",
    "spend",
    "profit",
    "brand_trust",
    "mean_tie_trust",
) + tuple(f"adopters_{s}" for s in ADOPTION_SOURCES)


def measure_kpis(model, buyers: np.ndarray, messages: dict, effects, repeat: int, aware: np.ndarray) -> dict:
    """This step's KPIs. Opinions are summarised over aware consumers (the others have none to voice)."""
    c = model.consumers
    counts = model.role_counts
    n_aware = int(np.count_nonzero(aware))
    spend = float(sum(effects.spend.values()))
    revenue = float(model.step_revenue)
    gross = revenue * model.params["margin"]
    by_source = model.customers_by_source
    kpis = {
        "step": model.step_index,
        "adopters": int(counts[Role.CUSTOMER]),
        "new_adopters": int(buyers.size),
        "prospects": int(counts[Role.PROSPECT]),
        "followers": int(counts[Role.FOLLOWER]),
        "customers": int(counts[Role.CUSTOMER]),
        "following": int(np.count_nonzero(c.follows_brand)),
        "followers_gained": int(model._ever_followed),
        "aware_share": n_aware / c.n,
        "mean_opinion": float(np.sum(c.opinion, where=aware) / n_aware) if n_aware else float("nan"),
        "negative_share": float(np.count_nonzero(aware & (c.opinion < 0)) / n_aware) if n_aware else float("nan"),
        "talkers": int(messages["talkers"]),
        "positive_messages": messages["positive"],
        "negative_messages": messages["negative"],
        "answered_reviews": messages["answered"],
        "repeat_purchases": repeat,
        "revenue": revenue,
        "gross_profit": gross,
        "spend": spend,
        "profit": gross - spend,
        "brand_trust": float(model.brand.trust),
        "mean_tie_trust": model.tie_trust_total / model.ties.trust.size
        if model.ties is not None and model.ties.trust.size
        else float(model.params["weak_tie_trust"]),
    }
    for name in ADOPTION_SOURCES:
        kpis[f"adopters_{name}"] = int(by_source[Source[name.upper()]])
    return kpis
