"""The Explore view: scenario, strategy, parameters and seed in the sidebar; network, charts and KPIs.

A step re-renders nothing (but the first, which shows the charts over time, and the one reaching the horizon,
which disables Step and Play): the step counter and the KPI cards are widgets updated in place, the
listening-events panel re-renders only when a step logged events, and the charts are ``LiveChart`` widgets
sent only what changed (new rows, the consumers whose role or opinion changed) by the session's step listener.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import solara
import yaml
from ipyvuetify.extra import FileInput

from ..kpis import SPEND_SHORTFALL
from ..parameters import NETWORK_KINDS
from .background import start_thread
from .charts import (
    bass_reference,
    chart_data,
    chart_specs,
    kpi_values,
    opinion_rows,
    opinion_spec,
    ratings_spec,
)
from .controls import Control, clean, current_value, decimals, lever_controls, parameter_controls, widget_step
from .listening_view import RunEvents
from .live_chart import LiveChart, LiveChartView, appended, changed, replaced
from .network_view import NodeChanges, caption, message_rows, network_sample, network_spec
from .scenario_editor import ScenarioEditor, shown_strategy
from .session import ExploreSession, network_key, scenario_files
from .text import Note, TextLine

FRAMES_PER_SECOND = 10  # chart updates while playing (a browser draws the seven charts in about 50-100 ms)
RESTART_NOTE = "Changing a value rebuilds the market and restarts the run from step 0."


def _show(value, control: Control, step: float | None = None) -> str:
    if control.kind == "int":
        return f"{int(value):,}"
    if control.kind == "float" and (step or control.step):
        return f"{value:,.{decimals(step or control.step or 1)}f}"
    return f"{value:g}" if isinstance(value, float) else str(value)


@solara.component
def ParameterControl(session: ExploreSession, control: Control):
    try:
        value = current_value(session.scenario.value, control.path)
    except (AttributeError, IndexError, StopIteration):
        value = None
    if value is None:  # a control of the scenario being replaced, rendered once before its parent drops it
        return
    original = session.differs_from_file(control.path)
    step = widget_step(control, value) if control.kind in ("int", "float") else None

    def apply(new):
        if new != value:  # widgets report their value back on creation too: only real edits count
            session.set_override(control.path, new)

    def from_slider(new):
        # The file's value is on the slider's grid (``widget_step``), so a snapped report of it is no edit:
        # only a move of at least half a step is.
        if step is None or abs(new - value) >= step / 2:
            apply(clean(new, step or 1, control.kind))

    label = control.label
    if control.kind in ("int", "float"):
        label = f"{control.label}: {_show(value, control, step)}"
    if original is not None:
        numeric = control.kind in ("int", "float")
        label += f" (file: {_show(original, control, widget_step(control, original) if numeric else None)})"
    changed = {"color": "#b35900", "font-weight": "600"} if original is not None else {}
    if control.kind == "choice":
        solara.Select(label, values=list(control.choices), value=value, on_value=apply)
    elif control.kind == "switch":
        solara.Checkbox(label=label, value=bool(value), on_value=apply)
    elif control.kind == "number":
        solara.InputFloat(label, value=float(value), on_value=apply, continuous_update=False)
    else:
        solara.Text(label, classes=["param-label"], style={"display": "block", "font-size": "0.9em", **changed})
        with solara.Row(style={"align-items": "center", "gap": "6px", "margin-top": "-6px"}):
            with solara.Column(style={"flex": "1", "min-width": "0"}):
                slider = solara.SliderInt if control.kind == "int" else solara.SliderFloat
                slider(
                    "",
                    value=value,
                    min=min(control.low, value),
                    max=max(control.high, value),
                    step=cast(Any, step or 1),
                    on_value=from_slider,
                    thumb_label=False,
                )
            box = solara.InputInt if control.kind == "int" else solara.InputFloat
            box(
                "",
                value=value,
                on_value=apply,
                continuous_update=False,
                classes=["param-box"],
                style={"max-width": "92px"},
            )
    solara.Text(
        control.help,
        style={
            "font-size": "0.75em",
            "color": "#777",
            "display": "block",
            "margin-top": "-10px",
            "margin-bottom": "8px",
        },
    )


def scenario_title(path: str) -> str:
    """'name: description' of a scenario file (its path if it cannot be read)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        name, description = str(data.get("name", Path(path).stem)), str(data.get("description", ""))
    except (OSError, yaml.YAMLError, AttributeError):
        return Path(path).name
    return f"{name}: {description}" if description else name


