"""The Explore view's live charts (Vega-Lite specs fed by ``LiveChart``) and its KPI cards.

Every chart's time axis is in the scenario's time unit with whole-step ticks; the KPI of step t (steps
count from 0) is drawn at t + 1, the end of that week or month, and the starting state at 0. Colours have
one meaning each across the page (``palette``): orange customers, blue followers, grey prospects, green
and red positive and negative opinions and messages, purple revenue, brown spend.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..kpis import kpi as find_kpi
from ..kpis import unit_text
from ..parameters import TIME_UNITS
from .palette import ADOPTERS, BASS, MONEY, OPINION_DOMAIN, OPINION_RANGE, RATING, ROLE_COLOURS, VALENCE

WIDTH, HEIGHT = 340, 190
# The Vega-Lite the page loads (vega-lite@5 from the CDN cache): every spec names it, Altair's own v6 schema
# included (``vega.vega_lite``), so the browser does not warn of a version mismatch.
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def bass_from(t, p: float, q: float, start_share: float = 0.0) -> np.ndarray:
    """Share of the market adopted by time t under Bass (1969), starting from a share F0 at t = 0.

    dF/dt = (p + q F)(1 - F) with F(0) = F0 has the solution
        F(t) = (1 - c e^{-(p+q)t}) / (1 + (q/p) c e^{-(p+q)t}),   c = (1 - F0) / (1 + (q/p) F0),
    which is Bass's eq. 5 (c = 1) shifted in time so that it passes through F0.
    """
    t = np.asarray(t, dtype=float)
    c = (1.0 - start_share) / (1.0 + (q / p) * start_share)
    decay = c * np.exp(-(p + q) * t)
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_reference(params: dict, horizon: int, start_adopters: int = 0) -> pd.DataFrame | None:
    """Bass adopters m F(t) with the scenario's p and q from the run's starting customers, m = market size,
    t = x dt years at x = 0..horizon (x: steps done)."""
    if params["p"] <= 0:
        return None  # the Bass curve needs p > 0
    x = np.arange(horizon + 1)
    n = params["n_consumers"]
    share = bass_from(x * TIME_UNITS[params["time_unit"]], params["p"], params["q"], start_adopters / n)
    return pd.DataFrame({"x": x, "value": n * share, "series": "Bass curve (same p, q, same start)"})


def time_axis(time_unit: str, horizon: int) -> dict:
    return {
        "field": "x",
        "type": "quantitative",
        "title": f"{time_unit}s since the start",
        "scale": {"domain": [0, horizon], "nice": False},
        "axis": {"tickMinStep": 1, "format": "d"},
    }


def _chart(title: str, layers: list[dict], **extra) -> dict:
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": WIDTH,
        "height": HEIGHT,
        "layer": layers,
        "config": {"legend": {"orient": "bottom", "labelLimit": 260}},
        **extra,
    }


def _series_layer(dataset: str, mark: dict, x: dict, y_title: str, colours: dict[str, str], dashed=()) -> dict:
    encoding = {
        "x": x,
        "y": {"field": "value", "type": "quantitative", "title": y_title},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": None,
            "scale": {"domain": list(colours), "range": list(colours.values())},
        },
        "tooltip": [
            {"field": "series", "title": "what"},
            {"field": "x", "title": "step"},
            {"field": "value", "format": ",.1f"},
        ],
    }
    if dashed:  # a condition, not a second legend on the same field (which would hide the colour legend)
        test = " || ".join(f"datum.series === {json.dumps(name)}" for name in dashed)
        encoding["strokeDash"] = {"condition": {"test": test, "value": [5, 3]}, "value": [1, 0]}
    return {"data": {"name": dataset}, "mark": mark, "encoding": encoding}


def chart_specs(time_unit: str, horizon: int, currency: str | None) -> dict[str, dict]:
    """The specs of the time-series charts (their data comes per step: ``chart_data``)."""
    x = time_axis(time_unit, horizon)
    money = unit_text("money", currency)
    adoption = {"customers (simulated)": ADOPTERS, "Bass curve (same p, q, same start)": BASS}
    roles = {"prospects": ROLE_COLOURS["prospect"], "followers (not bought)": ROLE_COLOURS["follower"]}
    roles["past customers"] = ROLE_COLOURS["past customer"]
    messages = {"positive messages": VALENCE["positive"], "negative messages": VALENCE["negative"]}
    spend = {"revenue": MONEY["revenue"], "spend": MONEY["spend"], "planned spend": MONEY["planned"]}
    line = {"type": "line", "interpolate": "linear"}
    return {
        "adoption": _chart(
            "Customers against the Bass curve",
            [_series_layer("adoption", line, x, "customers (consumers)", adoption, dashed=[BASS_NAME])],
        ),
        "new_adopters": _chart(
            f"New customers per {time_unit}",
            [
                {
                    "data": {"name": "new_adopters"},
                    "mark": {"type": "bar", "color": ADOPTERS, "stroke": "white", "strokeWidth": 0.5},
                    "encoding": {
                        "x": {**x, "field": "x0"},
                        "x2": {"field": "x"},
                        "y": {
                            "field": "value",
                            "type": "quantitative",
                            "title": f"new customers per {time_unit}",
                            "axis": {"tickMinStep": 1, "format": "d"},
                        },
                        "y2": {"field": "zero"},
                        "tooltip": [{"field": "x", "title": time_unit}, {"field": "value", "title": "new customers"}],
                    },
                }
            ],
        ),
        "funnel": _chart("Funnel: consumers by role", [_series_layer("funnel", line, x, "consumers", roles)]),
        "messages": _chart(
            f"Word of mouth per {time_unit}",
            [_series_layer("messages", line, x, f"messages seen per {time_unit}", messages)],
        ),
        "money": _chart(
            f"Revenue and marketing spend per {time_unit}",
            [_series_layer("money", line, x, f"{money} per {time_unit}", spend, dashed=["planned spend"])],
        ),
        "rating": _chart(
            "Average rating on the product page",
            [
                {
                    "data": {"name": "rating"},
                    "mark": {"type": "line", "color": RATING, "point": {"size": 12}},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "value",
                            "type": "quantitative",
                            "title": "average rating (stars, 1-5)",
                            "scale": {"domain": [1, 5]},
                        },
                        "tooltip": [
                            {"field": "x", "title": time_unit},
                            {"field": "value", "title": "average rating", "format": ".2f"},
                            {"field": "reviews", "title": "ratings"},
                        ],
                    },
                }
            ],
        ),
    }


BASS_NAME = "Bass curve (same p, q, same start)"


def ratings_spec() -> dict:
    """The product page's ratings so far, by stars (rows from ``chart_data``)."""
    return _chart(
        "Ratings on the product page, by stars",
        [
            {
                "data": {"name": "ratings"},
                "mark": {"type": "bar", "color": RATING},
                "encoding": {
                    "x": {"field": "stars", "type": "ordinal", "title": "stars"},
                    "y": {"field": "count", "type": "quantitative", "title": "ratings posted"},
                    "tooltip": [{"field": "stars"}, {"field": "count", "title": "ratings"}],
                },
            }
        ],
    )


