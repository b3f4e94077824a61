"""A Vega-Lite chart that is embedded once and then fed new data in place (``live_chart.vue``).

``solara.FigureAltair`` and Solara's VegaLite widget embed a new Vega view (SVG) for every change, which
costs the browser 0.5-1 s per step for the network view. ``LiveChart`` keeps one view (canvas) per chart;
a step sends only what changed in its named datasets (new rows, or the rows of the keys that changed), and
the browser draws the changes that arrive before its next frame together. Specs are plain Vega-Lite dicts
(built in ``charts`` and ``network_view``).
"""

from __future__ import annotations

import math

import ipyvuetify as v
import numpy as np
import solara
import traitlets


class LiveChart(v.VuetifyTemplate):
    """A chart whose datasets change in place: ``apply`` sends rows ``replaced``, ``appended`` or ``changed``
    by key (``update`` replaces whole datasets).

    The browser receives the snapshot ``datasets`` (the rows as of change number ``base``) when the chart is
    placed, then each change as one numbered message with only its rows. A browser that misses a change
    (placed after it was sent, or a message skipped) sees the gap in the numbers against ``latest`` and asks
    for a new snapshot (``vue_resync``). ``rows_of(name)`` is what the chart shows."""

    template_file = (__file__, "live_chart.vue")
    name = traitlets.Unicode("").tag(sync=True)  # data-chart attribute: tests and benchmarks find charts by it
    spec = traitlets.Dict().tag(sync=True)  # Vega-Lite spec; data layers name their datasets ("data": {"name": ...})
    datasets = traitlets.Dict().tag(sync=True)  # snapshot: dataset name -> rows, as of change number `base`
    base = traitlets.Int(0).tag(sync=True)
    latest = traitlets.Int(0).tag(sync=True)  # number of the last change sent
    version = traitlets.Int(0).tag(sync=True)  # bumped with every update; the page marks the version drawn
    cdn = traitlets.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._rows: dict[str, list[dict]] = {name: list(data) for name, data in self.datasets.items()}

    @traitlets.default("cdn")
    def _cdn(self):
        import solara.settings

        return None if solara.settings.assets.proxy else solara.settings.assets.cdn

    def rows_of(self, name: str) -> list[dict]:
        """The rows the chart shows for a dataset."""
        return self._rows.get(name, [])

    def update(self, datasets: dict) -> None:
        """Replace the rows of these datasets (one message to the browser)."""
        self.apply(*(replaced(name, data) for name, data in datasets.items()))

    def apply(self, *parts: dict) -> None:
        """Apply these changes (``replaced``, ``appended``, ``changed``) in one message to the browser."""
        for part in parts:
            current = self._rows.setdefault(part["name"], [])
            if part.get("replace"):
                current.clear()
            elif "key" in part:
                gone = set(part["remove"])
                current[:] = [row for row in current if row[part["key"]] not in gone]
            current.extend(part["insert"])
        # The message first, then the number: the browser then never sees a number ahead of the changes it has.
        self.send({"method": "apply", "args": [{"seq": self.latest + 1, "parts": list(parts)}]})
        with self.hold_sync():
            self.latest += 1
            self.version += 1

    def vue_resync(self, data=None) -> None:
        """The browser missed a change: a new snapshot of the rows shown."""
        with self.hold_sync():
            self.datasets = {name: list(data) for name, data in self._rows.items()}
            self.base = self.latest
            self.version += 1


def replaced(name: str, data) -> dict:
    """A change: dataset ``name`` holds these rows instead of its own."""
    return {"name": name, "replace": True, "insert": rows(data)}


def appended(name: str, data) -> dict:
    """A change: these rows are added to dataset ``name`` (only they are sent)."""
    return {"name": name, "insert": rows(data)}


def changed(name: str, key: str, data) -> dict:
    """A change: the rows of dataset ``name`` whose ``key`` field equals a new row's are replaced by it."""
    new = rows(data)
    return {"name": name, "key": key, "remove": [row[key] for row in new], "insert": new}


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
