"""The Compare view: run every strategy with replications, then adoption bands, KPI tables and downloads."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import solara
from scipy import stats

from .compare_session import DOWNLOADS, CompareSession
from .text import Heading, TextLine, TextTable

SHOWN_KPIS = [
    "adopters",
    "time_to_10pct",
    "aware_share",
    "mean_opinion",
    "negative_share",
    "revenue",
    "spend",
    "profit",
    "npv",
    "roi",
]


def adoption_bands(timeseries: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean adopters per strategy and step with the t-interval over replications: mean +/- t s / sqrt(n)."""
    grouped = timeseries.groupby(["strategy", "step"])["adopters"]
    frame = grouped.agg(["mean", "std", "count"]).reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(frame["count"] - 1, 1))
    half = np.where(frame["count"] > 1, t * frame["std"].fillna(0) / np.sqrt(frame["count"]), 0.0)
    frame["low"], frame["high"] = frame["mean"] - half, frame["mean"] + half
    return frame


def bands_chart(timeseries: pd.DataFrame, strategies: list[str]):
    """Adoption curves with 95% confidence bands, one panel per strategy, side by side."""
    data = adoption_bands(timeseries)
    colour = alt.Color("strategy:N", scale=alt.Scale(domain=strategies), legend=None)
    base = alt.Chart().encode(x=alt.X("step:Q", title="step"))
    band = base.mark_area(opacity=0.3).encode(y=alt.Y("low:Q", title="adopters"), y2="high:Q", color=colour)
    line = base.mark_line().encode(y="mean:Q", color=colour, tooltip=["strategy", "step", "mean", "low", "high"])
    width = max(140, min(260, 1000 // max(1, len(strategies)) - 20))
    return (
        alt.layer(band, line, data=data)
        .properties(width=width, height=200)
        .facet(column=alt.Column("strategy:N", sort=strategies, title=None))
    )


@solara.component
def CompareControls(compare: CompareSession, scenario):
    running = compare.running.value
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt(
            "Replications per strategy", value=compare.replications, continuous_update=False, disabled=running
        )
        solara.InputInt("Worker processes", value=compare.jobs, continuous_update=False, disabled=running)
        solara.Button(
            "Run comparison",
            on_click=lambda: compare.start(scenario),
            disabled=running or compare.replications.value < 1 or compare.jobs.value < 1,
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
def CompareResult(comparison, files: dict):
    baseline = comparison.scenario.baseline_name
    # Strategy names come from the scenario file: shown as text, never as markup.
    Heading(f"Adoption by strategy ({comparison.replications} replications, mean and 95% confidence band)")
    solara.FigureAltair(bands_chart(comparison.timeseries, comparison.strategies))
    Heading("KPIs: mean [95% confidence interval]")
    TextTable(comparison.kpi_table(SHOWN_KPIS), "strategy", classes=("kpi-table",))
    Heading(f"Paired differences against the baseline ({baseline}): mean [95% confidence interval]")
    differences = comparison.kpi_table(SHOWN_KPIS, differences=True).drop(index=baseline, errors="ignore")
    TextTable(differences, "strategy", classes=("difference-table",))
    solara.Markdown(
        "Every KPI, the decomposition and the report are in the downloads (the files `run.py compare` writes)."
    )
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
        CompareResult(compare.result.value, compare.files.value)
