"""The comparison's report: one self-contained HTML file (tables, and figures embedded as PNG).

It opens with the verdict in words (``experiment.incremental.verdict``), then planned against actual
spend, the incremental results against the baseline, every pair of strategies head to head, the KPI
tables (totals labelled as totals), and figures: adoption curves with 95% bands, sentiment over time,
the funnel at the horizon, spend against revenue, and the expansion/acceleration split of each
strategy's value. Money carries the scenario's currency and time axes its time unit. Nothing is fetched
when the file is opened.
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd
from scipy import stats

from ..kpis import RUN_KPIS, format_interval, format_value
from ..kpis import kpi as find_kpi
from ..scenario.loader import scenario_to_yaml
from ..scenario.paths import resolved_scenario
from .compare import UNDEFINED_REASONS
from .decomposition import MEASURES
from .events import budget_summary, trigger_summary
from .incremental import OBJECTIVES


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


def _time_axis(ax, comparison) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel(f"{comparison.scenario.time_unit}s since the start")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _curves(comparison, kpis: list[tuple[str, str]], title: str) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(1, len(kpis), figsize=(6 * len(kpis), 4), squeeze=False)
    for ax, (kpi, label) in zip(axes[0], kpis):
        bands = band(comparison.timeseries, kpi)
        unit = find_kpi(kpi, "step").unit
        scale = 100.0 if unit == "share" else 1.0
        for name in comparison.strategies:
            b = bands[bands["strategy"] == name]
            # Steps count from 0; the KPI of step t is measured at the end of time unit t + 1.
            (line,) = ax.plot(b["step"] + 1, b["mean"] * scale, label=name)
            ax.fill_between(
                b["step"] + 1, b["low"] * scale, b["high"] * scale, color=line.get_color(), alpha=0.25, linewidth=0
            )
        _time_axis(ax, comparison)
        ax.set_ylabel(f"{label} ({find_kpi(kpi, 'step').unit_text(comparison.currency)})")
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
    ax.set_xlabel(f"consumers at the horizon, {comparison.horizon_text} (mean over replications)")
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
    money = find_kpi("spend").unit_text(comparison.currency)
    ax.set_xlabel(f"marketing spend over the run ({money})")
    ax.set_ylabel(f"revenue over the run ({money})")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("Spend vs revenue (dots: runs; markers: means with 95% CI)")
    return _png(figure)


def _decomposition(comparison) -> str:
    plt = _pyplot()
    parts = comparison.decomposition.set_index(["strategy", "measure"])
    names = [n for n in comparison.strategies if n != comparison.decomposition_baseline]
    measures = ["expansion_value", "acceleration_value", "free_seed_value", "other_value", "npv_difference"]
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
    ax.set_ylabel(f"NPV vs {comparison.decomposition_baseline} ({find_kpi('npv').unit_text(comparison.currency)})")
    ax.legend(fontsize=8)
    ax.set_title("Value over the baseline: expansion, acceleration, free seeds and the rest (95% CI)")
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


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>" if items else ""


def never_defined(comparison) -> list[str]:
    """KPIs undefined in every run of every strategy (e.g. time to 50% when no run got there): left out of
    the tables, said once."""
    defined = comparison.summary.groupby("kpi", sort=False)["n"].max()
    return [kpi for kpi, n in defined.items() if n == 0]


def _undefined_note(comparison) -> str:
    left_out = never_defined(comparison)
    notes = [n for n in comparison.undefined_notes() if not any(n.startswith(comparison.column(k)) for k in left_out)]
    lines = []
    if left_out:
        reasons = "; ".join(f"{comparison.column(k)}: {UNDEFINED_REASONS.get(k, 'undefined')}" for k in left_out)
        lines.append(f"<p>Left out of the tables, undefined in every run: {html.escape(reasons)}.</p>")
    if notes:
        lines.append(
            "<p><b>n/a</b> marks a KPI undefined in every run of a strategy (means use the runs where it is "
            "defined); why:</p>" + _list(notes)
        )
    return "".join(lines)


def _spend_section(comparison) -> str:
    table = comparison.spend_table()
    money = find_kpi("spend")
    unit = money.unit_text(comparison.currency)
    frame = pd.DataFrame(
        {
            f"budget cap ({unit})": ["none" if pd.isna(b) else money.format(b) for b in table["budget"]],
            f"planned ({unit})": [money.format(v) for v in table["planned_spend"]],
            f"spent ({unit})": [money.format(v) for v in table["spend"]],
            "share of the plan spent": ["n/a" if pd.isna(v) else f"{v:.0%}" for v in table["spent_share"]],
            "why less": table["reason"].tolist(),
        },
        index=pd.Index(table["strategy"], name="strategy (means over replications)"),
    )
    warnings = comparison.spend_warnings()
    lead = (
        "<p><b>Not every lever spent its plan:</b></p>" + _list(warnings)
        if warnings
        else "<p>Every strategy spent what its levers planned.</p>"
    )
    return lead + f'<div class="wide">{_table(frame)}</div>'


def _verdicts(comparison, objective: str) -> str:
    main = comparison.verdict(objective)
    others = [o for o in OBJECTIVES if o != objective]
    rest = "".join(f"<li>on {html.escape(o)}: {html.escape(comparison.verdict(o).text)}</li>" for o in others)
    return (
        f'<div class="verdict"><p><b>Verdict ({html.escape(objective)}):</b> {html.escape(main.text)}</p>'
        f"<p>Other objectives:</p><ul>{rest}</ul>"
        "<p>Intervals are 95% t-intervals of the per-replication differences under common random numbers; "
        "a difference whose interval contains zero cannot be told from chance with these replications.</p></div>"
    )


def _incremental_section(comparison) -> str:
    table = comparison.incremental_table().T
    table.index.name = f"against {comparison.baseline}: mean [95% CI]"
    return (
        f"<h2>Incremental results against {html.escape(comparison.baseline)}</h2>"
        "<p>What each strategy adds over the baseline in the same markets (paired replications): extra "
        "customers, revenue, spend, profit and NPV; the incremental ROI (extra profit / extra spend) and the cost "
        "per incremental paying customer (extra spend / extra paying customers, free seeds left out), ratios of "
        "mean differences with Fieller's "
        "95% interval. The ROI and spend per customer in the KPI table below are totals and can look good for a "
        "strategy that loses money against the baseline.</p>"
        f'<div class="wide">{_table(table)}</div>' + _list(comparison.incremental_notes())
    )


def _pairs_section(comparison, objective: str) -> str:
    kpi = OBJECTIVES[objective]
    table = comparison.pairs_table(kpi)
    table.index.name = "row - column"
    return (
        f"<h2>Head to head: {html.escape(comparison.column(kpi))}</h2>"
        "<p>Every pair of strategies from the same runs (nothing rerun): the row's strategy minus the column's, "
        "mean paired difference [95% CI]. <code>run.py compare OUTPUT_FOLDER --baseline NAME</code> redoes this "
        "report against another baseline from the stored runs.</p>"
        f'<div class="wide">{_table(table)}</div>'
    )


def _decomposition_table(comparison) -> pd.DataFrame:
    table: dict[str, dict[str, str]] = {}  # strategy -> measure -> formatted interval
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
.verdict { background: #eef5ee; border-left: 4px solid #2e7d32; padding: 0.3em 1em; max-width: 70em; }
"""


