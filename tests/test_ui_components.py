"""Component tests of the front end, rendered without a browser (solara.render + ipyvuetify widgets).

Covers choosing a scenario and a strategy, the parameter controls (number boxes, clean values, values
that differ from the file, the restart notice), stepping to the horizon and no further, Play/Pause, the
seed surviving Reset (and reproducing the run), a bad uploaded file shown in the page without losing the
model, the live charts (units, whole-step ticks, colours, the Bass reference from the starting
customers), the downloads, the network sample and its cached layout, the Compare view (verdict,
baselines, tables, n/a notes), the Sweep view, and the `run.py ui` command line and its SIGTERM.
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import ipyvuetify as v
import numpy as np
import pandas as pd
import pytest
import solara
import yaml
from ipyvuetify.extra import FileInput
from ui_support import texts

from simulation.calibration.bass import bass_cumulative
from simulation.commands import ui as ui_command
from simulation.experiment.compare import run_comparison
from simulation.model import WordOfMouthModel
from simulation.parameters import TIME_UNITS
from simulation.scenario import load_scenario
from simulation.scenario.loader import parse_scenario
from simulation.ui import network_view
from simulation.ui.charts import bass_from, bass_reference, chart_data, chart_specs, kpi_values, opinion_spec
from simulation.ui.compare_session import CompareSession
from simulation.ui.controls import clean, current_value, lever_controls, parameter_controls
from simulation.ui.live_chart import LiveChart, appended, changed, replaced
from simulation.ui.page import Page
from simulation.ui.palette import OPINION_RANGE, ROLE_COLOURS
from simulation.ui.session import SCENARIO_ENV, ExploreSession, network_key
from simulation.ui.sweep_view import SweepSession

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


def charts(rc) -> dict:
    return {w.name: w for w in rc.find(LiveChart).widgets}


def html_text(rc, class_: str) -> str:
    return rc.find(v.Html, class_=class_).widget.children[0]


def label_texts(rc) -> list[str]:
    return [str(w.children[0]) for w in rc.find(v.Html, class_="param-label").widgets]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def step_counter(rc) -> str:
    return html_text(rc, "step-counter")


# ---------------------------------------------------------------- explore view
def test_step_advances_model_and_page(tmp_path):
    session, _, rc = render(tmp_path, n=5000, horizon=10)
    assert step_counter(rc) == "step 0 of 10 (weeks)"
    live = charts(rc)
    assert set(live) == {
        "network",
        "opinion",
        "adoption",
        "new_adopters",
        "funnel",
        "messages",
        "money",
        "rating",
        "ratings",
    }
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        click(rc, "Step")
        timings.append(time.perf_counter() - started)
    print(f"\nStep (model, chart rows, counter) at 5,000 consumers: {', '.join(f'{t * 1000:.0f} ms' for t in timings)}")
    assert step_counter(rc) == "step 3 of 10 (weeks)"
    assert session.model.steps == 3 and len(session.model.timeseries()) == 3
    frame = session.model.timeseries()
    assert html_text(rc, "kpi-customers").startswith(f"{int(frame['adopters'].iloc[-1]):,} (")
    assert any("showing 500 of 5,000 consumers" in t for t in texts(rc))
    # Every chart got the step's rows: the start at x = 0 and the three steps at x = 1..3.
    adoption = [r for r in live["adoption"].rows_of("adoption") if r["series"] == "customers (simulated)"]
    assert [r["x"] for r in adoption] == [0, 1, 2, 3]
    assert [r["value"] for r in adoption[1:]] == frame["adopters"].tolist()
    assert [r["value"] for r in live["new_adopters"].rows_of("new_adopters")] == frame["new_adopters"].tolist()
    assert len(live["network"].rows_of("nodes")) == 500
    # The product page: the ratings so far by stars, the average over time and the rating card.
    assert [r["count"] for r in live["ratings"].rows_of("ratings")] == [
        int(frame[f"ratings_{k}"].iloc[-1]) for k in range(1, 6)
    ]
    rated = frame["average_rating"].dropna()
    assert [r["value"] for r in live["rating"].rows_of("rating")] == rated.tolist()
    card = html_text(rc, "kpi-rating")
    assert card == "no ratings yet" if rated.empty else card.startswith(f"{rated.iloc[-1]:.2f} stars")


def test_the_run_stops_at_the_horizon(tmp_path):
    session, _, rc = render(tmp_path, n=500, horizon=3)
    assert session.step(10) == 3  # never past the horizon
    assert session.model.steps == 3 and step_counter(rc) == "step 3 of 3 (weeks) — horizon reached"
    assert session.step() == 0 and session.model.steps == 3
    assert "reached the horizon (3 weeks)" in session.notice.value
    assert rc.find(v.Btn, children=["Step"]).widget.disabled and rc.find(v.Btn, children=["Play"]).widget.disabled
    adoption = [r for r in charts(rc)["adoption"].rows_of("adoption") if r["series"] == "customers (simulated)"]
    assert max(r["x"] for r in adoption) == 3  # the line ends at the horizon
    click(rc, "Reset")
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled and step_counter(rc) == "step 0 of 3 (weeks)"


def test_choose_strategy_and_scenario_by_title(tmp_path, monkeypatch):
    small = write_scenario(tmp_path, n=800, horizon=6)
    monkeypatch.setenv(SCENARIO_ENV, str(small))
    session = ExploreSession()
    assert session.scenario.value.name == "small"
    rc = show(Page(session=session, compare=CompareSession()))
    rc.find(v.Select, label="Strategy").widget.v_model = "seed_hubs"
    assert session.strategy.value == "seed_hubs"
    assert session.model.strategy.name == "seed_hubs"
    assert "seeding: k: 500" in label_texts(rc)  # the levers of the chosen strategy get controls
    # The picker shows each file's name and description, not its path.
    picker = rc.find(v.Select, label="Scenario").widget
    titles = {item["value"]: item["text"] for item in picker.items}
    default = str(ROOT / "scenarios" / "default.yaml")
    assert titles[default] == "default: Product launch, one year, five strategies."
    assert titles[str(small)].startswith("small: ")
    picker.v_model = default
    assert session.scenario.value.name == "default" and session.model.network.n == 10_000
    assert session.strategy.value == "do_nothing"  # seed_hubs is there too, but a new file starts at its baseline
    # A file picker (the browser's file dialog) beside the drop zone.
    assert rc.find(v.Html, class_="scenario-file-picker").widget.children[0].__class__ is FileInput


def test_parameter_controls_have_number_boxes_clean_values_and_show_edits(tmp_path):
    session, _, rc = render(tmp_path)
    session.step(2)
    boxes = rc.find(v.TextField, class_="param-box").widgets
    assert len(boxes) == len([c for c in parameter_controls() if c.kind in ("int", "float")])
    assert "confidence bound: 1.00" in label_texts(rc)
    # A slider reports a float with a rounding error: the value stored is the clean one.
    confidence = next(c for c in parameter_controls() if c.path == "word_of_mouth.confidence_bound")
    assert clean(0.49999999999999994, confidence.step, "float") == 0.5
    assert session.set_override("word_of_mouth.confidence_bound", clean(0.4000000001, confidence.step, "float"))
    assert session.overrides.value == {"word_of_mouth.confidence_bound": 0.4}
    assert session.model.params["confidence_bound"] == 0.4 and session.model.steps == 0
    assert "confidence bound: 0.40 (file: 1.00)" in label_texts(rc)  # which values differ from the file
    assert "restarted at step 0 (it was at step 2)" in session.notice.value  # a change restarts the run
    assert any("rebuilds the market and restarts the run" in t for t in texts(rc))
    # The number box beside the slider takes an exact value.
    box = next(w for w in boxes if w.v_model in ("1000", 1000))  # n consumers
    box.v_model = "1234"
    box.fire_event("keyup.enter", "1234")
    assert session.model.network.n == 1234 and "n consumers: 1,234 (file: 1,000)" in label_texts(rc)
    model = session.model
    # A value the schema refuses: the CLI's message, nothing changed.
    assert not session.set_override("market.n_consumers", 1)
    assert session.errors.value == [
        "--set market.n_consumers=1: market.n_consumers = 1: Input should be greater than or equal to 2"
    ]
    assert session.model is model
    # A combination the network refuses (more ties than consumers), at its field like the CLI.
    assert not session.set_override("network.mean_degree", 5000)
    assert session.errors.value[0].startswith(
        "--set network.mean_degree=5000: network.mean_degree = 5000.0: expected an even whole number in [2, 1232]"
    )
    assert session.model is model
    assert any("mean_degree = 5000" in t for t in texts(rc))
    click(rc, "Back to the file's values")
    assert session.overrides.value == {} and session.model.network.n == 1000


def test_an_off_grid_value_from_the_file_is_kept(tmp_path):
    """A file's 4,859 consumers is off the slider's grid (steps of 100): building the page changes nothing."""
    path = write_scenario(tmp_path, n=4859)
    session = ExploreSession(str(path))
    rc = show(Page(session=session, compare=CompareSession()))
    assert session.overrides.value == {} and session.model.network.n == 4859
    assert "n consumers: 4,859" in label_texts(rc)
    steps = {c.path: c.step for c in parameter_controls()}
    assert steps["market.n_consumers"] == 100 and steps["purchase.q"] == 0.01 and steps["network.mean_degree"] == 0.1


def snap_sliders(rc) -> None:
    """What a browser's slider does on creation: snap its value to its grid (min + k step, rounded half up
    as JavaScript's Math.round) and report it back when that moved it."""
    for slider in rc.find(v.Slider).widgets:
        ticks = math.floor((slider.v_model - slider.min) / slider.step + 0.5)
        snapped = slider.min + ticks * slider.step
        if snapped != slider.v_model:
            slider.v_model = snapped


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_selecting_any_strategy_edits_nothing(path):
    """Every strategy of every shipped scenario: its controls show the file's exact values and the sliders'
    snapping changes nothing (the interest gain 0.005 on a 0.01 grid became 0.01)."""
    session = ExploreSession(str(path))
    rc = show(Page(session=session, compare=CompareSession()))
    file_scenario = load_scenario(path)
    for strategy in file_scenario.strategies:
        rc.find(v.Select, label="Strategy").widget.v_model = strategy.name
        assert session.strategy.value == strategy.name
        snap_sliders(rc)
        assert session.overrides.value == {}, (strategy.name, session.overrides.value)
        assert not any("differ from the file" in t for t in texts(rc))
        labels = label_texts(rc)
        for control in lever_controls(strategy, strategy.name):
            value = current_value(file_scenario, control.path)
            if control.kind == "float":  # the label shows the file's value at its own precision
                assert any(
                    label.startswith(f"{control.label}: ") and float(label.split(": ")[-1]) == value for label in labels
                )


