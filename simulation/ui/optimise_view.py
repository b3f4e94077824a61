"""The Optimise view: the best mix of levers for a budget, through the same code as `run.py optimise`.

Budget, levers, objective (and the 10th-percentile risk objective), trials and replications; the search
runs in the background (progress in trials, Cancel keeps the finished trials), then shows the best mix,
its comparison with the scenario's strategies on fresh replications (the written verdict), the
optimisation history and, with the risk objective, the Pareto front.
"""

from __future__ import annotations

import time

import altair as alt
import pandas as pd
import solara

from .background import BackgroundWork
from .text import Heading, TextLine, TextTable
from .vega import VegaChart

OBJECTIVES = ["profit", "npv", "adopters"]


def _searchable() -> list[str]:
    from ..optimise.space import SPACES

    return list(SPACES)


class OptimiseSession(BackgroundWork):
    """One session's optimisation (state shared by the view and the background thread)."""

    def __init__(self):
        super().__init__("wom-optimise-")
        self.budget = solara.reactive(10_000.0)
        self.levers = solara.reactive(["advertising", "seeding"])
        self.objective = solara.reactive("profit")
        self.risk = solara.reactive(False)
        self.trials = solara.reactive(30)
        self.replications = solara.reactive(10)
        self.validate = solara.reactive(10)
        self.running = solara.reactive(False)
        self.progress = solara.reactive((0, 0))  # (finished trials, trials wanted)
        self.result = solara.reactive(None)  # an OptimisationResult
        self.message = solara.reactive("")
        self.error = solara.reactive("")

    def start(self, scenario) -> None:
        if self.running.value or self.closed:  # busy, or its page is gone
            return
        from ..optimise.study import OptimiseSettings

        settings = OptimiseSettings(
            budget=float(self.budget.value),
            levers=tuple(self.levers.value),
            objective=self.objective.value,
            risk="q10" if self.risk.value else None,
            trials=int(self.trials.value),
            replications=int(self.replications.value),
        )
        try:
            settings.check()
            from ..optimise.space import SearchSpace

            SearchSpace(scenario, settings.budget, list(settings.levers))
        except ValueError as error:
            self.error.value = str(error)
            return
        self.error.value = ""
        self.message.value = f"searching: {settings.trials} trials x {settings.replications} replications"
        self.progress.value = (0, settings.trials)
        self.running.value = True
        self.begin(self._run, scenario, settings, int(self.validate.value), name="wom-ui-optimise")

    def cancel(self) -> None:
        self.cancel_event.set()
        self.message.value = "cancelling after the trial in progress; finished trials are kept"

    def _run(self, scenario, settings, validate: int) -> None:
        from ..optimise.result import summarise
        from ..optimise.study import default_storage, optimise

        started = time.perf_counter()
        try:
            out = self.folder / scenario.name
            out.mkdir(parents=True, exist_ok=True)
            storage = default_storage(out)
            study, ran = optimise(
                scenario,
                settings,
                storage,
                progress=lambda done, total: setattr(self.progress, "value", (done, total)),
                cancel=self.cancel_event,
            )
            result = summarise(scenario, settings, study, storage, ran, 0 if self.cancel_event.is_set() else validate)
            result.write(out)
        except Exception as error:  # shown on the page; the rest of the front end carries on
            self.error.value = f"optimisation failed: {error!r}"
            self.message.value = ""
        else:
            self.result.value = result
            stopped = " (cancelled: best of the finished trials, not compared)" if self.cancel_event.is_set() else ""
            self.message.value = f"{len(result.trials)} trials in {time.perf_counter() - started:.1f} s{stopped}"
        finally:
            self.running.value = False
            self.finished()


def history_chart(trials: pd.DataFrame, name: str):
    data = trials[["trial", name]].rename(columns={name: "value"})
    data["best so far"] = data["value"].cummax()
    points = (
        alt.Chart(data)
        .mark_circle(size=30, opacity=0.6)
        .encode(x=alt.X("trial:Q", title="trial"), y=alt.Y("value:Q", title=name))
    )
    line = alt.Chart(data).mark_line(color="black").encode(x="trial:Q", y="best so far:Q")
    return (points + line).properties(width=420, height=220, title="Optimisation history")


def front_chart(trials: pd.DataFrame, pareto: pd.DataFrame, names: list[str]):
    x, y = names
    base = (
        alt.Chart(trials)
        .mark_circle(size=25, opacity=0.3)
        .encode(x=alt.X(f"{x}:Q", title=x), y=alt.Y(f"{y}:Q", title=y))
    )
    front = (
        alt.Chart(pareto)
        .mark_line(point=True, color="crimson")
        .encode(x=f"{x}:Q", y=f"{y}:Q", tooltip=["trial", "strategy"])
    )
    return (base + front).properties(width=420, height=260, title="Pareto front: mean against 10th percentile")


@solara.component
def OptimiseView(optimise: OptimiseSession, scenario):
    running = optimise.running.value
    TextLine(
        [
            "Searches the best mix of levers for ",
            (scenario.name, True),
            " under a budget (Optuna; every trial on the same replications). The best mix is then compared with the "
            "scenario's strategies on fresh replications.",
        ]
    )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputFloat("Budget", value=optimise.budget, continuous_update=False, disabled=running)
        solara.SelectMultiple(
            "Levers",
            values=optimise.levers.value,
            on_value=optimise.levers.set,
            all_values=_searchable(),
            disabled=running,
        )
        solara.Select("Objective", value=optimise.objective, values=OBJECTIVES, disabled=running)
        solara.Checkbox(label="also maximise the 10th percentile (NSGA-II)", value=optimise.risk, disabled=running)
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputInt("Trials", value=optimise.trials, continuous_update=False, disabled=running)
        solara.InputInt(
            "Replications per trial", value=optimise.replications, continuous_update=False, disabled=running
        )
        solara.InputInt(
            "Fresh replications to compare", value=optimise.validate, continuous_update=False, disabled=running
        )
        solara.Button("Optimise", on_click=lambda: optimise.start(scenario), disabled=running, color="primary")
        solara.Button("Cancel", on_click=optimise.cancel, disabled=not running, color="error")
    done, total = optimise.progress.value
    if running:
        solara.ProgressLinear(value=100 * done / total if total else True)
        solara.Text(f"{done} of {total} trials done", classes=["optimise-progress"])
    if optimise.message.value:
        solara.Text(optimise.message.value, classes=["optimise-message"])
    if optimise.error.value:
        solara.Error(optimise.error.value)
    result = optimise.result.value
    if result is None:
        return
    # The verdict and the mix name the scenario's strategies: shown as text, never as markup.
    if result.verdict:
        TextLine([(result.verdict, True)])
    Heading(f"Best mix (trial {result.best['trial']})")
    TextLine([result.best["strategy"]["description"]])
    TextLine(
        [
            "; ".join(f"{name}: {value:,.1f}" for name, value in result.best["values"].items())
            + f" over the {result.settings.replications} search replications"
        ]
    )
    if not result.versus.empty:
        table = result.versus.round(1)
        Heading("Optimised mix minus each strategy (paired, 95% CI)")
        TextTable(table.set_index(table.columns[0]), index_title=str(table.columns[0]))
    VegaChart(history_chart(result.trials, result.settings.names[0]))
    if not result.pareto.empty:
        VegaChart(front_chart(result.trials, result.pareto, result.settings.names))
