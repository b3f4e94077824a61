"""The scenario editor in the front end: strategies and levers added and removed, validated as a file,
edited with the lever controls, downloaded and compared."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import ipyvuetify as v
import pytest
import solara
import yaml
from ui_support import texts

from simulation.marketing.registry import LEVER_KINDS
from simulation.ui.compare_session import CompareSession
from simulation.ui.page import Page
from simulation.ui.scenario_editor import add_lever, add_strategy, remove_lever, remove_strategy
from simulation.ui.session import ExploreSession

ROOT = Path(__file__).resolve().parents[1]


def _small(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = 600
    data["horizon"] = 6
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_add_edit_download_compare_and_remove(tmp_path):
    session = ExploreSession(str(_small(tmp_path)))
    box, rc = solara.render(Page(session=session, compare=CompareSession()), handle_error=False)
    try:
        assert add_strategy(session, "ads_and_seeds", copy_of="advertising")
        assert session.strategy.value == "ads_and_seeds" and session.errors.value == []
        assert add_lever(session, "ads_and_seeds", "seeding")
        levers = session.scenario.value.strategy("ads_and_seeds").levers
        assert [lever.kind for lever in levers] == ["advertising", "seeding"]
        assert any(t == "Levers of 'ads_and_seeds'" for t in texts(rc))
        # The new lever's settings get controls; an edit is an override like any other.
        assert session.set_override("strategies.ads_and_seeds.levers.1.k", 12)
        assert session.model.strategy.name == "ads_and_seeds"
        assert session.scenario.value.strategy("ads_and_seeds").levers[1].k == 12
        edited = yaml.safe_load(session.edited_yaml())
        assert [s["name"] for s in edited["strategies"]][-1] == "ads_and_seeds"
        # Compare runs the edited scenario, the new strategy included.
        compare = CompareSession()
        compare.replications.value = 2
        compare.jobs.value = 1
        compare.start(session.scenario.value)
        compare.thread.join(timeout=120)
        assert compare.error.value == "" and "ads_and_seeds" in compare.result.value.strategies
        # Refused edits change nothing and say why.
        before = session.scenario.value
        assert not add_strategy(session, "ads_and_seeds")
        assert "already has it" in session.errors.value[0] and session.scenario.value is before
        assert not add_strategy(session, "no spaces")
        assert not remove_strategy(session, "do_nothing") and "is the baseline" in session.errors.value[0]
        assert not add_lever(session, "ads_and_seeds", "telepathy")
        assert session.scenario.value is before
        assert remove_lever(session, "ads_and_seeds", 0)
        assert [lever.kind for lever in session.scenario.value.strategy("ads_and_seeds").levers] == ["seeding"]
        assert remove_strategy(session, "ads_and_seeds")
        assert "ads_and_seeds" not in [s.name for s in session.scenario.value.strategies]
        assert session.strategy.value == "do_nothing"
        assert rc.find(v.Select, label="Strategy").widget.v_model == "do_nothing"
    finally:
        rc.close()


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_takes_a_new_strategy_with_any_lever(path):
    session = ExploreSession(str(path))
    assert add_strategy(session, "extra"), session.errors.value
    for kind in LEVER_KINDS:
        assert add_lever(session, "extra", kind), (kind, session.errors.value)
    assert [lever.kind for lever in session.scenario.value.strategy("extra").levers] == list(LEVER_KINDS)
    assert session.model.strategy.name == "extra"


def test_settings_with_named_options_are_selects_and_yes_no_settings_switches(tmp_path):
    """A lever's options (seeding targeting, advertising target) are chosen from a list, a yes/no setting is
    a switch: each edit is an override marked as differing from the file; showing them edits nothing."""
    session = ExploreSession(str(ROOT / "scenarios" / "product_launch.yaml"))
    box, rc = solara.render(Page(session=session, compare=CompareSession()), handle_error=False)
    try:
        session.set_strategy("seed_hubs")
        targeting = rc.find(v.Select, label="seeding: targeting").widget
        assert targeting.v_model == "hubs" and targeting.items == list(
            get_args(LEVER_KINDS["seeding"].model_fields["targeting"].annotation)
        )
        assert session.overrides.value == {}
        targeting.v_model = "influencers"
        assert session.scenario.value.strategy("seed_hubs").levers[0].targeting == "influencers"
        assert rc.find(v.Select, label="seeding: targeting (file: hubs)").widget.v_model == "influencers"
        assert add_lever(session, "seed_hubs", "review_response")
        switch = rc.find(v.Checkbox, label="review_response: posts").widget
        assert switch.v_model is True
        switch.v_model = False
        assert session.scenario.value.strategy("seed_hubs").levers[-1].posts is False
        assert "strategies.seed_hubs.levers.1.posts" in session.overrides.value
    finally:
        rc.close()


QUIET_CONSOLE = ("Infinite extent", "Vega-Lite v", "but the current version of Vega")  # warnings that must not come


def _renamed(path: Path, folder: Path) -> tuple[Path, list[str]]:
    """A shipped scenario renamed, its strategies renamed (unique to it) and one added, at a small size."""
    data = yaml.safe_load(path.read_text())
    data["name"] = f"{path.stem}_renamed"
    if data.get("network", {}).get("kind") != "edge_list":  # a real network keeps its own size
        data["market"]["n_consumers"] = 600
    data["horizon"], data["replications"] = 4, 2
    baseline = data.get("baseline", data["strategies"][0]["name"])
    for strategy in data["strategies"]:
        strategy["name"] = f"{strategy['name']}_{path.stem}"
    data["baseline"] = f"{baseline}_{path.stem}"
    data["strategies"].append({"name": "added", "levers": [{"kind": "content", "every": 2}]})
    upload = folder / f"{path.stem}_renamed.yaml"
    upload.write_text(yaml.safe_dump(data, sort_keys=False))
    return upload, [s["name"] for s in data["strategies"]]


@pytest.mark.browser
@pytest.mark.slow
def test_every_shipped_scenario_uploaded_renamed_edited_and_compared_in_one_browser_session(tmp_path):
    """Issue 21's done-when, in one page: each shipped scenario, renamed with its strategies renamed and one
    added, is uploaded; selecting each of its strategies marks nothing as differing from the file; the editor
    adds a lever to the new strategy and its box is edited; Compare runs them all. No traceback on the page or
    in the server's log, no console error, no warning of a Vega-Lite mismatch or an empty chart's extent, no
    samesite warning at start."""
    from ui_support import chromium_page, close_page_browser, collect_console_errors, require_chromium, solara_server

    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    with (
        solara_server(ROOT / "simulation" / "app.py", env={"WOM_SCENARIO": str(_small(tmp_path))}, cwd=ROOT) as url,
        sync_playwright() as pw,
    ):
        page = chromium_page(pw, viewport={"width": 1400, "height": 2000})
        errors = collect_console_errors(page)
        warnings = []
        page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
        try:
            page.goto(url, timeout=60_000)
            expect(page.locator(".step-counter")).to_have_text("step 0 of 6 (weeks)", timeout=60_000)
            page.get_by_role("tab", name="Compare").click()
            jobs = page.get_by_label("Worker processes")  # one process: small runs, no pool to start
            jobs.fill("1")
            jobs.press("Enter")
            for path in sorted((ROOT / "scenarios").glob("*.yaml")):
                upload, strategies = _renamed(path, tmp_path)
                page.locator(".scenario-file-picker input[type=file]").set_input_files(str(upload))
                expect(page.get_by_text(f"Levers of '{strategies[0]}'")).to_be_visible(timeout=120_000)
                for name in strategies:  # showing a strategy edits nothing (no slider snaps a value)
                    page.get_by_label("Strategy", exact=True).click(force=True)
                    page.get_by_role("option", name=name, exact=True).click()
                    expect(page.get_by_text(f"Levers of '{name}'")).to_be_visible(timeout=60_000)
                    page.get_by_role(
                        "button", name="Step", exact=True
                    ).click()  # after anything the page sent on showing it
                    expect(page.locator(".step-counter")).to_contain_text("step 1 of", timeout=60_000)
                    assert page.get_by_text("differ from the file").count() == 0, (path.stem, name)
                if not page.get_by_role("button", name="Add to added").is_visible():
                    page.get_by_text("Edit strategies and levers").click()
                page.get_by_role("button", name="Add to added").click()  # the first lever kind: advertising
                expect(page.get_by_role("button", name="Remove lever 2 (advertising)")).to_be_visible(timeout=60_000)
                box = page.get_by_label("advertising: cpm")
                expect(box).to_have_value("10.0", timeout=30_000)
                box.fill("12")
                box.press("Enter")
                expect(page.get_by_text("differ from the file")).to_be_visible(timeout=60_000)
                expect(box).to_have_value("12", timeout=30_000)
                page.get_by_role("button", name="Run comparison").click()
                done = f"{len(strategies)} strategies x 2 replications in"
                expect(page.locator(".compare-message")).to_contain_text(done, timeout=300_000)
                expect(page.get_by_role("rowheader", name=strategies[0]).first).to_be_visible(timeout=60_000)
                expect(page.get_by_role("rowheader", name="added").first).to_be_visible()
                assert page.get_by_text("Traceback").count() == 0, path.stem
                assert not errors, (path.stem, errors)
            log = url.log_text()
        finally:
            close_page_browser(page)
    assert not [w for w in warnings if any(kind in w for kind in QUIET_CONSOLE)], warnings
    assert "Traceback" not in log and "samesite" not in log.lower(), log[-3000:]
