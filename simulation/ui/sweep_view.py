"""The Sweep view: a parameter sweep of the explored scenario (as edited in the sidebar) for users who never
open a terminal. It runs through ``simulation.sweep.job`` -- the code of ``run.py sweep``: the same
checks before any run, the same store, early stop, analysis, drivers in words and report.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import pandas as pd
import solara

from ..kpis import RUN_KPIS
from ..resources import MemoryEstimateError
from ..scenario.paths import folder_name
from .background import BackgroundWork, capped_workers
from .charts import SCHEMA
from .live_chart import LiveChart, LiveChartView, rows
from .text import Note, TextTable

DESIGNS = ("grid", "random", "lhs", "sobol", "morris")
EXAMPLE = "purchase.p=0.01,0.03,0.06\nproduct.quality=0,0.4,0.8"


class SweepSession(BackgroundWork):
    """One browser session's sweep: settings, progress, cancel, result."""

    def __init__(self):
        super().__init__("wom-sweep-")
        self.params = solara.reactive(EXAMPLE)
        self.design = solara.reactive("grid")
        self.samples = solara.reactive(16)
        self.replications = solara.reactive(1)
        self.strategy = solara.reactive("baseline")  # "baseline", "all" or a name
        self.kpis = solara.reactive(["adopters", "profit"])
        self.jobs = solara.reactive(1)
        self.running = solara.reactive(False)
        self.progress = solara.reactive((0, 0, 0))  # (done, failed, total)
        self.message = solara.reactive("")
        self.errors = solara.reactive(cast(list[str], []))
        self.result = solara.reactive(cast(Any, None))  # job.SweepAnalysis
        self.files = solara.reactive(cast(dict[str, Any], {}))

    def start(self, explore) -> None:
        """Check the sweep (nothing runs if anything is wrong), then run it in the background."""
        from ..scenario import ScenarioError
        from ..sweep.design import SweepError
        from ..sweep.job import plan
        from .session import _as_yaml_value

        if self.running.value or self.closed:  # busy, or its page is gone
            return
        params = [line.strip() for line in self.params.value.splitlines() if line.strip()]
        overrides = tuple(f"{p}={_as_yaml_value(v)}" for p, v in explore.overrides.value.items())
        strategy = {"baseline": None, "all": "all"}.get(self.strategy.value, self.strategy.value)
        try:
            sweep = plan(
                explore.text,
                explore.origin.value,
                explore.source_dir,
                params,
                overrides=overrides,
                design=self.design.value,
                samples=self.samples.value if self.design.value != "grid" else None,
                strategy=strategy,
                replications=self.replications.value,
                command="front end sweep: " + " ".join(f"--param {p}" for p in params),
            )
        except (SweepError, ScenarioError) as error:
            self.errors.value = list(error.problems)
            self.message.value = "not run: fix the problems below"
            return
        except MemoryEstimateError as error:
            self.errors.value = [str(error)]
            self.message.value = "not run: the sweep would not fit in memory"
            return
        self.errors.value = []
        jobs, capped = capped_workers(self.jobs.value)
        out = self.folder / f"{folder_name(sweep.scenario.name)}-{int(time.time() * 1000)}"
        self.progress.value = (0, 0, sweep.total)
        self.message.value = (
            f"running {sweep.total} runs ({sweep.design.kind} design, {len(sweep.design.points)} points)"
        ) + (f" ({capped})" if capped else "")
        self.running.value = True
        self.begin(self._run, sweep, out, list(self.kpis.value), jobs, name="wom-ui-sweep")

    def cancel(self) -> None:
        self.cancel_event.set()
        self.message.value = "cancelling: waiting for the runs in progress"

    def _run(self, sweep, out: Path, kpis: list[str], jobs: int) -> None:
        from ..sweep.job import analyse, run_sweep

        started = time.perf_counter()
        try:
            store = sweep.store(out)
            outcome = run_sweep(
                sweep,
                store,
                jobs=jobs,
                progress=lambda done, failed, total: setattr(self.progress, "value", (done, failed, total)),
                cancel=self.cancel_event,
            )
            result = analyse(out, sweep, kpis or None)
        except Exception as error:  # shown on the page; the other views carry on
            self.errors.value = [f"sweep failed: {error!r}"]
            self.message.value = ""
        else:
            self.result.value = result
            files = {"sweep_report.html": result.report}
            for name in ("sensitivity.csv", "response.csv"):
                if (out / name).is_file():
                    files[name] = out / name
            runs_csv = out / "runs.csv"
            result.runs.to_csv(runs_csv, index=False)
            files["runs.csv"] = runs_csv
            self.files.value = files
            elapsed = time.perf_counter() - started
            if outcome.stopped == "failing":
                self.errors.value = [outcome.failing_message()]
                self.message.value = f"stopped after {outcome.done} runs ({elapsed:.1f} s)"
            elif outcome.stopped == "cancelled":
                self.message.value = f"cancelled after {outcome.done} runs; the analysis uses the runs done"
            else:
                failed = f", {outcome.failed} failed" if outcome.failed else ""
                self.message.value = f"{outcome.done} runs in {elapsed:.1f} s{failed}"
        finally:
            self.running.value = False
            self.finished()


