"""Compare a scenario's strategies: R replications each with common random numbers, a verdict, paired differences and a report.

    run.py compare SCENARIO [--baseline NAME] [--objective profit|npv|adopters] [--xlsx]
    run.py compare RESULTS_FOLDER --baseline NAME       (re-analyse a finished comparison; nothing is rerun)

Every strategy is run R times (replication r uses seed + r and the same network for every strategy) in
parallel local processes. Prints the verdict in words, planned against actual spend, the incremental
results against the baseline and the KPI table; writes summary.csv, incremental.csv, pairs.csv, runs.csv,
decomposition.csv, timeseries.parquet, the scenario as run (scenario.yaml) and report.html (and
comparison.xlsx with --xlsx) to the output folder.
"""

from __future__ import annotations

from pathlib import Path

from ..parameters import MAX_SEED
from ..resources import check_scenario_memory
from .common import (
    MAX_REPLICATIONS,
    add_allow_long_argument,
    add_jobs_argument,
    add_scenario_arguments,
    check_run_time,
    fail,
    finished,
    load,
    output_dir,
    whole_number,
    worker_count,
    writing,
)

# The KPIs shown on the terminal (every KPI is in summary.csv and report.html).
TERMINAL_KPIS = [
    "adopters",
    "time_to_10pct",
    "aware_share",
    "mean_opinion",
    "negative_share",
    "revenue",
    "spend",
    "profit",
    "npv",
    "roi",
]
OBJECTIVES = ("profit", "npv", "adopters")  # experiment.incremental.OBJECTIVES, without importing it here


def add_arguments(parser) -> None:
    add_scenario_arguments(parser, optional=False)
    add_allow_long_argument(parser)
    parser.add_argument(
        "--replications",
        "-r",
        type=whole_number(1, MAX_REPLICATIONS),
        default=None,
        help="replications per strategy (default: the scenario's)",
    )
    add_jobs_argument(parser, "worker processes")
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="NAME",
        help="strategy the others are measured against (default: the scenario's baseline); with a results "
        "folder instead of a scenario, re-analyses its runs against NAME without rerunning",
    )
    parser.add_argument(
        "--objective",
        default="profit",
        choices=OBJECTIVES,
        help="what the verdict ranks strategies on (default: profit)",
    )
    parser.add_argument(
        "--xlsx", action="store_true", help="also write comparison.xlsx (summary, paired differences, every run)"
    )
    parser.add_argument(
        "--channels",
        type=int,
        default=0,
        metavar="R",
        help="also attribute each strategy's extra customers to channels (counterfactual runs, Shapley shares) "
        "over R replications; writes channels.csv",
    )


def _labelled(comparison, table):
    """KPI rows named with their units (the scenario's currency and time unit)."""
    return table.rename(index=lambda k: comparison.column(k))


def _defined(table, dropped: list[str]):
    """The table without its rows that are n/a for every strategy (their labels added to `dropped`): a row of
    n/a says nothing, and why each is undefined is told once, in the notes after the tables."""
    undefined = table.map(lambda value: str(value).startswith("n/a")).all(axis=1)
    dropped += [str(label) for label in table.index[undefined] if str(label) not in dropped]
    return table[~undefined]


