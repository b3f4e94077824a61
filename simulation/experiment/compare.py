"""Strategy comparison: every strategy of a scenario, R replications each, with common random numbers.

Replication r of every strategy uses seed ``scenario.seed + r``: the same network (built once per
replication and shared by the strategies), the same consumers and the same draws wherever the
strategies do not differ. One worker task is one replication of every strategy, so the paired
expansion/acceleration decomposition is computed where the per-consumer arrays live and the parent
only receives KPIs, time series and a few numbers. Results do not depend on the number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import kernels
from ..kpis import RUN_KPIS, SPEND_SHORTFALL, STEP_KPIS, format_interval
from ..kpis import kpi as find_kpi
from ..parameters import MAX_SEED
from ..resources import check_scenario_memory
from ..scenario.schema import Scenario
from ..workers import process_pool, stop_workers
from .decomposition import MEASURES, decompose
from .events import collect_events, empty_events
from .incremental import OBJECTIVES, RATIOS, Verdict, all_pairs, incremental, verdict
from .runs import run_once, scenario_network
from .stats import paired_difference, t_interval

# Ratios to a strategy's own spend or customers: totals, compared through incremental_roi / incremental_cpa.
TOTAL_RATIOS = ("roi", "cost_per_acquisition")
# Why a run KPI can be undefined (n/a) in a run (each KPI's own definition, simulation/kpis.py).
UNDEFINED_REASONS = {name: item.undefined for name, item in RUN_KPIS.items() if item.undefined}


class ComparisonCancelled(Exception):
    """The comparison was stopped before every run finished."""


def run_replication(scenario: Scenario | dict, replication: int) -> dict:
    """Replication r of every strategy on one shared network: KPI rows, time series, decomposition rows.

    ``scenario`` may be given as its ``_portable`` form (the schema's section classes are built at import
    time and cannot be pickled for worker processes).
    """
    kernels.for_batches()  # a comparison runs many models: the compiled kernels pay for their loading
    if isinstance(scenario, dict):
        scenario = Scenario.model_validate(scenario["data"]).model_copy(update={"source_dir": scenario["source_dir"]})
    baseline = scenario.baseline_name
    # The engine's own network for seed + r: identical to what each run would build, built once.
    network = scenario_network(scenario, replication)
    results = {s.name: run_once(scenario, s.name, replication, social_network=network) for s in scenario.strategies}
    # A first purchase's gross profit in the market's money (money scales with represents, as in the run).
    unit_value = scenario.product.price * scenario.product.margin * scenario.market.represents
    rows, frames, parts, events = [], [], [], []
    for name, result in results.items():
        if not result.events.empty:
            events.append(result.events.assign(strategy=name, replication=replication))
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
        "events": events,
    }


@dataclass
class Comparison:
    """The outcome of ``run_comparison``; see the module docstring."""

    scenario: Scenario
    replications: int
    runs: pd.DataFrame  # one row per (strategy, replication): seed + every RUN_KPIS column
    timeseries: pd.DataFrame  # every run, every step: strategy, replication + STEP_KPIS
    summary: (
        pd.DataFrame
    )  # one row per (strategy, kpi): mean, ci_low, ci_high, n, diff_mean, diff_low, diff_high, diff_n
    decomposition: pd.DataFrame  # one row per (strategy, measure): mean, ci_low, ci_high, n
    elapsed: float  # seconds
    decomposition_runs: pd.DataFrame = field(default=None, repr=False)  # per paired replication
    events: pd.DataFrame = field(default_factory=lambda: empty_events(), repr=False)  # triggers fired, budget moved
    baseline: str = ""  # the reference of `summary`'s differences and of `incremental` (default: the scenario's)
    incremental: pd.DataFrame = field(default=None, repr=False)  # experiment.incremental.incremental
    decomposition_baseline: str = ""  # the decomposition needs per-consumer arrays: against the baseline as run

    def __post_init__(self):
        self.baseline = self.baseline or self.scenario.baseline_name
        self.decomposition_baseline = self.decomposition_baseline or self.scenario.baseline_name
        if self.incremental is None:
            self.incremental = incremental(
                self.runs, self.strategies, self.baseline, represents=self.scenario.market.represents
            )

    @property
    def strategies(self) -> list[str]:
        return [s.name for s in self.scenario.strategies]

    @property
    def currency(self) -> str | None:
        return self.scenario.currency

    @property
    def horizon_text(self) -> str:
        """The period run KPIs are counted over, e.g. '52 weeks'."""
        unit = self.scenario.time_unit
        return f"{self.scenario.horizon} {unit}{'s' * (self.scenario.horizon != 1)}"

    @property
    def scale_note(self) -> str:
        """What a count means when each simulated consumer stands for several real ones ('' when one)."""
        represents = self.scenario.market.represents
        if represents == 1:
            return ""
        return (
            f"Counts of consumers are simulated consumers, each standing for {represents:,g} real ones "
            f"(market.represents): multiply them by {represents:,g} for the market. Money is the market's, so a "
            "cost per customer is per real customer."
        )

    def column(self, name: str, level: str = "run") -> str:
        """A KPI's readable column name with its unit (the scenario's currency and time unit)."""
        return find_kpi(name, level).column(self.currency, self.scenario.time_unit)

    def rebase(self, baseline: str) -> Comparison:
        """The same runs compared against another strategy (nothing is rerun).

        The expansion/acceleration decomposition needs per-consumer arrays and stays against the
        baseline the comparison was run with (``decomposition_baseline``).
        """
        if baseline not in self.strategies:
            raise ValueError(f"baseline {baseline!r} is not one of the strategies: {', '.join(self.strategies)}")
        return Comparison(
            scenario=self.scenario,
            replications=self.replications,
            runs=self.runs,
            timeseries=self.timeseries,
            summary=summarise(self.runs, self.strategies, baseline),
            decomposition=self.decomposition,
            elapsed=self.elapsed,
            decomposition_runs=self.decomposition_runs,
            baseline=baseline,
            decomposition_baseline=self.decomposition_baseline,
        )

    def verdict(self, objective: str = "profit") -> Verdict:
        """The verdict in words on `objective` (profit, npv or adopters) against the baseline."""
        return verdict(self.runs, self.strategies, self.baseline, objective, self.currency, self.horizon_text)

    def pairs(self, kpi: str = "profit") -> pd.DataFrame:
        """Every strategy against every other on one run KPI (paired differences, no rerun)."""
        return all_pairs(self.runs, self.strategies, kpi)

    def pairs_table(self, kpi: str = "profit") -> pd.DataFrame:
        """Strategies x strategies: row - column as ``mean [low, high]``."""
        frame = self.pairs(kpi)
        table: dict[str, dict[str, str]] = {name: {} for name in self.strategies}
        for row in frame.itertuples(index=False):
            table[row.strategy][row.versus] = format_interval(kpi, row.mean, row.low, row.high, signed=True)
        out = pd.DataFrame.from_dict(table, orient="index").reindex(index=self.strategies, columns=self.strategies)
        return out.fillna("")

    def incremental_table(self) -> pd.DataFrame:
        """Strategies x incremental measures as ``mean [low, high]`` (notes in ``incremental_notes``)."""
        table: dict[str, dict[str, str]] = {}
        for row in self.incremental.itertuples(index=False):
            signed = row.measure not in RATIOS  # a cost per customer is a price, not a difference
            if math.isinf(row.low) or math.isinf(row.high):
                text = f"{find_kpi(row.measure, 'pair').format(row.mean, signed)} (interval unbounded)"
            else:
                text = format_interval(row.measure, row.mean, row.low, row.high, signed=signed, level="pair")
            table.setdefault(row.strategy, {})[self.column(row.measure, "pair")] = text
        names = [s for s in self.strategies if s != self.baseline]
        return pd.DataFrame.from_dict(table, orient="index").reindex(index=names)

    def incremental_notes(self) -> list[str]:
        """Why some incremental ratios are undefined or unbounded, one line per case."""
        rows = self.incremental[self.incremental["note"] != ""]
        return [f"{r.strategy}, {find_kpi(r.measure, 'pair').title}: {r.note}" for r in rows.itertuples(index=False)]

    def undefined_notes(self) -> list[str]:
        """Why cells read n/a: per KPI, the strategies where it is undefined in some runs, and the reason."""
        notes = []
        partial = self.summary[self.summary["n"] < self.replications]
        for kpi, rows in partial.groupby("kpi", sort=False):
            reason = UNDEFINED_REASONS.get(kpi, "no customer was won" if kpi.startswith("share_") else "undefined")
            where = ", ".join(f"{r.strategy} ({r.n} of {self.replications} runs defined)" for r in rows.itertuples())
            notes.append(f"{self.column(kpi)}: {reason}; {where}. Means use the runs where it is defined.")
        return notes

    def spend_table(self) -> pd.DataFrame:
        """Planned against actual spend per strategy (means over replications) and why they differ."""
        rows = []
        for strategy in self.scenario.strategies:
            runs = self.runs[self.runs["strategy"] == strategy.name]
            planned, spent = float(runs["planned_spend"].mean()), float(runs["spend"].mean())
            reason = ""
            if planned > 0 and spent < SPEND_SHORTFALL * planned:
                # The cap binds when the plan exceeds it and the spend (nearly) reaches it; a lever that
                # spends in lumps (a post, a batch of seeds) stops one lump short of the cap.
                budget = strategy.budget
                capped = (
                    0.0
                    if budget is None
                    else float(((runs["planned_spend"] > budget) & (runs["spend"] >= 0.95 * budget)).mean())
                )
                if capped:
                    reason = (
                        f"the budget cap of {find_kpi('spend').format(strategy.budget)} was "
                        f"reached in {capped:.0%} of the runs"
                    )
                else:
                    reason = (
                        "saturation: the levers could not spend their plan (e.g. at most one ad per consumer per step)"
                    )
            rows.append(
                {
                    "strategy": strategy.name,
                    "budget": strategy.budget,
                    "planned_spend": planned,
                    "spend": spent,
                    "spent_share": spent / planned if planned > 0 else float("nan"),
                    "reason": reason,
                }
            )
        return pd.DataFrame(rows)

    def spend_warnings(self) -> list[str]:
        """One sentence per strategy that spent less than it planned."""
        money = find_kpi("spend")
        unit = money.unit_text(self.currency)
        return [
            f"{r.strategy} spent {money.format(r.spend)} of the {money.format(r.planned_spend)} {unit} it planned "
            f"({r.spent_share:.0%}): {r.reason}"
            for r in self.spend_table().itertuples(index=False)
            if r.reason
        ]

    def tables(self, objective: str = "profit") -> dict[str, pd.DataFrame]:
        """Everything a strategist reads, as DataFrames (what ``compare()`` and ``--xlsx`` give)."""
        summary = self.summary.copy()
        summary.insert(2, "label", [self.column(k) for k in summary["kpi"]])
        differences = summary[summary["strategy"] != self.baseline][
            ["strategy", "kpi", "label", "diff_mean", "diff_low", "diff_high", "diff_n"]
        ].rename(columns=lambda c: c.replace("diff_", ""))
        differences.insert(1, "versus", self.baseline)
        incremental_frame = self.incremental.copy()
        incremental_frame.insert(2, "label", [self.column(k, "pair") for k in incremental_frame["measure"]])
        incremental_frame.insert(1, "versus", self.baseline)
        return {
            "verdict": pd.DataFrame({"objective": [objective], "verdict": [self.verdict(objective).text]}),
            "summary": summary,
            "differences": differences.reset_index(drop=True),
            "incremental": incremental_frame,
            "pairs": pd.concat([self.pairs(k) for k in OBJECTIVES.values()], ignore_index=True),
            "spend": self.spend_table(),
            "runs": self.runs,
        }

    def kpi_table(self, kpis=None, differences: bool = False) -> pd.DataFrame:
        """Strategies x KPIs as ``mean [low, high]`` strings (or paired differences vs the baseline)."""
        kpis = list(kpis or RUN_KPIS)
        if differences:  # a difference of two ratios to different spends means nothing: see incremental_*
            kpis = [k for k in kpis if k not in TOTAL_RATIOS]
        prefix = "diff_" if differences else ""
        table: dict[str, dict[str, str]] = {}
        for row in self.summary.itertuples(index=False):
            if row.kpi in kpis:
                values = (
                    getattr(row, f"{prefix}mean"),
                    getattr(row, f"{prefix}low" if differences else "ci_low"),
                    getattr(row, f"{prefix}high" if differences else "ci_high"),
                )
                table.setdefault(row.strategy, {})[row.kpi] = format_interval(row.kpi, *values, signed=differences)
        return pd.DataFrame.from_dict(table, orient="index").reindex(index=self.strategies, columns=kpis)

    def write(self, out_dir, objective: str = "profit", xlsx: bool = False) -> dict[str, Path]:
        """Write summary.csv, incremental.csv, pairs.csv, runs.csv, decomposition.csv, timeseries.parquet,
        scenario.yaml and report.html (and comparison.xlsx with ``xlsx``)."""
        from .report import render_report, scenario_as_run

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        names = [
            "summary.csv",
            "incremental.csv",
            "pairs.csv",
            "runs.csv",
            "decomposition.csv",
            "timeseries.parquet",
            "scenario.yaml",
            "report.html",
            "events.csv",
        ]
        paths = {name: out / name for name in names + (["comparison.xlsx"] if xlsx else [])}
        tables = self.tables(objective)
        self.summary.to_csv(paths["summary.csv"], index=False)
        tables["incremental"].to_csv(paths["incremental.csv"], index=False)
        tables["pairs"].to_csv(paths["pairs.csv"], index=False)
        self.runs.to_csv(paths["runs.csv"], index=False)
        self.decomposition.to_csv(paths["decomposition.csv"], index=False)
        self.timeseries.to_parquet(paths["timeseries.parquet"], index=False)
        self.events.to_csv(paths["events.csv"], index=False)
        paths["scenario.yaml"].write_text(scenario_as_run(self), encoding="utf-8")
        paths["report.html"].write_text(render_report(self, objective), encoding="utf-8")
        if xlsx:
            from .workbook import write_workbook

            write_workbook(self, paths["comparison.xlsx"], objective)
        return paths

    @classmethod
    def load(cls, folder) -> Comparison:
        """A comparison written by ``write`` (or ``run.py compare``), read back without rerunning anything."""
        from ..scenario import load_scenario

        folder = Path(folder)
        missing = [n for n in ("scenario.yaml", "runs.csv", "timeseries.parquet") if not (folder / n).is_file()]
        if missing:
            raise ValueError(f"{folder}: not a comparison's output folder (missing {', '.join(missing)})")
        scenario = load_scenario(folder / "scenario.yaml")
        runs = pd.read_csv(folder / "runs.csv")
        unknown = sorted(set(runs["strategy"]) - {s.name for s in scenario.strategies})
        if unknown:
            raise ValueError(f"{folder / 'runs.csv'}: strategies {', '.join(unknown)} are not in scenario.yaml")
        decomposition = folder / "decomposition.csv"
        events = folder / "events.csv"
        strategies = [s.name for s in scenario.strategies]
        return cls(
            scenario=scenario,
            replications=int(runs["replication"].nunique()),
            runs=runs,
            timeseries=pd.read_parquet(folder / "timeseries.parquet"),
            summary=summarise(runs, strategies, scenario.baseline_name),
            decomposition=pd.read_csv(decomposition) if decomposition.is_file() else pd.DataFrame(),
            elapsed=0.0,
            events=collect_events([pd.read_csv(events)])
            if events.is_file() and events.stat().st_size
            else empty_events(),
        )


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
    except BaseException:  # cancelled (a closed page) or interrupted: the runs in flight are not waited for
        stop_workers(executor)
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
    timeseries = timeseries[["strategy", "replication", *STEP_KPIS]]
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
        events=collect_events([e for o in outcomes for e in o.get("events", [])]),
    )


@dataclass
class ComparisonTables:
    """What ``compare()`` returns: the verdict and every table as a DataFrame (see ``Comparison.tables``)."""

    verdict: str  # in plain words, on the objective asked for
    baseline: str
    summary: pd.DataFrame  # per (strategy, kpi): mean, ci_low, ci_high, n, diff_* against the baseline
    differences: pd.DataFrame  # per (strategy, kpi): paired difference against the baseline
    incremental: pd.DataFrame  # per (strategy, measure): extra customers/revenue/spend/profit/NPV, ROI, CPA
    pairs: pd.DataFrame  # every ordered pair of strategies on profit, NPV and adopters
    spend: pd.DataFrame  # planned against actual spend per strategy, and why they differ
    runs: pd.DataFrame  # one row per (strategy, replication)
    timeseries: pd.DataFrame  # every run, every step
    comparison: Comparison = field(repr=False)  # for write(), rebase(), pairs_table() ...


def compare(
    scenario,
    *,
    replications: int | None = None,
    baseline: str | None = None,
    objective: str = "profit",
    jobs: int = 1,
    overrides=(),
    progress=None,
) -> ComparisonTables:
    """Compare a scenario's strategies, as ``run.py compare`` does, and return DataFrames.

    ``scenario``: a path to a scenario file or a ``Scenario``; ``overrides``: ``"path=value"`` strings as
    for ``--set``; ``baseline``: the strategy the others are measured against (default: the scenario's);
    ``objective``: what the verdict ranks on (profit, npv or adopters); ``jobs``: worker processes (call
    from under ``if __name__ == "__main__":`` when jobs > 1).

    >>> from simulation import compare
    >>> result = compare("scenarios/product_launch.yaml", replications=10, baseline="no_campaign")
    >>> print(result.verdict)
    >>> result.incremental   # extra customers, profit, NPV, incremental ROI and CPA with 95% intervals
    """
    from ..scenario import load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, list(overrides))
    elif overrides:
        raise ValueError("overrides apply to a scenario file: pass its path, or change the Scenario itself")
    if baseline is not None and baseline not in [s.name for s in scenario.strategies]:
        raise ValueError(
            f"baseline {baseline!r} is not one of the strategies: {', '.join(s.name for s in scenario.strategies)}"
        )
    if objective not in OBJECTIVES:
        raise ValueError(f"objective = {objective!r} is not allowed; allowed: {', '.join(OBJECTIVES)}")
    if baseline is not None:
        scenario = scenario.model_copy(update={"baseline": baseline})
    comparison = run_comparison(scenario, replications, jobs=jobs, progress=progress)
    tables = comparison.tables(objective)
    return ComparisonTables(
        verdict=comparison.verdict(objective).text,
        baseline=comparison.baseline,
        summary=tables["summary"],
        differences=tables["differences"],
        incremental=tables["incremental"],
        pairs=tables["pairs"],
        spend=tables["spend"],
        runs=comparison.runs,
        timeseries=comparison.timeseries,
        comparison=comparison,
    )
