"""Playback speed and step latency of the front end as a user sees them: in headless Chromium, at 5,000 consumers.

Starts the Solara server on a 5,000-consumer version of scenarios/default.yaml, opens the page in
Chromium (Playwright) and measures, in the browser:

* step latency: from a click on Step until every chart on the page has drawn that step (the charts mark
  the update they last drew); median and slowest of --clicks clicks;
* playback: with the speed box set to S steps per second, Play for --seconds seconds: the steps per second
  the step counter shows, and the frames per second the network view draws (updates that arrive faster
  than the browser draws are merged), for S in --speeds.

Reference, measured in the same run: the model's own step (no page) on the same scenario, and the
speed asked for (the speed box takes any value; the slider goes to 20). Prints min / median / max of the
clicks, a table of the playback rates and their ratios to the speed asked, and the load average before and
after.

    .venv/bin/python benchmarks/ui_browser.py [--consumers 5000] [--clicks 20] [--seconds 6] [--speeds 5 10 20 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ui_support import chromium_page, collect_console_errors, solara_server  # noqa: E402

DRAWN = "() => [...document.querySelectorAll('[data-chart]')].map(e => Number(e.getAttribute('data-drawn') || -1))"
COUNTER = "() => Number(/step (\\d+)/.exec(document.querySelector('.step-counter').innerText)[1])"


def scenario_file(consumers: int, horizon: int) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = consumers
    data["horizon"] = horizon
    path = Path(tempfile.mkdtemp()) / "benchmark.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def model_step_ms(path: Path, steps: int = 30) -> float:
    from simulation.scenario import load_scenario
    from simulation.ui.session import ExploreSession

    scenario = load_scenario(path)
    model = ExploreSession._build(scenario, scenario.baseline_name, scenario.seed)
    times = []
    for _ in range(steps):
        started = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def all_drawn(page, version: int, timeout: float = 30.0) -> None:
    page.wait_for_function(f"() => ({DRAWN})().every(v => v >= {version})", timeout=timeout * 1000, polling="raf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--speeds", type=float, nargs="+", default=[5.0, 10.0, 20.0, 30.0])
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    from playwright.sync_api import sync_playwright

    horizon = args.clicks + int(max(args.speeds) * args.seconds * 1.5) * len(args.speeds) + 10
    path = scenario_file(args.consumers, horizon)
    reference = model_step_ms(path)
    env = {"WOM_SCENARIO": str(path)}
    with solara_server(ROOT / "simulation" / "app.py", env=env, cwd=ROOT) as url, sync_playwright() as pw:
        page = chromium_page(pw, viewport={"width": 1600, "height": 1400})
        errors = collect_console_errors(page)
        started = time.perf_counter()
        page.goto(url, timeout=120_000)
        page.wait_for_function(f"() => ({DRAWN})().length >= 7 && ({DRAWN})().every(v => v >= 0)", timeout=120_000)
        first = time.perf_counter() - started

        latencies = []
        step = page.get_by_role("button", name="Step", exact=True)
        for _ in range(args.clicks):
            version = max(page.evaluate(DRAWN)) + 1
            started = time.perf_counter()
            step.click()
            all_drawn(page, version)
            latencies.append(time.perf_counter() - started)

        playback = []
        field = page.locator(".speed-box input")  # the number box beside the speed slider
        for speed in args.speeds:
            field.fill(f"{speed:g}")
            field.press("Enter")
            page.wait_for_timeout(300)
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_timeout(1000)  # let playback settle
            steps1, drawn1, t1 = page.evaluate(COUNTER), page.evaluate(DRAWN)[0], time.perf_counter()
            page.wait_for_timeout(args.seconds * 1000)
            steps2, drawn2, t2 = page.evaluate(COUNTER), page.evaluate(DRAWN)[0], time.perf_counter()
            page.get_by_role("button", name="Pause", exact=True).click()
            page.wait_for_timeout(500)
            playback.append((speed, (steps2 - steps1) / (t2 - t1), (drawn2 - drawn1) / (t2 - t1)))
        page.context.browser.close()
    median, slowest = statistics.median(latencies), max(latencies)
    print(
        f"consumers: {args.consumers:,}; Chromium headless; {args.clicks} Step clicks; playback {args.seconds:g} s per "
        f"speed; load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(f"page ready (first load, network layout, all charts drawn): {first:.1f} s")
    print(f"model step alone (reference, no page): median {reference:.1f} ms")
    print(
        f"Step click -> every chart drawn in the browser, ms min / median / max: {min(latencies) * 1000:.0f} / "
        f"{median * 1000:.0f} / {slowest * 1000:.0f} ({median * 1000 / reference:.0f} x the model step)"
    )
    print("speed asked | steps/s shown | network frames drawn/s | steps/s / asked")
    for speed, steps, frames in playback:
        print(f"{speed:11.0f} | {steps:13.1f} | {frames:22.1f} | {steps / speed:15.2f}")
    if errors:
        print("browser console errors:", *errors, sep="\n  ")


if __name__ == "__main__":
    main()
