"""Live charts of the explored run and its KPI cards.

The funnel, message and money charts are Mesa's ``make_plot_component`` (Altair) over the model's
DataCollector; adoption against the Bass curve and the opinion distribution are charts of our own.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
import solara
from mesa.visualization import make_plot_component

from ..calibration.bass import bass_cumulative
from ..parameters import TIME_UNITS

WIDTH, HEIGHT = 360, 200


def _sized(title: str):
    return lambda chart: chart.properties(width=WIDTH, height=HEIGHT, title=title)


FunnelChart = make_plot_component(
    {"prospects": "#9e9e9e", "followers": "#1f77b4", "customers": "#ff7f0e"},
    post_process=_sized("Funnel: consumers by role"),
    backend="altair",
)[0]
MessagesChart = make_plot_component(
    {"positive_messages": "#2ca02c", "negative_messages": "#d62728"},
    post_process=_sized("Messages per step"),
    backend="altair",
)[0]
MoneyChart = make_plot_component(
    {"revenue": "#2ca02c", "spend": "#d62728"},
    post_process=_sized("Revenue and marketing spend per step"),
    backend="altair",
)[0]


def bass_reference(params: dict, horizon: int) -> pd.DataFrame | None:
    """Bass (1969) adopters m F(t) with the scenario's p and q, m = market size, t = (step + 1) dt years."""
    if params["p"] <= 0:
        return None  # the Bass curve needs p > 0
    steps = np.arange(horizon)
    years = (steps + 1) * TIME_UNITS[params["time_unit"]]
    return pd.DataFrame(
        {
            "step": steps,
            "adopters": params["n_consumers"] * bass_cumulative(years, params["p"], params["q"]),
            "curve": "Bass curve (same p, q)",
        }
    )


def adoption_chart(timeseries: pd.DataFrame, params: dict, horizon: int):
    """Adopters per step against the Bass curve with the same p and q."""
    frames = [
        pd.DataFrame({"step": timeseries["step"], "adopters": timeseries["adopters"], "curve": "simulated adopters"})
    ]
    bass = bass_reference(params, horizon)
    if bass is not None:
        frames.append(bass)
    data = pd.concat(frames, ignore_index=True)
    return (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("step:Q", scale=alt.Scale(domain=[0, horizon])),
            y=alt.Y("adopters:Q"),
            color=alt.Color(
                "curve:N",
                scale=alt.Scale(domain=["simulated adopters", "Bass curve (same p, q)"], range=["#ff7f0e", "#555555"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            strokeDash=alt.condition(alt.datum.curve == "simulated adopters", alt.value([1, 0]), alt.value([5, 3])),
        )
        .properties(width=WIDTH, height=HEIGHT, title="Adoption against the Bass curve")
    )


def opinion_chart(opinion: np.ndarray, aware: np.ndarray):
    """Histogram of the opinions of aware consumers (the unaware have none to voice)."""
    counts, edges = np.histogram(opinion[aware], bins=20, range=(-1, 1))
    data = pd.DataFrame(
        {
            "from": edges[:-1],
            "to": edges[1:],
            "consumers": counts,
            "sign": np.where(edges[:-1] < 0, "negative", "positive"),
        }
    )
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("from:Q", bin="binned", title="opinion", scale=alt.Scale(domain=[-1, 1])),
            x2="to:Q",
            y=alt.Y("consumers:Q"),
            color=alt.Color(
                "sign:N", scale=alt.Scale(domain=["negative", "positive"], range=["#d62728", "#2ca02c"]), legend=None
            ),
        )
        .properties(width=WIDTH, height=HEIGHT, title=f"Opinion of the {int(aware.sum()):,} aware consumers")
    )


def kpi_values(timeseries: pd.DataFrame, n_consumers: int) -> dict:
    """Adopters, awareness, mean opinion and ROI so far: (gross profit - spend) / spend."""
    if timeseries.empty:
        return {}
    last = timeseries.iloc[-1]
    spend = float(timeseries["spend"].sum())
    gross = float(timeseries["gross_profit"].sum())
    return {
        "adopters": f"{int(last['adopters']):,} ({last['adopters'] / n_consumers:.1%})",
        "awareness": f"{last['aware_share']:.1%}",
        "mean opinion": "n/a" if math.isnan(last["mean_opinion"]) else f"{last['mean_opinion']:+.2f}",
        "ROI": f"{(gross - spend) / spend:+.0%}" if spend > 0 else "n/a (no spend)",
    }


@solara.component
def KpiCards(values: dict):
    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
        for name, value in values.items():
            with solara.Card(margin=0, style={"min-width": "160px"}):
                solara.Text(name, style={"color": "#666", "font-size": "0.85em"})
                solara.Text(
                    value,
                    classes=[f"kpi-{name.replace(' ', '-').lower()}"],
                    style={"font-size": "1.5em", "font-weight": "600", "display": "block"},
                )