@solara.component
def FilePicker(label: str, on_file):
    """A 'choose a file' box (the browser's file dialog); calls on_file(name, data)."""
    picker = solara.use_memo(lambda: FileInput(multiple=False, accept=".yaml,.yml"), [])

    def watch():
        def chosen(change):
            if not change["new"]:
                return
            picker.version += 1  # a new read of the chosen file
            picker.reset_stats()
            files = picker.get_files()
            # Reading waits for the browser to send the file's chunks: not on the thread that receives them.
            start_thread(lambda: on_file(files[0]["name"], files[0]["file_obj"].read()), name="wom-ui-upload")

        picker.observe(chosen, "file_info")
        return lambda: picker.unobserve(chosen, "file_info")

    solara.use_effect(watch, [])
    solara.Text(label, style={"display": "block", "font-size": "0.85em", "color": "#555"})
    solara.Div(children=[picker], classes=["scenario-file-picker"])


@solara.component
def ScenarioPicker(session: ExploreSession):
    import reacton.ipyvuetify as rv

    files = scenario_files()
    current = session.origin.value
    items = [{"text": scenario_title(f), "value": f} for f in files]
    if current not in files:
        items.insert(
            0,
            {"text": f"{session.scenario.value.name} ({Path(current.split(' (uploaded)')[0]).name})", "value": current},
        )
    rv.Select(
        label="Scenario",
        items=items,
        v_model=current,
        on_v_model=lambda path: path in files and session.load_file(path),
        class_="scenario-select",
    )
    solara.FileDropMultiple(
        label="… or drop a scenario file (YAML) here, with the network files it names",
        on_file=session.upload_files,
        lazy=True,
    )
    FilePicker("… or choose a scenario file", on_file=session.upload)


def step_text(session: ExploreSession) -> str:
    scenario = session.scenario.value
    done = " — horizon reached" if session.at_horizon else ""
    return f"step {session.steps_done} of {scenario.horizon} ({scenario.time_unit}s){done}"


def use_step_listener(session: ExploreSession, update, dependencies) -> None:
    """Call update(model) after every step (and now), without re-rendering the component."""

    def connect():
        def listener(model):
            update(model)

        listener(session.model)
        session.listeners.append(listener)

        def disconnect():
            if listener in session.listeners:
                session.listeners.remove(listener)

        return disconnect

    solara.use_effect(connect, dependencies)


@solara.component
def StepCounter(session: ExploreSession):
    import ipyvuetify as v

    counter = solara.use_memo(lambda: v.Html(tag="div", class_="step-counter", children=[step_text(session)]), [])
    use_step_listener(session, lambda model: setattr(counter, "children", [step_text(session)]), [])
    return solara.Div(children=[counter])


@solara.component
def RunButtons(session: ExploreSession):
    """Step, Play/Pause, Reset, speed and the step counter (only the counter changes on a step)."""
    done = session.phase.value == "done"
    with solara.Row():
        solara.Button("Step", on_click=lambda: session.step(), disabled=session.playing.value or done, color="primary")
        if session.playing.value:
            solara.Button("Pause", on_click=session.pause, color="warning")
        else:
            solara.Button("Play", on_click=session.play, color="success", disabled=done)
        solara.Button("Reset", on_click=session.reset)
    with solara.Row(style={"align-items": "center", "gap": "6px"}):
        with solara.Column(style={"flex": "1"}):
            solara.SliderFloat("Speed (steps per second)", value=session.speed, min=1, max=20, step=1)
        solara.InputFloat(
            "", value=session.speed, continuous_update=False, style={"max-width": "70px"}, classes=["speed-box"]
        )
    StepCounter(session)


@solara.component
def Downloads(session: ExploreSession):
    name = session.scenario.value.name
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            lambda: session.model.timeseries().to_csv(index=False).encode(),
            filename=f"{name}-{session.strategy.value}-timeseries.csv",
            label="Download timeseries.csv",
        )
        solara.FileDownload(
            lambda: session.edited_yaml().encode(),
            filename=f"{name}-edited.yaml",
            label="Download scenario (as edited)",
        )


