"""Where each customer came from: customers won attributed to channels by counterfactual runs.

A channel is switched off by model parameters (word of mouth from experience or hearsay, the product
page, background media) or by removing or muting a lever of the strategy (ads, brand content and its
re-shares, seeding). With v(S) the customers won in replication r when only the channels in S are on
(everything else, seeds and network included, the same: common random numbers), channel i's share is
its Shapley value over the channels the strategy uses,

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! x [v(S + i) - v(S)],

which splits v(all) - v(none) exactly among channels however they overlap (a customer who heard from a
friend and read the page counts partly for each). The plain counterfactual, v(all) - v(all but i), is
reported beside it: the customers lost if channel i alone were switched off. Both are computed per
replication and summarised with t-intervals. Shapley values are linear in v, so the extra customers of a
strategy over the baseline split by channel as the paired difference of the two attributions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from .. import kernels
from ..marketing.strategy import Strategy
from ..model import WordOfMouthModel
from .runs import scenario_network
from .stats import t_interval


@dataclass(frozen=True)
class Channel:
    """One way customers hear of the product, and how to switch it off."""

    name: str
    label: str
    params: dict = field(default_factory=dict)  # model parameters that switch it off
    lever: str | None = None  # the lever kind it belongs to (the channel exists only in strategies with one)
    mute: dict | None = None  # lever fields that switch it off (None: the lever is removed)


CHANNELS: tuple[Channel, ...] = (
    Channel("experienced", "word of mouth from customers' experience", {"experience_credibility": 0.0}),
    Channel("hearsay", "word of mouth repeated by non-customers (hearsay)", {"hearsay_credibility": 0.0}),
    Channel("page", "the product page (ratings and reviews)", {"review_propensity": 0.0}),
    Channel(
        "media", "background media (press, retail, search)", {"media_awareness_rate": 0.0, "background_media": 0.0}
    ),
    Channel("ads", "advertising", lever="advertising"),
    Channel("content", "brand content (posts to followers)", lever="content"),
    Channel("reshares", "customers' re-shares of brand content", lever="content", mute={"reshare": 0.0}),
    Channel("seeding", "seeding (free units and what the seeds say)", lever="seeding"),
)
BY_NAME = {c.name: c for c in CHANNELS}
WORD_OF_MOUTH = ("experienced", "hearsay", "reshares")  # the channels that are people talking


def active_channels(strategy: Strategy) -> list[str]:
    """The channels a strategy can use: every parameter channel, and each lever channel it has a lever for
    that is not already muted (content with reshare 0 has no re-shares to switch off)."""

    def used(channel: Channel) -> bool:
        levers = [lever for lever in strategy.levers if lever.kind == channel.lever]
        if channel.mute is None:
            return bool(levers)
        return any(getattr(lever, field) != value for lever in levers for field, value in channel.mute.items())

    return [c.name for c in CHANNELS if c.lever is None or used(c)]


def switched_off(strategy: Strategy, off) -> tuple[Strategy, dict]:
    """The strategy and the model parameters with the channels named in `off` switched off."""
    params: dict = {}
    levers = list(strategy.levers)
    for name in off:
        channel = BY_NAME[name]
        params.update(channel.params)
        if channel.lever is None:
            continue
        if channel.mute is None:
            levers = [lv for lv in levers if lv.kind != channel.lever]
        else:
            levers = [lv.model_copy(update=channel.mute) if lv.kind == channel.lever else lv for lv in levers]
    return strategy.model_copy(update={"levers": levers}), params


def customers_won(model: WordOfMouthModel) -> float:
    """First purchases over the run, in real-market consumers (simulated x market.represents)."""
    return float(model.timeseries()["new_adopters"].sum()) * model.represents


def coalition_values(scenario, strategy: str, channels, replication: int) -> dict[frozenset, float]:
    """v(S): customers won in replication r with only the channels in S on, for every subset S of `channels`."""
    base = scenario.strategy(strategy)
    network = scenario_network(scenario, replication)
    values = {}
    for size in range(len(channels) + 1):
        for on in combinations(channels, size):
            chosen, params = switched_off(base, [c for c in channels if c not in on])
            kwargs = scenario.model_kwargs(strategy, replication)
            kwargs.update(params, strategy=chosen, social_network=network)
            values[frozenset(on)] = customers_won(WordOfMouthModel(**kwargs).run(scenario.horizon))
    return values


def shapley(values: dict[frozenset, float], players) -> dict[str, float]:
    """Exact Shapley values of the game v (every subset of `players` given): see the module docstring."""
    n = len(players)
    result = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for coalition in combinations(others, size):
                s = frozenset(coalition)
                total += weight * (values[s | {player}] - values[s])
        result[player] = total
    return result


def _replication(task) -> pd.DataFrame:
    """Shapley values and counterfactual losses of one replication (a worker task)."""
    scenario, strategy, channels, replication = task
    kernels.for_batches()  # 2^channels models per task: the compiled kernels pay for their loading (same numbers)
    if isinstance(scenario, dict):
        from ..scenario.schema import Scenario

        scenario = Scenario.model_validate(scenario["data"]).model_copy(update={"source_dir": scenario["source_dir"]})
    values = coalition_values(scenario, strategy, channels, replication)
    everything = frozenset(channels)
    phi = shapley(values, channels)
    rows = [
        {
            "replication": replication,
            "channel": c,
            "shapley": phi[c],
            "loss_if_off": values[everything] - values[everything - {c}],
        }
        for c in channels
    ]
    rows.append({"replication": replication, "channel": "none", "shapley": values[frozenset()], "loss_if_off": np.nan})
    return pd.DataFrame(rows)


def attribution_runs(
    scenario, strategy: str, replications: int, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> pd.DataFrame:
    """Per replication and channel: Shapley value and counterfactual loss ('none': customers won with every
    channel off, which no channel explains). Same numbers for any number of jobs."""
    channels = active_channels(scenario.strategy(strategy))
    tasks = [(scenario, strategy, channels, r) for r in range(replications)]
    frames = []
    if jobs <= 1:
        for done, task in enumerate(tasks, 1):
            frames.append(_replication(task))
            if progress:
                progress(done, replications)
    else:
        from ..workers import process_pool

        portable = {"data": scenario.model_dump(mode="json"), "source_dir": scenario.source_dir}
        with process_pool(min(jobs, replications)) as pool:
            for done, frame in enumerate(pool.map(_replication, [(portable, *t[1:]) for t in tasks]), 1):
                frames.append(frame)
                if progress:
                    progress(done, replications)
    return pd.concat(frames, ignore_index=True)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per channel: mean Shapley value with its 95% interval, its share of all customers won, and the
    counterfactual loss with its interval (from ``attribution_runs`` or ``extra_by_channel``'s runs)."""
    total = runs.groupby("replication")["shapley"].sum().mean()
    rows = []
    for name, group in runs.groupby("channel", sort=False):
        phi = t_interval(group["shapley"].to_numpy())
        loss = t_interval(group["loss_if_off"].to_numpy())
        rows.append(
            {
                "channel": name,
                "meaning": BY_NAME[name].label if name in BY_NAME else "with every channel off (not attributed)",
                "customers": phi.mean,
                "low": phi.low,
                "high": phi.high,
                "share": phi.mean / total if total else np.nan,
                "loss_if_off": loss.mean,
                "loss_low": loss.low,
                "loss_high": loss.high,
            }
        )
    return pd.DataFrame(rows)


