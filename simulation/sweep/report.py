"""``sweep_report.html``: one self-contained page (charts inlined as PNG) beside the sweep's data.

It opens with the drivers of each KPI in words, then the sensitivity bars (sorted, largest first, with
95% intervals), the response curves of every KPI analysed, heat maps over the first two swept fields
(one colour scale per KPI, shared by the strategies), and the failed runs.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..kpis import RUN_KPIS


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _figure_html(fig) -> str:
    plt = _pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def number(value: float) -> str:
    """A table's number: thousands separated from 1,000 up (144,600, not 1.446e+05), else 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=number, na_rep="", border=0, classes="data")


def kpi_axis(kpi: str, currency: str | None = None, time_unit: str | None = None) -> str:
    """A KPI's axis title with its unit, e.g. 'profit (EUR)'."""
    if kpi not in RUN_KPIS:
        return kpi
    return RUN_KPIS[kpi].column(currency, time_unit)


def _index_bars(
    table: pd.DataFrame, value: str, conf: str, second: str | None, title: str, axis, currency=None, time_unit=None
) -> str:
    """One bar chart per strategy and KPI: each parameter's index with its 95% interval, largest first."""
    plt = _pyplot()
    if value not in table.columns:
        return ""
    parts = []
    for (strategy, kpi), group in table.dropna(subset=[value]).groupby(["strategy", "kpi"], sort=False):
        group = group.sort_values(value, ascending=False, kind="stable")
        fig, ax = plt.subplots(figsize=(1.8 + 0.9 * len(group), 3.0))
        x = np.arange(len(group))
        width = 0.4 if second else 0.7
        ax.bar(x - (width / 2 if second else 0), group[value], width, yerr=group[conf], capsize=3, label=value)
        if second:
            ax.bar(x + width / 2, group[second], width, yerr=group[f"{second}_conf"], capsize=3, label=second)
            ax.legend(fontsize=8)
        ax.set_xticks(x, group["parameter"], rotation=30, ha="right", fontsize=8)
        ax.set_xlabel("swept parameter (sorted by effect)", fontsize=8)
        ax.set_ylabel(axis(kpi), fontsize=8)
        ax.set_title(f"{title}: {kpi_axis(kpi, currency, time_unit)} ({strategy})", fontsize=9)
        ax.axhline(0, color="black", linewidth=0.5)
        parts.append(_figure_html(fig))
    return "\n".join(parts)


def _curves(curves: pd.DataFrame, currency, time_unit) -> str:
    plt = _pyplot()
    parts = []
    for (kpi, parameter), group in curves.groupby(["kpi", "parameter"], sort=False):
        fig, ax = plt.subplots(figsize=(4.2, 2.9))
        for strategy, line in group.groupby("strategy"):
            numeric = pd.api.types.is_numeric_dtype(line["value"])
            xs = line["value"] if numeric else line["value"].astype(str)
            ax.errorbar(xs, line["mean"], yerr=1.96 * line["se"].fillna(0), marker="o", capsize=3, label=strategy)
        ax.set_xlabel(parameter, fontsize=8)
        ax.set_ylabel(kpi_axis(kpi, currency, time_unit), fontsize=8)
        ax.legend(fontsize=7)
        ax.set_title(
            f"{RUN_KPIS[kpi].title if kpi in RUN_KPIS else kpi} against {parameter} (mean, 95% CI)", fontsize=9
        )
        parts.append(_figure_html(fig))
    return "\n".join(parts)


