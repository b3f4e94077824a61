"""A Vega-Lite chart that is embedded once and then fed new data in place (``live_chart.vue``).

``solara.FigureAltair`` and Solara's VegaLite widget embed a new Vega view (SVG) for every change, which
costs the browser 0.5-1 s per step for the network view. ``LiveChart`` keeps one view (canvas) per chart;
a step sends only the rows of its named datasets, and updates that arrive faster than the browser can
draw are merged. Specs are plain Vega-Lite dicts (built in ``charts`` and ``network_view``).
"""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import solara
import traitlets


class LiveChart(v.VuetifyTemplate):
    template_file = (__file__, "live_chart.vue")
    name = traitlets.Unicode("").tag(sync=True)  # data-chart attribute: tests and benchmarks find charts by it
    spec = traitlets.Dict().tag(sync=True)  # Vega-Lite spec; data layers name their datasets ("data": {"name": ...})
    datasets = traitlets.Dict().tag(sync=True)  # dataset name -> rows
    version = traitlets.Int(0).tag(sync=True)  # bumped with every update; the page marks the version drawn
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        return None if solara.settings.assets.proxy else solara.settings.assets.cdn

    def update(self, datasets: dict) -> None:
        """Replace the rows of these datasets (one message to the browser)."""
        with self.hold_sync():
            self.datasets = {**self.datasets, **{name: rows(data) for name, data in datasets.items()}}
            self.version += 1


def _clean(value):
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def rows(data) -> list[dict]:
    """Rows for the browser from a DataFrame, a dict of columns or a list of dicts (NaN becomes null)."""
    if isinstance(data, list):
        return data  # rows already (built with plain Python values)
    if hasattr(data, "to_dict") and not isinstance(data, dict):
        data = {column: data[column].to_numpy() for column in data.columns}
    columns = {k: np.asarray(v) for k, v in data.items()}
    length = len(next(iter(columns.values()))) if columns else 0
    lists = {k: [_clean(x) for x in (col.tolist() if col.dtype.kind in "fiub" else col)] for k, col in columns.items()}
    return [{k: lists[k][i] for k in lists} for i in range(length)]


@solara.component
def LiveChartView(chart: LiveChart, classes: tuple = ()):
    """Place a chart widget created elsewhere (held across renders) in the page."""
    return solara.Div(children=[chart], classes=list(classes))
