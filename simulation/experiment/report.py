"""The comparison's report: one self-contained HTML file (tables, and figures embedded as PNG).

Figures: adoption curves with 95% bands, sentiment over time, the funnel at the horizon, spend against
revenue, and the expansion/acceleration split of each strategy's value. Nothing is fetched when the
file is opened.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd
from scipy import stats

from ..scenario.loader import scenario_to_yaml
from ..scenario.paths import resolved_scenario
from .decomposition import MEASURES
from .display import format_interval, format_value
from .runs import RUN_KPIS


def band(timeseries: pd.DataFrame, kpi: str, confidence: float = 0.95) -> pd.DataFrame:
    """Per strategy and step: mean of a KPI across replications and its t-interval."""
    g = timeseries.groupby(["strategy", "step"], sort=False)[kpi].agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(g["count"] - 1, 1))
    half = np.where(g["count"] > 1, t * g["std"].fillna(0) / np.sqrt(g["count"]), np.nan)
    g["low"], g["high"] = g["mean"] - half, g["mean"] + half
    return g


def scenario_as_run(comparison) -> str:
    """The scenario exactly as run: replications as run, file paths made absolute (loads from anywhere)."""
    scenario = comparison.scenario
    resolved = resolved_scenario(scenario).model_copy(update={"replications": comparison.replications})
    header = (
        f"# Scenario as run by `run.py compare` ({comparison.replications} replications, seeds "
        f"{scenario.seed}..{scenario.seed + comparison.replications - 1}).\n"
        f"# Reproduce: python run.py compare scenario.yaml\n"
    )
    return header + scenario_to_yaml(resolved)


# ---------------------------------------------------------------- figures
def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display; safe in worker threads
    import matplotlib.pyplot as plt

    return plt


def _curves(comparison, kpis: list[tuple[str, str]], title: str) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(kpis), figsize=(6 * len(kpis), 4), squeeze=False)
    for ax, (kpi, label) in zip(axes[0], kpis):
        bands = band(comparison.timeseries, kpi)
        for name in comparison.strategies:
            b = bands[bands["strategy"] == name]
            (line,) = ax.plot(b["step"], b["mean"], label=name)
            ax.fill_between(b["step"], b["low"], b["high"], color=line.get_color(), alpha=0.25, linewidth=0)
        ax.set_xlabel(f"step ({comparison.scenario.time_unit})")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    figure.suptitle(title)
    return _png(figure)


def _funnel(comparison) -> str:
    plt = _pyplot()
    last = comparison.timeseries[comparison.timeseries["step"] == comparison.timeseries["step"].max()]
    means = last.groupby("strategy")[["prospects", "followers", "customers"]].mean().reindex(comparison.strategies)
    figure, ax = plt.subplots(figsize=(7, 3.5))
    left = np.zeros(len(means))
    for column in means.columns:
        ax.barh(means.index, means[column], left=left, label=column)
        left += means[column].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("consumers at the horizon (mean over replications)")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Funnel: prospects, followers, customers")
    return _png(figure)


def _spend_revenue(comparison) -> str:
    plt = _pyplot()
    figure, ax = plt.subplots(figsize=(7, 4.5))
    summary = comparison.summary.set_index(["strategy", "kpi"])
    for name in comparison.strategies:
        runs = comparison.runs[comparison.runs["strategy"] == name]
        dots = ax.scatter(runs["spend"], runs["revenue"], s=10, alpha=0.35)
        s, r = summary.loc[(name, "spend")], summary.loc[(name, "revenue")]
        ax.errorbar(
            s["mean"],
            r["mean"],
            xerr=[[s["mean"] - s["ci_low"]], [s["ci_high"] - s["mean"]]],
            yerr=[[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]],
            fmt="o",
            color=dots.get_facecolor()[0][:3],
            markeredgecolor="black",
            label=name,
        )
    top = max(ax.get_xlim()[1], 1.0)
    ax.plot([0, top], [0, top], color="grey", linestyle=":", label="revenue = spend")
    ax.set_xlabel("marketing spend")
    ax.set_ylabel("revenue")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Spend vs revenue (dots: runs; markers: means with 95% CI)")
    return _png(figure)


def _decomposition(comparison) -> str:
    plt = _pyplot()
    parts = comparison.decomposition.set_index(["strategy", "measure"])
    names = [n for n in comparison.strategies if n != comparison.scenario.baseline_name]
    measures = ["expansion_value", "acceleration_value", "other_value", "npv_difference"]
    figure, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(measures)
    x = np.arange(len(names))
    for i, measure in enumerate(measures):
        rows = parts.loc[[(n, measure) for n in names]]
        ax.bar(
            x + i * width,
            rows["mean"],
            width,
            label=MEASURES[measure],
            yerr=[rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]],
            capsize=3,
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x + width * (len(measures) - 1) / 2, names)
    ax.set_ylabel("NPV vs baseline")
    ax.legend(fontsize=8)
    ax.set_title("Value over the baseline: expansion vs acceleration (95% CI)")
    return _png(figure)


# ---------------------------------------------------------------- tables
def _table(frame: pd.DataFrame, labels: dict | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame.columns])
    body = []
    for index, row in frame.iterrows():
        label = labels.get(index, index) if labels else index
        cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        body.append(f"<tr><th>{html.escape(str(label))}</th>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _undefined_note(comparison) -> str:
    partial = comparison.summary[comparison.summary["n"] < comparison.replications]
    if partial.empty:
        return ""
    items = "".join(
        f"<li>{html.escape(r.strategy)}: <code>{r.kpi}</code> defined in {r.n} of {comparison.replications} runs</li>"
        for r in partial.itertuples()
    )
    return (
        "<p>Some KPIs are undefined in some runs (a level never reached, no spend, no customer won); their "
        f"means and intervals use only the runs where they are defined:</p><ul>{items}</ul>"
    )


def _decomposition_table(comparison) -> pd.DataFrame:
    table = {}
    for r in comparison.decomposition.itertuples():
        table.setdefault(r.strategy, {})[MEASURES[r.measure]] = format_interval(
            r.measure, r.mean, r.ci_low, r.ci_high, signed=True
        )
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "strategy"
    return frame


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 12px; margin-bottom: 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; }
.wide { overflow-x: auto; }
code { background: #f3f3f3; padding: 0 3px; }
"""


