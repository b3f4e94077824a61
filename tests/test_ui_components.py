"""Component tests of the front end, rendered without a browser (solara.render + ipyvuetify widgets).

Covers choosing a scenario and a strategy, the parameter controls, stepping, Play/Pause, the seed
surviving Reset (and reproducing the run), a bad uploaded file shown in the page without losing the
model, the network sample and its cached layout, the Compare view with a small population, and the
`run.py ui` command line.
"""

from __future__ import annotations

import time
from pathlib import Path

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
import yaml

from simulation.calibration.bass import bass_cumulative
from simulation.commands import ui as ui_command
from simulation.experiment.compare import run_comparison
from simulation.model import WordOfMouthModel
from simulation.parameters import TIME_UNITS
from simulation.scenario.loader import parse_scenario
from simulation.ui import network_view
from simulation.ui.charts import bass_reference, kpi_values
from simulation.ui.compare_session import CompareSession
from simulation.ui.compare_view import SHOWN_KPIS
from simulation.ui.controls import current_value, lever_controls, parameter_controls
from simulation.ui.page import Page
from simulation.ui.session import SCENARIO_ENV, ExploreSession

ROOT = Path(__file__).resolve().parents[1]


def write_scenario(folder: Path, n: int = 1000, horizon: int = 10, name: str = "small") -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = n
    data["horizon"] = horizon
    data["name"] = name
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def cell_texts(widget) -> list[str]:
    """The texts of an Html widget and everything inside it, in document order."""
    found = []
    for child in widget.children:
        found.extend([child] if isinstance(child, str) else cell_texts(child))
    return found


def texts(rc) -> list[str]:
    """Every text shown by Text/Markdown-like widgets of the render tree."""
    found = []
    for widget in rc.find(v.Html).widgets:
        found.extend(str(c) for c in widget.children if isinstance(c, str))
    for widget in rc.find(v.VuetifyTemplate).widgets:  # solara.Markdown: the rendered HTML
        found.append(str(widget.template))
    return found


_OPEN: list = []


@pytest.fixture(autouse=True)
def close_renders():
    """Close each test's render trees: Mesa's update counter is shared within a process, and live pages
    from earlier tests would otherwise re-render on every later step."""
    yield
    while _OPEN:
        _OPEN.pop().close()


def show(element):
    box, rc = solara.render(element, handle_error=False)
    _OPEN.append(rc)
    return rc


def render(tmp_path, n=1000, horizon=10):
    session = ExploreSession(str(write_scenario(tmp_path, n, horizon)))
    compare = CompareSession()
    return session, compare, show(Page(session=session, compare=compare))


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def step_counter(rc) -> str:
    return rc.find(v.Html, class_="step-counter").widget.children[0]


# ---------------------------------------------------------------- explore view
def test_step_advances_model_and_page(tmp_path):
    session, _, rc = render(tmp_path, n=5000, horizon=10)
    assert step_counter(rc) == "step 0 of 10 (weeks)"
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        click(rc, "Step")
        timings.append(time.perf_counter() - started)
    print(f"\nStep + re-render at 5,000 consumers: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}")
    assert step_counter(rc) == "step 3 of 10 (weeks)"
    assert session.model.steps == 3 and len(session.model.timeseries()) == 3
    adopters = rc.find(v.Html, class_="kpi-adopters").widget.children[0]
    frame = session.model.timeseries()
    assert adopters.startswith(f"{int(frame['adopters'].iloc[-1]):,} (")
    assert any("showing 500 of 5,000 consumers" in t for t in texts(rc))


def test_choose_strategy_and_scenario(tmp_path, monkeypatch):
    small = write_scenario(tmp_path, n=800, horizon=6)
    monkeypatch.setenv(SCENARIO_ENV, str(small))
    session = ExploreSession()
    assert session.scenario.value.name == "small"
    rc = show(Page(session=session, compare=CompareSession()))
    rc.find(v.Select, label="Strategy").widget.v_model = "seed_hubs"
    assert session.strategy.value == "seed_hubs"
    assert session.model.strategy.name == "seed_hubs"
    # The levers of the chosen strategy get controls.
    assert rc.find(v.Slider, label="seeding: k: 100").widgets
    # Choosing the other file in scenarios/ loads it (the default scenario, 10,000 consumers).
    choices = rc.find(v.Select, label="Scenario").widget.items
    assert str(small) in choices and str(ROOT / "scenarios" / "default.yaml") in choices
    rc.find(v.Select, label="Scenario").widget.v_model = str(ROOT / "scenarios" / "default.yaml")
    assert session.scenario.value.name == "default" and session.model.network.n == 10_000
    assert session.strategy.value == "do_nothing"  # seed_hubs is there too, but a new file starts at its baseline


