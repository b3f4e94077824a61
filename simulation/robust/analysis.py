"""Which strategy holds up across plausible markets, and where the chosen one loses.

From the ensemble's runs (one row per market point, strategy and replication; common random numbers
within a market):

* the objective per market and strategy is its mean over the replications, V[m, s];
* regret[m, s] = max_s' V[m, s'] - V[m, s]: what choosing s costs in market m against the best strategy
  there (Savage's minimax-regret criterion);
* per strategy: the mean over markets, the worst decile (the 10th percentile over markets: 90% of
  markets do at least this well), the mean and largest regret, and the share of markets where it is best;
* the chosen strategy (by default the one with the best mean) *loses* in a market when its regret there
  exceeds ``margin``; PRIM (Friedman & Fisher 1999), as EMA Workbench implements it for scenario
  discovery (Bryant & Lempert 2010), finds boxes of the uncertain parameters where it loses: coverage
  is the share of all losing markets inside the box, density the share of markets in the box that lose.
  From each peeling trajectory we take the box with the highest coverage whose density is at least
  ``density`` (the densest box if none reaches it). A box is reported as a *finding* only when its
  density reaches ``density`` and its coverage reaches ``coverage`` (``is_finding``); any other box is
  shown with its statistics and a caveat (it may be noise), never as a condition under which the
  strategy loses. Bounds are shown to 3 significant digits, rounded outward (``round_bounds``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd


class RobustError(ValueError):
    pass


# A PRIM box is a finding when at least DENSITY of the markets in it lose and it holds at least COVERAGE
# of all losing markets (Bryant & Lempert 2010 read boxes in this range as policy-relevant).
DENSITY = 0.8
COVERAGE = 0.5


def is_finding(
    density: float, coverage: float, least_density: float = DENSITY, least_coverage: float = COVERAGE
) -> bool:
    """Whether a box's statistics make it a finding (both thresholds reached)."""
    return density >= least_density and coverage >= least_coverage


def round_bounds(low: float, high: float, digits: int = 3) -> tuple[float, float]:
    """A box's bounds to `digits` significant digits of the larger magnitude, rounded outward (the rounded
    box still holds every market of the box): 0.12345..0.6789 -> 0.123..0.679."""
    size = max(abs(low), abs(high))
    if size == 0 or not math.isfinite(size):
        return low, high
    unit = 10.0 ** (math.floor(math.log10(size)) - digits + 1)
    return round(math.floor(low / unit + 1e-9) * unit, 12), round(math.ceil(high / unit - 1e-9) * unit, 12)


def market_values(runs: pd.DataFrame, params: list[str], objective: str) -> pd.DataFrame:
    """V[m, s]: rows are market points (with their parameter values), columns strategies."""
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        raise RobustError("no run succeeded: nothing to analyse (see the 'error' column of the runs)")
    values = ok.pivot_table(index="point", columns="strategy", values=objective, aggfunc="mean")
    values = values.dropna()  # a market where some strategy failed every run is left out
    if values.empty:
        raise RobustError("no market has a result for every strategy")
    points = ok.drop_duplicates("point").set_index("point")[params].reindex(values.index)
    values.columns.name = None
    return points.join(values)


def regret(values: pd.DataFrame, strategies: list[str]) -> pd.DataFrame:
    v = values[strategies]
    return v.max(axis=1).to_numpy()[:, None] - v


def strategy_summary(values: pd.DataFrame, strategies: list[str], decile: float = 0.1) -> pd.DataFrame:
    v = values[strategies]
    r = regret(values, strategies)
    best = v.to_numpy().argmax(axis=1)
    rows = []
    for i, name in enumerate(strategies):
        rows.append(
            {
                "strategy": name,
                "mean": float(v[name].mean()),
                "worst decile": float(np.quantile(v[name], decile)),
                "worst market": float(v[name].min()),
                "mean regret": float(r[name].mean()),
                "max regret": float(r[name].max()),
                "best in share of markets": float(np.mean(best == i)),
            }
        )
    return pd.DataFrame(rows)