def test_loading_a_scenario_without_the_selected_strategy(tmp_path):
    """Uploading a valid scenario whose strategies have other names (from the upload thread, where every
    reactive change re-renders at once) selects its baseline and shows its levers; no KeyError."""
    session = ExploreSession(str(ROOT / "scenarios" / "product_launch.yaml"))
    rc = show(Page(session=session, compare=CompareSession()))
    rc.find(v.Select, label="Strategy").widget.v_model = "seed_hubs"
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        data["name"] = f"{data['name']}_renamed"
        for strategy in data["strategies"]:
            strategy["name"] = f"{strategy['name']}_2"
        if "baseline" in data:
            data["baseline"] = f"{data['baseline']}_2"
        upload = threading.Thread(target=session.upload, args=(f"{path.stem}.yaml", yaml.safe_dump(data).encode()))
        upload.start()
        upload.join()
        assert session.errors.value == [], session.errors.value
        scenario = session.scenario.value
        assert scenario.name == data["name"] and session.strategy.value == scenario.baseline_name
        assert rc.find(v.Select, label="Strategy").widget.v_model == scenario.baseline_name
        assert any(t.startswith(f"Levers of '{scenario.baseline_name}'") for t in texts(rc))


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


def test_play_keeps_the_chosen_speed_pauses_and_stops_at_the_horizon(tmp_path, monkeypatch):
    session, _, rc = render(tmp_path, n=1000, horizon=12)
    session.speed.value = 5.0
    # The play loop's clock, faked: it moves only when the loop sleeps, so its schedule is tested without
    # measuring time (a loaded machine steps slower, never faster).
    clock = [0.0]
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds
        time.sleep(0.001)

    monkeypatch.setattr("simulation.ui.session.time", SimpleNamespace(perf_counter=lambda: clock[0], sleep=fake_sleep))
    click(rc, "Play")
    assert session.playing.value
    deadline = time.monotonic() + 20
    while session.model.steps < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    click(rc, "Pause")
    session.player.join(timeout=5)
    # 5 steps a second: after each step the loop waits until the next is due, 0.2 s later.
    assert len(sleeps) >= 4 and sleeps[:4] == pytest.approx([0.2] * 4)
    steps = session.model.steps
    time.sleep(0.3)
    assert session.model.steps == steps
    assert step_counter(rc) == f"step {steps} of 12 (weeks)"
    # Play runs to the horizon and stops there; the charts show the last step.
    session.speed.value = 20.0
    click(rc, "Play")
    session.player.join(timeout=20)
    assert session.model.steps == 12 and not session.playing.value
    assert "reached the horizon" in session.notice.value
    assert max(r["x"] for r in charts(rc)["new_adopters"].rows_of("new_adopters")) == 12


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


