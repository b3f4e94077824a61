"""Reduction 3: with only the bounded-confidence rule on, opinions split into about 1/(2 epsilon) clusters.

Deffuant, Neau, Amblard & Weisbuch (2000), "Mixing beliefs among interacting agents", Advances in
Complex Systems 3: with opinions uniform on [0, 1], random pairs that differ by less than the
threshold d each move a share mu of the gap, and opinions settle into clusters whose number is
about the integer part of 1/(2d). The simulator's opinions live on [-1, 1], twice Deffuant's scale,
so its ``confidence_bound`` is 2d. Every consumer is aware, talks every step to one random other
consumer, and every message has full weight (trust, credibility and openness 1); the listener moves
``persuasion`` = mu of the gap when it lies within the bound and ignores the message otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..model import WordOfMouthModel
from .result import Check

DEFFUANT_SETTINGS: dict[str, Any] = dict(  # keyword parameters of WordOfMouthModel
    network="complete",
    contacts=1,
    reach=1.0,
    initial_awareness=1.0,
    follower_share=0.0,
    customer_share=0.0,
    talk_rate=float("inf"),
    neutral_talk=1.0,
    negativity_bias=0.0,
    talkativeness_dispersion=0.0,
    persuasion=0.5,
    weak_tie_trust=1.0,
    hearsay_credibility=1.0,
    openness=1.0,
    openness_dispersion=0.0,
    initial_opinion=0.0,
    opinion_spread=1.0,
    awareness_decay=0.0,
    interest_decay=0.0,
    interest_gain=0.0,
    p=0.0,
    q=0.0,
    follow_rate=0.0,
    beyond_bound_weight=0.0,
)
CLUSTER_GAP = 0.05  # opinions further apart than this (scale -1..1) belong to different clusters
MAJOR_SHARE = 0.02  # a major cluster holds at least this share of consumers
TOLERANCE = 1.0  # allowed |mean clusters - floor(1/(2 epsilon))|, plus sampling error


def expected_clusters(epsilon: float) -> int:
    """Deffuant et al. (2000): the number of clusters is about the integer part of 1/(2 epsilon)."""
    return int(np.floor(1.0 / (2.0 * epsilon)))


def count_clusters(opinions: np.ndarray, gap: float = CLUSTER_GAP, major_share: float = MAJOR_SHARE) -> int:
    """Major opinion clusters: runs of sorted opinions without a gap > `gap`, holding >= `major_share`."""
    x = np.sort(opinions)
    breaks = np.flatnonzero(np.diff(x) > gap)
    sizes = np.diff(np.concatenate(([0], breaks + 1, [x.size])))
    return int((sizes >= major_share * x.size).sum())


def settle(
    epsilon: float, n: int, seed: int, max_steps: int, tolerance: float = 1e-4, extra: dict | None = None
) -> tuple[np.ndarray, int]:
    """Run the bounded-confidence market until no opinion moves more than `tolerance` in a step (`extra` model
    parameters replace the settings: an ablation)."""
    settings = {**DEFFUANT_SETTINGS, **(extra or {})}
    model = WordOfMouthModel(n_consumers=n, confidence_bound=2.0 * epsilon, seed=seed, **settings)
    opinion = model.consumers.opinion
    for step in range(1, max_steps + 1):
        before = opinion.copy()
        model.step()
        if np.max(np.abs(opinion - before)) < tolerance:
            return opinion.copy(), step
    return opinion.copy(), max_steps


def deffuant_check(epsilons, n: int, replications: int, seed: int, max_steps: int, extra: dict | None = None) -> Check:
    """Clusters after settling, for each epsilon, over `replications` markets (seeds seed, seed + 1, ...)."""
    rows, final = [], {}
    for epsilon in epsilons:
        counts: list[int] = []
        steps: list[int] = []
        for r in range(replications):
            opinions, used = settle(epsilon, n, seed + r, max_steps, extra=extra)
            counts.append(count_clusters(opinions))
            steps.append(used)
        final[epsilon] = opinions
        clusters = np.array(counts, dtype=float)
        se = clusters.std(ddof=1) / np.sqrt(replications) if replications > 1 else 0.0
        expected = expected_clusters(epsilon)
        rows.append(
            {
                "epsilon": epsilon,
                "confidence_bound": 2 * epsilon,
                "expected_floor_1_over_2eps": expected,
                "mean_clusters": clusters.mean(),
                "se": se,
                "min": clusters.min(),
                "max": clusters.max(),
                "max_steps_used": max(steps),
                "agrees": bool(abs(clusters.mean() - expected) <= TOLERANCE + 2 * se),
            }
        )
    table = pd.DataFrame(rows)
    return Check(
        key="deffuant",
        title="Bounded confidence: opinion clusters vs 1/(2 epsilon)",
        published="Deffuant et al. (2000): with confidence threshold d on [0, 1], opinions settle into about "
        "floor(1/(2d)) clusters (one for d >= 0.25 or so, two at d = 0.2, more as d falls).",
        simulated="mean clusters "
        + ", ".join(
            f"{r['mean_clusters']:.1f} at epsilon {r['epsilon']} (expected {r['expected_floor_1_over_2eps']})"
            for r in rows
        ),
        agrees=bool(table["agrees"].all()),
        table=table,
        settings={
            "consumers": n,
            "replications": replications,
            "seeds": f"{seed}..{seed + replications - 1}",
            "max steps": max_steps,
            "mu (persuasion)": DEFFUANT_SETTINGS["persuasion"],
        },
        notes=f"Clusters are runs of sorted final opinions with no gap above {CLUSTER_GAP} (scale -1..1) holding at least "
        f"{MAJOR_SHARE:.0%} of consumers (minor clusters of stragglers are ignored, as Deffuant et al. do). A case agrees when "
        f"|mean - floor(1/(2 epsilon))| <= {TOLERANCE:g} + 2 standard errors: the published relation is itself approximate "
        "(the count fluctuates by about one between runs near the transitions). Below epsilon = 0.1 the count falls further "
        "below floor(1/(2 epsilon)): a check at 2,000 consumers gave about 6 major clusters instead of 7 at epsilon = 0.07, "
        "i.e. major clusters end up spaced a little more than 2 epsilon apart. The suite tests epsilon >= 0.1, the range "
        "of Deffuant et al.'s figures.",
        data={"final": final},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.8))
    for epsilon, opinions in check.data["final"].items():
        ax.hist((opinions + 1) / 2, bins=200, range=(0, 1), histtype="step", label=f"epsilon = {epsilon}")
    ax.set_xlabel("final opinion (Deffuant's 0..1 scale)")
    ax.set_ylabel("consumers")
    ax.set_title("Opinion clusters after settling (last replication)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
