"""What a finished sweep says: sensitivity indices (sobol, morris) and response curves/heat maps (grid).

Every analysis first averages the replications of each design point (common random numbers: point
i and point j with the same replication share a seed), then:

* sobol (SALib, Saltelli/Jansen estimators): first-order S1_j = V[E(Y|X_j)] / V(Y) and total
  ST_j = E[V(Y|X_-j)] / V(Y), with bootstrap confidence intervals;
* morris (SALib): mu*_j = mean |elementary effect| of X_j with its bootstrap interval, and sigma_j;
* grid: mean KPI at each value of a parameter (over the other parameters and the replications) with
  its standard error s / sqrt(n), and the mean over each pair of values of two parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..kpis import RUN_KPIS, SWEEP_KPIS

DEFAULT_KPIS = SWEEP_KPIS
CONF_LEVEL = 0.95


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


def rank_grid_drivers(curves: pd.DataFrame, kpi: str, when: str = "at the horizon") -> str:
    """Grid designs: parameters ranked by how far the KPI's mean moves across their values (averaged over
    the other parameters), in words, with the range of the means."""
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
    kpi_format = RUN_KPIS[kpi].format if kpi in RUN_KPIS else (lambda v: f"{v:.3g}")
    parts = [
        f"{parameter} (from {kpi_format(low['mean'])} at {low['value']} to {kpi_format(high['mean'])} at {high['value']})"
        for _, parameter, low, high in spans
    ]
    if not parts:
        return f"{label} {when}: not analysed (no values)"
    text = f"Over the grid, {parts[0].split(' (')[0]} moves {label} {when} the most {parts[0][parts[0].index('(') :]}"
    if len(parts) > 1:
        text += ", then " + ", then ".join(parts[1:])
    return text + "."
