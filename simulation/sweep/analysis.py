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
