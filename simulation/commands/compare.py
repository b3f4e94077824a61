"""Compare a scenario's strategies: R replications each with common random numbers, paired differences and a report.

Every strategy is run R times (replication r uses seed + r and the same network for every strategy) in
parallel local processes. Writes summary.csv, runs.csv, decomposition.csv, timeseries.parquet, the
scenario as run (scenario.yaml) and report.html to the output folder, and prints the KPI table.
"""

from __future__ import annotations

import os

import pandas as pd
from tqdm import tqdm

from ..experiment.compare import run_comparison
from ..parameters import MAX_SEED
from ..resources import check_scenario_memory
from .common import add_scenario_arguments, fail, load, output_dir

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


def add_arguments(parser) -> None:
    add_scenario_arguments(parser, optional=False)
    parser.add_argument(
        "--replications", "-r", type=int, default=None, help="replications per strategy (default: the scenario's)"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per CPU)"
    )


def main(args) -> int:
    scenario = load(args)
    if args.replications is not None and args.replications < 1:
        fail(f"--replications {args.replications}: expected a whole number >= 1")
    if args.jobs < 1:
        fail(f"--jobs {args.jobs}: expected a whole number >= 1")
    replications = args.replications or scenario.replications
    if scenario.seed + replications - 1 > MAX_SEED:
        fail(f"--replications {replications}: seeds from {scenario.seed} would go beyond 2^63 - 1 ({MAX_SEED})")
    try:
        check_scenario_memory(scenario, runs_at_once=min(args.jobs, replications))
    except ValueError as error:
        fail(f"{args.scenario}: {error}")
    out = output_dir(args, scenario, "compare")
    with tqdm(total=replications * len(scenario.strategies), unit="run", desc=scenario.name) as bar:

        def progress(done, total):
            bar.update(done - bar.n)

        try:
            comparison = run_comparison(scenario, replications, jobs=args.jobs, progress=progress)
        except (ValueError, OSError) as error:
            fail(f"{args.scenario}: {error}")
    paths = comparison.write(out)
    with pd.option_context("display.width", 250, "display.max_columns", None, "display.max_colwidth", 40):
        print(
            f"\n{scenario.name}: {len(scenario.strategies)} strategies x {replications} replications, "
            f"seeds {scenario.seed}..{scenario.seed + replications - 1}; mean [95% CI]"
        )
        print(comparison.kpi_table(TERMINAL_KPIS).T.to_string())
        print(f"\npaired difference vs {scenario.baseline_name}: mean [95% CI]")
        print(comparison.kpi_table(TERMINAL_KPIS, differences=True).drop(index=scenario.baseline_name).T.to_string())
    undefined = comparison.summary[comparison.summary["n"] < replications].groupby("kpi", sort=False)["n"]
    if len(undefined):
        print(
            "\nnote: averaged over the runs where defined (n of "
            + str(replications)
            + " per strategy): "
            + "; ".join(f"{kpi} n={'/'.join(str(v) for v in n)}" for kpi, n in undefined)
        )
    print(f"\ntime {comparison.elapsed:.1f} s ({args.jobs} job{'s' * (args.jobs > 1)})")
    print(f"wrote {out}/ ({', '.join(paths)})")
    return 0
