"""An Altair chart in a Vega-Lite widget that is created once and updated in place.

``solara.FigureAltair`` validates the spec against the Vega-Lite schema and hands it to the render tree
as an element argument, which the renderer then walks value by value; with a network of thousands of
ties that cost most of a step. Here the spec is built without validation (the charts are fixed code,
checked by the tests) and assigned to the widget directly.
"""

from __future__ import annotations

import solara
import solara.widgets

from .charts import SCHEMA


def vega_lite(chart) -> dict:
    """An Altair chart's spec (not validated) naming the Vega-Lite version the page loads: Altair 6 writes
    v6's schema, the charts use nothing v5 lacks, and the page would warn of the mismatch."""
    return chart if isinstance(chart, dict) else {**chart.to_dict(validate=False), "$schema": SCHEMA}


@solara.component
def VegaChart(chart, classes: tuple = ()):
    """`chart`: an Altair chart or a Vega-Lite spec (dict)."""
    widget = solara.use_memo(lambda: solara.widgets.VegaLite(spec={}), [])
    widget.spec = vega_lite(chart)
    return solara.Div(children=[widget], classes=list(classes))
