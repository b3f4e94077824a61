"""Network position: hubs adopt earlier than other consumers (Goldenberg, Han, Lehmann & Hong 2009).

Goldenberg et al. (2009), "The Role of Hubs in the Adoption Process", Journal of Marketing 73(2):
consumers with many ties adopt earlier in the diffusion process than others, mainly because they are
exposed to more of the innovation through their many contacts. Here hubs are the top ``HUB_SHARE`` of
consumers by degree. Many consumers have not bought by the horizon H, so time to adoption is
censored; each group is summarised by its restricted mean time to adoption,

    T = mean over the group of min(step of first purchase + 1, H)     (non-adopters count as H),

the area under the group's not-yet-adopted curve. For each replication the difference T_hubs - T_others
is taken (paired within the replication); hubs adopt earlier when its mean over replications is
negative beyond Z standard errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiment.runs import build_model
from ..state import Role
from .result import Check

HUB_SHARE = 0.1
Z = 3.0


def adoption_steps(scenario, strategy: str | None, replication: int) -> tuple[np.ndarray, np.ndarray]:
    """(degree, step of first purchase or -1) per consumer for one replication."""
    model = build_model(scenario, strategy or scenario.baseline_name, replication)
    model.run(scenario.horizon)
    adopted = model.consumers.purchase_step.copy()
    adopted[model.consumers.role != Role.CUSTOMER] = -1
    return model.network.degree.copy(), adopted


def hubs_check(scenario, replications: int, strategy: str | None = None, network_name: str | None = None) -> Check:
    """Mean adoption step of hubs vs other adopters, per replication."""
    rows: list[dict] = []
    gaps: list[float] = []  # hub minus other restricted mean time, per replication
    for r in range(replications):
        degree, step = adoption_steps(scenario, strategy, r)
        cutoff = np.quantile(degree, 1.0 - HUB_SHARE)
        hub = degree >= cutoff
        adopted = step >= 0
        waited = np.where(adopted, step + 1, scenario.horizon)
        hub_time = float(waited[hub].mean())
        other_time = float(waited[~hub].mean())
        gaps.append(hub_time - other_time)
        rows.append(
            {
                "replication": r,
                "seed": scenario.seed + r,
                "hub_degree_cutoff": float(cutoff),
                "hub_adoption_share": float(adopted[hub].mean()),
                "other_adoption_share": float(adopted[~hub].mean()),
                "hub_restricted_mean_time": hub_time,
                "other_restricted_mean_time": other_time,
                "difference": hub_time - other_time,
            }
        )
    differences = np.array(gaps)
    mean, se = float(differences.mean()), float(differences.std(ddof=1) / np.sqrt(replications))
    table = pd.DataFrame(rows)
    name = network_name or scenario.network.kind
    return Check(
        key="hubs",
        title="Network position: time to adoption of hubs vs others",
        published="Goldenberg et al. (2009): hubs (consumers with many ties) adopt earlier than other consumers.",
        simulated=f"hubs (top {HUB_SHARE:.0%} by degree) adopt {-mean:.2f} {scenario.time_unit}s earlier on average "
        f"(se {se:.2f}); adoption share {table['hub_adoption_share'].mean():.1%} of hubs vs "
        f"{table['other_adoption_share'].mean():.1%} of others",
        agrees=bool(mean < -Z * se),
        table=table,
        settings={
            "scenario": scenario.name,
            "strategy": strategy or scenario.baseline_name,
            "network": name,
            "consumers": scenario.market.n_consumers,
            "horizon": f"{scenario.horizon} {scenario.time_unit}s",
            "replications": replications,
            "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
        },
        notes=f"Per replication: restricted mean time to adoption (steps; non-adopters count as the horizon) of hubs minus "
        f"that of the other consumers. Agreement: mean difference < -{Z:g} standard errors over replications.",
        data={"gaps": differences, "table": table},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.data["table"]
    fig, ax = plt.subplots(figsize=(6, 4))
    x, y = table["other_restricted_mean_time"], table["hub_restricted_mean_time"]
    ax.scatter(x, y, s=14)
    low, high = min(x.min(), y.min()), max(x.max(), y.max())
    ax.plot([low, high], [low, high], ls="--", color="grey", label="no difference")
    ax.set_xlabel("restricted mean time to adoption, other consumers (steps)")
    ax.set_ylabel("... hubs (steps)")
    ax.set_title("One point per replication (below the line: hubs earlier)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