def test_downloads_give_the_run_and_the_scenario_as_edited(tmp_path):
    session, _, rc = render(tmp_path, n=600, horizon=8)
    assert session.set_override("purchase.q", 0.9) and session.set_seed(5)
    session.step(3)
    labels = [str(c) for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)]
    assert "Download timeseries.csv" in labels and "Download scenario (as edited)" in labels
    edited = tmp_path / "edited.yaml"
    edited.write_text(session.edited_yaml())
    again = load_scenario(edited)
    assert again.purchase.q == 0.9 and again.seed == 5
    model = WordOfMouthModel(**again.model_kwargs(session.strategy.value)).run(3)
    pd.testing.assert_frame_equal(model.timeseries(), session.model.timeseries())


# ---------------------------------------------------------------- charts
def test_chart_axes_have_titles_units_and_whole_step_ticks():
    specs = chart_specs("month", 24, "EUR")
    for name, spec in specs.items():
        for layer in spec["layer"]:
            x, y = layer["encoding"]["x"], layer["encoding"]["y"]
            assert (
                x["title"] == "months since the start" and x["axis"]["tickMinStep"] == 1 and x["axis"]["format"] == "d"
            )
            assert x["scale"]["domain"] == [0, 24]
            assert y["title"] and y["title"] != "Value", name
    assert specs["money"]["layer"][0]["encoding"]["y"]["title"] == "EUR per month"
    assert specs["new_adopters"]["layer"][0]["encoding"]["y"]["axis"]["format"] == "d"
    legend = specs["funnel"]["layer"][0]["encoding"]["color"]["scale"]
    assert legend["domain"] == ["prospects", "followers (not bought)", "past customers"]
    # One colour per meaning: roles as in the network view, opinions on the network view's scale.
    assert legend["range"] == list(ROLE_COLOURS.values())
    assert opinion_spec()["encoding"]["color"]["scale"]["range"] == OPINION_RANGE


