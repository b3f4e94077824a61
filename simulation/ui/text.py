"""Text from scenario files on the page, always as text.

Names, descriptions and strategy names come from files that may have been received from someone
else. ``solara.Markdown`` would turn them into HTML and compile that as a Vue template, so markup in
them would run and ``{{ }}`` would be evaluated. These components put every string into the page
as a text node (ipyvuetify ``Html`` children), which the browser never interprets.
"""

from __future__ import annotations

import ipyvuetify as v
import pandas as pd
import reacton.ipyvuetify as rv
import solara


@solara.component
def Note(text: str, classes: tuple = ()):
    solara.Text(
        text,
        classes=list(classes),
        style={"font-size": "0.8em", "color": "#666", "display": "block", "max-width": "640px", "margin": "2px 0 8px"},
    )


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
def TextTable(frame: pd.DataFrame, index_title: str = "", classes: tuple = ()):
    """A table of `frame` (index as the first column), every cell plain text."""
    head = [rv.Html(tag="th", children=[str(index_title)])] + [
        rv.Html(tag="th", children=[str(c)]) for c in frame.columns
    ]
    body = []
    for index, row in zip(frame.index, frame.to_numpy()):
        cells = [rv.Html(tag="th", children=[str(index)])]
        cells += [rv.Html(tag="td", children=["" if pd.isna(x) else str(x)]) for x in row]
        body.append(rv.Html(tag="tr", children=cells))
    table = rv.Html(
        tag="table",
        children=[
            rv.Html(tag="thead", children=[rv.Html(tag="tr", children=head)]),
            rv.Html(tag="tbody", children=body),
        ],
    )
    return solara.Div(children=[table], classes=["text-table", *classes], style={"overflow-x": "auto"})


TABLE_CSS = """
.text-table table { border-collapse: collapse; font-size: 12px; margin: 4px 0 12px; }
.text-table th, .text-table td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; white-space: nowrap; }
.text-table thead th { background: #f3f3f3; }
.text-table tbody th { text-align: left; background: #fafafa; }
"""
