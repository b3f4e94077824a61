"""Text from scenario files on the page, always as text.

Names, descriptions and strategy names come from files that may have been received from someone
else. ``solara.Markdown`` would turn them into HTML and compile that as a Vue template, so markup in
them would run and ``{{ }}`` would be evaluated. These components put every string into the page
as a text node (ipyvuetify ``Html`` children), which the browser never interprets.
"""

from __future__ import annotations

import ipyvuetify as v
import pandas as pd
import solara

_CELL = {"padding": "2px 10px", "text-align": "left", "white-space": "nowrap", "border-bottom": "1px solid #ddd"}


def _style(style: dict) -> str:
    return ";".join(f"{key}: {value}" for key, value in style.items())


@solara.component
def TextLine(parts: list, classes: tuple = ()):
    """One paragraph of text pieces; a piece is a string or ``(string, True)`` for bold."""
    children = []
    for part in parts:
        text, bold = (part, False) if isinstance(part, str) else part
        children.append(v.Html.element(tag="b" if bold else "span", children=[str(text)]))
    return v.Html.element(tag="p", children=children, class_=" ".join(classes))


@solara.component
def Heading(text: str, level: int = 3):
    return v.Html.element(tag=f"h{level}", children=[str(text)], style_="margin: 12px 0 6px 0")


@solara.component
def TextTable(table: pd.DataFrame, index_name: str = "", classes: tuple = ()):
    """A table of text: the index as the first column, blanks for missing values."""
    head = [
        v.Html.element(tag="th", children=[str(name)], style_=_style(_CELL)) for name in [index_name, *table.columns]
    ]
    rows = []
    for label, values in zip(table.index, table.to_numpy()):
        cells = [str(label), *("" if pd.isna(value) else str(value) for value in values)]
        rows.append(
            v.Html.element(
                tag="tr", children=[v.Html.element(tag="td", children=[c], style_=_style(_CELL)) for c in cells]
            )
        )
    return v.Html.element(
        tag="table",
        class_=" ".join(classes),
        style_="border-collapse: collapse; font-size: 0.9em; margin-bottom: 12px",
        children=[
            v.Html.element(tag="thead", children=[v.Html.element(tag="tr", children=head)]),
            v.Html.element(tag="tbody", children=rows),
        ],
    )