def test_parameter_control_edits_scenario_like_cli(tmp_path):
    session, _, rc = render(tmp_path)
    slider = rc.find(v.Slider, label="confidence bound: 1").widget
    slider.v_model = 0.4
    assert session.overrides.value == {"word_of_mouth.confidence_bound": 0.4}
    assert session.model.params["confidence_bound"] == 0.4
    assert rc.find(v.Slider, label="confidence bound: 0.4").widgets
    model = session.model
    # A value the schema refuses: the CLI's message, nothing changed.
    assert not session.set_override("market.n_consumers", 1)
    assert session.errors.value == [
        "--set market.n_consumers=1: market.n_consumers = 1: Input should be greater than or equal to 2"
    ]
    assert session.model is model and session.overrides.value == {"word_of_mouth.confidence_bound": 0.4}
    # A combination the model refuses (more ties than consumers).
    assert not session.set_override("network.mean_degree", 5000)
    assert "'mean_degree' = 5000 is not allowed: expected less than n_consumers = 1000" in session.errors.value[0]
    assert session.model is model
    assert any("--set market.n_consumers=1" in t for t in texts(rc)) is False  # replaced by the newer problem
    assert any("mean_degree' = 5000" in t for t in texts(rc))


def test_seed_survives_reset_and_reproduces_run(tmp_path):
    session, _, rc = render(tmp_path, n=1000, horizon=10)
    seed_box = rc.find(v.TextField, label="Seed").widget
    seed_box.v_model = "7"
    seed_box.fire_event("keyup.enter", "7")  # the seed is taken when Enter is pressed (or on leaving the box)
    assert session.seed.value == 7 and session.model.seed == 7
    for _ in range(4):
        click(rc, "Step")
    first = session.model.timeseries()
    click(rc, "Reset")
    assert session.seed.value == 7 and session.model.seed == 7 and session.model.steps == 0
    assert rc.find(v.TextField, label="Seed").widget.v_model == "7"
    assert step_counter(rc) == "step 0 of 10 (weeks)"
    for _ in range(4):
        click(rc, "Step")
    pd.testing.assert_frame_equal(first, session.model.timeseries())
    # The page runs the engine's model: the same numbers as a model built directly.
    direct = WordOfMouthModel(**{**session.scenario.value.model_kwargs("do_nothing"), "seed": 7}).run(4).timeseries()
    pd.testing.assert_frame_equal(first, direct)


def test_play_and_pause(tmp_path):
    session, _, rc = render(tmp_path, n=1000, horizon=8)
    session.speed.value = 20.0
    click(rc, "Play")
    assert session.playing.value
    deadline = time.monotonic() + 20
    while session.model.steps < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    click(rc, "Pause")
    session.player.join(timeout=5)
    steps = session.model.steps
    assert 3 <= steps <= 8
    time.sleep(0.3)
    assert session.model.steps == steps
    # Play runs to the horizon and stops there.
    click(rc, "Play")
    session.player.join(timeout=20)
    assert session.model.steps == 8 and not session.playing.value
    assert "reached the horizon" in session.notice.value


BAD_FILE = b"""name: broken
market:
  n_consumers: -5
  folower_share: 0.1
strategies:
  - name: ads
    levers:
      - kind: advertising
        reach: 2
"""


