"""Seeding: greedy (CELF) vs highest-degree vs random seeds on a real network (Kempe et al. 2003).

Kempe, Kleinberg & Tardos (2003) show that greedy hill-climbing on the expected independent-cascade
spread sigma(S) is within 1 - 1/e of the best seed set, and find it beats the high-degree and
random heuristics on real networks for every seed budget. Here greedy picks its seeds on one set of
live-edge samples and all three strategies are then judged on fresh samples (the same samples for
all, so the comparison is paired): for each k the difference greedy - other over samples has mean D
and standard error se, and greedy is "never worse beyond sampling error" when D >= -Z se for all k.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..influence.cascade import LiveEdgeSamples, greedy_seeds, top_degree_seeds
from ..network.graph import SocialNetwork
from .result import Check

Z = 3.0


def seeding_check(
    network: SocialNetwork,
    probability: float,
    max_k: int,
    choice_samples: int,
    eval_samples: int,
    seed: int,
    network_name: str,
    chooser: str = "greedy",
) -> Check:
    """Spread of greedy, top-degree and random seed sets for k = 1..max_k, judged on fresh samples.

    chooser='random' replaces greedy's choice with another random order (its ablation)."""
    if chooser == "greedy":
        greedy = greedy_seeds(
            network, max_k, probability, samples=choice_samples, rng=np.random.default_rng([seed, 1])
        ).seeds
    elif chooser == "random":
        greedy = np.random.default_rng([seed, 4]).permutation(network.n)[:max_k].tolist()
    else:
        raise ValueError(f"seeding check: chooser = {chooser!r} is not allowed; allowed: 'greedy', 'random'")
    degree = top_degree_seeds(network, max_k)
    # Random seed sets nested in k, like the others: the first k of one random order.
    shuffled = np.random.default_rng([seed, 2]).permutation(network.n)[:max_k].tolist()
    judge = LiveEdgeSamples(network, probability, eval_samples, rng=np.random.default_rng([seed, 3]))
    rows: list[dict[str, float]] = []
    curves: dict[str, list[float]] = {"greedy": [], "degree": [], "random": []}
    for k in range(1, max_k + 1):
        spreads = {
            name: judge.spread_samples(seeds[:k])
            for name, seeds in (("greedy", greedy), ("degree", degree), ("random", shuffled))
        }
        row: dict[str, float] = {"k": k}
        for name, values in spreads.items():
            row[f"{name}"] = float(values.mean())
            curves[name].append(float(values.mean()))
        for other in ("degree", "random"):
            diff = spreads["greedy"] - spreads[other]
            row[f"greedy_minus_{other}"] = float(diff.mean())
            row[f"se_vs_{other}"] = float(diff.std(ddof=1) / np.sqrt(eval_samples))
        row["agrees"] = all(row[f"greedy_minus_{o}"] >= -Z * row[f"se_vs_{o}"] for o in ("degree", "random"))
        rows.append(row)
    table = pd.DataFrame(rows)
    last = rows[-1]
    return Check(
        key="seeding",
        title="Seeding: greedy (CELF) vs highest degree vs random (Kempe et al. 2003)",
        published="Kempe, Kleinberg & Tardos (2003): greedy seed selection for independent cascades is within "
        "1 - 1/e of optimal and is never worse than the high-degree or random heuristics; random is worst.",
        simulated=f"at k = {max_k} on {network_name}: greedy {last['greedy']:.1f}, degree {last['degree']:.1f}, "
        f"random {last['random']:.1f} consumers reached; greedy worse beyond {Z:g} standard errors at "
        f"{int((~table['agrees']).sum())} of {max_k} budgets",
        agrees=bool(table["agrees"].all()),
        table=table,
        settings={
            "network": network_name,
            "probability": probability,
            "k": f"1..{max_k}",
            "live-edge samples for the choice": choice_samples,
            "fresh samples for the judgement": eval_samples,
            "rng": f"numpy default_rng([{seed}, 1 | 2 | 3]) (choice | random order | judgement)",
        },
        notes="Spread = expected number of consumers reached (seeds included), estimated by live-edge samples (Kempe et al., "
        "Claim 2.3) drawn independently of those greedy chose on. Agreement: greedy - other >= "
        f"-{Z:g} paired standard errors at every k.",
        data={"curves": curves},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, values in check.data["curves"].items():
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=name)
    ax.set_xlabel("seeds k")
    ax.set_ylabel("expected spread")
    ax.set_title("Independent-cascade spread by seeding strategy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
