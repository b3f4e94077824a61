"""Time one Step of the front end on the server: the model step plus the page's update, against the model's
step alone (the reference) in the same run.

Renders the page without a browser (solara.render) and presses Step ``--steps`` times; after each press, a
second model of the same scenario and seed (no page) takes the same step, so the two alternate and share the
machine's load. Printed: min / median / max of each, the ratio of the medians, the first render (which
computes the network layout), a Reset (which reuses the cached layout) and the load average before and after.
A Step re-renders nothing (the charts are sent only the rows that changed, the step counter and the KPI cards
are updated in place); the first Step re-renders the frame of the charts over time, which is shown from then
on, so it is timed apart. What a user sees in the browser, drawing included, is measured by ui_browser.py.

    .venv/bin/python benchmarks/ui_step.py [--consumers 5000] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import ipyvuetify as v
import solara
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulation.ui import network_view  # noqa: E402
from simulation.ui.compare_session import CompareSession  # noqa: E402
from simulation.ui.page import Page  # noqa: E402
from simulation.ui.session import ExploreSession  # noqa: E402


def spread(times: list[float]) -> str:
    return " / ".join(f"{value * 1000:.1f}" for value in (min(times), statistics.median(times), max(times)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = args.consumers
    data["horizon"] = max(data["horizon"], args.steps + 1)
    folder = Path(tempfile.mkdtemp())
    path = folder / "benchmark.yaml"
    path.write_text(yaml.safe_dump(data))

    session = ExploreSession(str(path))
    network_view._LAYOUTS.clear()
    started = time.perf_counter()
    box, rc = solara.render(Page(session=session, compare=CompareSession()), handle_error=False)
    first = time.perf_counter() - started
    step_button = rc.find(v.Btn, children=["Step"]).widget
    reference = ExploreSession._build(session.scenario.value, session.strategy.value, session.seed.value)

    started = time.perf_counter()
    step_button.click()
    first_step = time.perf_counter() - started
    reference.step()
    page_steps, model_steps = [], []
    for _ in range(args.steps):
        started = time.perf_counter()
        step_button.click()
        page_steps.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference.step()
        model_steps.append(time.perf_counter() - started)

    started = time.perf_counter()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    reset = time.perf_counter() - started
    rc.close()

    page_median, model_median = statistics.median(page_steps), statistics.median(model_steps)
    print(
        f"consumers: {args.consumers:,}, steps timed: {args.steps} (after the first), interleaved; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"first render (builds the model, lays out the {network_view.MAX_NODES}-consumer sample): {first:.2f} s")
    print(f"first Step (shows the charts over time): {first_step * 1000:.0f} ms")
    print(f"Step + page update (server), ms min / median / max: {spread(page_steps)}")
    print(f"model step alone (reference), ms min / median / max: {spread(model_steps)}")
    print(f"page Step / model step (medians): {page_median / model_median:.1f}x")
    print(f"Reset (new model, cached network and layout) + re-render: {reset * 1000:.0f} ms")


if __name__ == "__main__":
    main()
