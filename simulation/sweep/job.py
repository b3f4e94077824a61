"""A sweep from its settings to its report: the code ``run.py sweep`` and the front end's Sweep view share.

``plan`` checks everything before a single run (the specs, the design, every design point as a
scenario); ``run_sweep`` runs the missing tasks on the chosen backend into the store, stopping early
when most runs fail, on a cancel event or on an interruption; ``analyse`` reads the store, analyses
every KPI asked for, ranks the drivers in words and writes the report.
"""

from __future__ import annotations

import hashlib
import json
import threading
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..parameters import MAX_SEED
from ..resources import check_sweep_memory
from ..scenario.schema import Scenario
from .base import BaseScenario
from .design import MORRIS_LEVELS, Design, SweepError, build_design, design_size, validate
from .spec import SpecError, parse_param
from .store import SweepStore, arrow_type, read_runs, run_schema

# A sweep stops early when more than this share of its first runs (at least MIN_RUNS of them) failed.
FAILING_SHARE = 0.5
MIN_RUNS = 10
GRID_KPIS = ("adopters", "profit")  # analysed by default on grids (sensitivity designs: analysis.DEFAULT_KPIS)


@dataclass
class SweepPlan:
    """Everything a sweep needs, checked: the scenario, the design, the strategies, the identity."""

    scenario: Scenario
    base: BaseScenario
    design: Design
    strategies: list[str]
    replications: int
    command: str
    overrides: tuple = ()

    @property
    def total(self) -> int:
        return len(self.design.points) * len(self.strategies) * self.replications

    def manifest(self) -> dict:
        identity = json.dumps([self.base.fingerprint, self.design.to_json()], sort_keys=True)
        return {
            "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:16],
            "command": self.command,
            "scenario": self.base.origin,
            "overrides": list(self.overrides),
            "design": self.design.to_json(),
            "strategies": self.strategies,
            "replications": self.replications,
        }

    def stored(self, store: SweepStore) -> int:
        """Runs of this sweep already in the store."""
        done = store.done_ids()
        return sum(t.id in done for t in self.design.iter_tasks(self.base, self.strategies, self.replications))

    def store(self, out) -> SweepStore:
        """The store in `out` (ValueError if it holds a different sweep)."""
        design = self.design
        schema = run_schema({p: arrow_type(point[p] for point in design.points) for p in design.paths})
        return SweepStore(Path(out), schema, self.manifest())


def plan(
    text: str,
    origin: str,
    source_dir: str | None,
    params: list[str],
    *,
    overrides=(),
    design: str = "grid",
    samples: int | None = None,
    design_seed: int = 0,
    strategy: str | None = None,
    replications: int = 1,
    command: str = "",
    runs_at_once: int = 1,
) -> SweepPlan:
    """Check a sweep before anything runs; SweepError (or ScenarioError) lists every problem, and
    MemoryEstimateError tells a design or runs that cannot fit in memory (before the design is built)."""
    from ..scenario.loader import parse_scenario

    scenario = parse_scenario(text, origin, list(overrides), source_dir)  # the base must be valid on its own
    base = BaseScenario(text, origin, tuple(overrides), source_dir)
    problems, specs = [], []
    for item in params:
        try:
            specs.append(parse_param(item))
        except SpecError as error:
            problems.append(str(error))
    if replications < 1:
        problems.append(f"--replications {replications}: expected a whole number >= 1")
    if scenario.seed + replications - 1 > MAX_SEED:
        problems.append(
            f"--replications {replications}: seeds {scenario.seed}..{scenario.seed + replications - 1} go beyond "
            f"2^63 - 1; the largest seed for {replications} replications is {MAX_SEED - replications + 1}"
        )
    if problems:
        raise SweepError(problems)
    if strategy is None:
        names = [scenario.baseline_name]
    elif strategy == "all":
        names = [s.name for s in scenario.strategies]
    else:
        names = [name.strip() for name in strategy.split(",") if name.strip()]
    points = design_size(design, specs, samples)
    check_sweep_memory(points, len(specs), points * len(names) * replications)  # before the design is built
    built = build_design(design, specs, base, samples, design_seed)
    validate(built, base, names, runs_at_once=runs_at_once)
    return SweepPlan(scenario, base, built, names, replications, command, tuple(overrides))