def _clean(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def chart_data(series: dict, start: dict, bass: pd.DataFrame | None, since: int | None = None) -> dict[str, list[dict]]:
    """Rows of every time-series chart from the KPIs recorded so far (``series``: KPI name -> one value per
    step, as Mesa's DataCollector keeps them): the starting state at x = 0, step t's KPIs at x = t + 1.

    With ``since`` = k (the charts already show the start and k steps), only the rows of the steps after the
    first k: each chart's rows are then the ones to add to what it shows (``ratings`` is always the latest
    counts by stars, to replace)."""
    steps = len(series.get("step", ()))
    first = since is None
    new = range(since or 0, steps)  # indices of the steps whose rows are wanted

    def long(names: dict[str, str], with_start: bool) -> list[dict]:
        out = [{"x": 0, "value": start[kpi], "series": label} for kpi, label in names.items()] if with_start else []
        for i in new:
            out += [{"x": i + 1, "value": _clean(series[kpi][i]), "series": label} for kpi, label in names.items()]
        return out

    adoption = []
    if bass is not None and first:  # the reference first: it does not grow
        adoption += [{"x": int(x), "value": float(v), "series": BASS_NAME} for x, v in zip(bass["x"], bass["value"])]
    adoption += long({"adopters": "customers (simulated)"}, first)
    if steps == 0:
        return {
            "adoption": adoption,
            "new_adopters": [],
            "funnel": [],
            "messages": [],
            "money": [],
            "rating": [],
            "ratings": [],
        }
    return {
        "adoption": adoption,
        # a bar per step, from the step's start to its end
        "new_adopters": [{"x0": i, "x": i + 1, "value": int(series["new_adopters"][i]), "zero": 0} for i in new],
        "funnel": long(
            {"prospects": "prospects", "followers": "followers (not bought)", "customers": "past customers"}, first
        ),
        "messages": long({"positive_messages": "positive messages", "negative_messages": "negative messages"}, False),
        "money": long({"revenue": "revenue", "spend": "spend", "planned_spend": "planned spend"}, False),
        "rating": [
            {"x": i + 1, "value": float(series["average_rating"][i]), "reviews": int(series["review_count"][i])}
            for i in new
            if not math.isnan(float(series["average_rating"][i]))
        ],
        "ratings": [{"stars": k, "count": int(series[f"ratings_{k}"][-1])} for k in range(1, 6)],
    }


def opinion_spec() -> dict:
    """Histogram of the opinions of aware consumers, coloured on the page's opinion scale."""
    return {
        "$schema": SCHEMA,
        "title": "Opinions of the aware consumers",
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"name": "opinions"},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "from",
                "type": "quantitative",
                "bin": "binned",
                "title": "opinion (-1 very negative .. +1 very positive)",
                "scale": {"domain": [-1, 1]},
            },
            "x2": {"field": "to"},
            "y": {"field": "consumers", "type": "quantitative", "title": "aware consumers"},
            "color": {
                "field": "centre",
                "type": "quantitative",
                "scale": {"domain": OPINION_DOMAIN, "range": OPINION_RANGE},
                "legend": None,
            },
            "tooltip": [{"field": "from"}, {"field": "to"}, {"field": "consumers"}],
        },
    }


