"""Followers as a group of their own: what their feed shows them (the brand's posts, customers' re-shares)
converts them, and re-shares act as passive broadcast word of mouth.

Both checks run the default scenario's content strategy with every variant on the same seeds, network and
draws (paired replications, common random numbers), followers starting with the same interest as everyone
else (``market.follower_interest`` = ``market.initial_interest``): who follows at the start is drawn at random,
so followers and aware non-followers differ only in what their feed shows them. A converted follower is a
consumer following the brand at the start, not yet a customer, who has bought by the horizon (real-market
consumers: simulated x ``market.represents``).

**Re-shares** (Aral & Walker 2011, Management Science 57(9): passive broadcast notifications raised peer
influence by 246%, active personalised invitations by 98%). Per replication r, converted followers with
re-shares (A), without (B: ``reshare`` 0), without but with the scenario's referral programme (C: personalised,
incentivised invitations) and without any word of mouth (D: ``talk_rate`` 0, no re-shares):

    extra_r = A_r - B_r                        (followers the re-shares convert)
    U_broadcast = mean(A - B) / mean(B - D),   U_personal = mean(C - B) / mean(B - D)   (uplifts of peer influence)
    ratio = mean(A - B) / mean(C - B)          (Fieller interval; published 246 / 98 = 2.5)

Agreement: the 95% interval of extra_r above 0 (re-shares convert followers measurably) and broadcast ahead of
personalised, the 95% interval of A_r - C_r above 0 (the published order). The ratio is reported against a
band of a factor 2 around the published 2.5, [1.25, 5], but is not part of the agreement: Aral & Walker
attribute broadcast's lead to how much more often it is used, which in the simulator is the scenario's
engagement and re-share probability against its referral talk boost and incentive discount, so only the order
transfers from one application to another. (Measured on the default scenario the ratio is far above the band:
the referral programme hardly moves followers at all, see docs/VALIDATION.md.)

**The feed** (followers against matched aware non-followers). Per replication, the share of followers who
convert minus the share of the consumers aware but not following at the start who do:

    gap_r = converted followers_r / followers_r - converted aware others_r / aware others_r

Agreement: the 95% interval of gap_r above 0. Its ablation switches the feed off (``engagement`` 0: no post or
re-share is seen) and the interval must then contain 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..experiment.stats import Interval, ratio_interval, t_interval
from ..marketing.referral import Referral
from ..model import WordOfMouthModel
from ..state import CUSTOMER_CODE
from .result import Check

STRATEGY = "content"
ARAL_WALKER = (2.46, 0.98)  # uplift of peer influence: passive broadcast, active personalised
RATIO_BAND = (1.25, 5.0)  # broadcast / personalised uplift: a factor 2 around 2.46 / 0.98 (reported only)
VARIANTS = {
    "reshares": ({}, {}, False),  # (content lever fields, model parameters, with the referral programme)
    "no_reshares": ({"reshare": 0.0}, {}, False),
    "referral": ({"reshare": 0.0}, {}, True),
    "no_word_of_mouth": ({"reshare": 0.0}, {"talk_rate": 0.0}, False),
    "no_feed": ({"engagement": 0.0}, {}, False),
}


def referral_lever(scenario) -> Referral:
    """The scenario's referral programme (its first referral lever), or the lever's defaults."""
    for strategy in scenario.strategies:
        for lever in strategy.levers:
            if isinstance(lever, Referral):
                return lever.model_copy(update={"start": 0, "end": None})
    return Referral()


def follower_run(scenario, replication: int, variant: str) -> dict:
    """One run of the content strategy in one variant: followers and aware others at the start, and how many of
    each have bought by the horizon (simulated consumers)."""
    fields, params, with_referral = VARIANTS[variant]
    kwargs = scenario.model_kwargs(STRATEGY, replication)
    strategy = kwargs["strategy"]
    levers = [lever.model_copy(update=fields) if lever.kind == "content" else lever for lever in strategy.levers]
    if with_referral:
        levers.append(referral_lever(scenario))
    kwargs.update(params, strategy=strategy.model_copy(update={"levers": levers}))
    kwargs["follower_interest"] = kwargs["settings"].initial_interest  # matched: followers differ only by their feed
    model = WordOfMouthModel(**kwargs)
    c = model.consumers
    prospects = c.role != CUSTOMER_CODE
    followers = c.follows_brand & prospects
    others = c.aware & ~c.follows_brand & prospects
    model.run(scenario.horizon)
    bought = c.purchases > 0
    return {
        "replication": replication,
        "variant": variant,
        "followers": int(followers.sum()),
        "converted_followers": int((bought & followers).sum()),
        "aware_others": int(others.sum()),
        "converted_others": int((bought & others).sum()),
        "represents": model.represents,
    }


def follower_runs(scenario, replications: int, variants) -> pd.DataFrame:
    """One row per (replication, variant), every variant on the same seeds."""
    return pd.DataFrame([follower_run(scenario, r, v) for r in range(replications) for v in variants])


def _by_variant(runs: pd.DataFrame, column: str) -> pd.DataFrame:
    return runs.pivot(index="replication", columns="variant", values=column)


def _intervals(column: str, rows) -> pd.DataFrame:
    """One row per (name, Interval)."""
    return pd.DataFrame(
        [{column: name, "mean": i.mean, "low": i.low, "high": i.high, "replications": i.n} for name, i in rows]
    )


def _settings(scenario, replications: int) -> dict:
    """What a followers' check ran: the scenario's content strategy, its size and seeds."""
    return {
        "scenario": scenario.name,
        "strategy": STRATEGY,
        "consumers": scenario.market.n_consumers,
        "horizon": f"{scenario.horizon} {scenario.time_unit}s",
        "replications (paired)": replications,
        "seeds": f"{scenario.seed}..{scenario.seed + replications - 1}",
        "follower_interest": "initial_interest (matched)",
    }


def _text(interval: Interval, unit: str = "") -> str:
    return f"{interval.mean:+.1f}{unit} [{interval.low:+.1f}, {interval.high:+.1f}]"


def reshares_check(scenario, replications: int, reshares: bool = True) -> Check:
    """Re-shares convert followers (paired extra converted followers) and lead personalised referrals as
    Aral & Walker found; `reshares` False is the ablation (the content lever's ``reshare`` 0 everywhere)."""
    variants = ("reshares", "no_reshares", "referral", "no_word_of_mouth")
    runs = follower_runs(scenario, replications, variants)
    if not reshares:  # the ablation: the run "with re-shares" is the run without them
        runs.loc[runs["variant"] == "reshares", "converted_followers"] = runs.loc[
            runs["variant"] == "no_reshares", "converted_followers"
        ].to_numpy()
    real = runs["represents"].iloc[0]
    converted = _by_variant(runs, "converted_followers") * real
    broadcast = (converted["reshares"] - converted["no_reshares"]).to_numpy(dtype=float)
    personal = (converted["referral"] - converted["no_reshares"]).to_numpy(dtype=float)
    organic = (converted["no_reshares"] - converted["no_word_of_mouth"]).to_numpy(dtype=float)
    extra, by_referral, peers = t_interval(broadcast), t_interval(personal), t_interval(organic)
    lead = t_interval(broadcast - personal)  # A - C
    ratio = ratio_interval(broadcast, personal)
    low, high = RATIO_BAND
    in_band = bool(low <= ratio.mean <= high)
    uplifts = (
        f"uplift of peer influence: broadcast {extra.mean / peers.mean:+.0%}, personalised "
        f"{by_referral.mean / peers.mean:+.0%} (published +246%, +98%)"
        if peers.mean > 0
        else "no peer influence to compare with"
    )
    table = _intervals(
        "effect",
        (
            ("extra converted followers from re-shares (A - B)", extra),
            ("extra converted followers from referral (C - B)", by_referral),
            ("converted followers from word of mouth (B - D)", peers),
            ("broadcast ahead of personalised (A - C)", lead),
            ("broadcast / personalised (A - B) / (C - B)", ratio),
        ),
    )
    return Check(
        key="reshares",
        title="Followers: customers' re-shares convert them (passive broadcast)",
        published="Aral & Walker (2011): passive broadcast notifications raised peer influence by 246%, active "
        "personalised invitations by 98% (ratio 2.5). Required: re-shares' extra converted followers above 0 (95% "
        f"interval) and broadcast ahead of personalised (A - C above 0, 95% interval); the ratio is reported against "
        f"[{low:g}, {high:g}] (a factor 2 around 2.5), not required.",
        simulated=f"re-shares {_text(extra)} converted followers, referral {_text(by_referral)}, lead "
        f"{_text(lead)}; ratio {ratio.mean:.2f} [{ratio.low:.2f}, {ratio.high:.2f}] "
        f"({'within' if in_band else 'OUTSIDE'} [{low:g}, {high:g}]); {uplifts}",
        agrees=bool(extra.low > 0 and lead.low > 0),
        table=table,
        settings={
            **_settings(scenario, replications),
            "referral (C)": referral_lever(scenario).model_dump(include={"reward", "talk_boost"}),
        },
        notes="simulation/validation/followers.py: A with re-shares, B reshare 0, C reshare 0 with the scenario's "
        "referral programme all year, D reshare 0 and talk_rate 0; converted followers in real-market consumers; "
        "paired t-intervals, Fieller's interval for the ratio.",
        data={"runs": runs},
    )


def feed_check(scenario, replications: int, feed: bool = True) -> Check:
    """Followers convert more than matched aware non-followers because of their feed; `feed` False is the
    ablation (``engagement`` 0: no follower sees a post or its re-shares)."""
    variant = "reshares" if feed else "no_feed"
    runs = follower_runs(scenario, replications, (variant,))
    gap = t_interval(
        (runs["converted_followers"] / runs["followers"] - runs["converted_others"] / runs["aware_others"]) * 100
    )
    follower_rate = t_interval(runs["converted_followers"] / runs["followers"] * 100)
    other_rate = t_interval(runs["converted_others"] / runs["aware_others"] * 100)
    table = _intervals(
        "group",
        (
            ("followers converted (%)", follower_rate),
            ("aware non-followers converted (%)", other_rate),
            ("gap (percentage points)", gap),
        ),
    )
    return Check(
        key="followers_feed",
        title="Followers: their feed sets them apart from aware prospects",
        published="A follower sees the brand's posts and customers' re-shares; an aware prospect does not. Required: "
        "followers convert more than aware non-followers with the same starting interest (95% interval of the gap "
        "above 0).",
        simulated=f"followers {follower_rate.mean:.1f}% against aware non-followers {other_rate.mean:.1f}% converted: "
        f"gap {_text(gap, ' pp')}",
        agrees=bool(gap.low > 0),
        table=table,
        settings=_settings(scenario, replications),
        notes="simulation/validation/followers.py: followers and aware non-followers are those at the start (drawn "
        "at random, same starting interest); the gap per replication with a t-interval.",
        data={"runs": runs},
    )


def figure(check: Check, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = check.table
    labels = table.iloc[:, 0].tolist()
    mean = table["mean"].to_numpy(dtype=float)
    low = np.nan_to_num(table["low"].to_numpy(dtype=float), neginf=np.nanmin(mean), posinf=np.nanmax(mean))
    high = np.nan_to_num(table["high"].to_numpy(dtype=float), neginf=np.nanmin(mean), posinf=np.nanmax(mean))
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    y = np.arange(len(table))
    ax.barh(y, mean, xerr=[np.maximum(mean - low, 0), np.maximum(high - mean, 0)], capsize=3)
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_title(check.title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