def test_bass_reference_starts_from_the_runs_starting_customers():
    from scipy.integrate import solve_ivp

    p, q, start = 0.03, 0.38, 0.2
    t = np.linspace(0, 10, 41)
    ode = solve_ivp(lambda _, f: (p + q * f) * (1 - f), (0, 10), [start], t_eval=t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bass_from(t, p, q, start), ode.y[0], rtol=1e-7)
    np.testing.assert_allclose(bass_from(t, p, q), bass_cumulative(t, p, q), rtol=1e-12)  # Bass's own, from 0
    params = {"p": 0.03, "q": 0.38, "n_consumers": 5000, "time_unit": "week"}
    bass = bass_reference(params, 52, start_adopters=250)
    assert bass["x"].tolist() == list(range(53)) and bass["value"].iloc[0] == pytest.approx(250)
    years = np.arange(53) * TIME_UNITS["week"]
    np.testing.assert_allclose(bass["value"], 5000 * bass_from(years, 0.03, 0.38, 0.05))
    assert bass_reference({**params, "p": 0.0}, 52) is None


def test_kpi_cards_use_the_reports_formats():
    frame = pd.DataFrame(
        {
            "adopters": [10, 30],
            "aware_share": [0.2, 0.25],
            "mean_opinion": [0.1, 0.2],
            "spend": [100.0, 100.0],
            "planned_spend": [100.0, 300.0],
            "gross_profit": [0.0, 300.0],
        }
    )
    kpis = kpi_values(frame, 1000, "EUR")
    assert kpis == {
        "customers": "30 (3.0%)",
        "awareness": "25.0%",
        "mean opinion": "+0.20",
        "ROI on total spend": "+50%",
        "spend (EUR)": "200 of 400 planned",
        "rating": "no ratings yet",
    }
    frame["average_rating"], frame["review_count"] = [float("nan"), 4.25], [0, 12]
    assert kpi_values(frame, 1000)["rating"] == "4.25 stars (12 ratings)"


