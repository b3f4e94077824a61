"""``comparison.xlsx``: the comparison's tables as an Excel workbook (openpyxl), one sheet per table.

Sheets: the verdict, the KPI summary (mean and 95% interval per strategy), the paired differences and
incremental results against the baseline, every pair of strategies, planned against actual spend, and
every run. Column names carry their units (the scenario's currency and time unit).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def _readable(comparison, frame: pd.DataFrame) -> pd.DataFrame:
    currency = comparison.currency or "money units"
    names = {
        "mean": "mean",
        "ci_low": "95% low",
        "ci_high": "95% high",
        "low": "95% low",
        "high": "95% high",
        "n": "runs used",
        "diff_mean": "difference vs baseline",
        "diff_low": "difference 95% low",
        "diff_high": "difference 95% high",
        "diff_n": "pairs used",
        "planned_spend": f"planned spend ({currency})",
        "spend": f"spend ({currency})",
        "budget": f"budget cap ({currency})",
        "spent_share": "share of the plan spent",
    }
    return frame.rename(columns=names)


def write_workbook(comparison, path, objective: str = "profit") -> Path:
    """Write the workbook; needs openpyxl (``pip install -e '.[xlsx]'``)."""
    try:
        import openpyxl  # noqa: F401
    except ImportError as error:
        raise RuntimeError("--xlsx needs the package openpyxl: pip install -e '.[xlsx]'") from error
    from openpyxl.utils import get_column_letter

    tables = comparison.tables(objective)
    runs = tables["runs"].rename(columns={k: comparison.column(k) for k in tables["runs"].columns if k in _run_kpis()})
    sheets = {
        "verdict": tables["verdict"],
        "summary": _readable(comparison, tables["summary"]),
        "differences": _readable(comparison, tables["differences"]),
        "incremental": _readable(comparison, tables["incremental"]),
        "pairs": _readable(comparison, tables["pairs"]),
        "spend": _readable(comparison, tables["spend"]),
        "runs": runs,
    }
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                width = max(len(str(column)), *(len(str(v)) for v in frame[column].head(200))) if len(frame) else 10
                sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 90)
    return path


def _run_kpis():
    from ..kpis import RUN_KPIS

    return RUN_KPIS
