"""Where customers came from: the share of customers won that word of mouth brings.

Bughin, Doogan & Vetvik (2010), "A new way to measure word-of-mouth marketing", McKinsey Quarterly:
word of mouth is the primary factor behind 20 to 50% of all purchasing decisions. Here each customer
won is attributed to channels by counterfactual runs with Shapley shares (``experiment.attribution``);
word of mouth is what people say: customers' experience, non-customers' hearsay and re-shares of brand
content. Its share per replication is

    W = sum over those channels of phi_c / sum over all channels of phi_c,

summarised with a t-interval over paired replications. Agreement: the whole 95% interval in [0.2, 0.5].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiment.attribution import WORD_OF_MOUTH, attribution_runs, summarise
from ..experiment.stats import t_interval
from .result import Check

BUGHIN = (0.2, 0.5)


def word_of_mouth_shares(runs: pd.DataFrame) -> np.ndarray:
    """W per replication (see the module docstring); nan where nobody was won."""
    total = runs.groupby("replication")["shapley"].sum()
    spoken = runs[runs["channel"].isin(WORD_OF_MOUTH)].groupby("replication")["shapley"].sum()
    spoken = spoken.reindex(total.index, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (spoken / total).to_numpy(dtype=float)


def channels_check(scenario, replications: int, strategy: str | None = None) -> Check:
    """Shapley attribution of customers won to channels, and word of mouth's share against Bughin et al."""
    strategy = strategy or scenario.baseline_name
    runs = attribution_runs(scenario, strategy, replications)
    table = summarise(runs)
    share = t_interval(word_of_mouth_shares(runs))
    low, high = BUGHIN
    by_channel = ", ".join(f"{r.channel} {r.share:.0%}" for r in table.itertuples() if r.channel != "none")
    return Check(
        key="channels",
        title="Where customers came from: word of mouth's share",
        published="Bughin, Doogan & Vetvik (2010): word of mouth is the primary factor in 20-50% of purchase "
        f"decisions. Required: word of mouth's share of customers won within [{low:g}, {high:g}] (95% interval).",
        simulated=f"word of mouth (experience, hearsay, re-shares) {share.mean:.1%} [{share.low:.1%}, "
        f"{share.high:.1%}] of customers won; by channel: {by_channel}",
        agrees=bool(low <= share.low and share.high <= high),
        table=table,
        settings={
            "scenario": scenario.name,
            "strategy": strategy,
            "consumers": scenario.market.n_consumers,
            "horizon": f"{scenario.horizon} {scenario.time_unit}s",
            "replications (paired)": replications,
            "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
            "runs per replication": 2 ** int((table["channel"] != "none").sum()),
        },
        notes="Every subset of the strategy's channels is run with the others switched off (same seeds and network: "
        "simulation/experiment/attribution.py); customers = first purchases over the run in real-market consumers, "
        "with the Shapley value of each channel (an exact split of all customers won among channels however they "
        "overlap) and the customers lost if that channel alone were off (loss_if_off; overlaps make these sum to "
        "less or more than the total). Share = Shapley value / customers won. Agreement: word of mouth's share per "
        "replication has a 95% t-interval inside the published range.",
        data={"runs": runs},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table[check.table["channel"] != "none"]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    y = np.arange(len(table))
    mean = table["customers"].to_numpy(dtype=float)
    ax.barh(y, mean, xerr=[mean - table["low"], table["high"] - mean], capsize=3)
    ax.set_yticks(y, table["meaning"].tolist(), fontsize=8)
    ax.set_xlabel("customers won (Shapley share, 95% interval)")
    ax.set_title(check.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