def test_kpi_cards_read_the_collected_series_as_the_timeseries():
    # The page reads the DataCollector's lists on a step (no DataFrame): the same cards as from the timeseries.
    model = WordOfMouthModel(n_consumers=1000, seed=3)
    model.run(8)
    series = model.datacollector.model_vars
    assert isinstance(series["adopters"], list)
    assert kpi_values(series, 1000, "EUR") == kpi_values(model.timeseries(), 1000, "EUR")


# ---------------------------------------------------------------- parts
def test_controls_follow_schema():
    scenario = parse_scenario((ROOT / "scenarios" / "default.yaml").read_text())
    controls = {c.path: c for c in parameter_controls()}
    assert controls["word_of_mouth.confidence_bound"].low == 0 and controls["word_of_mouth.confidence_bound"].high == 2
    assert controls["network.kind"].choices[:2] == ("small_world", "scale_free")
    for strategy in scenario.strategies:
        for control in lever_controls(strategy, strategy.name):
            value = current_value(scenario, control.path)
            if control.kind in ("int", "float"):  # sliders: the value lies in the slider's range
                assert control.low <= value <= control.high
            elif control.kind == "choice":  # a select offers the file's option
                assert value in control.choices
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


def test_chart_rows_since_a_step_are_what_the_charts_add():
    # The rows after k steps, then the rows of the steps after k: the same as the rows after all steps.
    model = WordOfMouthModel(n_consumers=1000, seed=4)
    start = {"adopters": 10, "prospects": 900, "followers": 50, "customers": 10}
    bass = bass_reference(model.params, 12, start["adopters"])
    model.run(5)
    early = chart_data(copy_series(model.datacollector.model_vars), start, bass)
    model.run(7)
    series = model.datacollector.model_vars
    added = chart_data(series, start, bass, since=5)
    whole = chart_data(series, start, bass)
    for name in whole:
        if name == "ratings":  # the latest counts, replaced
            assert added[name] == whole[name]
        else:
            assert early[name] + added[name] == whole[name], name
    assert [row["x"] for row in added["new_adopters"]] == list(range(6, 13))


def copy_series(series: dict) -> dict:
    return {name: list(values) for name, values in series.items()}


def test_live_chart_sends_each_change_once_with_only_its_rows():
    chart = LiveChart(name="test")
    sent = []
    chart.send = sent.append
    chart.update({"series": [{"x": 0, "v": 1}]})
    chart.apply(appended("series", [{"x": 1, "v": 2}]), replaced("other", [{"k": 9}]))
    chart.apply(changed("series", "x", [{"x": 0, "v": 5}]))
    assert chart.rows_of("series") == [{"x": 1, "v": 2}, {"x": 0, "v": 5}] and chart.rows_of("other") == [{"k": 9}]
    assert [message["args"][0]["seq"] for message in sent] == [1, 2, 3] and chart.latest == 3
    assert sent[1]["args"][0]["parts"] == [
        {"name": "series", "insert": [{"x": 1, "v": 2}]},
        {"name": "other", "replace": True, "insert": [{"k": 9}]},
    ]
    assert sent[2]["args"][0]["parts"] == [{"name": "series", "key": "x", "remove": [0], "insert": [{"x": 0, "v": 5}]}]
    # A browser that missed a change asks for a snapshot: the rows shown, as of the last change.
    assert chart.datasets == {} and chart.base == 0
    chart.vue_resync()
    assert chart.datasets == {"series": chart.rows_of("series"), "other": [{"k": 9}]} and chart.base == 3