def _heat(frame: pd.DataFrame, kpi: str, strategy: str, vmin: float, vmax: float, currency, time_unit) -> str:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(2.2 + 0.5 * frame.shape[1], 1.4 + 0.4 * frame.shape[0]))
    image = ax.imshow(frame.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(
        range(frame.shape[1]),
        [f"{v:g}" if isinstance(v, float) else str(v) for v in frame.columns],
        rotation=45,
        fontsize=7,
    )
    ax.set_yticks(
        range(frame.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in frame.index], fontsize=7
    )
    ax.set_xlabel(frame.columns.name, fontsize=8)
    ax.set_ylabel(frame.index.name, fontsize=8)
    ax.set_title(f"mean {RUN_KPIS[kpi].title if kpi in RUN_KPIS else kpi} ({strategy})", fontsize=9)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(kpi_axis(kpi, currency, time_unit), fontsize=8)
    return _figure_html(fig)


STYLE = """body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222}
table.data{border-collapse:collapse;font-size:12px;margin:.5em 0}
table.data td,table.data th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
img{margin:4px;vertical-align:top}code{background:#f4f4f4;padding:1px 3px}
.drivers{background:#eef5ee;border-left:4px solid #2e7d32;padding:.3em 1em}"""


def write_report(
    out: Path,
    *,
    title: str,
    command: str,
    summary: dict,
    design: dict,
    runs: pd.DataFrame,
    sensitivity: pd.DataFrame | None = None,
    curves: pd.DataFrame | None = None,
    heat: dict | None = None,
    kpis: tuple[str, ...] | list[str] = (),
    rankings: tuple[str, ...] | list[str] = (),
    notes: tuple[str, ...] | list[str] = (),
    currency: str | None = None,
    time_unit: str | None = None,
) -> Path:
    """Write ``out/sweep_report.html``; returns its path. ``heat`` maps (kpi, strategy) to a pivot table."""
    esc = html.escape
    mean_seconds = summary.get("mean_seconds", float("nan"))
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p><code>{esc(command)}</code></p>",
        f"<p>Design <b>{esc(str(design.get('kind')))}</b> over {', '.join(esc(f'{k} = {v}') for k, v in design.get('params', {}).items())}: "
        f"{design.get('points')} points; {summary['runs']} runs stored ({summary['ok']} ok, {summary['error']} failed), "
        f"{mean_seconds:.3g} s per run on average. KPIs analysed: {esc(', '.join(kpis))}.</p>",
    ]
    if rankings:
        body.append('<div class="drivers"><p><b>What drives the results:</b></p><ul>')
        body += [f"<li>{esc(line)}</li>" for line in rankings]
        body.append("</ul></div>")
    body += [f"<p>{esc(n)}</p>" for n in notes]
    if sensitivity is not None and not sensitivity.empty:
        if "ST" in sensitivity:
            body += [
                "<h2>Sobol sensitivity indices</h2>",
                "<p>S1: share of the KPI's variance due to the parameter alone; ST: including all its interactions. "
                "Error bars and <code>_conf</code>: 95% bootstrap confidence half-widths. Bars sorted by ST.</p>",
                _index_bars(
                    sensitivity,
                    "ST",
                    "ST_conf",
                    "S1",
                    "Sobol",
                    lambda k: "Sobol index (share of the variance)",
                    currency,
                    time_unit,
                ),
                _table(sensitivity),
            ]
        elif "mu_star" in sensitivity:
            body += [
                "<h2>Morris elementary effects</h2>",
                "<p>mu*: mean absolute effect of moving the parameter one level (in KPI units); sigma: its spread "
                "(non-linearity or interactions). Error bars: 95% bootstrap confidence half-widths of mu*. Bars "
                "sorted by mu*.</p>",
                _index_bars(
                    sensitivity,
                    "mu_star",
                    "mu_star_conf",
                    None,
                    "Morris mu*",
                    lambda k: f"mu*: {kpi_axis(k, currency, time_unit)} per level",
                    currency,
                    time_unit,
                ),
                _table(sensitivity),
            ]
        else:
            body += ["<h2>Sensitivity</h2>", _table(sensitivity)]
    if curves is not None and not curves.empty:
        body += ["<h2>Responses</h2>", _curves(curves, currency, time_unit), _table(curves)]
    heat = heat or {}
    for kpi in dict.fromkeys(k for k, _ in heat):
        frames = {s: f for (k, s), f in heat.items() if k == kpi and f.size}
        if not frames:
            continue
        values = np.concatenate([f.to_numpy(dtype=float).ravel() for f in frames.values()])
        values = values[~np.isnan(values)]
        if values.size == 0:
            continue
        vmin, vmax = float(values.min()), float(values.max())
        first = next(iter(frames.values()))
        body.append(
            f"<h3>Heat maps of {esc(kpi_axis(kpi, currency, time_unit))}: {esc(str(first.index.name))} x "
            f"{esc(str(first.columns.name))} (one colour scale for every strategy)</h3>"
        )
        body += [_heat(f, kpi, s, vmin, vmax, currency, time_unit) for s, f in frames.items()]
    errors = runs[runs["status"] == "error"] if not runs.empty else runs
    if not errors.empty:
        shown = errors[["point", "strategy", "replication", "error"]].head(50)
        body += [f"<h2>Failed runs ({len(errors)})</h2>", _table(shown)]
    page = f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>"
    path = Path(out) / "sweep_report.html"
    path.write_text(page, encoding="utf-8")
    return path
