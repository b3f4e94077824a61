"""The robustness report: one self-contained HTML file (tables, figures as embedded PNG)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from ..experiment.report import _png, _pyplot, _table
from ..kpis import RUN_KPIS, format_value
from .analysis import round_bounds


def _unit(objective: str, currency: str | None) -> str:
    """' (USD)' after a money objective's name, ' (consumers)' after a count ('' if the KPI is unknown)."""
    kpi = RUN_KPIS.get(objective)
    return f" ({kpi.unit_text(currency)})" if kpi is not None and kpi.unit_text(currency) else ""


def _regret_figure(
    values: pd.DataFrame, regrets: pd.DataFrame, strategies: list[str], objective: str, currency: str | None = None
) -> str:
    plt = _pyplot()
    figure, axes = plt.subplots(1, 2, figsize=(12, 4))
    axes[0].boxplot([values[s] for s in strategies], showmeans=True)
    axes[0].set_xticks(range(1, len(strategies) + 1), strategies, rotation=20)
    axes[0].set_ylabel(f"{objective}{_unit(objective, currency)} per market (mean over replications)")
    axes[0].set_title("Outcome across markets")
    axes[1].boxplot([regrets[s] for s in strategies], showmeans=True)
    axes[1].set_xticks(range(1, len(strategies) + 1), strategies, rotation=20)
    axes[1].set_ylabel(f"regret in {objective}{_unit(objective, currency)}: best in the market minus this one")
    axes[1].set_title("Regret across markets")
    for ax in axes:
        ax.grid(alpha=0.3)
    return _png(figure)


def _markets_figure(
    values: pd.DataFrame, params: list[str], loses: np.ndarray, boxes: pd.DataFrame, chosen: str
) -> str:
    plt = _pyplot()
    x, y = params[0], params[1] if len(params) > 1 else params[0]
    if not boxes.empty:  # show the parameters the first box restricts most
        restricted = list(boxes[boxes["box"] == 1]["parameter"])
        pair = (restricted + [p for p in params if p not in restricted])[:2]
        x, y = pair[0], pair[1] if len(pair) > 1 else pair[0]
    figure, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(values[x][~loses], values[y][~loses], s=18, c="tab:blue", label=f"{chosen} best (within margin)")
    ax.scatter(values[x][loses], values[y][loses], s=18, c="tab:red", marker="x", label=f"{chosen} loses")
    if not boxes.empty:
        box = boxes[boxes["box"] == 1].set_index("parameter")
        lo_x, hi_x = (box.loc[x, "low"], box.loc[x, "high"]) if x in box.index else ax.get_xlim()
        lo_y, hi_y = (box.loc[y, "low"], box.loc[y, "high"]) if y in box.index else ax.get_ylim()
        ax.add_patch(
            plt.Rectangle(
                (lo_x, lo_y),
                hi_x - lo_x,
                hi_y - lo_y,
                fill=False,
                edgecolor="black",
                linewidth=1.5,
                linestyle="-" if bool(box["finding"].iloc[0]) else "--",
                label="PRIM box 1" + ("" if bool(box["finding"].iloc[0]) else " (not a finding: may be noise)"),
            )
        )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.legend(fontsize=8)
    ax.set_title(f"Where {chosen} loses")
    return _png(figure)


def render_report(
    title: str,
    command: str,
    objective: str,
    summary: pd.DataFrame,
    values: pd.DataFrame,
    regrets: pd.DataFrame,
    params: list[str],
    chosen: str,
    loses: np.ndarray,
    boxes: pd.DataFrame,
    lines: list[str],
    notes: list[str],
    currency: str | None = None,
) -> str:
    strategies = list(summary["strategy"])
    shown = summary.copy()
    for column in ("mean", "worst decile", "worst market", "mean regret", "max regret"):
        shown[column] = [format_value(objective, v) for v in shown[column]]
    shown["best in share of markets"] = [f"{v:.0%}" for v in shown["best in share of markets"]]
    shown = shown.set_index("strategy")
    shown.index.name = f"{objective}{_unit(objective, currency)} across markets"
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p><code>{html.escape(command)}</code></p>",
        "<p>" + "<br>".join(html.escape(line) for line in lines) + "</p>",
        "<h2>Strategies across markets</h2>",
        "<p>Per market, each strategy's objective is its mean over the replications (common random numbers "
        "within a market). Worst decile: the 10th percentile over markets. Regret: the best strategy's value in "
        "that market minus this one's.</p>",
        _table(shown),
        _regret_figure(values, regrets, strategies, objective, currency),
        "<h2>Scenario discovery (PRIM)</h2>",
    ]
    if boxes.empty:
        sections.append("<p>No box (see above).</p>")
    else:
        table = boxes.copy()
        for column in ("coverage", "density", "mass"):
            table[column] = [f"{v:.0%}" for v in table[column]]
        table["quasi_p"] = [f"{v:.2g}" for v in table["quasi_p"]]
        bounds = [round_bounds(low, high) for low, high in zip(table["low"], table["high"])]
        table["low"], table["high"] = [f"{b[0]:.3g}" for b in bounds], [f"{b[1]:.3g}" for b in bounds]
        table["finding"] = ["yes" if v else "no: may be noise" for v in table["finding"]]
        sections.append(_table(table.set_index("box")))
    if len(params) >= 1:
        sections.append(_markets_figure(values, params, loses, boxes, chosen))
    if notes:
        sections.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    style = "body{font-family:sans-serif;margin:2em;color:#222} table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>{style}</style></head><body>{''.join(sections)}</body></html>"