@solara.component
def ExploreControls(session: ExploreSession):
    """Sidebar: scenario, strategy, seed, run buttons, parameter controls and downloads."""
    scenario = session.scenario.value
    strategy = shown_strategy(session)
    ScenarioPicker(session)
    solara.Select(
        "Strategy",
        values=[s.name for s in scenario.strategies],
        value=strategy,
        on_value=lambda name: None if session.set_strategy(name) else None,
    )
    solara.InputInt(
        "Seed",
        value=session.seed.value,
        on_value=lambda seed: None if session.set_seed(seed) else None,
        continuous_update=False,
    )
    RunButtons(session)
    Downloads(session)
    changed = len(session.overrides.value)
    with solara.Details("Parameters", expand=True):
        Note(
            RESTART_NOTE + (f" {changed} value{'s' * (changed > 1)} differ from the file (marked)." if changed else "")
        )
        # An edge-list network needs its file: offered only when the scenario already has one.
        kinds = None if scenario.network.kind == "edge_list" else tuple(k for k in NETWORK_KINDS if k != "edge_list")
        for control in parameter_controls(kinds):
            ParameterControl(session, control)
    levers = lever_controls(scenario.strategy(strategy), strategy)
    with solara.Details(f"Levers of '{strategy}'", expand=bool(levers)):
        if not levers:
            solara.Text("this strategy pulls no levers")
        for control in levers:
            ParameterControl(session, control)
    if session.overrides.value:
        solara.Button("Back to the file's values", on_click=session.clear_overrides, text=True)
    ScenarioEditor(session)


@solara.component
def Problems(session: ExploreSession):
    errors = session.errors.value
    if errors:
        with solara.Error(icon=True):
            solara.Text(f"{len(errors)} problem{'s' * (len(errors) > 1)} (nothing was changed):")
            for line in errors:
                solara.Text(line, style={"display": "block", "font-family": "monospace", "white-space": "pre-wrap"})
    if session.notice.value:
        solara.Info(session.notice.value, classes=["explore-notice"])


def spend_text(model) -> str:
    """Why the levers spent less than they planned, if they did ('' otherwise)."""
    brand = model.brand
    short = [
        f"{kind} spent {brand.spend_by_kind.get(kind, 0.0):,.0f} of {planned:,.0f} planned"
        for kind, planned in brand.planned_by_kind.items()
        if planned > 0 and brand.spend_by_kind.get(kind, 0.0) < SPEND_SHORTFALL * planned
    ]
    if not short:
        return ""
    budget = brand.strategy.budget
    why = (
        f"the strategy's budget cap ({budget:,.0f}) was reached"
        if budget is not None and brand.spend >= 0.95 * budget
        else "saturation: at most one ad per consumer per step, or nothing left to pay for"
    )
    return "Not every lever spent its plan: " + "; ".join(short) + f" ({why})."


@solara.component
def KpiPanel(session: ExploreSession):
    """KPI cards and the spend notice, updated on every step without a re-render."""
    import ipyvuetify as v

    build = session.build.use_value()
    fresh = session.phase.value == "fresh"
    scenario = session.scenario.value
    names = list(kpi_values(_sample_frame(), 1, scenario.currency))
    widgets = solara.use_memo(
        lambda: {
            name: v.Html(tag="div", class_=f"kpi-{name.split(' (')[0].replace(' ', '-').lower()}", children=[""])
            for name in names
        },
        [build],
    )
    notice = solara.use_memo(lambda: v.Html(tag="div", class_="spend-warning", children=[""]), [])

    def update(model):
        values = kpi_values(model.datacollector.model_vars, model.network.n, scenario.currency)
        for name, widget in widgets.items():
            widget.children = [values.get(name, "")]
        text = spend_text(model)
        notice.children = [text]
        notice.style_ = "display: block; color: #8a4b00; margin: 4px 0" if text else "display: none"

    use_step_listener(session, update, [widgets])
    if fresh:
        solara.Info("Press Step or Play to run the market; the charts over time appear after the first step.")
    with solara.Row(gap="12px", style={"flex-wrap": "wrap", "display": "none" if fresh else "flex"}):
        for name, widget in widgets.items():
            with solara.Card(margin=0, style={"min-width": "150px"}):
                solara.Text(name, style={"color": "#666", "font-size": "0.85em"})
                solara.Div(children=[widget], style={"font-size": "1.3em", "font-weight": "600"})
    solara.Div(children=[notice])


def _sample_frame():
    import pandas as pd

    return pd.DataFrame(
        {
            "adopters": [0],
            "aware_share": [0.0],
            "mean_opinion": [0.0],
            "spend": [0.0],
            "planned_spend": [0.0],
            "gross_profit": [0.0],
        }
    )


def _charts(session: ExploreSession, colour_by: str, size_by: str) -> dict[str, Any]:
    scenario, model = session.scenario.value, session.model
    sample = network_sample(model.network, network_key(model.params, model.seed), model.seed)
    charts: dict[str, Any] = {"network": LiveChart(name="network", spec=network_spec(sample, colour_by, size_by))}
    charts["opinion"] = LiveChart(name="opinion", spec=opinion_spec())
    charts["ratings"] = LiveChart(name="ratings", spec=ratings_spec())
    for name, spec in chart_specs(scenario.time_unit, scenario.horizon, scenario.currency).items():
        charts[name] = LiveChart(name=name, spec=spec)
    charts["_sample"] = sample
    return charts