def drivers_spec(result) -> dict | None:
    """Sorted bars of what drives the first KPI: Sobol ST / Morris mu* with intervals, or the grid's spans."""
    if result.sensitivity is not None and not result.sensitivity.empty:
        table = result.sensitivity
        value, half = ("ST", "ST_conf") if "ST" in table else ("mu_star", "mu_star_conf")
        if value not in table:
            return None
        first = table[(table["kpi"] == result.kpis[0]) & table[value].notna()]
        first = first[first["strategy"] == first["strategy"].iloc[0]] if not first.empty else first
        data = pd.DataFrame(
            {
                "parameter": first["parameter"],
                "value": first[value],
                "low": first[value] - first[half],
                "high": first[value] + first[half],
            }
        )
        title = f"{'total Sobol index ST' if value == 'ST' else 'Morris mu*'} for {result.kpis[0]} (95% interval)"
    elif result.curves is not None and not result.curves.empty:
        curves = result.curves[result.curves["kpi"] == result.kpis[0]]
        spans = curves.groupby("parameter")["mean"].agg(lambda m: float(m.max() - m.min()))
        data = pd.DataFrame({"parameter": spans.index, "value": spans.to_numpy()})
        data["low"] = data["high"] = data["value"]
        title = f"range of mean {result.kpis[0]} across each parameter's values"
    else:
        return None
    data = data.sort_values("value", ascending=False)
    order = data["parameter"].tolist()
    y = {"field": "parameter", "type": "nominal", "sort": order, "title": "swept parameter"}
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": 420,
        "height": 30 * max(len(order), 1),
        "data": {"values": rows(data)},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#4c78a8"},
                "encoding": {"y": y, "x": {"field": "value", "type": "quantitative", "title": title.split(" (")[0]}},
            },
            {
                "mark": {"type": "rule", "color": "black"},
                "encoding": {"y": y, "x": {"field": "low", "type": "quantitative"}, "x2": {"field": "high"}},
            },
        ],
    }


@solara.component
def SweepView(sweep: SweepSession, explore):
    scenario = explore.scenario.value
    running = sweep.running.value
    chart = solara.use_memo(lambda: LiveChart(name="sweep-drivers"), [])
    solara.Text(
        f"Sweeps {scenario.name} as set in the sidebar ({len(explore.overrides.value)} edited values) through the code "
        "of `run.py sweep`: every design point is checked before anything runs.",
        style={"display": "block", "margin": "4px 0"},
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px", "align-items": "flex-start"}):
        with solara.Column(style={"min-width": "320px"}):
            solara.InputTextArea(
                "Parameters, one per line: path=list a,b,c | range lo:hi:step | bounds lo..hi",
                value=sweep.params,
                rows=4,
                continuous_update=True,
                disabled=running,
            )
        with solara.Column(style={"min-width": "260px"}):
            solara.Select("Design", values=list(DESIGNS), value=sweep.design, disabled=running)
            if sweep.design.value != "grid":
                solara.InputInt(
                    "Samples (sobol: a power of 2)", value=sweep.samples, continuous_update=False, disabled=running
                )
            solara.InputInt(
                "Replications per point", value=sweep.replications, continuous_update=False, disabled=running
            )
            strategies = ["baseline", "all", *[s.name for s in scenario.strategies]]
            solara.Select("Strategies", values=strategies, value=sweep.strategy, disabled=running)
            solara.SelectMultiple(
                "KPIs to analyse", values=cast(Any, sweep.kpis), all_values=list(RUN_KPIS), disabled=running
            )
            solara.InputInt("Worker processes", value=sweep.jobs, continuous_update=False, disabled=running)
    with solara.Row():
        solara.Button("Run sweep", on_click=lambda: sweep.start(explore), disabled=running, color="primary")
        solara.Button("Cancel", on_click=sweep.cancel, disabled=not running, color="error")
    done, failed, total = sweep.progress.value
    if running:
        solara.ProgressLinear(value=100 * done / total if total else True)
    if running or total:
        solara.Text(
            f"{done} of {total} runs done" + (f", {failed} failed" if failed else ""), classes=["sweep-progress"]
        )
    if sweep.message.value:
        solara.Text(sweep.message.value, classes=["sweep-message"])
    if sweep.errors.value:
        with solara.Error(icon=True):
            for line in sweep.errors.value:
                solara.Text(line, style={"display": "block", "white-space": "pre-wrap", "font-family": "monospace"})
    result = sweep.result.value
    if result is None:
        return
    if result.rankings:
        with solara.Success(icon=True, classes=["sweep-drivers"]):
            solara.Text("What drives the results:", style={"display": "block", "font-weight": "600"})
            for line in result.rankings:
                solara.Text(line, style={"display": "block", "white-space": "normal"})
    for note in result.notes:
        Note(note)
    spec = drivers_spec(result)
    if spec is not None:
        chart.spec = spec
        LiveChartView(chart)
    if result.sensitivity is not None and not result.sensitivity.empty:
        TextTable(result.sensitivity.drop(columns="note").round(3).set_index("parameter"), index_title="parameter")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for name, path in sweep.files.value.items():
            solara.FileDownload(lambda path=path: Path(path).read_bytes(), filename=name, label=f"Download {name}")