@dataclass
class SweepOutcome:
    """How the running part of a sweep ended."""

    done: int = 0  # runs completed in this call
    failed: int = 0
    first_error: str | None = None
    stopped: str = ""  # "", "failing", "cancelled" or "interrupted"

    def failing_message(self) -> str:
        return (
            f"stopped early: {self.failed} of the first {self.done} runs failed. First error: {self.first_error}. "
            "Completed runs are stored; fix the cause and run again (into a new --out if the scenario changed)."
        )


def should_stop(done: int, failed: int, total: int) -> bool:
    """Most of the first runs failed, and some are left: the rest would fail too (a broken scenario, not
    an odd point), so they are not started."""
    return done < total and done >= min(MIN_RUNS, total) and failed > FAILING_SHARE * done


def run_sweep(
    sweep: SweepPlan,
    store: SweepStore,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    dask_workers: int | None = None,
    timeseries: bool = False,
    progress=None,
    cancel: threading.Event | None = None,
) -> SweepOutcome:
    """Run the tasks not yet stored. ``progress(done, failed, total_left)`` after each run.

    KeyboardInterrupt (Ctrl+C, or SIGINT sent to this process alone) ends the workers at once, keeps
    what is stored and returns with ``stopped = "interrupted"``; so does setting `cancel` (after the
    runs in progress).
    """
    from .runner import execute, executor

    done_ids = store.done_ids()
    tasks = sweep.design.iter_tasks
    left = sum(t.id not in done_ids for t in tasks(sweep.base, sweep.strategies, sweep.replications))
    # Tasks are made as they are submitted: the parent holds no per-run list besides the stored ids.
    todo = (t for t in tasks(sweep.base, sweep.strategies, sweep.replications) if t.id not in done_ids)
    outcome = SweepOutcome()
    if not left:
        return outcome
    try:
        with (
            executor(jobs, scheduler, dask_workers) as (pool, slots),
            closing(execute(pool, slots, sweep.base, todo, timeseries)) as rows,
        ):
            # closing: on a stop the tasks not yet started are cancelled before the pool shuts down.
            for row in rows:
                outcome.done += 1
                if row["status"] == "error":
                    outcome.failed += 1
                    outcome.first_error = outcome.first_error or row["error"]
                store.add(row)
                if progress:
                    progress(outcome.done, outcome.failed, left)
                if should_stop(outcome.done, outcome.failed, left):
                    outcome.stopped = "failing"
                    break
                if cancel is not None and cancel.is_set():
                    outcome.stopped = "cancelled"
                    break
    except KeyboardInterrupt:
        outcome.stopped = "interrupted"
    finally:
        store.flush()
    return outcome


# ---------------------------------------------------------------- analysis
@dataclass
class SweepAnalysis:
    """What a finished sweep says (see ``analysis``), and where the report is."""

    runs: pd.DataFrame
    kpis: list[str]
    sensitivity: pd.DataFrame | None = None
    curves: pd.DataFrame | None = None  # response curves, every KPI (column `kpi`)
    heat: dict = field(default_factory=dict)  # (kpi, strategy) -> pivot table
    rankings: list[str] = field(default_factory=list)  # drivers in words, per strategy and KPI
    notes: list[str] = field(default_factory=list)
    report: Path | None = None


def horizon_words(scenario: Scenario) -> str:
    return f"by {scenario.time_unit} {scenario.horizon}"