def render_report(comparison) -> str:
    """The HTML report of a comparison (see the module docstring)."""
    scenario = comparison.scenario
    levels = comparison.kpi_table().T
    levels.index.name = "KPI (mean [95% CI])"
    diffs = comparison.kpi_table(differences=True).drop(index=scenario.baseline_name).T
    diffs.index.name = f"paired difference vs {scenario.baseline_name}"
    labels = {k: f"{k}: {v}" for k, v in RUN_KPIS.items()}
    strategies = "".join(
        f"<li><b>{html.escape(s.name)}</b>: {html.escape(s.description or '')}</li>" for s in scenario.strategies
    )
    r = comparison.replications
    sections = [
        f"<h1>Strategy comparison: {html.escape(scenario.name)}</h1>",
        f"<p>{html.escape(scenario.description)}</p>",
        f"<p>{r} replications per strategy, seeds {scenario.seed}..{scenario.seed + r - 1} "
        f"(common random numbers: replication r uses the same network and consumers for every strategy); "
        f"horizon {scenario.horizon} {scenario.time_unit}s; discount rate {scenario.discount_rate:g} per year; "
        f"baseline <b>{html.escape(scenario.baseline_name)}</b>; run time {comparison.elapsed:.1f} s.</p>",
        "<p>Reproduce: <code>python run.py compare scenario.yaml</code> with the <code>scenario.yaml</code> written "
        "beside this report (the scenario as run).</p>",
        f"<ul>{strategies}</ul>",
        "<h2>KPIs</h2><p>Mean over replications with the 95% t-interval.</p>",
        f'<div class="wide">{_table(levels, labels)}</div>',
        "<h2>Paired differences against the baseline</h2><p>Mean of the per-replication differences with their 95% t-interval.</p>",
        f'<div class="wide">{_table(diffs, labels)}</div>',
        _undefined_note(comparison),
        "<h2>Adoption</h2>",
        _curves(
            comparison,
            [("adopters", "adopters"), ("new_adopters", "new adopters per step")],
            "Adoption curves (95% bands)",
        ),
        "<h2>Sentiment</h2>",
        _curves(
            comparison,
            [("mean_opinion", "mean opinion of the aware"), ("negative_share", "share negative")],
            "Sentiment over time (95% bands)",
        ),
        "<h2>Funnel</h2>",
        _funnel(comparison),
        "<h2>Spend and revenue</h2>",
        _spend_revenue(comparison),
    ]
    if not comparison.decomposition.empty:
        sections += [
            "<h2>Expansion and acceleration (Libai, Muller &amp; Peres 2013)</h2>",
            "<p>Per paired replication, customers the strategy won who would never have bought under the baseline "
            "(expansion, net of customers lost) and purchases it brought forward (acceleration), with their "
            f"discounted gross profit at {format_value('npv', scenario.product.price * scenario.product.margin)} "
            "per first purchase; 'rest' is the remainder of the NPV difference (spend, free seeds, discounts, repeat purchases).</p>",
            f'<div class="wide">{_table(_decomposition_table(comparison))}</div>',
            _decomposition(comparison),
        ]
    body = "\n".join(s for s in sections if s)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(scenario.name)}: strategy comparison</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