def extra_by_channel(
    scenario, strategy: str, baseline: str | None = None, replications: int = 10, jobs: int = 1
) -> pd.DataFrame:
    """Where a strategy's extra customers over the baseline came from: per replication and channel, the
    strategy's Shapley value minus the baseline's (a channel the baseline lacks counts 0 there), paired."""
    baseline = baseline or scenario.baseline_name
    mine = attribution_runs(scenario, strategy, replications, jobs)
    return _difference(mine, attribution_runs(scenario, baseline, replications, jobs))


def _difference(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """Paired per-replication difference of two attributions (Shapley values are linear in v)."""
    merged = mine.merge(theirs, on=["replication", "channel"], how="outer", suffixes=("", "_baseline"), sort=False)
    absent = {"shapley": 0.0, "loss_if_off": 0.0, "shapley_baseline": 0.0, "loss_if_off_baseline": 0.0}
    none = merged["channel"] == "none"
    merged.loc[~none] = merged.loc[~none].fillna(absent)
    return pd.DataFrame(
        {
            "replication": merged["replication"],
            "channel": merged["channel"],
            "shapley": merged["shapley"] - merged["shapley_baseline"],
            "loss_if_off": merged["loss_if_off"] - merged["loss_if_off_baseline"],
        }
    )


def extra_customers_table(scenario, replications: int, jobs: int = 1, progress=None) -> pd.DataFrame:
    """For every strategy but the baseline: where its extra customers came from (``summarise`` of the paired
    difference, one row per strategy and channel). Each strategy's attribution is run once."""
    names = [s.name for s in scenario.strategies]
    runs = {}
    for done, name in enumerate(names, 1):
        runs[name] = attribution_runs(scenario, name, replications, jobs)
        if progress:
            progress(done, len(names))
    base = scenario.baseline_name
    frames = [summarise(_difference(runs[name], runs[base])).assign(strategy=name) for name in names if name != base]
    table = pd.concat(frames, ignore_index=True)
    return table[["strategy", *[c for c in table.columns if c != "strategy"]]]