def test_bad_upload_shows_errors_and_keeps_model(tmp_path):
    session, _, rc = render(tmp_path)
    click(rc, "Step")
    model = session.model
    assert not session.upload("broken.yaml", BAD_FILE)
    problems = session.errors.value
    assert problems == [
        "broken.yaml (uploaded):3: market.n_consumers = -5: Input should be greater than or equal to 2",
        "broken.yaml (uploaded):4: market.folower_share: unknown key; did you mean 'follower_share'? (known keys: "
        + ", ".join(k for k in type(parse_scenario("").market).model_fields)
        + ")",
        "broken.yaml (uploaded):9: strategies.ads.levers.0.reach = 2: Input should be less than or equal to 1",
    ]
    shown = texts(rc)
    assert all(p in shown for p in problems)
    assert rc.find(v.Alert).widgets  # an error box on the page
    assert session.model is model and model.steps == 1 and session.scenario.value.name == "small"
    # Not YAML, and not text at all: clear messages too.
    assert not session.upload("x.yaml", b"market: [1, 2\n")
    assert session.errors.value[0].startswith("x.yaml (uploaded):") and "not valid YAML" in session.errors.value[0]
    assert not session.upload("x.yaml", b"name: \xff\x00binary")
    assert session.errors.value == ["x.yaml (uploaded):1: not UTF-8 text (byte 0xff); save the scenario as UTF-8"]
    # A good upload replaces the scenario and clears the problems.
    assert session.upload("good.yaml", write_scenario(tmp_path, n=600, name="good").read_bytes())
    assert session.scenario.value.name == "good" and session.errors.value == []
    assert session.model.network.n == 600


# ---------------------------------------------------------------- parts
def test_controls_follow_schema():
    scenario = parse_scenario((ROOT / "scenarios" / "default.yaml").read_text())
    controls = {c.path: c for c in parameter_controls()}
    assert controls["word_of_mouth.confidence_bound"].low == 0 and controls["word_of_mouth.confidence_bound"].high == 2
    assert controls["network.kind"].choices[:2] == ("small_world", "scale_free")
    for strategy in scenario.strategies:
        for control in lever_controls(strategy, strategy.name):
            value = current_value(scenario, control.path)
            if control.kind != "number":  # sliders: the value lies in the slider's range
                assert control.low <= value <= control.high
            # Each control's path is one the scenario loader accepts (--set syntax).
            same = parse_scenario(
                (ROOT / "scenarios" / "default.yaml").read_text(), overrides=[f"{control.path}={value}"]
            )
            assert current_value(same, control.path) == value
    referral = lever_controls(scenario.strategy("referral"), "referral")
    assert {c.path for c in referral} >= {
        "strategies.referral.levers.0.reward",
        "strategies.referral.levers.0.talk_boost",
    }


def test_network_sample_is_cached_and_reused_on_reset(tmp_path, monkeypatch):
    session = ExploreSession(str(write_scenario(tmp_path, n=3000)))
    calls = []
    real = network_view._build_sample
    monkeypatch.setattr(network_view, "_build_sample", lambda *a: calls.append(a) or real(*a))
    network_view._LAYOUTS.clear()
    show(Page(session=session, compare=CompareSession()))
    network = session.model.network
    session.step()
    session.reset()
    session.step()
    assert len(calls) == 1  # one layout for the session's network and seed
    assert session.model.network is network  # the network itself is reused too
    sample = network_view._LAYOUTS[next(iter(network_view._LAYOUTS))]
    assert sample.nodes.size == 500 == np.unique(sample.nodes).size
    assert (sample.slot[sample.nodes] == np.arange(500)).all() and (sample.slot >= 0).sum() == 500
    # Drawn ties are ties of the network between drawn consumers.
    adjacency = network.to_scipy()
    ends = sample.nodes[sample.edges]
    assert np.asarray(adjacency[ends[:, 0], ends[:, 1]]).ravel().all()
    # Drawn messages are the last step's messages with both ends drawn.
    messages = session.model.last_messages
    drawn = network_view.drawn_messages(sample, messages)
    both = (sample.slot[messages["speaker"]] >= 0) & (sample.slot[messages["listener"]] >= 0)
    assert len(drawn["x"]) == both.sum() and both.sum() > 0
    assert (drawn["message"] == "positive").sum() == (messages["valence"][both] > 0).sum()


def test_complete_network_draws_random_sample(tmp_path):
    session = ExploreSession(str(write_scenario(tmp_path, n=2000)))
    assert session.set_override("network.kind", "complete")
    model = session.model
    sample = network_view.network_sample(model.network, ("complete-test",), model.seed)
    assert sample.nodes.size == 500 and sample.edges.shape == (0, 2)
    assert "mean-field" in network_view.caption(sample)
    spec = network_view.network_chart(model, sample, "opinion", "degree")
    assert len(spec["layer"][2]["data"]["values"]) == 500 and spec["layer"][0]["data"]["values"] == []


