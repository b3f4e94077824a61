"""What a finished sweep says: sensitivity indices (sobol, morris) and response curves/heat maps (grid).

Every analysis first averages the replications of each design point (common random numbers: point
i and point j with the same replication share a seed), then:

* sobol (SALib, Saltelli/Jansen estimators): first-order S1_j = V[E(Y|X_j)] / V(Y) and total
  ST_j = E[V(Y|X_-j)] / V(Y), with bootstrap confidence intervals;
* morris (SALib): mu*_j = mean |elementary effect| of X_j with its bootstrap interval, and sigma_j;
* grid: mean KPI at each value of a parameter (over the other parameters and the replications) with
  its standard error s / sqrt(n), and the mean over each pair of values of two parameters. A change
  between two values of a parameter is stated with its paired interval (``paired_change``): runs at the
  two values with the same replication and the same other parameters share their seed, so the
  difference d = KPI(high) - KPI(low) of each pair is the parameter's effect there.

Every analysis also says where the levers could not spend their plan (``spend_shortfalls``): a budget
cap makes points past it identical, and a curve that is flat past the cap is the cap, not the lever.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..experiment.stats import Interval, paired_difference
from ..kpis import RUN_KPIS, SWEEP_KPIS, format_value

DEFAULT_KPIS = SWEEP_KPIS
CONF_LEVEL = 0.95
SPEND_SHORTFALL = 0.995  # a point "could not spend its plan" below this share of it (as compare says)


class AnalysisError(ValueError):
    """The stored runs do not allow an analysis (missing or failed points)."""


def check_kpis(kpis) -> list[str]:
    unknown = [k for k in kpis if k not in RUN_KPIS]
    if unknown:
        raise AnalysisError(f"unknown KPI {', '.join(map(repr, unknown))}; known: {', '.join(RUN_KPIS)}")
    return list(kpis)


def point_means(runs: pd.DataFrame, kpi: str, strategy: str, n_points: int) -> np.ndarray:
    """The KPI of each design point 0..n-1, averaged over replications; every point must have run."""
    rows = runs[(runs["strategy"] == strategy) & (runs["status"] == "ok")]
    means = rows.groupby("point")[kpi].mean().reindex(range(n_points))
    missing = int(means.isna().sum())
    if missing:
        raise AnalysisError(
            f"{strategy}/{kpi}: {missing} of {n_points} design points have no value "
            "(not run yet, failed, or the KPI is undefined there); re-run the sweep to complete it"
        )
    return means.to_numpy()


def sobol_indices(
    runs: pd.DataFrame, problem: dict, n_points: int, strategy: str, kpis=DEFAULT_KPIS, seed: int = 0
) -> pd.DataFrame:
    """S1 and ST of each KPI to each parameter, with their 95% confidence half-widths."""
    from SALib.analyze import sobol

    records = []
    for kpi in check_kpis(kpis):
        try:
            y = point_means(runs, kpi, strategy, n_points)
        except AnalysisError as error:
            records += [
                {"strategy": strategy, "kpi": kpi, "parameter": name, "note": str(error)} for name in problem["names"]
            ]
            continue
        if np.ptp(y) == 0:
            # No variance: no parameter explains anything (SALib would divide by zero).
            records += [
                {
                    "strategy": strategy,
                    "kpi": kpi,
                    "parameter": name,
                    "S1": 0.0,
                    "S1_conf": 0.0,
                    "ST": 0.0,
                    "ST_conf": 0.0,
                    "note": "KPI constant over the design",
                }
                for name in problem["names"]
            ]
            continue
        result = sobol.analyze(problem, y, calc_second_order=False, conf_level=CONF_LEVEL, seed=seed)
        for j, name in enumerate(problem["names"]):
            records.append(
                {
                    "strategy": strategy,
                    "kpi": kpi,
                    "parameter": name,
                    "S1": result["S1"][j],
                    "S1_conf": result["S1_conf"][j],
                    "ST": result["ST"][j],
                    "ST_conf": result["ST_conf"][j],
                    "note": "",
                }
            )
    return pd.DataFrame.from_records(records)


def morris_indices(
    runs: pd.DataFrame,
    problem: dict,
    points: np.ndarray,
    strategy: str,
    kpis=DEFAULT_KPIS,
    num_levels: int = 4,
    seed: int = 0,
) -> pd.DataFrame:
    """mu* (with its 95% confidence half-width), mu and sigma of each KPI to each parameter."""
    from SALib.analyze import morris

    records = []
    for kpi in check_kpis(kpis):
        try:
            y = point_means(runs, kpi, strategy, len(points))
        except AnalysisError as error:
            records += [
                {"strategy": strategy, "kpi": kpi, "parameter": name, "note": str(error)} for name in problem["names"]
            ]
            continue
        result = morris.analyze(problem, points, y, conf_level=CONF_LEVEL, num_levels=num_levels, seed=seed)
        for j, name in enumerate(problem["names"]):
            records.append(
                {
                    "strategy": strategy,
                    "kpi": kpi,
                    "parameter": name,
                    "mu_star": result["mu_star"][j],
                    "mu_star_conf": result["mu_star_conf"][j],
                    "mu": result["mu"][j],
                    "sigma": result["sigma"][j],
                    "note": "",
                }
            )
    return pd.DataFrame.from_records(records)


def response_curves(runs: pd.DataFrame, paths: list[str], kpi: str) -> pd.DataFrame:
    """Mean, standard error and count of a KPI at each value of each parameter, per strategy."""
    check_kpis([kpi])
    ok = runs[runs["status"] == "ok"]
    frames = []
    for path in paths:
        stats = ok.groupby(["strategy", path])[kpi].agg(["mean", "std", "count"]).reset_index()
        stats["se"] = stats["std"] / np.sqrt(stats["count"])
        frames.append(stats.rename(columns={path: "value"}).assign(parameter=path))
    columns = ["parameter", "strategy", "value", "mean", "se", "count"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def heat_map(runs: pd.DataFrame, x: str, y: str, kpi: str, strategy: str) -> pd.DataFrame:
    """Mean KPI over each (y, x) pair of values: rows are y's values, columns x's."""
    check_kpis([kpi])
    ok = runs[(runs["status"] == "ok") & (runs["strategy"] == strategy)]
    return ok.pivot_table(index=y, columns=x, values=kpi, aggfunc="mean")


def summary(runs: pd.DataFrame) -> dict:
    """Counts of runs by status and the mean run time."""
    if runs.empty:
        return {"runs": 0, "ok": 0, "error": 0, "mean_seconds": math.nan}
    return {
        "runs": len(runs),
        "ok": int((runs["status"] == "ok").sum()),
        "error": int((runs["status"] == "error").sum()),
        "mean_seconds": float(runs["elapsed"].mean()),
    }


def paired_change(runs: pd.DataFrame, path: str, kpi: str, strategy: str, low, high, paths: list[str]) -> Interval:
    """Mean paired difference KPI(path = high) - KPI(path = low) with its t-interval: runs paired by
    replication and by the values of the other swept parameters (common random numbers)."""
    rows = runs[(runs["status"] == "ok") & (runs["strategy"] == strategy)]
    keys = [p for p in paths if p != path] + ["replication"]
    at_low = rows[rows[path] == low].set_index(keys)[kpi]
    at_high = rows[rows[path] == high].set_index(keys)[kpi]
    at_high, at_low = at_high.align(at_low, join="inner")
    return paired_difference(at_high.to_numpy(dtype=float), at_low.to_numpy(dtype=float))


def _values_text(values: list) -> str:
    shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def spend_shortfalls(runs: pd.DataFrame, paths: list[str], budgets: dict, currency: str | None = None) -> list[str]:
    """Where a strategy's levers spent less than planned, per strategy and swept parameter, in words.

    `budgets` maps each strategy to its budget cap (None: no cap); a swept ``strategies.NAME.budget``
    gives each point its own. A point is capped when its mean plan exceeds the cap and its mean spend
    (nearly) reaches it; otherwise its shortfall is saturation (nothing left to pay for)."""
    if runs.empty or "planned_spend" not in runs:
        return []
    ok = runs[runs["status"] == "ok"]
    notes = []
    money = f" {currency}" if currency else ""
    for strategy, rows in ok.groupby("strategy", sort=False):
        means = rows.groupby(paths, dropna=False)[["spend", "planned_spend"]].mean().reset_index()
        short = means[(means["planned_spend"] > 0) & (means["spend"] < SPEND_SHORTFALL * means["planned_spend"])]
        if short.empty:
            continue
        swept_budget = f"strategies.{strategy}.budget"
        cap = short[swept_budget] if swept_budget in short else pd.Series(budgets.get(strategy), index=short.index)
        capped = cap.notna() & (short["planned_spend"] > cap.fillna(np.inf)) & (short["spend"] >= 0.95 * cap)
        for is_capped, group in short.groupby(capped.to_numpy(), sort=False):
            where = "; ".join(f"{path} = {_values_text(sorted(group[path].unique().tolist()))}" for path in paths)
            spent = f"spent {format_value('spend', group['spend'].min())}"
            if group["spend"].max() != group["spend"].min():
                spent += f" to {format_value('spend', group['spend'].max())}"
            planned = f"{format_value('spend', group['planned_spend'].min())}"
            if group["planned_spend"].max() != group["planned_spend"].min():
                planned += f" to {format_value('spend', group['planned_spend'].max())}"
            if is_capped:
                caps = sorted(cap[group.index].unique().tolist())
                why = (
                    f"the budget cap of {_values_text([format_value('spend', c) for c in caps])}{money} stops "
                    "the levers there, so results past the cap show the cap, not the swept value"
                )
            else:
                why = "saturation: the levers found nothing more to pay for"
            notes.append(f"{strategy} at {where}: {spent} of {planned}{money} planned ({why}).")
    return notes


# ---------------------------------------------------------------- drivers in words
def _tiers(values: list[float], halves: list[float]) -> list[list[int]]:
    """Group parameters (sorted by value, largest first) into tiers: a parameter joins the tier above when
    its interval overlaps that tier's leader's (they cannot be told apart)."""
    tiers: list[list[int]] = []
    for i in range(len(values)):
        if tiers:
            lead = tiers[-1][0]
            if values[i] + halves[i] >= values[lead] - halves[lead]:
                tiers[-1].append(i)
                continue
        tiers.append([i])
    return tiers


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def rank_drivers(table: pd.DataFrame, kpi: str, when: str = "at the horizon") -> str:
    """The parameters that drive one KPI, in words, from Sobol (ST) or Morris (mu*) indices of one strategy.

    E.g. "purchase.p explains most of the variance of adopters by week 26 (ST 0.44 +/- 0.12), then
    word_of_mouth.talk_rate and word_of_mouth.reach, which are tied (ST 0.21 +/- 0.05, 0.19 +/- 0.06);
    awareness.decay has no effect distinguishable from zero (ST 0.01 +/- 0.02)". Parameters whose 95%
    intervals overlap are tied; an index whose interval includes zero is no distinguishable effect.
    """
    label = RUN_KPIS[kpi].title if kpi in RUN_KPIS else kpi
    sobol = "ST" in table.columns and table["ST"].notna().any()
    value, half = ("ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf")
    if value not in table.columns or table[value].isna().all():
        notes = [n for n in table.get("note", pd.Series(dtype=str)).dropna().unique() if n]
        return f"{label} {when}: not analysed ({'; '.join(notes) or 'no values'})"
    rows = table.dropna(subset=[value]).sort_values(value, ascending=False, kind="stable")
    names, values = rows["parameter"].tolist(), rows[value].astype(float).tolist()
    halves = rows[half].fillna(0).astype(float).abs().tolist()
    symbol = "ST" if sobol else "mu*"

    def figure(i: int) -> str:
        return f"{values[i]:.2f} +/- {halves[i]:.2f}" if sobol else f"{values[i]:.3g} +/- {halves[i]:.2g}"

    if all(v == 0 for v in values):
        return f"{label} {when} does not change over the design: no parameter drives it"
    null = [i for i in range(len(values)) if values[i] - halves[i] <= 0]
    effective = [i for i in range(len(values)) if i not in null]
    sentences = []
    if effective:
        tiers = _tiers([values[i] for i in effective], [halves[i] for i in effective])
        tiers = [[effective[j] for j in tier] for tier in tiers]
        first = tiers[0]
        figures = ", ".join(figure(i) for i in first)
        if len(first) == 1:
            i = first[0]
            verb = "explains most of the variance of" if sobol and values[i] >= 0.5 else "is the strongest driver of"
            sentence = f"{names[i]} {verb} {label} {when} ({symbol} {figures})"
        else:
            sentence = (
                f"{_names([names[i] for i in first])} drive {label} {when} the most and are tied ({symbol} {figures})"
            )
        for tier in tiers[1:]:
            tier_names = _names([names[i] for i in tier])
            tied = ", which are tied" if len(tier) > 1 else ""
            sentence += f", then {tier_names}{tied} ({symbol} {', '.join(figure(i) for i in tier)})"
        sentences.append(sentence)
    if null:
        sentences.append(
            f"{_names([names[i] for i in null])} "
            f"{'has' if len(null) == 1 else 'have'} no effect distinguishable from zero "
            f"({symbol} {', '.join(figure(i) for i in null)})"
        )
    return "; ".join(sentences) + "."


def rank_grid_drivers(
    curves: pd.DataFrame,
    kpi: str,
    when: str = "at the horizon",
    runs: pd.DataFrame | None = None,
    strategy: str | None = None,
    paths: list[str] | None = None,
    currency: str | None = None,
) -> str:
    """Grid designs: parameters ranked by how far the KPI's mean moves across their values (averaged over
    the other parameters), in words, with the range of the means and, given the runs, the paired
    difference between the two values with its 95% interval (``paired_change``)."""
    label = RUN_KPIS[kpi].title if kpi in RUN_KPIS else kpi
    if curves.empty:
        return f"{label} {when}: not analysed (no successful run)"
    spans = []
    for parameter, rows in curves.groupby("parameter", sort=False):
        rows = rows.dropna(subset=["mean"])
        if rows.empty:
            continue
        low, high = rows.loc[rows["mean"].idxmin()], rows.loc[rows["mean"].idxmax()]
        spans.append((float(high["mean"] - low["mean"]), parameter, low, high))
    spans.sort(key=lambda item: -item[0])
    if not spans or spans[0][0] == 0:
        return f"{label} {when} does not change over the grid: no swept parameter moves it."
    kpi_format = (lambda v: RUN_KPIS[kpi].format(v)) if kpi in RUN_KPIS else (lambda v: f"{v:.3g}")
    unit = RUN_KPIS[kpi].unit_text(currency) if kpi in RUN_KPIS and RUN_KPIS[kpi].unit == "money" else ""
    unit = f" {unit}" if unit else ""

    def change(parameter, low, high) -> str:
        text = (
            f"from {kpi_format(low['mean'])} at {low['value']} to {kpi_format(high['mean'])}{unit} at {high['value']}"
        )
        if runs is None or strategy is None:
            return text
        # From the lower to the higher value of the parameter, paired by replication and the other values.
        first, second = (low, high) if _before(low["value"], high["value"]) else (high, low)
        value = paired_change(runs, parameter, kpi, strategy, first["value"], second["value"], paths or [parameter])
        if value.n < 2:
            return text
        signed = _difference_format(kpi)
        interval = f"{signed(value.mean, True)}{unit} [{signed(value.low, True)}, {signed(value.high, True)}]"
        verdict = "" if value.low > 0 or value.high < 0 else "; not distinguishable from no change"
        return (
            f"{text}; {second['value']} vs {first['value']}: {interval}, paired 95% interval over {value.n} pairs"
            f"{verdict}"
        )

    parts = [(parameter, change(parameter, low, high)) for _, parameter, low, high in spans]
    text = f"Over the grid, {parts[0][0]} moves {label} {when} the most ({parts[0][1]})"
    if len(parts) > 1:
        text += ", then " + ", then ".join(f"{name} ({words})" for name, words in parts[1:])
    return text + "."


def _difference_format(kpi: str):
    """How a difference of a KPI is written: shares in percentage points (pp), the rest as the KPI."""
    if kpi in RUN_KPIS and RUN_KPIS[kpi].unit == "share":
        return lambda v, signed=True: "n/a" if math.isnan(v) else f"{v * 100:+.1f} pp"
    if kpi in RUN_KPIS:
        return RUN_KPIS[kpi].format
    return lambda v, signed=True: f"{v:+.3g}"


def _before(a, b) -> bool:
    try:
        return bool(a < b)
    except TypeError:
        return str(a) < str(b)