def render_report(comparison, objective: str = "profit") -> str:
    """The HTML report of a comparison (see the module docstring); the verdict is on `objective`."""
    scenario = comparison.scenario
    baseline = comparison.baseline
    shown = [k for k in RUN_KPIS if k not in never_defined(comparison)]
    levels = comparison.kpi_table(shown).T
    levels.index.name = "KPI (mean [95% CI])"
    diffs = comparison.kpi_table(shown, differences=True).drop(index=baseline).T
    diffs.index.name = f"paired difference vs {baseline}"
    labels = {k: f"{comparison.column(k)}: {v.label}" for k, v in RUN_KPIS.items()}
    strategies = "".join(
        f"<li><b>{html.escape(s.name)}</b>: {html.escape(s.description or '')}</li>" for s in scenario.strategies
    )
    r = comparison.replications
    time_unit = scenario.time_unit
    sections = [
        f"<h1>Strategy comparison: {html.escape(scenario.name)}</h1>",
        _verdicts(comparison, objective),
        f"<p>{html.escape(scenario.description)}</p>",
        f"<p>{r} replications per strategy, seeds {scenario.seed}..{scenario.seed + r - 1} "
        f"(common random numbers: replication r uses the same network and consumers for every strategy); "
        f"horizon {comparison.horizon_text}; discount rate {scenario.discount_rate:g} per year; "
        f"money in {html.escape(find_kpi('spend').unit_text(comparison.currency))}; "
        f"baseline <b>{html.escape(baseline)}</b>; run time {comparison.elapsed:.1f} s. "
        f"{html.escape(comparison.scale_note)}</p>",
        "<p>Reproduce: <code>python run.py compare scenario.yaml</code> with the <code>scenario.yaml</code> written "
        "beside this report (the scenario as run).</p>",
        f"<ul>{strategies}</ul>",
        "<h2>Planned and actual spend</h2>",
        _spend_section(comparison),
        _incremental_section(comparison),
        _pairs_section(comparison, objective),
        "<h2>KPIs</h2><p>Mean over replications with the 95% t-interval. Revenue, spend, profit, NPV, ROI and "
        "spend per customer are totals over the run for each strategy on its own.</p>",
        f'<div class="wide">{_table(levels, labels)}</div>',
        f"<h2>Paired differences against {html.escape(baseline)}</h2><p>Mean of the per-replication differences "
        "with their 95% t-interval.</p>",
        f'<div class="wide">{_table(diffs, labels)}</div>',
        _undefined_note(comparison),
        "<h2>Adoption</h2>",
        _curves(
            comparison,
            [("adopters", "adopters"), ("new_adopters", f"new adopters per {time_unit}")],
            "Adoption curves (95% bands)",
        ),
        "<h2>Sentiment</h2>",
        _curves(
            comparison,
            [("mean_opinion", "mean opinion of the aware"), ("negative_share", "share of the aware negative")],
            "Sentiment over time (95% bands)",
        ),
        "<h2>Product page</h2><p>The public reviews and ratings buyers posted: the average rating shown and the "
        "number of ratings (before the first rating there is no average).</p>",
        _curves(
            comparison,
            [("average_rating", "average rating (stars, 1-5)"), ("review_count", "ratings on the page")],
            "Reviews and ratings over time (95% bands)",
        ),
        "<h2>Funnel</h2>",
        _funnel(comparison),
        "<h2>Spend and revenue</h2>",
        _spend_revenue(comparison),
    ]
    if not comparison.decomposition.empty:
        represents = scenario.market.represents
        unit_value = scenario.product.price * scenario.product.margin
        scale = (
            f" (each simulated customer stands for {represents:,g} real ones: {format_value('npv', unit_value * represents)}"
            " per simulated customer)"
            if represents != 1
            else ""
        )
        sections += [
            f"<h2>Expansion and acceleration against {html.escape(comparison.decomposition_baseline)} "
            "(Libai, Muller &amp; Peres 2013)</h2>",
            "<p>Per paired replication, paying customers the strategy won who would never have bought under the "
            "baseline (expansion, net of customers lost), paid purchases it brought forward (acceleration) and sales "
            "given away to free seeds who would otherwise have paid, with their discounted gross profit at "
            f"{format_value('npv', unit_value)} {html.escape(find_kpi('npv').unit_text(comparison.currency))} per "
            f"real first purchase{scale}; counts are simulated customers. 'Rest' is the remainder of the NPV "
            "difference (marketing spend, discounts, repeat purchases). The parts add up to the NPV difference. "
            "This split needs each consumer's purchases, so it stays against the baseline the comparison was "
            "run with.</p>",
            f'<div class="wide">{_table(_decomposition_table(comparison))}</div>',
            _decomposition(comparison),
        ]
    sections += _listening_sections(comparison)
    body = "\n".join(s for s in sections if s)
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(scenario.name)}: strategy comparison</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _listening_sections(comparison) -> list[str]:
    """When the listening strategies' triggers fired and how their budget moved (nothing if none listens)."""
    events = comparison.events
    if events is None or events.empty:
        return []
    sections = ["<h2>Listening strategies: triggers and budget moves</h2>"]
    triggers = trigger_summary(events, comparison.replications)
    if not triggers.empty:
        sections += [
            "<p>When each trigger fired (the lever started) or stopped (its <code>until</code> held), over the "
            "replications; <code>events.csv</code> has every event with the reading behind it.</p>",
            f'<div class="wide">{_table(triggers.set_index("strategy"))}</div>',
        ]
    budget = budget_summary(events)
    if not budget.empty:
        budget.index = [f"{s}: lever {lever}" for s, lever in budget.index]
        budget.index.name = "share of the remaining budget at step"
        sections += [
            "<p>Budget reallocation: the mean share of the remaining budget each lever got at each split.</p>",
            f'<div class="wide">{_table(budget)}</div>',
        ]
    return sections
