"""The Explore view: scenario, strategy, parameters and seed in the sidebar; network, charts and KPIs."""

from __future__ import annotations

from pathlib import Path

import solara

from ..parameters import NETWORK_KINDS
from .charts import FunnelChart, KpiCards, MessagesChart, MoneyChart, adoption_chart, kpi_values, opinion_chart
from .controls import Control, current_value, lever_controls, parameter_controls
from .network_view import caption, network_chart, network_sample
from .session import ExploreSession, network_key, scenario_files
from .text import TextLine
from .vega import VegaChart


@solara.component
def ParameterControl(session: ExploreSession, control: Control):
    value = current_value(session.scenario.value, control.path)

    def apply(new):
        if new != value:  # widgets report their value back on creation too: only real edits count
            session.set_override(control.path, new)

    label = (
        control.label
        if control.kind in ("choice", "number")
        else f"{control.label}: {value:,}"
        if control.kind == "int"
        else f"{control.label}: {value:g}"
    )

    if control.kind == "choice":
        solara.Select(label, values=list(control.choices), value=value, on_value=apply)
    elif control.kind == "int":
        solara.SliderInt(
            label,
            value=int(value),
            min=int(min(control.low, value)),
            max=int(max(control.high, value)),
            step=int(control.step),
            on_value=apply,
            thumb_label=True,
        )
    elif control.kind == "float":
        solara.SliderFloat(
            label,
            value=float(value),
            min=float(min(control.low, value)),
            max=float(max(control.high, value)),
            step=control.step,
            on_value=apply,
            thumb_label=True,
        )
    else:
        solara.InputFloat(label, value=float(value), on_value=apply, continuous_update=False)
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


@solara.component
def ScenarioPicker(session: ExploreSession):
    files = scenario_files()
    current = session.origin.value
    choices = files if current in files else [current, *files]
    solara.Select(
        "Scenario", values=choices, value=current, on_value=lambda path: path in files and session.load_file(path)
    )
    solara.FileDropMultiple(
        label="… or drop a scenario file (YAML) here, with the network files it names",
        on_file=session.upload_files,
        lazy=True,
    )


@solara.component
def RunButtons(session: ExploreSession):
    """Step, Play/Pause, Reset, speed and the step counter (re-rendered on every step)."""
    session.version.use_value()
    scenario = session.scenario.value
    with solara.Row():
        solara.Button("Step", on_click=lambda: session.step(), disabled=session.playing.value, color="primary")
        if session.playing.value:
            solara.Button("Pause", on_click=session.pause, color="warning")
        else:
            solara.Button("Play", on_click=session.play, color="success")
        solara.Button("Reset", on_click=session.reset)
    solara.SliderFloat("Speed (steps per second)", value=session.speed, min=1, max=20, step=1)
    solara.Text(f"step {session.steps_done} of {scenario.horizon} ({scenario.time_unit}s)", classes=["step-counter"])


@solara.component
def ExploreControls(session: ExploreSession):
    """Sidebar: scenario, strategy, seed, run buttons and parameter controls."""
    scenario = session.scenario.value
    ScenarioPicker(session)
    solara.Select(
        "Strategy",
        values=[s.name for s in scenario.strategies],
        value=session.strategy.value,
        on_value=session.set_strategy,
    )
    solara.InputInt("Seed", value=session.seed.value, on_value=session.set_seed, continuous_update=False)
    RunButtons(session)
    with solara.Details("Parameters", expand=True):
        # An edge-list network needs its file: offered only when the scenario already has one.
        kinds = None if scenario.network.kind == "edge_list" else tuple(k for k in NETWORK_KINDS if k != "edge_list")
        for control in parameter_controls(kinds):
            ParameterControl(session, control)
    levers = lever_controls(scenario.strategy(session.strategy.value), session.strategy.value)
    with solara.Details(f"Levers of '{session.strategy.value}'", expand=bool(levers)):
        if not levers:
            solara.Text("this strategy pulls no levers")
        for control in levers:
            ParameterControl(session, control)
    if session.overrides.value:
        solara.Button("Back to the file's values", on_click=session.clear_overrides, text=True)


@solara.component
def Problems(session: ExploreSession):
    errors = session.errors.value
    if errors:
        with solara.Error(icon=True):
            solara.Text(f"{len(errors)} problem{'s' * (len(errors) > 1)} (nothing was changed):")
            for line in errors:
                solara.Text(line, style={"display": "block", "font-family": "monospace", "white-space": "pre-wrap"})
    if session.notice.value:
        solara.Info(session.notice.value)


@solara.component
def NetworkPanel(session: ExploreSession):
    colour_by, set_colour_by = solara.use_state("role")
    size_by, set_size_by = solara.use_state("talkativeness")
    session.version.use_value()
    model = session.model
    sample = network_sample(model.network, network_key(model.params, model.seed), model.seed)
    with solara.Column(gap="4px"):
        with solara.Row():
            solara.ToggleButtonsSingle(value=colour_by, values=["role", "opinion"], on_value=set_colour_by)
            solara.ToggleButtonsSingle(value=size_by, values=["talkativeness", "degree"], on_value=set_size_by)
        VegaChart(network_chart(model, sample, colour_by, size_by))
        solara.Text(caption(sample), classes=["network-caption"], style={"font-size": "0.85em", "color": "#555"})


@solara.component
def ExploreView(session: ExploreSession):
    session.version.use_value()
    scenario, model = session.scenario.value, session.model
    frame = model.timeseries()
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
    if frame.empty:
        solara.Info("Press Step or Play to run the market.")
    else:
        KpiCards(kpi_values(frame, model.network.n))
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        NetworkPanel(session)
        with solara.Column():
            VegaChart(adoption_chart(frame, model.params, scenario.horizon))
            solara.Text(
                "The Bass curve uses the scenario's p and q over the whole market; the simulation follows it in a "
                "mean-field market (network: complete) without campaigns, and departs from it on a network or with levers.",
                style={"font-size": "0.75em", "color": "#777", "max-width": "380px"},
            )
            VegaChart(opinion_chart(model.consumers.opinion, model.consumers.aware))
    with solara.Row(style={"flex-wrap": "wrap"}):
        FunnelChart(model)
        MessagesChart(model)
        MoneyChart(model)