def test_a_step_sends_only_what_changed(tmp_path, monkeypatch):
    session, _, rc = render(tmp_path, n=3000, horizon=10)
    click(rc, "Step")
    live = charts(rc)
    sent: dict[str, list] = {name: [] for name in live}
    for name, chart in live.items():
        monkeypatch.setattr(chart, "send", sent[name].append)
    click(rc, "Step")
    click(rc, "Step")
    last = {name: messages[-1]["args"][0]["parts"] for name, messages in sent.items()}
    # The time charts get the last step's rows only; the counts by stars are replaced.
    assert [row["x"] for row in last["adoption"][0]["insert"]] == [3]
    assert [row["x"] for row in last["new_adopters"][0]["insert"]] == [3]
    assert {row["x"] for row in last["funnel"][0]["insert"]} == {3} and len(last["funnel"][0]["insert"]) == 3
    assert last["ratings"][0]["replace"] and len(last["ratings"][0]["insert"]) == 5
    # The network view gets the consumers whose role or opinion changed, not all 500 ...
    nodes = last["network"][0]
    assert nodes["key"] == "id" and 0 < len(nodes["insert"]) < 500
    # ... and the rows it shows are the whole picture of this step, as drawn from scratch.
    model, sample = session.model, live["network"].rows_of("nodes")
    drawn = network_view.network_rows(
        model, network_view.network_sample(model.network, session_key(session), model.seed)
    )
    assert sorted(sample, key=lambda row: row["id"]) == drawn["nodes"]
    assert live["network"].rows_of("messages") == drawn["messages"]
    # The time charts' rows equal the rows drawn from scratch.
    frame = model.timeseries()
    assert [r["value"] for r in live["new_adopters"].rows_of("new_adopters")] == frame["new_adopters"].tolist()


def session_key(session):
    return network_key(session.model.params, session.model.seed)


def test_complete_network_draws_random_sample(tmp_path):
    session = ExploreSession(str(write_scenario(tmp_path, n=2000)))
    assert session.set_override("network.kind", "complete")
    model = session.model
    sample = network_view.network_sample(model.network, ("complete-test",), model.seed)
    assert sample.nodes.size == 500 and sample.edges.shape == (0, 2)
    assert "mean-field" in network_view.caption(sample)
    spec = network_view.network_chart(model, sample, "opinion", "degree")
    assert len(spec["layer"][2]["data"]["values"]) == 500 and spec["layer"][0]["data"]["values"] == []
    assert spec["layer"][2]["encoding"]["color"]["scale"]["range"] == OPINION_RANGE


# ---------------------------------------------------------------- compare view
def test_compare_view_opens_with_the_verdict_and_reads_other_baselines(tmp_path):
    session, compare, rc = render(tmp_path, n=300, horizon=8)
    compare.replications.value = 3
    click(rc, "Run comparison")
    compare.thread.join(timeout=90)
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
    assert f"Verdict (profit): {direct.verdict('profit').text}" in shown
    assert "What each strategy adds over do_nothing" in shown
    assert "profit (USD)" in shown and "ROI on total spend (%)" in shown  # readable columns with units
    assert "n/a: time to 50% (weeks): half of the market never bought within the horizon" in shown
    # The objective and the baseline are read from the same runs: nothing is rerun.
    rc.find(v.BtnToggle, class_="objective-toggle").widget.v_model = 1  # profit, npv, adopters
    assert f"Verdict (NPV): {direct.verdict('npv').text}" in "\n".join(texts(rc))
    rc.find(v.Select, label="Compare against").widget.v_model = "seed_hubs"
    assert f"Verdict (NPV): {direct.rebase('seed_hubs').verdict('npv').text}" in "\n".join(texts(rc))
    assert "What each strategy adds over seed_hubs" in "\n".join(texts(rc))
    # Charts: every strategy on one chart with bands, and KPI bars with intervals.
    live = charts(rc)
    bands = live["compare-bands"].spec
    assert {r["strategy"] for r in bands["data"]["values"]} == set(result.strategies)
    assert bands["layer"][0]["mark"]["type"] == "area" and bands["layer"][0]["encoding"]["y2"] == {"field": "high"}
    # Paired differences against the baseline (seed_hubs now), with their intervals, around a zero line.
    bars = live["compare-bars"].spec
    assert bars["layer"][1]["encoding"]["x2"] == {"field": "high"} and bars["layer"][2]["encoding"]["x"] == {"datum": 0}
    rebased = direct.rebase("seed_hubs").summary.set_index(["strategy", "kpi"])
    points = {r["strategy"]: r for r in bars["data"]["values"]}
    assert set(points) == set(result.strategies) - {"seed_hubs"}
    for name, point in points.items():
        row = rebased.loc[(name, "npv")]
        assert (point["mean"], point["low"], point["high"]) == pytest.approx(
            (row["diff_mean"], row["diff_low"], row["diff_high"])
        )
    assert bars["title"].startswith("NPV minus seed_hubs (USD)")
    assert "5 strategies x 3 replications" in compare.message.value
    # Downloads: the files run.py compare writes.
    labels = [str(c) for w in rc.find(v.Btn).widgets for c in w.children if isinstance(c, str)]
    for name in ("report.html", "comparison.xlsx", "summary.csv", "incremental.csv", "timeseries.parquet"):
        assert compare.files.value[name].is_file() and f"Download {name}" in labels
    assert pd.read_csv(compare.files.value["summary.csv"]).shape[0] == len(result.summary)


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


