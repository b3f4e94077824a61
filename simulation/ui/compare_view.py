"""The Compare view: run every strategy with replications; the verdict first, then all strategies over time
with bands, KPI bars with intervals, the incremental results, head-to-head, KPI tables and downloads.

Everything comes from ``simulation.experiment.compare`` (the engine of ``run.py compare``): choosing
another objective or baseline re-reads the same runs, nothing is rerun.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import solara
from scipy import stats

from ..kpis import HEADLINE_KPIS
from ..kpis import kpi as find_kpi
from .charts import SCHEMA, time_axis
from .compare_session import DOWNLOADS, CompareSession
from .listening_view import ComparisonEvents
from .live_chart import LiveChart, LiveChartView, rows
from .palette import STRATEGIES
from .text import Heading, Note, TextLine, TextTable

SHOWN_KPIS = list(HEADLINE_KPIS)
OBJECTIVES = {"profit": "profit", "npv": "NPV", "adopters": "customers"}
# Curves the chart offers: button label -> step KPI.
CURVES = {
    "customers": "adopters",
    "new customers": "new_adopters",
    "profit per step": "profit",
    "aware": "aware_share",
    "mean opinion": "mean_opinion",
}


def adoption_bands(timeseries: pd.DataFrame, kpi: str = "adopters", confidence: float = 0.95) -> pd.DataFrame:
    """Mean of a step KPI per strategy and step with the t-interval over replications: mean +/- t s / sqrt(n)."""
    grouped = timeseries.groupby(["strategy", "step"])[kpi]
    frame = grouped.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(frame["count"] - 1, 1))
    half = np.where(frame["count"] > 1, t * frame["std"].fillna(0) / np.sqrt(frame["count"]), 0.0)
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    return frame


def bands_spec(comparison, kpi: str = "adopters") -> dict:
    """Every strategy on one chart: its mean curve and 95% band, one colour per strategy."""
    scenario = comparison.scenario
    data = adoption_bands(comparison.timeseries, kpi)
    data["x"] = data["step"] + 1
    measure = find_kpi(kpi, "step")
    scale = 100.0 if measure.unit == "share" else 1.0
    for column in ("mean", "low", "high"):
        data[column] = data[column] * scale
    colour = {
        "field": "strategy",
        "type": "nominal",
        "title": "strategy",
        "scale": {"domain": comparison.strategies, "range": STRATEGIES[: len(comparison.strategies)]},
    }
    x = time_axis(scenario.time_unit, scenario.horizon)
    y_title = f"{measure.title} ({measure.unit_text(comparison.currency, scenario.time_unit)})"
    return {
        "$schema": SCHEMA,
        "title": f"{measure.title} by strategy: mean and 95% band over {comparison.replications} replications",
        "width": 620,
        "height": 300,
        "data": {"values": rows(data[["strategy", "x", "mean", "low", "high"]])},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.2},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative", "title": y_title},
                    "y2": {"field": "high"},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": x,
                    "y": {"field": "mean", "type": "quantitative"},
                    "color": colour,
                    "tooltip": [
                        {"field": "strategy"},
                        {"field": "x"},
                        {"field": "mean", "format": ",.1f"},
                        {"field": "low", "format": ",.1f"},
                        {"field": "high", "format": ",.1f"},
                    ],
                },
            },
        ],
        "config": {"legend": {"orient": "bottom", "labelLimit": 300}},
    }


def bars_spec(comparison, kpi: str) -> dict:
    """Each strategy minus the baseline on a run KPI: the mean paired difference (a point) and its 95%
    interval (a rule), around a zero line. Paired differences, not the levels drawn from 0: a difference
    of a few percent of profit is invisible on bars from 0 and its unpaired interval would hide it."""
    others = [s for s in comparison.strategies if s != comparison.baseline]
    summary = comparison.summary[comparison.summary["kpi"] == kpi].set_index("strategy").reindex(others)
    measure = find_kpi(kpi)
    scale = 100.0 if measure.unit in ("share", "percent") else 1.0  # shares as percentage points
    data = pd.DataFrame(
        {
            "strategy": others,
            "mean": summary["diff_mean"].to_numpy() * scale,
            "low": summary["diff_low"].to_numpy() * scale,
            "high": summary["diff_high"].to_numpy() * scale,
        }
    ).dropna()
    unit = "pp" if measure.unit == "share" else measure.unit_text(comparison.currency)
    title = f"{measure.title} minus {comparison.baseline} ({unit})"
    colour = {
        "field": "strategy",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": comparison.strategies, "range": STRATEGIES[: len(comparison.strategies)]},
    }
    y = {"field": "strategy", "type": "nominal", "sort": others, "title": None}
    return {
        "$schema": SCHEMA,
        "title": f"{title}: mean paired difference and 95% interval",
        "width": 420,
        "height": 30 * max(1, len(others)),
        "data": {"values": rows(data)},
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 70},
                "encoding": {
                    "y": y,
                    "x": {"field": "mean", "type": "quantitative", "title": title, "scale": {"zero": False}},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {
                    "y": y,
                    "x": {"field": "low", "type": "quantitative"},
                    "x2": {"field": "high"},
                    "color": colour,
                },
            },
            {"mark": {"type": "rule", "color": "black", "strokeDash": [4, 3]}, "encoding": {"x": {"datum": 0}}},
        ],
    }


@solara.component
def CompareControls(compare: CompareSession, scenario):
    running = compare.running.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt(
            "Replications per strategy",
            value=compare.replications,
            optional=True,
            placeholder=f"the scenario's: {scenario.replications}",
            continuous_update=False,
            disabled=running,
        )
        solara.InputInt("Worker processes", value=compare.jobs, continuous_update=False, disabled=running)
        solara.Button(
            "Run comparison",
            on_click=lambda: compare.start(scenario),
            disabled=running or compare.replications_for(scenario) < 1 or compare.jobs.value < 1,
            color="primary",
        )
        solara.Button("Cancel", on_click=compare.cancel, disabled=not running, color="error")
    done, total = compare.progress.value
    if running:
        solara.ProgressLinear(value=100 * done / total if total else True)
        solara.Text(f"{done} of {total} runs done", classes=["compare-progress"])
    if compare.message.value:
        solara.Text(compare.message.value, classes=["compare-message"])
    if compare.error.value:
        solara.Error(compare.error.value)


@solara.component
def CompareResult(compare: CompareSession, files: dict):
    objective, set_objective = solara.use_state("profit")
    curve, set_curve = solara.use_state("customers")
    run = compare.result.value
    baseline, set_baseline = solara.use_state(run.baseline)
    comparison = solara.use_memo(
        lambda: run if baseline == run.baseline or baseline not in run.strategies else run.rebase(baseline),
        [run, baseline],
    )
    kpi = {"profit": "profit", "npv": "npv", "adopters": "adopters"}[objective]
    with solara.Row(style={"align-items": "center", "gap": "16px", "flex-wrap": "wrap"}):
        solara.ToggleButtonsSingle(
            value=objective, values=list(OBJECTIVES), on_value=set_objective, classes=["objective-toggle"]
        )
        solara.Select("Compare against", values=comparison.strategies, value=comparison.baseline, on_value=set_baseline)
    verdict = comparison.verdict(objective)
    with solara.Success(icon=True, classes=["compare-verdict"]):
        solara.Text(f"Verdict ({OBJECTIVES[objective]}): {verdict.text}", style={"white-space": "normal"})
    if comparison.scale_note:
        solara.Text(comparison.scale_note, classes=["compare-scale"], style={"white-space": "normal"})
    warnings = comparison.spend_warnings()
    if warnings:
        with solara.Warning(icon=True, classes=["compare-spend"]):
            solara.Text("Planned and actual spend differ: " + " ".join(warnings), style={"white-space": "normal"})
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column():
            solara.ToggleButtonsSingle(value=curve, values=list(CURVES), on_value=set_curve, classes=["curve-toggle"])
            bands = solara.use_memo(lambda: LiveChart(name="compare-bands"), [])
            bands.spec = bands_spec(comparison, CURVES[curve])
            LiveChartView(bands)
        with solara.Column():
            bars = solara.use_memo(lambda: LiveChart(name="compare-bars"), [])
            bars.spec = bars_spec(comparison, kpi)
            LiveChartView(bars)
    Heading(f"What each strategy adds over {comparison.baseline} (paired replications, 95% intervals)")
    TextTable(
        comparison.incremental_table().T, index_title=f"against {comparison.baseline}", classes=("incremental-table",)
    )
    for note in comparison.incremental_notes():
        Note(f"n/a or unbounded: {note}")
    Note(
        "Extra customers, revenue, spend, profit and NPV are mean paired differences; incremental ROI = extra profit / "
        "extra spend and cost per extra paying customer = extra spend / extra paying customers (free seeds left out), with Fieller's interval. The ROI in "
        "the KPI table below is a total for each strategy alone."
    )
    Heading(f"Head to head: {comparison.column(kpi)}, row minus column")
    TextTable(comparison.pairs_table(kpi), index_title="row - column", classes=("pairs-table",))
    Heading("KPIs: mean [95% confidence interval] (totals over the run for each strategy alone)")
    levels = comparison.kpi_table(SHOWN_KPIS)
    TextTable(levels.rename(columns=comparison.column), index_title="strategy", classes=("kpi-table",))
    Heading(f"Paired differences against {comparison.baseline}: mean [95% confidence interval]")
    differences = comparison.kpi_table(SHOWN_KPIS, differences=True).drop(index=comparison.baseline, errors="ignore")
    TextTable(differences.rename(columns=comparison.column), index_title="strategy", classes=("differences-table",))
    for note in comparison.undefined_notes():
        Note(f"n/a: {note}", classes=("na-note",))
    ComparisonEvents(comparison.events, comparison.replications)
    Note("Every KPI, the decomposition and the report are in the downloads (the files `run.py compare` writes).")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for name in DOWNLOADS:
            if name in files:
                path = files[name]
                solara.FileDownload(lambda path=path: path.read_bytes(), filename=name, label=f"Download {name}")


@solara.component
def CompareView(compare: CompareSession, scenario):
    TextLine(
        [
            "Runs every strategy of ",
            (scenario.name, True),
            f" ({len(scenario.strategies)} strategies, {scenario.market.n_consumers:,} consumers, "
            f"{scenario.horizon} {scenario.time_unit}s) with the parameters set in the sidebar; "
            f"replication r uses seed {scenario.seed} + r for every strategy.",
        ]
    )
    CompareControls(compare, scenario)
    if compare.result.value is not None:
        CompareResult(compare, compare.files.value)
