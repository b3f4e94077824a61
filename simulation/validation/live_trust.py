"""Learned trust: advice that misled loses trust, and what consumers learn changes the market's sentiment.

Yaniv & Kleinberger (2000), "Advice taking in decision making: egocentric discounting and reputation
formation", Organizational Behavior and Human Decision Processes 83: people weigh an advisor by the accuracy
of the advice it gave before, and an advisor's reputation falls after poor advice. Here every consumer
learns trust in its ties from the accuracy of their last message: buyers against their own experience,
consumers who have not bought against what buyers among their ties report (``rules.trust``). Measured on the review-crisis scenario (a faulty batch: fans' praise misleads its
buyers), in paired replications, the scenario against the same market with trust fixed at its initial values
(``trust_learning`` and ``community_trust_learning`` 0):

    misled = mean trust, at the horizon, of the ties whose last message was misleading
             (source_accuracy(v, s_bar) < 1/2, s_bar the buyers' mean satisfaction), learned - fixed
    sentiment = negative share of the aware at the horizon (KPI ``negative_share``), learned - fixed
    change = (adopters learned - adopters fixed) / adopters fixed            (reported, not required)

Agreement: misled < 0 and sentiment != 0, each with a 95% t-interval excluding 0. Adopters are reported
beside them: learned trust moves them by less than the replications resolve (docs/VALIDATION.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiment.stats import t_interval
from ..rules.trust import source_accuracy
from .result import Check
from .stylised_facts import Arm, _settings, paired

FIXED_TRUST = {"trust_learning": 0.0, "community_trust_learning": 0.0}
MISLEADING = 0.5  # accuracy below which a message misled (it missed the experience by more than half a unit)


def learned_trust(model) -> dict:
    """Adopters at the horizon and the mean trust in ties whose last message misled (see the module docstring)."""
    t, c = model.ties, model.consumers
    experienced = float(np.nanmean(c.satisfaction))
    heard = ~np.isnan(t.last_valence)
    misled = heard & (source_accuracy(t.last_valence, experienced) < MISLEADING)
    last = model.timeseries().iloc[-1]
    return {
        "adopters": float(last["adopters"]),
        "negative_share": float(last["negative_share"]),
        "misled_trust": float(t.trust[misled].mean()) if misled.any() else float("nan"),
    }


def trust_learning_check(scenario, replications: int) -> Check:
    """Paired arms: the scenario as it is, and the same market with trust fixed (see the module docstring)."""
    base = scenario.strategy(scenario.baseline_name)
    frame = paired(scenario, {"learned": Arm(base, {}), "fixed": Arm(base, FIXED_TRUST)}, replications, learned_trust)
    wide = frame.pivot(index="replication", columns="arm")
    misled = t_interval(wide["misled_trust"]["learned"] - wide["misled_trust"]["fixed"])
    change = t_interval((wide["adopters"]["learned"] - wide["adopters"]["fixed"]) / wide["adopters"]["fixed"])
    sentiment = t_interval(wide["negative_share"]["learned"] - wide["negative_share"]["fixed"])
    moves_sentiment = bool(sentiment.low > 0 or sentiment.high < 0)
    return Check(
        key="trust_learning",
        title="Learned trust: advice that misled loses trust, and it changes sentiment",
        published="Yaniv & Kleinberger (2000): advisors are weighed by the accuracy of their past advice; an "
        "advisor's reputation falls after poor advice. Required: ties whose last message misled end with less "
        "trust than the same ties with trust fixed, and learning changes the share of aware consumers with a "
        "negative opinion at the horizon (both 95% intervals excluding 0).",
        simulated=f"trust in misleading ties {misled.mean:+.3f} [{misled.low:+.3f}, {misled.high:+.3f}]; "
        f"negative share of the aware {sentiment.mean:+.2%} [{sentiment.low:+.2%}, {sentiment.high:+.2%}] (points); "
        f"adopters {change.mean:+.2%} [{change.low:+.2%}, {change.high:+.2%}] (not required)",
        agrees=bool(misled.high < 0 and moves_sentiment),
        table=pd.DataFrame(
            [
                {"arm": "trust in misleading ties", "change": misled.mean, "low": misled.low, "high": misled.high},
                {
                    "arm": "negative share of the aware",
                    "change": sentiment.mean,
                    "low": sentiment.low,
                    "high": sentiment.high,
                },
                {"arm": "adopters (relative)", "change": change.mean, "low": change.low, "high": change.high},
            ]
        ),
        settings=_settings(scenario, replications, **{"fixed arm": ", ".join(f"{k} = 0" for k in FIXED_TRUST)}),
        notes="Paired arms (same seeds, network and draws): the scenario, and the same market with tie and "
        "community trust fixed at their initial values. A message misled when max(0, 1 - |v - s_bar|) < 1/2, "
        "s_bar the mean satisfaction of everyone who bought. Per replication: the difference of the mean trust "
        "in misleading ties and of the negative share of the aware, and the relative change of adopters; "
        "t-intervals.",
    )


def figure(check: Check, path) -> None:
    """The two paired differences with their 95% intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 2.6))
    labels = (
        "trust in misleading ties, learned - fixed",
        "negative share of the aware, learned - fixed",
        "adopters at the horizon, relative change",
    )
    for ax, row, label in zip(axes, table.itertuples(), labels, strict=True):
        ax.errorbar([row.change], [0], xerr=[[row.change - row.low], [row.high - row.change]], fmt="o", capsize=4)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_yticks([])
        ax.set_xlabel(label, fontsize=8)
    fig.suptitle(check.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