def analyse(
    out, sweep: SweepPlan, kpis: list[str] | None = None, title: str | None = None, into: Path | None = None
) -> SweepAnalysis:
    """Analyse every KPI in `kpis` (default: analysis.DEFAULT_KPIS for sobol/morris, GRID_KPIS otherwise) of
    the runs stored in `out`, write sensitivity.csv or response.csv and sweep_report.html into `into` (a
    command's staging folder, moved into `out` when written; default `out`). Never raises on missing or failed
    runs: what cannot be analysed is said in ``notes``."""
    import numpy as np

    from .analysis import (
        DEFAULT_KPIS,
        AnalysisError,
        check_kpis,
        heat_map,
        morris_indices,
        rank_drivers,
        rank_grid_drivers,
        response_curves,
        sobol_indices,
        spend_shortfalls,
        summary,
    )
    from .report import write_report

    out = Path(out)
    written = out if into is None else Path(into)
    design = sweep.design
    runs = read_runs(out)
    if not runs.empty:
        runs = runs[runs["strategy"].isin(sweep.strategies) & (runs["replication"] < sweep.replications)]
    sensitive = design.kind in ("sobol", "morris")
    result = SweepAnalysis(runs=runs, kpis=list(kpis or (DEFAULT_KPIS if sensitive else GRID_KPIS)))
    when = horizon_words(sweep.scenario)
    try:
        check_kpis(result.kpis)
        ok = runs[runs["status"] == "ok"] if not runs.empty else runs
        if ok.empty:
            raise AnalysisError("no run succeeded, so there is nothing to analyse (see the failed runs)")
        if sensitive:
            frames = []
            for strategy in sweep.strategies:
                if design.kind == "sobol":
                    frames.append(
                        sobol_indices(runs, design.problem(), len(design.points), strategy, result.kpis, design.seed)
                    )
                else:
                    points = np.array([[p[path] for path in design.paths] for p in design.points], dtype=float)
                    frames.append(
                        morris_indices(
                            runs, design.problem(), points, strategy, result.kpis, MORRIS_LEVELS, design.seed
                        )
                    )
            result.sensitivity = pd.concat(frames, ignore_index=True)
            result.sensitivity.to_csv(written / "sensitivity.csv", index=False)
            for (strategy, kpi), group in result.sensitivity.groupby(["strategy", "kpi"], sort=False):
                words = rank_drivers(group, kpi, when)
                result.rankings.append(f"{strategy}: {words}" if len(sweep.strategies) > 1 else words)
        else:
            result.curves = pd.concat(
                [response_curves(runs, design.paths, kpi).assign(kpi=kpi) for kpi in result.kpis], ignore_index=True
            )
            result.curves.to_csv(written / "response.csv", index=False)
            for strategy in sweep.strategies:
                for kpi in result.kpis:
                    rows = result.curves[(result.curves["strategy"] == strategy) & (result.curves["kpi"] == kpi)]
                    words = rank_grid_drivers(rows, kpi, when, runs, strategy, design.paths, sweep.scenario.currency)
                    result.rankings.append(f"{strategy}: {words}" if len(sweep.strategies) > 1 else words)
            if len(design.paths) >= 2:
                for kpi in result.kpis:
                    for strategy in sweep.strategies:
                        result.heat[(kpi, strategy)] = heat_map(runs, design.paths[0], design.paths[1], kpi, strategy)
    except AnalysisError as error:
        result.notes.append(f"analysis not possible: {error}")
    budgets = {s.name: s.budget for s in sweep.scenario.strategies}
    result.notes += spend_shortfalls(runs, design.paths, budgets, sweep.scenario.currency)
    result.report = (
        out
        / write_report(
            written,
            title=title or f"Sweep of {sweep.scenario.name}",
            command=sweep.command,
            summary=summary(runs),
            design=design.to_json(),
            runs=runs,
            sensitivity=result.sensitivity,
            curves=result.curves,
            heat=result.heat,
            kpis=result.kpis,
            rankings=result.rankings,
            notes=result.notes,
            currency=sweep.scenario.currency,
            time_unit=sweep.scenario.time_unit,
        ).name
    )
    return result