def opinion_rows(opinion: np.ndarray, aware: np.ndarray) -> dict[str, np.ndarray]:
    """The histogram of the aware consumers' opinions in 20 bins on [-1, 1], as columns."""
    counts, edges = np.histogram(opinion[aware], bins=20, range=(-1, 1))
    return {"from": edges[:-1], "to": edges[1:], "centre": (edges[:-1] + edges[1:]) / 2, "consumers": counts}


def kpi_values(series, n_consumers: int, currency: str | None = None) -> dict:
    """Customers, awareness, mean opinion, ROI on total spend so far (as in reports) and spend against plan.

    ``series``: KPI name -> one value per step, as Mesa's DataCollector keeps them (``model_vars``: no
    DataFrame is built on a step), or the run's timeseries (a DataFrame's columns)."""
    if len(series["adopters"]) == 0:
        return {}

    def last(name: str) -> float:
        return float(np.asarray(series[name])[-1])

    def total(name: str) -> float:
        return float(np.nansum(np.asarray(series[name], dtype=float)))  # NaN skipped, as pandas' sum

    spend = total("spend")
    planned = total("planned_spend") if "planned_spend" in series else spend
    gross = total("gross_profit")
    money = unit_text("money", currency)
    values = {
        "customers": f"{int(last('adopters')):,} ({last('adopters') / n_consumers:.1%})",
        "awareness": f"{last('aware_share'):.1%}",
        "mean opinion": "n/a (nobody aware)" if math.isnan(last("mean_opinion")) else f"{last('mean_opinion'):+.2f}",
        "ROI on total spend": find_kpi("roi").format((gross - spend) / spend) if spend > 0 else "n/a (no spend yet)",
        f"spend ({money})": f"{spend:,.0f} of {planned:,.0f} planned" if planned > spend * 1.005 else f"{spend:,.0f}",
        "rating": (
            f"{last('average_rating'):.2f} stars ({int(last('review_count')):,} ratings)"
            if "average_rating" in series and not math.isnan(last("average_rating"))
            else "no ratings yet"
        ),
    }
    return values
