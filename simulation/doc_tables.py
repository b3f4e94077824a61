"""What is generated from the registries, rewritten in place by one command: the tables of docs/MODEL.md and
the typed parameters (``simulation/parameter_values.py``, from ``parameters.PARAMETERS``).

    .venv/bin/python -m simulation.doc_tables           # rewrite what is stale
    .venv/bin/python -m simulation.doc_tables --check   # list it, exit 1 if any (tests/test_developing.py)

Each table is found by its header line and replaced up to the first line that is not a table row, so the
prose around it is left as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

MODEL_DOCUMENT = Path(__file__).resolve().parents[1] / "docs" / "MODEL.md"
DEVELOPING_DOCUMENT = MODEL_DOCUMENT.with_name("DEVELOPING.md")
PARAMETER_VALUES = Path(__file__).resolve().parent / "parameter_values.py"


def generated_tables() -> dict[str, Callable[[], str]]:
    """Name -> the function that writes the table of docs/MODEL.md (the parameter, lever and KPI registries)."""
    from .kpis import kpi_table
    from .marketing.table import lever_fields_table, lever_table
    from .parameters import parameter_table

    return {
        "parameters": parameter_table,
        "levers": lever_table,
        "lever fields": lever_fields_table,
        "KPIs": kpi_table,
    }


def developing_tables() -> dict[str, Callable[[], str]]:
    """Name -> the function that writes the table of docs/DEVELOPING.md (the rule schedule)."""
    from .engine.schedule import rule_table

    return {"rule steps": rule_table}


def rewrite(text: str, tables: dict[str, Callable[[], str]] | None = None) -> tuple[str, list[str]]:
    """(the text with every generated table as the registries give it now, the names of those that changed)."""
    lines = text.split("\n")
    stale = []
    for name, make in (generated_tables() if tables is None else tables).items():
        table = make().split("\n")
        if table[0] not in lines:
            raise ValueError(f"the document has no {name} table (a line {table[0]!r})")
        start = lines.index(table[0])
        end = start
        while end < len(lines) and lines[end].startswith("|"):
            end += 1
        if lines[start:end] != table:
            lines[start:end] = table
            stale.append(name)
    return "\n".join(lines), stale


def main(argv: list[str] | None = None) -> int:
    from .parameters import parameter_values_source

    args = sys.argv[1:] if argv is None else argv
    text, stale = rewrite(MODEL_DOCUMENT.read_text())
    developing, stale_rules = rewrite(DEVELOPING_DOCUMENT.read_text(), developing_tables())
    stale += stale_rules
    values = parameter_values_source()
    if PARAMETER_VALUES.read_text() != values:
        stale.append(PARAMETER_VALUES.name)
    if "--check" in args:
        print("stale: " + ", ".join(stale) if stale else "the generated tables and parameters are current")
        return 1 if stale else 0
    if text != MODEL_DOCUMENT.read_text():
        MODEL_DOCUMENT.write_text(text)
    if developing != DEVELOPING_DOCUMENT.read_text():
        DEVELOPING_DOCUMENT.write_text(developing)
    if PARAMETER_VALUES.name in stale:
        PARAMETER_VALUES.write_text(values)
    print(f"rewrote: {', '.join(stale)}" if stale else "the generated tables and parameters are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
