"""Ratings from behaviour: posted shares in the published bands, from who posts and herding.

Measured on a scenario's baseline with replications (seeds of the scenario file, the same in every arm):

* **Bands.** The pooled posted shares of 1..5 stars each fall inside the bands (their 95% bootstrap
  interval over replications meets the band) of large Amazon corpora
  (``calibration.ratings.BANDS``: 1 star 7-12%, 2 stars 4-7%, 3 stars 6-10%, 4 stars 14-20%, 5 stars
  55-65%). The parameters were fitted to them on simulated pages (docs/fits/ratings.json); here the full
  model is run.
* **Polar without failed units.** With ``defect_rate`` 0 the posted ratings are more polar than the
  experiences (polarity = share of 1 and 5 stars; Schoenmueller, Netzer & Stahl 2020) and 5 stars stay the
  most common: selection, not defects, shapes them. Paired interval of posted minus experienced polarity
  above 0.
* **The mean follows quality.** Quality +0.1 vs -0.1 around the scenario's: the mean posted rating is
  higher (paired interval above 0).
* **Polarity follows selectivity.** Asking every buyer for a rating (``ask_for_reviews``, ``removes`` 0.8:
  posting less selective) lowers polarity (paired interval below 0).

The ablations are who posts (``review_extremity`` 0 makes posting independent of the experience) and
herding (``herding`` and ``herding_correction`` 0: moderate raters keep their own 3 or 4 stars); the check
must disagree with either (``validation.ablations``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..calibration.ratings import BANDS
from ..experiment.stats import t_interval
from ..marketing.ask_for_reviews import AskForReviews
from ..rules.reviews import STARS, rating_stars
from ..state import Role
from .result import Check
from .stylised_facts import Arm, paired

ASKED = 0.8  # share of the under-reporting bias removed in the less selective arm
QUALITY_STEP = 0.1


def _measure(model) -> dict:
    c = model.consumers
    posted = model.page.histogram.astype(float)
    experienced = np.bincount(rating_stars(c.satisfaction[c.role == Role.CUSTOMER]) - 1, minlength=5).astype(float)
    count, buyers = posted.sum(), experienced.sum()
    return {
        **{f"posted_{k}": posted[k - 1] for k in STARS},
        "mean": float((posted * STARS).sum() / count) if count else np.nan,
        "polarity": float((posted[0] + posted[4]) / count) if count else np.nan,
        "experienced_polarity": float((experienced[0] + experienced[4]) / buyers) if buyers else np.nan,
    }


def _share_intervals(counts: np.ndarray, resamples: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile-bootstrap intervals of the pooled share of each star, resampling replications (rows)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, counts.shape[0], size=(resamples, counts.shape[0]))
    pooled = counts[picks].sum(axis=1)
    shares = pooled / pooled.sum(axis=1, keepdims=True)
    return np.percentile(shares, 2.5, axis=0), np.percentile(shares, 97.5, axis=0)


def ratings_check(scenario, replications: int, ablate_selection: bool = False) -> Check:
    """The four comparisons of the module docstring on `scenario`'s baseline."""
    base = scenario.strategy(scenario.baseline_name)
    quality = scenario.product.quality
    common = {"review_extremity": 0.0} if ablate_selection else {}
    asking = base.model_copy(update={"levers": [*base.levers, AskForReviews(removes=ASKED, cost_per_request=0.0)]})
    arms = {
        "base": Arm(base, dict(common)),
        "no_defects": Arm(base, {**common, "defect_rate": 0.0}),
        "better": Arm(base, {**common, "quality": quality + QUALITY_STEP}),
        "worse": Arm(base, {**common, "quality": quality - QUALITY_STEP}),
        "asked": Arm(asking, dict(common)),
    }
    frame = paired(scenario, arms, replications, _measure)
    wide = frame.pivot(index="replication", columns="arm")
    counts = frame[frame["arm"] == "base"][[f"posted_{k}" for k in STARS]].to_numpy(float)
    shares = counts.sum(axis=0) / counts.sum()
    low, high = _share_intervals(counts)
    in_bands = [bool(low[k - 1] <= hi and high[k - 1] >= lo) for k, (lo, hi) in BANDS.items()]
    no_defects = frame[frame["arm"] == "no_defects"][[f"posted_{k}" for k in STARS]].sum().to_numpy()
    polar = t_interval(wide["polarity"]["no_defects"] - wide["experienced_polarity"]["no_defects"])
    follows_quality = t_interval(wide["mean"]["better"] - wide["mean"]["worse"])
    selectivity = t_interval(wide["polarity"]["asked"] - wide["polarity"]["base"])
    agrees = (
        all(in_bands)
        and polar.low > 0
        and int(no_defects.argmax()) == 4
        and follows_quality.low > 0
        and selectivity.high < 0
    )
    table = pd.DataFrame(
        {
            "stars": STARS,
            "posted_share": shares,
            "low": low,
            "high": high,
            "band_low": [lo for lo, _ in BANDS.values()],
            "band_high": [hi for _, hi in BANDS.values()],
            "in_band": in_bands,
            "posted_share_without_defects": no_defects / max(no_defects.sum(), 1.0),
        }
    )

    def fmt(i):
        return f"{i.mean:+.3f} [{i.low:+.3f}, {i.high:+.3f}]"

    return Check(
        key="ratings" if not ablate_selection else "ratings_without_selection",
        title="Ratings from behaviour",
        published="Large Amazon corpora: 1 star 7-12%, 2 stars 4-7%, 3 stars 6-10%, 4 stars 14-20%, 5 stars 55-65% of "
        "posted ratings; J-shaped by purchase and under-reporting biases (Hu, Pavlou & Zhang 2009) and herding "
        "(Muchnik, Aral & Taylor 2013); the mean follows quality and polarity how selective posting is "
        "(Schoenmueller, Netzer & Stahl 2020).",
        simulated=f"posted 1-5 stars {', '.join(f'{s:.1%} [{a:.1%}, {b:.1%}]' for s, a, b in zip(shares, low, high, strict=True))} (in band: "
        f"{sum(in_bands)} of 5); without failed units posted minus experienced polarity {fmt(polar)}; mean rating, "
        f"quality +{QUALITY_STEP:g} minus -{QUALITY_STEP:g}: {fmt(follows_quality)} stars; polarity when every buyer "
        f"is asked ({ASKED:.0%} of the bias removed) minus not: {fmt(selectivity)}",
        agrees=bool(agrees),
        table=table,
        settings={
            "scenario": scenario.name,
            "consumers": scenario.market.n_consumers,
            "horizon": f"{scenario.horizon} {scenario.time_unit}s",
            "replications (paired)": replications,
            "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
            "who posts": "ablated (review_extremity 0)" if ablate_selection else "as fitted",
        },
        notes="Posted shares pooled over replications at the horizon, with 95% bootstrap intervals over replications "
        "(2,000 resamples); a share is in its band when its interval meets the band (sampling error). Polarity = share of 1 and 5 stars; experienced "
        "= every customer's satisfaction in the same five bands. Intervals: t-intervals of paired differences over "
        "replications. Agreement: every share in its band (within sampling error), polarity without failed units above the experienced one "
        "with 5 stars the mode, the mean rising with quality, and polarity falling when posting is less selective. "
        "A 1-star bump above 2 stars needs buyers with very bad experiences: with the experience rule's normal "
        "spread only failed units give them, so it is not required without defects.",
        data={"frame": frame},
    )


def figure(check: Check, path) -> None:
    """Posted shares by star against the published bands."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(table["stars"] - 0.2, table["posted_share"], width=0.4, label="posted (default)")
    ax.bar(table["stars"] + 0.2, table["posted_share_without_defects"], width=0.4, label="posted, no failed units")
    for row in table.itertuples():
        ax.plot([row.stars - 0.4, row.stars + 0.4], [row.band_low] * 2, color="k", lw=1)
        ax.plot([row.stars - 0.4, row.stars + 0.4], [row.band_high] * 2, color="k", lw=1)
    ax.set_xlabel("stars")
    ax.set_ylabel("share of posted ratings")
    ax.set_title("Posted ratings and the published bands (black lines)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
