"""``sweep_report.html``: one self-contained page (charts inlined as PNG) beside the sweep's data."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..kpis import RUN_KPIS


def _figure_html(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, classes="data")


def _index_bars(table: pd.DataFrame, value: str, conf: str, second: str | None, title: str) -> str:
    """One bar chart per KPI: each parameter's index with its confidence interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = []
    for (strategy, kpi), group in table.dropna(subset=[value]).groupby(["strategy", "kpi"], sort=False):
        fig, ax = plt.subplots(figsize=(1.6 + 0.9 * len(group), 2.8))
        x = np.arange(len(group))
        width = 0.4 if second else 0.7
        ax.bar(x - (width / 2 if second else 0), group[value], width, yerr=group[conf], capsize=3, label=value)
        if second:
            ax.bar(x + width / 2, group[second], width, yerr=group[f"{second}_conf"], capsize=3, label=second)
            ax.legend(fontsize=8)
        ax.set_xticks(x, group["parameter"], rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{title}: {kpi} ({strategy})", fontsize=9)
        ax.axhline(0, color="black", linewidth=0.5)
        parts.append(_figure_html(fig))
    return "\n".join(parts)


def _curves(curves: pd.DataFrame, kpi: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = []
    for parameter, group in curves.groupby("parameter", sort=False):
        fig, ax = plt.subplots(figsize=(4.2, 2.8))
        for strategy, line in group.groupby("strategy"):
            numeric = pd.api.types.is_numeric_dtype(line["value"])
            xs = line["value"] if numeric else line["value"].astype(str)
            ax.errorbar(xs, line["mean"], yerr=1.96 * line["se"].fillna(0), marker="o", capsize=3, label=strategy)
        ax.set_xlabel(parameter, fontsize=8)
        ax.set_ylabel(kpi, fontsize=8)
        ax.legend(fontsize=7)
        ax.set_title(f"{kpi} against {parameter} (mean, 95% CI)", fontsize=9)
        parts.append(_figure_html(fig))
    return "\n".join(parts)


def _heat(frame: pd.DataFrame, kpi: str, strategy: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.5 + 0.5 * frame.shape[1], 1.2 + 0.4 * frame.shape[0]))
    image = ax.imshow(frame.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
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
    ax.set_title(f"mean {kpi} ({strategy})", fontsize=9)
    fig.colorbar(image, ax=ax)
    return _figure_html(fig)


STYLE = """body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222}
table.data{border-collapse:collapse;font-size:12px;margin:.5em 0}
table.data td,table.data th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
img{margin:4px;vertical-align:top}code{background:#f4f4f4;padding:1px 3px}"""


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
    kpi: str | None = None,
    notes: list[str] = (),
) -> Path:
    """Write ``out/sweep_report.html``; returns its path."""
    esc = html.escape
    body = [
        f"<h1>{esc(title)}</h1>",
        f"<p><code>{esc(command)}</code></p>",
        f"<p>Design <b>{esc(str(design.get('kind')))}</b> over {', '.join(esc(f'{k} = {v}') for k, v in design.get('params', {}).items())}: "
        f"{design.get('points')} points; {summary['runs']} runs stored ({summary['ok']} ok, {summary['error']} failed), "
        f"{summary['mean_seconds']:.3g} s per run on average.</p>",
    ]
    body += [f"<p>{esc(n)}</p>" for n in notes]
    if sensitivity is not None and not sensitivity.empty:
        if "ST" in sensitivity:
            body += [
                "<h2>Sobol sensitivity indices</h2>",
                "<p>S1: share of the KPI's variance due to the parameter alone; ST: including all its interactions. "
                "Error bars and <code>_conf</code>: 95% bootstrap confidence half-widths.</p>",
                _index_bars(sensitivity, "ST", "ST_conf", "S1", "Sobol"),
                _table(sensitivity),
            ]
        else:
            body += [
                "<h2>Morris elementary effects</h2>",
                "<p>mu*: mean absolute effect of moving the parameter one level (in KPI units); sigma: its spread "
                "(non-linearity or interactions). Error bars: 95% bootstrap confidence half-widths of mu*.</p>",
                _index_bars(sensitivity, "mu_star", "mu_star_conf", None, "Morris mu*"),
                _table(sensitivity),
            ]
    if curves is not None and not curves.empty:
        body += [
            f"<h2>Response of {esc(kpi)} ({esc(RUN_KPIS[kpi].label if kpi in RUN_KPIS else '')})</h2>",
            _curves(curves, kpi),
            _table(curves),
        ]
    for strategy, frame in (heat or {}).items():
        body += [
            f"<h3>Heat map: {esc(frame.index.name)} x {esc(frame.columns.name)}, {esc(strategy)}</h3>",
            _heat(frame, kpi, strategy),
        ]
    errors = runs[runs["status"] == "error"] if not runs.empty else runs
    if not errors.empty:
        shown = errors[["point", "strategy", "replication", "error"]].head(50)
        body += [f"<h2>Failed runs ({len(errors)})</h2>", _table(shown)]
    page = f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title><style>{STYLE}</style></head><body>{''.join(body)}</body></html>"
    path = Path(out) / "sweep_report.html"
    path.write_text(page, encoding="utf-8")
    return path
