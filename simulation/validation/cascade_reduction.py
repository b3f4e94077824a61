"""Reduction 2: with talk only in the step after adoption, the simulator is the independent cascade model.

Kempe, Kleinberg & Tardos (2003): a consumer activated at step k gets one chance, at step k + 1, to
activate each inactive neighbour, independently with probability p. In the simulator the same holds
when customers talk only in the step after purchase (``talk_window = 1``), always (``talk_rate = inf``),
a message reaches each tie with probability ``reach = p``, and hearing a customer's recommendation
means adoption (``adopt_on_recommendation``). The seeds are given as past customers at the start
(purchase step -1, so they talk at step 0). The reference is an independent implementation: NDlib's
``IndependentCascadesModel`` (Rossetti et al. 2018) on the same graph and seed set, with every edge's
threshold set to p. The two final-spread distributions are compared with two-sample tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..model import WordOfMouthModel
from ..network.graph import SocialNetwork
from ..state import Role
from .result import Check

IC_SETTINGS: dict[str, Any] = dict(  # keyword parameters of WordOfMouthModel
    talk_window=1,
    talk_rate=float("inf"),
    adopt_on_recommendation=True,
    p=0.0,
    q=0.0,
    initial_awareness=0.0,
    follower_share=0.0,
    customer_share=0.0,
    quality=1.0,
    quality_spread=0.0,
    defect_rate=0.0,
    experience_weight=1.0,
    talkativeness_dispersion=0.0,
    review_propensity=0.0,
)
ALPHA = 0.01  # significance level of the two-sample tests


def model_spread(
    network: SocialNetwork, seeds, probability: float, seed: int, max_steps: int = 10_000, extra: dict | None = None
) -> int:
    """Final number of adopters (seeds included) of one simulated cascade on `network` (`extra` model parameters
    replace the cascade settings: an ablation)."""
    role = np.full(network.n, Role.PROSPECT, dtype=np.int8)
    role[np.asarray(seeds)] = Role.CUSTOMER
    model = WordOfMouthModel(
        # The prebuilt network is passed in; the network parameters only have to be valid.
        n_consumers=network.n,
        network="edge_list",
        reach=probability,
        seed=seed,
        social_network=network,
        initial_roles=(role, np.zeros(network.n, dtype=bool)),
        **{**IC_SETTINGS, **(extra or {})},
    )
    for _ in range(max_steps):
        model.step()
        if model.kpis["new_adopters"] == 0:  # nobody new to talk next step: the cascade is over
            break
    return int(model.kpis["adopters"])


def ndlib_spread_samples(network: SocialNetwork, seeds, probability: float, runs: int, seed: int) -> np.ndarray:
    """Final spreads of `runs` cascades of NDlib's IndependentCascadesModel (numpy seeds seed, seed + 1, ...)."""
    import ndlib.models.epidemics as epidemics
    import ndlib.models.ModelConfig as model_config
    import networkx as nx

    graph = nx.Graph() if not network.directed else nx.DiGraph()
    graph.add_nodes_from(range(network.n))
    listener = np.repeat(np.arange(network.n), np.diff(network.indptr))
    # A tie i <- j means j's messages reach i: the cascade edge runs from speaker j to listener i.
    graph.add_edges_from(zip(network.indices.tolist(), listener.tolist(), strict=True))
    config = model_config.Configuration()
    config.add_model_initial_configuration("Infected", [int(s) for s in seeds])
    for edge in graph.edges():
        config.add_edge_configuration("threshold", edge, probability)
    model = epidemics.IndependentCascadesModel(graph)
    model.set_initial_status(config)
    spreads = np.empty(runs, dtype=np.int64)
    for run in range(runs):
        np.random.seed(seed + run)  # noqa: NPY002 (NDlib draws from numpy's global generator)
        model.reset()
        while True:
            counts = model.iteration(node_status=False)["node_count"]
            if counts[1] == 0:  # nobody infected left to try their neighbours
                break
        spreads[run] = counts[2]  # removed = ever activated
    return spreads