def _feeder(session: ExploreSession, charts: dict, size_by: str):
    """The step listener: new rows for every chart (no page re-render)."""
    model, counts = session.model, session.start_counts
    bass = bass_reference(model.params, session.scenario.value.horizon, counts["adopters"])
    sample = charts["_sample"]
    nodes = NodeChanges(sample, size_by)
    shown: list[int | None] = [None]  # steps the charts over time show (None: not even the start)

    last = [0.0]

    def feed(current) -> None:
        if current is not model:
            return
        # While playing, the charts take at most FRAMES_PER_SECOND updates (the steps go on at the chosen
        # speed, and the step counter shows every one); the play loop feeds the last state when it stops.
        now = time.perf_counter()
        if session.playing.value and not session.at_horizon and now - last[0] < 0.9 / FRAMES_PER_SECOND:
            return
        last[0] = now
        charts["network"].apply(
            changed("nodes", "id", nodes.rows(model)),
            replaced("messages", message_rows(model, sample)),
        )
        charts["opinion"].update({"opinions": opinion_rows(model.consumers.opinion, model.consumers.aware)})
        for name, rows in chart_data(model.datacollector.model_vars, counts, bass, since=shown[0]).items():
            if name == "ratings":  # the latest counts by stars
                charts[name].update({name: rows})
            else:  # the rows of the steps since the last update
                charts[name].apply(appended(name, rows))
        shown[0] = len(model.datacollector.model_vars.get("step", ()))

    return feed


@solara.component
def TimeCharts(session: ExploreSession, charts: dict):
    """The charts over time, hidden until the first step (no empty frames)."""
    shown = session.phase.value != "fresh"
    with solara.Row(style={"flex-wrap": "wrap", "display": "flex" if shown else "none"}, classes=["time-charts"]):
        for name in ("adoption", "new_adopters", "funnel", "messages", "money", "rating", "ratings"):
            LiveChartView(charts[name])


@solara.component
def LiveCharts(session: ExploreSession):
    build = session.build.use_value()
    colour_by, set_colour_by = solara.use_state("role")
    size_by, set_size_by = solara.use_state("talkativeness")
    charts = solara.use_memo(lambda: _charts(session, colour_by, size_by), [build, colour_by, size_by])

    def connect():
        feed = _feeder(session, charts, size_by)
        feed(session.model)
        session.listeners.append(feed)

        def disconnect():
            if feed in session.listeners:
                session.listeners.remove(feed)

        return disconnect

    solara.use_effect(connect, [charts])
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(gap="4px", style={"flex": "0 0 auto", "width": "560px"}):
            with solara.Row():
                solara.ToggleButtonsSingle(value=colour_by, values=["role", "opinion"], on_value=set_colour_by)
                solara.ToggleButtonsSingle(value=size_by, values=["talkativeness", "degree"], on_value=set_size_by)
            LiveChartView(charts["network"])
            solara.Text(
                caption(charts["_sample"]), classes=["network-caption"], style={"font-size": "0.85em", "color": "#555"}
            )
        with solara.Column(style={"flex": "0 0 auto", "width": "420px"}):
            LiveChartView(charts["opinion"])
            Note(
                "Bass curve: the scenario's p and q over the whole market, from the run's starting customers. The "
                "simulation follows it in a mean-field market (network: complete) without campaigns and departs from it "
                "on a network or with levers."
            )
    TimeCharts(session, charts)


@solara.component
def ListeningEvents(session: ExploreSession):
    """The run's listening events (triggers fired, budget moved): this panel re-renders only when a step
    logged new events, not on every step (a render of any part of the page costs more than a step)."""
    session.build.use_value()
    logged, set_logged = solara.use_state(0)
    use_step_listener(session, lambda model: set_logged(len(model.brand.events) if model is not None else 0), [])
    model = session.model
    if model is not None and logged:
        RunEvents(list(model.brand.events[:logged]))  # a copy: the log grows in place


@solara.component
def ExploreView(session: ExploreSession):
    session.build.use_value()
    scenario = session.scenario.value
    Problems(session)
    # Scenario text is shown as text: a file received from someone else may contain markup.
    TextLine(
        [
            (scenario.name, True),
            f" ({Path(session.origin.value).name}): {scenario.description} — strategy ",
            (session.strategy.value, True),
            f", seed {session.seed.value}",
        ],
        classes=("scenario-title",),
    )
    KpiPanel(session)
    LiveCharts(session)
    ListeningEvents(session)