# ---------------------------------------------------------------- sweep view
def test_sweep_view_runs_the_sweep_command_code(tmp_path):
    session = ExploreSession(str(write_scenario(tmp_path, n=500, horizon=26)))
    sweep = SweepSession()
    rc = show(Page(session=session, compare=CompareSession(), sweep=sweep))
    session.set_override("purchase.p", 2.0)  # the sweep takes the scenario as edited
    # A bad spec: the command's message, nothing runs.
    sweep.params.value = "purchase.q=0.5,abc..x"
    click(rc, "Run sweep")
    assert sweep.errors.value and sweep.thread is None and sweep.result.value is None
    sweep.params.value = "purchase.q=0.2,1.5\nproduct.quality=0,0.8"
    click(rc, "Run sweep")
    sweep.thread.join(timeout=120)
    assert sweep.errors.value == [] and sweep.progress.value == (4, 0, 4)
    result = sweep.result.value
    assert len(result.runs) == 4 and (result.runs["status"] == "ok").all()
    # Each row is the run of the scenario as edited (p = 2) at its point, as run.py sweep would store it.
    from simulation.experiment.runs import run_once

    row = result.runs[(result.runs["purchase.q"] == 1.5) & (result.runs["product.quality"] == 0.8)].iloc[0]
    edited = load_scenario(session.origin.value, ["purchase.p=2.0", "purchase.q=1.5", "product.quality=0.8"])
    assert row["adopters"] == run_once(edited, edited.baseline_name, 0).kpis["adopters"]
    assert set(result.curves["kpi"]) == {"adopters", "profit"}
    shown = "\n".join(texts(rc))
    assert "What drives the results:" in shown
    assert "Over the grid, product.quality moves adopters by week 26 the most" in shown
    assert set(sweep.files.value) >= {"sweep_report.html", "response.csv", "runs.csv"}
    assert charts(rc)["sweep-drivers"].spec["layer"][0]["mark"]["type"] == "bar"


# ---------------------------------------------------------------- command line
def test_ui_command(tmp_path, monkeypatch, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    ui_command.add_arguments(parser)
    scenario = write_scenario(tmp_path)
    args = parser.parse_args([str(scenario), "--port", "9123", "--host", "0.0.0.0"])
    calls = []
    monkeypatch.setattr(ui_command, "serve", lambda cmd, env: calls.append((cmd, env)) or 0)
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


def test_sigterm_to_the_ui_command_stops_its_server_child(tmp_path):
    """SIGTERM sent to `run.py ui` alone (a service manager, a closed terminal) stops the server it started."""
    import signal
    import subprocess
    import sys

    import psutil

    script = tmp_path / "serve.py"
    script.write_text(
        "import sys, os\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from simulation.commands.ui import serve\n"
        "sys.exit(serve([sys.executable, '-c', 'import time; time.sleep(120)'], dict(os.environ)))\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 30
        children = []
        while not children and time.monotonic() < deadline:
            children = psutil.Process(parent.pid).children()
            time.sleep(0.05)
        assert children, "the server child did not start"
        parent.send_signal(signal.SIGTERM)
        assert parent.wait(timeout=15) == 0
        gone, alive = psutil.wait_procs(children, timeout=5)
        assert not alive
    finally:
        if parent.poll() is None:
            parent.kill()
