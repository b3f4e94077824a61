"""Time one Step of the front end on the server at 5,000 consumers: the model step plus the page's update.

Renders the page without a browser (solara.render), presses Step repeatedly and prints the median and
the slowest time per step (model step, new chart rows, step counter; a re-render only when the run
starts or reaches its horizon), next to the model's own step measured in the same run (the reference),
the first render (which computes the network layout) and a Reset (which reuses the cached layout).
What a user sees in the browser, drawing included, is measured by ui_browser.py.

    .venv/bin/python benchmarks/ui_step.py [--consumers 5000] [--steps 20]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = args.consumers
    data["horizon"] = max(data["horizon"], args.steps)
    folder = Path(tempfile.mkdtemp())
    path = folder / "benchmark.yaml"
    path.write_text(yaml.safe_dump(data))

    session = ExploreSession(str(path))
    network_view._LAYOUTS.clear()
    started = time.perf_counter()
    box, rc = solara.render(Page(session=session, compare=CompareSession()), handle_error=False)
    first = time.perf_counter() - started
    step_button = rc.find(v.Btn, children=["Step"]).widget

    page_steps = []
    for _ in range(args.steps):
        started = time.perf_counter()
        step_button.click()
        page_steps.append(time.perf_counter() - started)

    started = time.perf_counter()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    reset = time.perf_counter() - started

    # Reference: the same model stepping without any page.
    model = ExploreSession._build(session.scenario.value, session.strategy.value, session.seed.value)
    model_steps = []
    for _ in range(args.steps):
        started = time.perf_counter()
        model.step()
        model_steps.append(time.perf_counter() - started)
    rc.close()

    page_median, model_median = statistics.median(page_steps), statistics.median(model_steps)
    print(f"consumers: {args.consumers:,}, steps timed: {args.steps}")
    print(f"first render (builds the model, lays out the {network_view.MAX_NODES}-consumer sample): {first:.2f} s")
    print(f"Step + page update (server): median {page_median * 1000:.0f} ms, slowest {max(page_steps) * 1000:.0f} ms")
    print(f"model step alone (reference): median {model_median * 1000:.1f} ms")
    print(f"page update / model step: {page_median / model_median:.0f}x")
    print(f"Reset (new model, cached network and layout) + re-render: {reset * 1000:.0f} ms")


if __name__ == "__main__":
    main()
