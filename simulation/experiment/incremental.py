"""What a strategy adds over a reference strategy, and the verdict in words, from paired replications.

Replication r of every strategy shares the network, the consumers and every random draw the strategies
do not change (common random numbers), so the difference d_r = KPI_r(strategy) - KPI_r(reference) is
the strategy's effect in that market. From the d_r:

* incremental adopters, revenue, spend, profit and NPV: mean of d_r with its t-interval;
* incremental ROI = mean(d profit) / mean(d spend) (extra profit per unit of extra spend) and the
  cost per incremental paying customer = mean(d spend) / (mean(d paying customers won) x represents),
  per real customer when each simulated consumer stands for `represents` real ones (free seeds are not
  paying customers), both ratios of mean differences with Fieller's interval (``stats.ratio_interval``).
  A ratio is left undefined, with the reason, when its denominator is not positive (no extra spend, no
  extra paying customer) and the cost per customer also when the extra spend is not positive (a price
  per customer of zero or below means nothing); its interval is unbounded when the denominator is not
  distinguishable from zero.

The ROI and cost per acquisition of a single strategy (run KPIs ``roi`` and ``cost_per_acquisition``)
are totals: a strategy can show a positive total ROI and still lose money against doing nothing.

Nothing here reruns a simulation: any strategy can serve as the reference (``--baseline``), and every
pair of strategies can be compared from the same runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..kpis import kpi as find_kpi
from .stats import Interval, paired_difference, ratio_interval

# Incremental measure -> the run KPI whose paired difference it is.
DIFFERENCES = {
    "incremental_adopters": "new_adopters",
    "incremental_revenue": "revenue",
    "incremental_spend": "spend",
    "incremental_profit": "profit",
    "incremental_npv": "npv",
}
# Ratio measure -> (numerator, denominator) run KPIs whose paired differences it divides.
RATIOS = {
    "incremental_roi": ("profit", "spend"),
    "incremental_cpa": ("spend", "paying_adopters"),
}
MEASURES = (*DIFFERENCES, *RATIOS)
# Objectives a verdict can be about: name -> run KPI.
OBJECTIVES = {"profit": "profit", "npv": "npv", "adopters": "adopters"}
COLUMNS = ["strategy", "measure", "mean", "low", "high", "n", "note"]


def _by_replication(runs: pd.DataFrame, strategy: str, kpi: str) -> pd.Series:
    rows = runs[runs["strategy"] == strategy]
    return rows.set_index("replication")[kpi].sort_index()


def paired(runs: pd.DataFrame, strategy: str, reference: str, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """A KPI of `strategy` and of `reference`, aligned by replication (the pairs of common random numbers)."""
    mine = _by_replication(runs, strategy, kpi)
    theirs = _by_replication(runs, reference, kpi).reindex(mine.index)
    return mine.to_numpy(dtype=float), theirs.to_numpy(dtype=float)


def difference(runs: pd.DataFrame, strategy: str, reference: str, kpi: str, confidence: float = 0.95) -> Interval:
    """Mean paired difference strategy - reference of a run KPI with its t-interval."""
    return paired_difference(*paired(runs, strategy, reference, kpi), confidence)


def _ratio(runs, strategy, reference, measure, confidence, represents: float = 1.0) -> tuple[Interval, str]:
    top, bottom = RATIOS[measure]
    num = np.subtract(*paired(runs, strategy, reference, top))
    den = np.subtract(*paired(runs, strategy, reference, bottom))
    if bottom == "paying_adopters":  # simulated customers -> real ones: the spend they are divided into is real
        den = den * represents
    keep = ~(np.isnan(num) | np.isnan(den))
    n = int(keep.sum())
    what = "extra spend" if bottom == "spend" else "extra customers"
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0), "no replication to compare"
    if den[keep].mean() <= 0:
        reason = "spends no more than" if bottom == "spend" else "wins no more paying customers than"
        return Interval(math.nan, math.nan, math.nan, n), f"undefined: {reason} the baseline"
    if top == "spend" and num[keep].mean() <= 0:  # more customers for no extra spend: no price per customer
        return Interval(math.nan, math.nan, math.nan, n), (
            "undefined: wins more paying customers for no extra marketing spend (a discount's cost is revenue "
            "forgone, in the extra profit)"
        )
    value = ratio_interval(num, den, confidence)
    if math.isinf(value.low) or math.isinf(value.high):
        return value, f"interval unbounded: the {what} are not distinguishable from zero"
    return value, ""


def incremental(
    runs: pd.DataFrame, strategies: list[str], baseline: str, confidence: float = 0.95, represents: float = 1.0
) -> pd.DataFrame:
    """Every incremental measure of every strategy but the baseline: mean, interval, runs used, note.
    ``represents`` (market.represents) turns the simulated customers of the cost per extra customer into
    real ones, as the spend is."""
    rows = []
    for name in strategies:
        if name == baseline:
            continue
        for measure, kpi in DIFFERENCES.items():
            value = difference(runs, name, baseline, kpi, confidence)
            rows.append({"strategy": name, "measure": measure, **value._asdict(), "note": ""})
        for measure in RATIOS:
            value, note = _ratio(runs, name, baseline, measure, confidence, represents)
            rows.append({"strategy": name, "measure": measure, **value._asdict(), "note": note})
    frame = pd.DataFrame(rows, columns=["strategy", "measure", "mean", "low", "high", "n", "note"])
    return frame.astype({"n": int})


def all_pairs(runs: pd.DataFrame, strategies: list[str], kpi: str, confidence: float = 0.95) -> pd.DataFrame:
    """Head-to-head of every ordered pair: mean paired difference strategy - versus with its interval."""
    rows = []
    for name in strategies:
        for other in strategies:
            if other != name:
                value = difference(runs, name, other, kpi, confidence)
                rows.append({"strategy": name, "versus": other, "kpi": kpi, **value._asdict()})
    return pd.DataFrame(rows, columns=["strategy", "versus", "kpi", "mean", "low", "high", "n"])


def distinguishable(value: Interval) -> bool:
    """The interval excludes zero (a difference the replications can tell from no difference)."""
    return value.n > 0 and not (value.low <= 0 <= value.high)


# What a paired interval says about strategy - other: above zero, below zero, or containing zero.
RELATIONS = ("better", "worse", "tied")


def relation(value: Interval) -> str:
    """'better' when the interval of subject - other lies above zero, 'worse' below, else 'tied'."""
    if not distinguishable(value):
        return "tied"
    return "better" if value.low > 0 else "worse"


@dataclass(frozen=True)
class Claim:
    """One comparison a verdict states in words: subject - other on its objective, and what its interval says."""

    subject: str
    other: str
    relation: str  # one of RELATIONS, always relation(value)
    value: Interval


@dataclass
class Verdict:
    """Which strategy wins on an objective, by how much, and what cannot be told apart (in words).

    Every comparison in ``text`` is one of ``claims``, each worded from its own paired interval: two
    strategies are called tied, better or worse only as their difference's interval says."""

    objective: str
    best: str
    text: str  # the verdict in plain words, a few sentences
    ties: list[str] = field(default_factory=list)  # strategies not distinguishable from the best
    not_distinguishable: list[str] = field(default_factory=list)  # ... from the baseline
    claims: list[Claim] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text


