"""Resolution-free results: one real market simulated by few or many consumers gives the same shares.

A market of N real consumers can be simulated by n consumers standing for N / n each
(``market.represents``). Every count a rule reads is in real-market units (the product page's review
volume, the re-shares followers see), so the shares of the market that adopt or hear of the product must
not depend on n beyond sampling error. The runs at different sizes are independent (no common random
numbers across sizes), so each size is compared with the reference size by Welch's interval of the
difference in mean shares:

    d = mean_n - mean_ref,   d +/- t_{0.975, nu} sqrt(s_n^2 / r_n + s_ref^2 / r_ref)   (Welch-Satterthwaite nu)

The check agrees when every interval contains 0 and is narrow enough to have detected a difference of
``PRECISION`` of the reference share (so that noise alone cannot make it agree).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..model import WordOfMouthModel
from .result import Check

PRECISION = 0.25  # the largest relative difference in a share the check must be able to see
SHARES = ("adopter_share", "aware_share")


def run_size(scenario, n_consumers: int, represents: float, replication: int, simulated_counts: bool = False):
    """Replication r of the scenario's baseline with the market simulated by `n_consumers` x `represents`.

    `simulated_counts` is the ablation, the page as it was before it counted real reviews: it weighs its
    simulated reviews against a half-volume in the simulated reviews of the scenario's own size (the scenario's
    real half-volume / its represents), so the scenario's own size runs as before and other sizes do not."""
    kwargs = scenario.model_kwargs(None, replication)
    if simulated_counts:
        kwargs["review_volume_half"] = kwargs["settings"].review_volume_half / kwargs["settings"].represents
    kwargs.update(n_consumers=n_consumers, represents=represents)
    model = WordOfMouthModel(**kwargs)
    if simulated_counts:
        model.page.represents = 1.0
    model.run(scenario.horizon)
    frame = model.timeseries()
    return {
        "adopter_share": float(frame["adopters"].iloc[-1]) / n_consumers,
        "aware_share": float(frame["aware_share"].iloc[-1]),
    }


def welch(values, reference) -> tuple[float, float, float]:
    """Difference in means and its 95% Welch interval (independent samples)."""
    test = stats.ttest_ind(np.asarray(values, dtype=float), np.asarray(reference, dtype=float), equal_var=False)
    interval = test.confidence_interval(0.95)
    return float(np.mean(values) - np.mean(reference)), float(interval.low), float(interval.high)


def resolution_frame(scenario, sizes, replications: int, simulated_counts: bool = False) -> pd.DataFrame:
    """One row per (size, replication) with the shares at the horizon; `sizes` = [(consumers, represents)]."""
    rows = []
    for n, represents in sizes:
        for r in range(replications):
            rows.append({"consumers": n, "represents": represents, "replication": r,
                         **run_size(scenario, n, represents, r, simulated_counts)})  # fmt: skip
    return pd.DataFrame(rows)


def resolution_check(scenario, sizes, replications: int, simulated_counts: bool = False) -> Check:
    """The same real market (consumers x represents equal) at every size in `sizes`, the first the reference."""
    real = {n * rep for n, rep in sizes}
    if len(real) != 1:
        raise ValueError(f"sizes {sizes} do not simulate one market: consumers x represents differ ({sorted(real)})")
    frame = resolution_frame(scenario, sizes, replications, simulated_counts)
    reference = frame[frame["consumers"] == sizes[0][0]]
    rows, agrees = [], True
    for n, represents in sizes[1:]:
        runs = frame[frame["consumers"] == n]
        for share in SHARES:
            diff, low, high = welch(runs[share], reference[share])
            ref_mean = float(reference[share].mean())
            resolved = (high - low) / 2 <= PRECISION * ref_mean
            same = low <= 0 <= high
            agrees &= bool(same and resolved)
            rows.append({"share": share, "consumers": n, "represents": represents, "mean": float(runs[share].mean()),
                         "reference": ref_mean, "difference": diff, "low": low, "high": high,
                         "same": same, "resolved": resolved})  # fmt: skip
    table = pd.DataFrame(rows)
    words = "; ".join(
        f"{r.share} at {r.consumers:,} x {r.represents:g}: {r.mean:.4f} vs {r.reference:.4f} "
        f"(difference {r.difference:+.4f} [{r.low:+.4f}, {r.high:+.4f}])"
        for r in table.itertuples()
    )
    n0, rep0 = sizes[0]
    return Check(
        key="resolution" if not simulated_counts else "resolution_simulated_counts",
        title="Resolution-free results",
        published="Design requirement (issue 20): one real market gives the same shares whatever number of consumers "
        "simulates it; every count a rule reads is in real-market units.",
        simulated=words,
        agrees=bool(agrees),
        table=table,
        settings={
            "scenario": scenario.name,
            "real market": f"{real.pop():,g} consumers",
            "sizes (consumers x represents)": ", ".join(f"{n:,} x {rep:g}" for n, rep in sizes),
            "reference": f"{n0:,} x {rep0:g}",
            "replications (independent per size)": replications,
            "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
            "horizon": f"{scenario.horizon} {scenario.time_unit}s",
            "page volume": "simulated reviews (ablation)" if simulated_counts else "real reviews",
        },
        notes="Shares at the horizon of the baseline strategy: adopters / consumers and the aware share. Each size "
        "against the reference: difference in means with Welch's 95% interval. Agreement: every interval contains 0 "
        f"and its half-width is at most {PRECISION:.0%} of the reference share (the check could see a difference that "
        "large). The ablation weighs the page by its simulated reviews, as before the fix; it must disagree.",
        data={"frame": frame},
    )


def figure(check: Check, path) -> None:
    """Each size's shares against the reference's, with the Welch intervals of the differences."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    fig, ax = plt.subplots(figsize=(6, 4))
    labels = [f"{r.share}\n{r.consumers:,} x {r.represents:g}" for r in table.itertuples()]
    relative = table["difference"] / table["reference"]
    errors = [relative - table["low"] / table["reference"], table["high"] / table["reference"] - relative]
    ax.errorbar(range(len(table)), relative, yerr=errors, fmt="o", capsize=4)
    ax.axhline(0, ls="--", color="grey")
    ax.set_xticks(range(len(table)), labels, fontsize=8)
    ax.set_ylabel("difference from the reference size (share of it)")
    ax.set_title(f"One market at several sizes (reference {check.settings['reference']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
