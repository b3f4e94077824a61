"""End-to-end test of the front end in headless Chromium against a running Solara server.

Loads the page on a small scenario, plays the market until the step counter and the KPI cards
advance, runs the Compare view to its table, checks the page and the browser console show no error,
and saves screenshots of both views to results/ui/ (explore.png, compare.png).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

try:
    from ui_support import (
        cdn_misses,
        chromium_page,
        close_page_browser,
        collect_console_errors,
        require_chromium,
        solara_server,
    )
except ImportError:  # tests/ imported as a package
    from tests.ui_support import (
        cdn_misses,
        chromium_page,
        close_page_browser,
        collect_console_errors,
        require_chromium,
        solara_server,
    )

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "results" / "ui"


def small_scenario(folder: Path) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = 2000
    data["horizon"] = 20
    data["name"] = "browser_test"
    path = folder / "browser_test.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def step_number(page) -> int:
    text = page.locator(".step-counter").inner_text()
    return int(re.match(r"step (\d+)", text).group(1))


@pytest.mark.browser
@pytest.mark.slow
def test_explore_play_and_compare_in_browser(tmp_path):
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    scenario = small_scenario(tmp_path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    with (
        solara_server(ROOT / "simulation" / "app.py", env={"WOM_SCENARIO": str(scenario)}, cwd=ROOT) as url,
        sync_playwright() as pw,
    ):
        page = chromium_page(pw, viewport={"width": 1600, "height": 1300})
        errors = collect_console_errors(page)

        def diagnosis() -> str:
            return f"CDN misses: {cdn_misses(url.log_text())}\nconsole errors: {errors}\nserver log tail:\n{url.log_text()[-3000:]}"

        try:
            page.goto(url, timeout=60_000)
            expect(page.locator(".step-counter")).to_have_text("step 0 of 20 (weeks)", timeout=60_000)
            expect(page.get_by_text("showing 500 of 2,000 consumers")).to_be_visible(timeout=30_000)

            # Play advances the model and the charts; Pause stops it.
            page.get_by_role("button", name="Play", exact=True).click()
            expect(page.locator(".kpi-adopters")).to_be_visible(timeout=30_000)
            page.wait_for_function(
                "() => /step ([5-9]|1\\d|20) of/.test(document.querySelector('.step-counter').innerText)",
                timeout=30_000,
            )
            page.get_by_role("button", name="Pause", exact=True).click()
            expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible(timeout=10_000)
            paused_at = step_number(page)
            assert paused_at >= 5, diagnosis()
            page.wait_for_timeout(1000)
            assert step_number(page) == paused_at, "the model kept stepping after Pause"
            # Every chart on the Explore view drew something: 6 Vega views (network, adoption, opinion, funnel, messages, money).
            expect(page.locator(".vega-embed")).to_have_count(6, timeout=20_000)
            page.screenshot(path=str(SHOTS / "explore.png"), full_page=True)

            # Compare: every strategy with 3 replications, then the KPI tables.
            page.get_by_role("tab", name="Compare").click()
            replications = page.get_by_label("Replications per strategy")
            replications.fill("3")
            replications.press("Enter")
            page.get_by_role("button", name="Run comparison").click()
            expect(page.get_by_text("Paired differences against the baseline")).to_be_visible(timeout=120_000)
            expect(page.get_by_role("cell", name="seed_hubs").first).to_be_visible(timeout=10_000)
            expect(page.get_by_text("5 strategies x 3 replications")).to_be_visible()
            expect(page.get_by_role("button", name="Download summary.csv")).to_be_visible()
            page.wait_for_timeout(1500)  # let Vega draw the bands before the screenshot
            page.screenshot(path=str(SHOTS / "compare.png"), full_page=True)

            assert page.get_by_text("Traceback").count() == 0, diagnosis()
            assert page.get_by_text("problem").count() == 0, diagnosis()
        finally:
            close_page_browser(page)
        assert not cdn_misses(url.log_text()), diagnosis()
        assert not errors, diagnosis()


MARKUP = (
    '<img src="x" onerror="window.__wom_injected = 1">'
    "<script>window.__wom_injected = 2</script>"
    '<b onmouseover="window.__wom_injected = 3">hover</b>'
    "{{ 7*191 }}"
)


@pytest.mark.browser
@pytest.mark.slow
def test_markup_in_a_scenario_is_shown_as_text_and_never_runs(tmp_path):
    """A scenario received from someone else, with markup and a Vue template in every text it holds."""
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data.update(name=f"launch {MARKUP}", description=f"about {MARKUP}", horizon=5, baseline=None)
    data["market"]["n_consumers"] = 500
    data["strategies"] = [{"name": f"base {MARKUP}"}, {"name": f"ads {MARKUP}", "levers": [{"kind": "advertising"}]}]
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(yaml.safe_dump(data, sort_keys=False))
    with (
        solara_server(ROOT / "simulation" / "app.py", env={"WOM_SCENARIO": str(scenario)}, cwd=ROOT) as url,
        sync_playwright() as pw,
    ):
        page = chromium_page(pw)
        errors = collect_console_errors(page)

        def nothing_ran():
            assert page.evaluate("() => window.__wom_injected") is None
            assert page.locator('img[src="x"]').count() == 0
            assert page.locator("b[onmouseover]").count() == 0
            assert "1337" not in page.inner_text("body")  # {{ 7*191 }} was not evaluated

        try:
            page.goto(url, timeout=60_000)
            expect(page.locator(".step-counter")).to_have_text("step 0 of 5 (weeks)", timeout=60_000)
            title = page.locator(".scenario-title")
            expect(title).to_contain_text(f"launch {MARKUP}")  # the markup, shown as the text it is
            expect(title).to_contain_text(f"about {MARKUP}")
            page.locator("b[onmouseover], .scenario-title").first.hover()
            nothing_ran()

            page.get_by_role("tab", name="Compare").click()
            replications = page.get_by_label("Replications per strategy")
            replications.fill("2")
            replications.press("Enter")
            page.get_by_role("button", name="Run comparison").click()
            expect(page.locator(".difference-table")).to_be_visible(timeout=120_000)
            expect(page.locator(".difference-table").get_by_role("cell", name=f"ads {MARKUP}")).to_be_visible()
            expect(page.get_by_text(f"Paired differences against the baseline (base {MARKUP})")).to_be_visible()
            page.wait_for_timeout(1000)
            nothing_ran()
        finally:
            close_page_browser(page)
        assert not errors, errors  # an <img src=x> rendered as markup would have logged a failed load