def _money(kpi_name: str, value: float, currency: str | None, signed: bool = True) -> str:
    kpi = find_kpi(kpi_name, "pair" if kpi_name.startswith("incremental_") else "run")
    text = kpi.format(value, signed)
    unit = kpi.unit_text(currency)
    return f"{text} {unit}" if kpi.unit in ("money", "consumers") and unit else text


def _interval(kpi_name: str, value: Interval, currency: str | None) -> str:
    kpi = find_kpi(kpi_name, "pair" if kpi_name.startswith("incremental_") else "run")
    return f"{_money(kpi_name, value.mean, currency)} [{kpi.format(value.low, True)}, {kpi.format(value.high, True)}]"


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _against_runner_up(lead: Claim, ties: list[str], baseline: str, label: str, kpi: str, currency) -> str:
    """The sentence on the best's lead over the runner-up (`lead`: best against it), from its claim."""
    runner_up = lead.other
    if lead.relation == "better" and runner_up == baseline:
        return f"The runner-up is {baseline} itself."
    if lead.relation == "better":
        return f"It leads the runner-up, {runner_up}, by {_interval(kpi, lead.value, currency)}."
    return (
        f"Its lead over {_names(ties)} is not distinguishable from zero on {label} (over the runner-up, "
        f"{runner_up}: {_interval(kpi, lead.value, currency)}); choose among them on other grounds or run "
        "more replications."
    )