def choose(summary: pd.DataFrame, chosen: str | None) -> str:
    if chosen is None:
        return str(summary.loc[summary["mean"].idxmax(), "strategy"])
    if chosen not in set(summary["strategy"]):
        raise RobustError(f"--chosen {chosen!r} is not one of the strategies run: {', '.join(summary['strategy'])}")
    return chosen


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    density: float = DENSITY,
    max_boxes: int = 3,
    mass_min: float = 0.05,
    coverage: float = COVERAGE,
):
    """Boxes of `x` where `y` (True: the chosen strategy loses) concentrates, with EMA Workbench's PRIM.

    Returns one row per box and restricted parameter: coverage, density, mass, markets inside, whether the
    box is a finding (``is_finding`` with `density` and `coverage`), the limits (``low``/``high``, exact)
    and the parameter's quasi-p-value as EMA Workbench reports it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA Workbench warns about optional parallel back-ends at import
        from ema_workbench.analysis import prim

    y = np.asarray(y, dtype=bool)
    if y.sum() == 0 or y.all():
        return pd.DataFrame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecations inside EMA Workbench (pandas' inplace)
        finder = prim.Prim(x.reset_index(drop=True).astype(float), y, mass_min=mass_min)
    rows = []
    for number in range(max_boxes):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        if box is None:
            break
        trajectory = box.peeling_trajectory
        good = trajectory[trajectory["density"] >= density]
        index = int(good["coverage"].idxmax()) if not good.empty else int(trajectory["density"].idxmax())
        box.select(index)
        stats = trajectory.loc[index]
        limits = box.box_lims[index]
        initial = box.box_lims[0]
        try:
            quasi_p = box.inspect(index, style="data")[0][1]  # (stats, limits with qp values)
        except Exception:  # the quasi-p-values are extra information
            quasi_p = None
        for name in x.columns:
            low, high = float(limits[name].iloc[0]), float(limits[name].iloc[1])
            restricted = (low, high) != (float(initial[name].iloc[0]), float(initial[name].iloc[1]))
            if not restricted:
                continue
            qp = np.nan
            if quasi_p is not None and name in quasi_p.index:
                columns = [c for c in quasi_p.columns if c[-1] == "qp value"]
                qp = float(np.nanmin(quasi_p.loc[name, columns].to_numpy(dtype=float)))
            rows.append(
                {
                    "box": number + 1,
                    "coverage": float(stats["coverage"]),
                    "density": float(stats["density"]),
                    "mass": float(stats["mass"]),
                    "markets": int(stats["n"]),
                    "finding": is_finding(float(stats["density"]), float(stats["coverage"]), density, coverage),
                    "parameter": name,
                    "low": low,
                    "high": high,
                    "quasi_p": qp,
                }
            )
        if not any(r["box"] == number + 1 for r in rows):  # PRIM kept the whole space: nothing to say
            break
    return pd.DataFrame(rows)


def limits_text(frame: pd.DataFrame) -> str:
    """A box's restrictions in words, bounds rounded: 'a in [0.598, 1] and b in [0, 0.402]'."""
    return " and ".join(
        f"{r.parameter} in [{low:.3g}, {high:.3g}]"
        for r in frame.itertuples()
        for low, high in [round_bounds(float(r.low), float(r.high))]
    )


def box_text(
    boxes: pd.DataFrame,
    chosen: str,
    total_losses: int,
    markets: int,
    density: float = DENSITY,
    coverage: float = COVERAGE,
) -> list[str]:
    """The boxes in words: a finding as a condition where `chosen` loses; any other box with its statistics
    and a caveat."""
    if total_losses == 0:
        return [f"{chosen} does not lose (within the margin) in any of the {markets} markets: no box to find."]
    if total_losses == markets:
        return [f"{chosen} loses in all {markets} markets: no condition separates where it loses."]
    if boxes.empty:
        return [f"{chosen} loses in {total_losses} of {markets} markets, but PRIM found no box concentrating them."]
    lines = [f"{chosen} loses in {total_losses} of {markets} markets."]
    for number, frame in boxes.groupby("box"):
        first = frame.iloc[0]
        stats = (
            f"{first['density']:.0%} of the markets there lose (density), holding {first['coverage']:.0%} of all "
            f"losing markets (coverage), {first['mass']:.0%} of the markets"
        )
        qp = frame["quasi_p"].max()
        if bool(first["finding"]):
            lines.append(f"Box {number}: {chosen} loses where {limits_text(frame)}: {stats}.")
        else:
            short = [
                f"density {first['density']:.0%} < {density:.0%}" if first["density"] < density else "",
                f"coverage {first['coverage']:.0%} < {coverage:.0%}" if first["coverage"] < coverage else "",
            ]
            lines.append(
                f"Box {number} is not a finding ({' and '.join(s for s in short if s)}): {limits_text(frame)}: "
                f"{stats}"
                + (f"; quasi-p up to {qp:.2g}" if math.isfinite(qp) else "")
                + ". It may be noise: more markets (--samples) or replications may sharpen or dissolve it."
            )
    return lines
