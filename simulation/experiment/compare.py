"""Strategy comparison: every strategy of a scenario, R replications each, with common random numbers.

Replication r of every strategy uses seed ``scenario.seed + r``: the same network (built once per
replication and shared by the strategies), the same consumers and the same draws wherever the
strategies do not differ. One worker task is one replication of every strategy, so the paired
expansion/acceleration decomposition is computed where the per-consumer arrays live and the parent
only receives KPIs, time series and a few numbers. Results do not depend on the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..parameters import MAX_SEED
from ..recorder import KPI_NAMES
from ..resources import check_scenario_memory
from ..scenario.schema import Scenario
from ..workers import process_pool
from .decomposition import MEASURES, decompose
from .display import format_interval
from .runs import RUN_KPIS, run_once, scenario_network
from .stats import paired_difference, t_interval


class ComparisonCancelled(Exception):
    """The comparison was stopped before every run finished."""


def run_replication(scenario: Scenario | dict, replication: int) -> dict:
    """Replication r of every strategy on one shared network: KPI rows, time series, decomposition rows.

    ``scenario`` may be given as its ``_portable`` form (the schema's section classes are built at import
    time and cannot be pickled for worker processes).
    """
    if isinstance(scenario, dict):
        scenario = Scenario.model_validate(scenario["data"]).model_copy(update={"source_dir": scenario["source_dir"]})
    baseline = scenario.baseline_name
    # The engine's own network for seed + r: identical to what each run would build, built once.
    network = scenario_network(scenario, replication)
    results = {s.name: run_once(scenario, s.name, replication, social_network=network) for s in scenario.strategies}
    unit_value = scenario.product.price * scenario.product.margin
    rows, frames, parts = [], [], []
    for name, result in results.items():
        rows.append({"strategy": name, "replication": replication, "seed": result.seed, **result.kpis})
        frame = result.timeseries.copy()
        frame.insert(0, "replication", replication)
        frame.insert(0, "strategy", name)
        frames.append(frame)
        parts.append(
            {
                "strategy": name,
                "replication": replication,
                **decompose(result, results[baseline], unit_value, scenario.discount_rate, scenario.time_unit),
            }
        )
    return {
        "replication": replication,
        "runs": rows,
        "timeseries": pd.concat(frames, ignore_index=True),
        "decomposition": parts,
    }


@dataclass
class Comparison:
    """The outcome of ``run_comparison``; see the module docstring."""

    scenario: Scenario
    replications: int
    runs: pd.DataFrame  # one row per (strategy, replication): seed + every RUN_KPIS column
    timeseries: pd.DataFrame  # every run, every step: strategy, replication + KPI_NAMES
    summary: (
        pd.DataFrame
    )  # one row per (strategy, kpi): mean, ci_low, ci_high, n, diff_mean, diff_low, diff_high, diff_n
    decomposition: pd.DataFrame  # one row per (strategy, measure): mean, ci_low, ci_high, n
    elapsed: float  # seconds
    decomposition_runs: pd.DataFrame = field(default=None, repr=False)  # per paired replication

    @property
    def strategies(self) -> list[str]:
        return [s.name for s in self.scenario.strategies]

    def kpi_table(self, kpis=None, differences: bool = False) -> pd.DataFrame:
        """Strategies x KPIs as ``mean [low, high]`` strings (or paired differences vs the baseline)."""
        kpis = list(kpis or RUN_KPIS)
        prefix = "diff_" if differences else ""
        table = {}
        for row in self.summary.itertuples(index=False):
            if row.kpi in kpis:
                values = (
                    getattr(row, f"{prefix}mean"),
                    getattr(row, f"{prefix}low" if differences else "ci_low"),
                    getattr(row, f"{prefix}high" if differences else "ci_high"),
                )
                table.setdefault(row.strategy, {})[row.kpi] = format_interval(row.kpi, *values, signed=differences)
        return pd.DataFrame.from_dict(table, orient="index").reindex(index=self.strategies, columns=kpis)

    def write(self, out_dir) -> dict[str, Path]:
        """Write summary.csv, runs.csv, decomposition.csv, timeseries.parquet, scenario.yaml and report.html."""
        from .report import render_report, scenario_as_run

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            name: out / name
            for name in (
                "summary.csv",
                "runs.csv",
                "decomposition.csv",
                "timeseries.parquet",
                "scenario.yaml",
                "report.html",
            )
        }
        self.summary.to_csv(paths["summary.csv"], index=False)
        self.runs.to_csv(paths["runs.csv"], index=False)
        self.decomposition.to_csv(paths["decomposition.csv"], index=False)
        self.timeseries.to_parquet(paths["timeseries.parquet"], index=False)
        paths["scenario.yaml"].write_text(scenario_as_run(self), encoding="utf-8")
        paths["report.html"].write_text(render_report(self), encoding="utf-8")
        return paths


def summarise(runs: pd.DataFrame, strategies: list[str], baseline: str) -> pd.DataFrame:
    """Mean and t-interval of every KPI per strategy, and the paired difference against the baseline."""
    by_strategy = {name: frame.set_index("replication").sort_index() for name, frame in runs.groupby("strategy")}
    base = by_strategy[baseline]
    rows = []
    for name in strategies:
        frame = by_strategy[name]
        for kpi in RUN_KPIS:
            level = t_interval(frame[kpi].to_numpy())
            diff = paired_difference(frame[kpi].to_numpy(), base[kpi].reindex(frame.index).to_numpy())
            rows.append(
                {
                    "strategy": name,
                    "kpi": kpi,
                    "mean": level.mean,
                    "ci_low": level.low,
                    "ci_high": level.high,
                    "n": level.n,
                    "diff_mean": diff.mean,
                    "diff_low": diff.low,
                    "diff_high": diff.high,
                    "diff_n": diff.n,
                }
            )
    return pd.DataFrame(rows)


def summarise_decomposition(parts: pd.DataFrame, strategies: list[str], baseline: str) -> pd.DataFrame:
    """Mean and t-interval over replications of each expansion/acceleration measure, per strategy."""
    rows = []
    for name in strategies:
        if name == baseline:
            continue
        frame = parts[parts["strategy"] == name]
        for measure in MEASURES:
            value = t_interval(frame[measure].to_numpy())
            rows.append(
                {
                    "strategy": name,
                    "measure": measure,
                    "mean": value.mean,
                    "ci_low": value.low,
                    "ci_high": value.high,
                    "n": value.n,
                }
            )
    return pd.DataFrame(rows, columns=["strategy", "measure", "mean", "ci_low", "ci_high", "n"])


def _portable(scenario: Scenario) -> dict:
    return {"data": scenario.model_dump(mode="json"), "source_dir": scenario.source_dir}


def _in_process(scenario, replications, progress, cancel, per_task):
    done = 0
    for r in range(replications):
        if cancel is not None and cancel.is_set():
            raise ComparisonCancelled(f"cancelled after {done} of {replications * per_task} runs")
        yield run_replication(scenario, r)
        done += per_task
        if progress:
            progress(done, replications * per_task)


def _in_pool(scenario, replications, jobs, progress, cancel, per_task):
    # spawned workers (the front end runs threads a fork could copy mid-lock) that end with this process.
    executor = process_pool(min(jobs, replications))
    portable = _portable(scenario)
    pending = {executor.submit(run_replication, portable, r) for r in range(replications)}
    done = 0
    try:
        while pending:
            finished, pending = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
            if cancel is not None and cancel.is_set():
                raise ComparisonCancelled(f"cancelled after {done} of {replications * per_task} runs")
            for future in finished:
                yield future.result()
                done += per_task
                if progress:
                    progress(done, replications * per_task)
    except BaseException:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def run_comparison(
    scenario: Scenario, replications: int | None = None, jobs: int = 1, progress=None, cancel=None
) -> Comparison:
    """Run every strategy ``replications`` times (default: the scenario's) and compare them with the baseline.

    ``progress(done, total)`` is called in the caller's process as runs finish; setting the
    ``cancel`` event stops the comparison (no new runs) and raises ComparisonCancelled.
    """
    replications = scenario.replications if replications is None else int(replications)
    if replications < 1:
        raise ValueError(f"replications = {replications} is not allowed: expected a whole number >= 1")
    if jobs < 1:
        raise ValueError(f"jobs = {jobs} is not allowed: expected a whole number >= 1")
    if scenario.seed + replications - 1 > MAX_SEED:
        raise ValueError(
            f"replications = {replications} with seed {scenario.seed} goes beyond seed 2^63 - 1; "
            f"at most {MAX_SEED - scenario.seed + 1} replications from this seed"
        )
    check_scenario_memory(scenario, runs_at_once=min(jobs, replications))  # before any run starts
    started = time.perf_counter()
    per_task = len(scenario.strategies)
    if progress:
        progress(0, replications * per_task)
    if jobs == 1 or replications == 1:
        outcomes = list(_in_process(scenario, replications, progress, cancel, per_task))
    else:
        outcomes = list(_in_pool(scenario, replications, jobs, progress, cancel, per_task))
    outcomes.sort(key=lambda o: o["replication"])  # the order runs finished in must not matter
    strategies = [s.name for s in scenario.strategies]
    runs = pd.DataFrame([row for o in outcomes for row in o["runs"]])
    timeseries = pd.concat([o["timeseries"] for o in outcomes], ignore_index=True)
    timeseries = timeseries[["strategy", "replication", *KPI_NAMES]]
    parts = pd.DataFrame([row for o in outcomes for row in o["decomposition"]])
    return Comparison(
        scenario=scenario,
        replications=replications,
        runs=runs[["strategy", "replication", "seed", *RUN_KPIS]],
        timeseries=timeseries,
        summary=summarise(runs, strategies, scenario.baseline_name),
        decomposition=summarise_decomposition(parts, strategies, scenario.baseline_name),
        elapsed=time.perf_counter() - started,
        decomposition_runs=parts,
    )