def _against_baseline(others: dict[str, Claim], baseline: str, label: str, kpi: str, currency: str | None) -> list[str]:
    """The sentences on how the strategies other than the best stand against the baseline, each from its claim."""
    sentences = []
    for relation, opening in (
        ("better", f"Also better than {baseline}"),
        ("tied", f"Not distinguishable from {baseline} on {label}"),
        ("worse", f"Worse than {baseline}"),
    ):
        names = [s for s, c in others.items() if c.relation == relation]
        if not names:
            continue
        items = names if relation == "tied" else [f"{s} ({_interval(kpi, others[s].value, currency)})" for s in names]
        sentences.append(f"{opening}: {_names(items)}.")
    return sentences


def verdict(
    runs: pd.DataFrame,
    strategies: list[str],
    baseline: str,
    objective: str = "profit",
    currency: str | None = None,
    horizon: str = "",
    confidence: float = 0.95,
) -> Verdict:
    """The verdict on `objective` (profit, npv or adopters) from the paired replications.

    Names the strategy with the highest mean, its paired difference (with the interval) against the
    baseline and against the runner-up, and how every other strategy stands against the baseline. Each
    comparison is a ``Claim`` worded from its own interval (``relation``): "not distinguishable" is said
    of a pair only when their difference's interval contains zero, "better"/"worse" only when it excludes
    it; nothing is said of a pair that was not compared (being tied with the best does not make two
    strategies tied with each other). `horizon` (e.g. "52 weeks") says over what period it is counted.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective = {objective!r} is not allowed; allowed: {', '.join(OBJECTIVES)}")
    kpi = OBJECTIVES[objective]
    label = {"profit": "profit", "npv": "NPV", "adopters": "customers"}[objective]
    over = f" over {horizon}" if horizon else ""
    level = int(round(confidence * 100))
    means = {name: float(np.nanmean(_by_replication(runs, name, kpi).to_numpy(dtype=float))) for name in strategies}
    ranked = sorted(
        strategies, key=lambda s: (-means[s] if not math.isnan(means[s]) else math.inf, strategies.index(s))
    )
    best = ranked[0]
    n = len(runs[runs["strategy"] == best])
    claims: list[Claim] = []  # the comparisons the words make, in order

    def claim(subject: str, other: str) -> Claim:
        value = difference(runs, subject, other, kpi, confidence)
        return Claim(subject, other, relation(value), value)

    sentences = []
    against_base = {s: claim(s, baseline) for s in ranked if s != baseline}
    if best == baseline:
        sentences.append(
            f"No strategy beats the baseline, {baseline}, on {label}{over}: it has the highest mean "
            f"({_money(kpi, means[best], currency, signed=False)})."
        )
    else:
        gain = against_base[best]
        claims.append(gain)
        if gain.relation == "better":
            sentences.append(
                f"{best} wins on {label}{over}: {_interval(kpi, gain.value, currency)} against {baseline} "
                f"(mean paired difference, {level}% interval, {gain.value.n} paired replications)."
            )
        else:
            sentences.append(
                f"{best} has the highest mean {label}{over}, but its difference from {baseline}, "
                f"{_interval(kpi, gain.value, currency)} ({level}% interval, {gain.value.n} paired replications), "
                "is not distinguishable from zero."
            )
    if best != baseline and objective != "adopters":
        roi, note = _ratio(runs, best, baseline, "incremental_roi", confidence)
        if not note:
            sentences.append(
                f"Its incremental ROI (extra profit / extra spend) is {_interval('incremental_roi', roi, currency)}."
            )
    against_best = {s: claim(best, s) for s in ranked[1:]}
    ties = [s for s, c in against_best.items() if c.relation == "tied"]
    if len(ranked) > 1:
        lead = against_best[ranked[1]]
        claims.extend([lead] if lead.relation == "better" else [against_best[s] for s in ties])
        sentences.append(_against_runner_up(lead, ties, baseline, label, kpi, currency))
    others = {s: c for s, c in against_base.items() if s != best}
    claims.extend(others.values())
    sentences.extend(_against_baseline(others, baseline, label, kpi, currency))
    unclear = [s for s, c in others.items() if c.relation == "tied"]
    if n < 2:
        sentences.append("With a single replication no difference can be told from chance.")
    return Verdict(objective, best, " ".join(sentences), ties, unclear, claims)