def model_spread_samples(
    network: SocialNetwork, seeds, probability: float, runs: int, seed: int, extra: dict | None = None
) -> np.ndarray:
    """Final spreads of `runs` simulated cascades (model seeds seed, seed + 1, ...)."""
    spreads = [model_spread(network, seeds, probability, seed + r, extra=extra) for r in range(runs)]
    return np.array(spreads, dtype=np.int64)


def compare_spreads(
    network: SocialNetwork, seeds, probability: float, runs: int, seed: int, extra: dict | None = None
) -> dict:
    """Simulator vs reference: means, standard errors, Kolmogorov-Smirnov and Mann-Whitney p-values."""
    simulated = model_spread_samples(network, seeds, probability, runs, seed, extra)
    reference = ndlib_spread_samples(network, seeds, probability, runs, seed)
    ks = stats.ks_2samp(simulated, reference)
    mw = stats.mannwhitneyu(simulated, reference, alternative="two-sided")
    return {
        "probability": probability,
        "seeds": len(seeds),
        "runs": runs,
        "mean_simulator": float(simulated.mean()),
        "se_simulator": float(simulated.std(ddof=1) / np.sqrt(runs)),
        "mean_reference": float(reference.mean()),
        "se_reference": float(reference.std(ddof=1) / np.sqrt(runs)),
        "ks_pvalue": float(ks.pvalue),
        "mw_pvalue": float(mw.pvalue),
        "agrees": bool(ks.pvalue > ALPHA and mw.pvalue > ALPHA),
        "simulated": simulated,
        "reference": reference,
    }


def cascade_check(
    network: SocialNetwork, cases, runs: int, seed: int, network_name: str, extra: dict | None = None
) -> Check:
    """Each (probability, seed set) of `cases` compared; seed sets are fixed lists of consumers."""
    results = [compare_spreads(network, seeds, prob, runs, seed, extra) for prob, seeds in cases]
    columns = [
        "probability",
        "seeds",
        "runs",
        "mean_simulator",
        "se_simulator",
        "mean_reference",
        "se_reference",
        "ks_pvalue",
        "mw_pvalue",
        "agrees",
    ]
    table = pd.DataFrame([{k: r[k] for k in columns} for r in results])
    lowest = float(min(table["ks_pvalue"].min(), table["mw_pvalue"].min()))
    return Check(
        key="cascade",
        title="Independent cascades: simulator special case vs reference implementation",
        published="With talk limited to the step after adoption and hearing a recommendation meaning adoption, "
        "word of mouth is the independent cascade model (Kempe, Kleinberg & Tardos 2003).",
        simulated=f"{len(results)} cases on {network_name}: mean spreads "
        + ", ".join(f"{r['mean_simulator']:.1f} vs {r['mean_reference']:.1f}" for r in results)
        + f"; lowest two-sample p-value {lowest:.3f}",
        agrees=bool(table["agrees"].all()),
        table=table,
        settings={
            "network": network_name,
            "runs per case": runs,
            "model seeds": f"{seed}..{seed + runs - 1}",
            "reference": f"NDlib IndependentCascadesModel, numpy.random.seed({seed} + run)",
            "seed sets": "; ".join(",".join(map(str, s)) for _, s in cases),
        },
        notes=f"Final spread (adopters, seeds included) of each simulated cascade vs NDlib's independent cascade model, "
        f"same seed consumers. Agreement: Kolmogorov-Smirnov and Mann-Whitney two-sample p-values both above {ALPHA}.",
        data={"cases": results},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = check.data["cases"]
    fig, axes = plt.subplots(1, len(cases), figsize=(4 * len(cases), 3.5), squeeze=False)
    for ax, case in zip(axes[0], cases):
        for values, label in ((case["simulated"], "simulator"), (case["reference"], "NDlib IC")):
            x = np.sort(values)
            ax.step(x, np.arange(1, x.size + 1) / x.size, where="post", label=label)
        ax.set_title(f"p = {case['probability']}, {case['seeds']} seeds", fontsize=9)
        ax.set_xlabel("final spread")
    axes[0][0].set_ylabel("cumulative share of runs")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