def test_bass_reference_and_kpis():
    params = {"p": 0.03, "q": 0.38, "n_consumers": 5000, "time_unit": "week"}
    bass = bass_reference(params, 52)
    years = (np.arange(52) + 1) * TIME_UNITS["week"]
    np.testing.assert_allclose(bass["adopters"], 5000 * bass_cumulative(years, 0.03, 0.38))
    assert bass_reference({**params, "p": 0.0}, 52) is None
    frame = pd.DataFrame(
        {
            "adopters": [10, 30],
            "aware_share": [0.2, 0.25],
            "mean_opinion": [0.1, 0.2],
            "spend": [100.0, 100.0],
            "gross_profit": [0.0, 300.0],
        }
    )
    kpis = kpi_values(frame, 1000)
    assert kpis == {"adopters": "30 (3.0%)", "awareness": "25.0%", "mean opinion": "+0.20", "ROI": "+50%"}


# ---------------------------------------------------------------- compare view
def test_compare_view_runs_and_shows_tables(tmp_path):
    session, compare, rc = render(tmp_path, n=300, horizon=8)
    compare.replications.value = 3
    click(rc, "Run comparison")
    compare.thread.join(timeout=60)
    assert not compare.running.value and compare.error.value == ""
    result = compare.result.value
    assert result.replications == 3 and set(result.runs["strategy"]) == {
        s.name for s in session.scenario.value.strategies
    }
    assert compare.progress.value == (15, 15)
    # The page shows what the engine computes for the same scenario (reproducible, same numbers).
    direct = run_comparison(session.scenario.value, replications=3)
    pd.testing.assert_frame_equal(result.summary, direct.summary)
    shown = "\n".join(texts(rc))
    assert "Paired differences against the baseline (do_nothing)" in shown
    differences = direct.kpi_table(["adopters"], differences=True)
    table = cell_texts(rc.find(v.Html, class_="difference-table").widget)
    row = table[table.index("seed_hubs") : table.index("seed_hubs") + 1 + len(SHOWN_KPIS)]
    assert row[1 + SHOWN_KPIS.index("adopters")] == differences.loc["seed_hubs", "adopters"]
    assert "do_nothing" not in table  # the baseline has no row in the table of differences against itself

    assert "5 strategies x 3 replications" in compare.message.value
    # Downloads: the files run.py compare writes.
    labels = [str(c) for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)]
    for name in ("summary.csv", "timeseries.parquet", "report.html", "scenario.yaml"):
        assert compare.files.value[name].is_file()
    assert pd.read_csv(compare.files.value["summary.csv"]).shape[0] == len(result.summary)
    for name in ("summary.csv", "runs.csv", "timeseries.parquet", "report.html", "scenario.yaml"):
        assert f"Download {name}" in labels


def test_compare_cancel_keeps_page_working(tmp_path):
    session, compare, rc = render(tmp_path, n=300, horizon=8)

    def cancelling_runner(scenario, replications, jobs, progress, cancel):
        def on_progress(done, total):
            progress(done, total)
            if done >= 1:
                compare.cancel()

        return run_comparison(scenario, replications=replications, jobs=jobs, progress=on_progress, cancel=cancel)

    compare.runner = cancelling_runner
    compare.replications.value = 20
    click(rc, "Run comparison")
    compare.thread.join(timeout=60)
    assert compare.result.value is None and compare.message.value.startswith("cancelled")
    assert compare.progress.value[0] < compare.progress.value[1] == 100
    click(rc, "Step")  # the explore view still works
    assert session.model.steps == 1


# ---------------------------------------------------------------- command line
def test_ui_command(tmp_path, monkeypatch, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    ui_command.add_arguments(parser)
    scenario = write_scenario(tmp_path)
    args = parser.parse_args([str(scenario), "--port", "9123", "--host", "0.0.0.0"])
    calls = []
    monkeypatch.setattr(ui_command.subprocess, "call", lambda cmd, env: calls.append((cmd, env)) or 0)
    assert ui_command.main(args) == 0
    cmd, env = calls[0]
    assert cmd[1:5] == ["-m", "solara", "run", str(ROOT / "simulation" / "app.py")]
    assert cmd[5:] == ["--host", "0.0.0.0", "--port", "9123", "--production", "--no-open", "--no-check-version"]
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False" and env[SCENARIO_ENV] == str(scenario.resolve())
    assert "http://0.0.0.0:9123" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(BAD_FILE)
    with pytest.raises(SystemExit) as stop:
        ui_command.main(parser.parse_args([str(bad)]))
    assert stop.value.code == 2
    assert "bad.yaml:3: market.n_consumers = -5" in capsys.readouterr().err
    assert len(calls) == 1
