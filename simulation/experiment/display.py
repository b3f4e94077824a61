"""How KPI figures are written in tables (terminal, HTML report, front end): one format per KPI."""

from __future__ import annotations

import math

_SHARES = {"adoption_share", "aware_share", "negative_share"}
_MONEY = {
    "revenue",
    "spend",
    "gross_profit",
    "profit",
    "npv",
    "cost_per_acquisition",
    "expansion_value",
    "acceleration_value",
    "other_value",
    "npv_difference",
}
_STEPS = {"time_to_10pct", "time_to_50pct", "steps_forward"}


def format_value(kpi: str, value: float, signed: bool = False) -> str:
    """A KPI value as shown to a strategist (percent for shares, whole money units, ...)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    sign = "+" if signed else ""
    if kpi in _SHARES or kpi.startswith("share_"):
        return f"{value * 100:{sign},.1f}%"
    if kpi in _MONEY:
        return f"{value:{sign},.0f}"
    if kpi in _STEPS or kpi == "roi":
        return f"{value:{sign},.2f}"
    if kpi == "mean_opinion":
        return f"{value:+.3f}"
    return f"{value:{sign},.1f}"


def format_interval(kpi: str, mean: float, low: float, high: float, signed: bool = False) -> str:
    """``mean [low, high]``."""
    return f"{format_value(kpi, mean, signed)} [{format_value(kpi, low, signed)}, {format_value(kpi, high, signed)}]"