def main(args) -> int:
    import pandas as pd

    from ..experiment.compare import Comparison, run_comparison

    if args.channels < 0:
        fail(f"--channels {args.channels}: expected a whole number of replications >= 0 (0: no attribution)")
    args.jobs = worker_count(args.jobs)
    if args.xlsx:
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            fail("--xlsx needs the package openpyxl: pip install -e '.[xlsx]' (scripts/setup.sh installs it)")
    folder = Path(args.scenario)
    comparison: Comparison | None
    if folder.is_dir():
        if args.overrides or args.replications:
            fail(f"{folder}: a results folder is re-analysed as run; --set and --replications need a scenario file")
        try:
            stored = Comparison.load(folder)
        except (ValueError, OSError) as error:
            fail(str(error))
        comparison, scenario = stored, stored.scenario
    else:
        scenario = load(args)
        if args.baseline is not None:
            if args.baseline not in [s.name for s in scenario.strategies]:
                fail(
                    f"--baseline {args.baseline}: not one of the strategies of {args.scenario}: "
                    + ", ".join(s.name for s in scenario.strategies)
                )
            scenario = scenario.model_copy(update={"baseline": args.baseline})
        comparison = None
    replications = args.replications or scenario.replications
    if scenario.seed + replications - 1 > MAX_SEED:
        fail(f"--replications {replications}: seeds from {scenario.seed} would go beyond 2^63 - 1 ({MAX_SEED})")
    try:
        check_scenario_memory(scenario, runs_at_once=min(args.jobs, replications))
    except ValueError as error:
        fail(f"{args.scenario}: {error}")
    if comparison is None:  # (a results folder re-analysed runs nothing)
        check_run_time(args, scenario, replications * len(scenario.strategies), args.jobs)
    out = output_dir(args, scenario, "compare")
    if comparison is None:
        from tqdm import tqdm

        with tqdm(total=replications * len(scenario.strategies), unit="run", desc=scenario.name) as bar:

            def progress(done, total):
                bar.update(done - bar.n)

            try:
                comparison = run_comparison(scenario, replications, jobs=args.jobs, progress=progress)
            except (ValueError, OSError) as error:
                fail(f"{args.scenario}: {error}")
    elif args.baseline is not None:
        try:
            comparison = comparison.rebase(args.baseline)
        except ValueError as error:
            fail(f"--baseline: {error}")
    assert comparison is not None
    replications = comparison.replications
    with writing(out) as staged:
        paths = comparison.write(staged, objective=args.objective, xlsx=args.xlsx)
    baseline = comparison.baseline
    print(
        f"\n{scenario.name}: {len(scenario.strategies)} strategies x {replications} replications, "
        f"seeds {scenario.seed}..{scenario.seed + replications - 1}, {comparison.horizon_text}"
    )
    if comparison.scale_note:
        print(comparison.scale_note)
    print(f"\nverdict ({args.objective}): {comparison.verdict(args.objective).text}")
    warnings = comparison.spend_warnings()
    if warnings:
        print("\nplanned vs actual spend (means over replications):\n  " + "\n  ".join(warnings))
    dropped: list[str] = []  # rows undefined for every strategy, left out of the tables
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", 40):
        print(f"\nincremental results against {baseline}: mean [95% CI]")
        print(_defined(comparison.incremental_table().T, dropped).to_string())
        for note in comparison.incremental_notes():
            print(f"  note: {note}")
        print("\nKPIs (each strategy on its own; money, ROI and spend per customer are totals): mean [95% CI]")
        print(_defined(_labelled(comparison, comparison.kpi_table(TERMINAL_KPIS).T), dropped).to_string())
        print(f"\npaired difference vs {baseline}: mean [95% CI]")
        paired = comparison.kpi_table(TERMINAL_KPIS, differences=True).drop(index=baseline).T
        print(_defined(_labelled(comparison, paired), dropped).to_string())
    if dropped:
        print(f"\nnot shown, undefined for every strategy (why: the notes above and below): {'; '.join(dropped)}")
    for note in comparison.undefined_notes():
        print(f"n/a: {note}")
    if not comparison.events.empty:
        print_listening(comparison.events, replications)
    if args.channels > 0 and not folder.is_dir():
        paths["channels.csv"] = print_channels(scenario, args.channels, args.jobs, out)
    if comparison.elapsed:
        print(f"\ntime {comparison.elapsed:.1f} s ({args.jobs} job{'s' * (args.jobs > 1)})")
    print(f"wrote {out}/ ({', '.join(paths)})")
    finished(out)
    return 0


def print_channels(scenario, replications: int, jobs: int, out) -> Path:
    """Where each strategy's extra customers came from (``experiment.attribution``); writes channels.csv."""
    from ..experiment.attribution import extra_customers_table

    table = extra_customers_table(scenario, replications, jobs)
    with writing(Path(out)) as staged:
        table.to_csv(staged / "channels.csv", index=False)
    path = Path(out) / "channels.csv"
    print(
        f"\nwhere the extra customers came from (vs {scenario.baseline_name}; Shapley shares, {replications} replications)"
    )
    shown = table[["strategy", "channel", "customers", "low", "high", "loss_if_off"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
    return path


def print_listening(events, replications: int) -> None:
    """When the listening strategies' triggers fired, and how their budget moved (events.csv has every event)."""
    from ..experiment.events import budget_summary, trigger_summary

    triggers = trigger_summary(events, replications)
    if not triggers.empty:
        print("\nlistening: when triggers fired (the lever started) or stopped")
        print(triggers.to_string(index=False))
    budget = budget_summary(events)
    if not budget.empty:
        print("\nlistening: mean share of the remaining budget per lever at each split (step)")
        print(budget.to_string())
