"""Batch parameter sweeps over scenario fields, on local processes or a Dask cluster, resumable.

    run.py sweep SCENARIO --param purchase.q=0.2:0.6:0.1 --param product.quality=0,0.4,0.8
    run.py sweep SCENARIO --param purchase.p=0.01..0.05 --param purchase.q=0.2..0.6 --design sobol --samples 256

SPEC is a list a,b,c, a range lo:hi:step or bounds lo..hi (random, lhs, sobol, morris). Any field can be
swept, including a strategy's levers (strategies.referral.levers.referral.reward=5,10,20). Every run
is a row of DIR/runs/*.parquet, written as runs complete; running the same command again resumes.
Writes sensitivity.csv (sobol, morris) or response.csv (grid), and sweep_report.html, which opens with
the drivers of every --kpi in words. If most of the first runs fail the sweep stops with the first error.
See docs/SWEEPS.md.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .common import (
    MAX_COUNT,
    MAX_JOBS,
    MAX_REPLICATIONS,
    add_allow_long_argument,
    add_jobs_argument,
    add_scenario_arguments,
    check_run_time,
    claim_folder,
    fail,
    finished,
    load,
    output_dir,
    require_extra,
    whole_number,
    worker_count,
    writing,
)

DESIGNS = ("grid", "random", "lhs", "sobol", "morris")  # sweep.design.DESIGNS, without importing it here


def add_arguments(parser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' line breaks
    add_scenario_arguments(parser, optional=False)
    add_allow_long_argument(parser)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="PATH=SPEC",
        required=True,
        help="a field to sweep: list a,b,c | range lo:hi:step | bounds lo..hi (repeatable)",
    )
    parser.add_argument(
        "--strategy", default=None, help="strategy to run: a name, names a,b, or 'all' (default: the baseline)"
    )
    parser.add_argument(
        "--design", default="grid", choices=DESIGNS, help="grid (default), random, lhs, sobol or morris"
    )
    parser.add_argument(
        "--samples",
        type=whole_number(1, MAX_COUNT),
        default=None,
        help="random/lhs: points; sobol: base samples N (N(D+2) points, a power of 2); morris: trajectories",
    )
    parser.add_argument("--design-seed", type=int, default=0, help="seed of the sampling design (default 0)")
    parser.add_argument(
        "--replications",
        type=whole_number(1, MAX_REPLICATIONS),
        default=1,
        help="replications per point and strategy, seeds seed+0..R-1 (default 1)",
    )
    add_jobs_argument(parser, "local worker processes (1 = serial)")
    parser.add_argument(
        "--scheduler", default=None, metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
    )
    parser.add_argument(
        "--dask-workers",
        type=whole_number(1, MAX_JOBS),
        default=None,
        metavar="N",
        help="run on a local Dask cluster of N worker processes",
    )
    parser.add_argument(
        "--timeseries", action="store_true", help="also store every run's per-step KPIs (DIR/timeseries/)"
    )
    parser.add_argument(
        "--kpi",
        action="append",
        default=None,
        help="KPI to analyse (repeatable; every one given is analysed; default for sensitivity designs: "
        "adopters, aware_share, mean_opinion, revenue, profit, npv; for grids: adopters, profit)",
    )


def _prepare(args):
    """The checked sweep plan: everything verified before a single run starts."""
    from ..resources import MemoryEstimateError
    from ..scenario import ScenarioError
    from ..scenario.loader import read_scenario_file
    from ..sweep.design import SweepError
    from ..sweep.job import plan
    from ..sweep.scheduler import SchedulerError, check_scheduler

    problems = []
    if not (args.scheduler or args.dask_workers):
        args.jobs = worker_count(args.jobs)
    if args.scheduler and args.dask_workers:
        problems.append("give --scheduler or --dask-workers, not both")
    if args.scheduler and not problems:
        try:
            check_scheduler(args.scheduler)  # an address that is not a Dask scheduler: a clear error, no hang
        except SchedulerError as error:
            problems.append(str(error))
    if problems:
        fail("sweep not valid:\n  " + "\n  ".join(problems))
    if args.scheduler or args.dask_workers:
        require_extra("dask", "dask", "distributed")
    load(args)  # the base scenario (with --set) must be valid on its own: same messages as other commands
    path = Path(args.scenario)
    try:
        return plan(
            read_scenario_file(path),
            str(path),
            str(path.parent.resolve()),
            args.param,
            overrides=tuple(args.overrides),
            design=args.design,
            samples=args.samples,
            design_seed=args.design_seed,
            strategy=args.strategy,
            replications=args.replications,
            command="run.py sweep " + " ".join(shlex.quote(a) for a in sys.argv[2:]),
            runs_at_once=1 if args.scheduler else args.dask_workers or args.jobs,
        )
    except MemoryEstimateError as error:
        fail(f"sweep not valid; nothing was run: {error}")
    except (SweepError, ScenarioError) as error:
        fail(
            f"sweep not valid ({len(error.problems)} problem{'s' * (len(error.problems) > 1)}); nothing was run:\n  "
            + "\n  ".join(error.problems)
        )


def main(args) -> int:
    try:
        return _main(args)
    except KeyboardInterrupt:  # before or after the runs (those are handled in run_sweep)
        print("\ninterrupted; completed runs (if any) are stored", file=sys.stderr)
        return 130


def _main(args) -> int:
    from ..sweep.store import FolderLock

    sweep = _prepare(args)
    scenario = sweep.scenario
    runs = len(sweep.design.points) * len(sweep.strategies) * sweep.replications
    workers = args.dask_workers or (1 if args.scheduler else args.jobs)  # (a scheduler's workers are unknown)
    check_run_time(args, scenario, runs, workers, strategies=[scenario.strategy(s) for s in sweep.strategies])
    if args.kpi:
        from ..kpis import RUN_KPIS

        unknown = [k for k in args.kpi if k not in RUN_KPIS]
        if unknown:
            fail(f"--kpi {', '.join(unknown)}: unknown KPI; known: {', '.join(RUN_KPIS)}")
    out = Path(args.out) if args.out else output_dir(args, scenario, "sweep")
    try:
        lock = FolderLock(out)  # before anything in the folder is touched: one sweep writes there at a time
    except ValueError as error:
        fail(str(error))
    try:
        return _run_locked(args, sweep, out)
    finally:
        lock.release()


def _run_locked(args, sweep, out: Path) -> int:
    from ..sweep.job import analyse, run_sweep

    scenario, design, strategies, total = sweep.scenario, sweep.design, sweep.strategies, sweep.total
    if args.out:
        claim_folder(out, args.overwrite, resumable=True, command="sweep")
    try:
        store = sweep.store(out)
    except ValueError as error:
        fail(str(error))
    stored = sweep.stored(store)
    backend = (
        f"Dask scheduler {args.scheduler}"
        if args.scheduler
        else f"local Dask cluster of {args.dask_workers} workers"
        if args.dask_workers
        else f"{args.jobs} local processes"
        if args.jobs > 1
        else "this process"
    )
    print(
        f"{scenario.name}: {design.kind} design, {len(design.points)} points x {len(strategies)} strateg"
        f"{'y' if len(strategies) == 1 else 'ies'} x {args.replications} replications = {total} runs; "
        f"{stored} already stored, {total - stored} to run on {backend}; writing {out}"
    )
    for path, note in design.rounded.items():
        print(f"  {path}: {note}")
    from tqdm import tqdm

    with tqdm(total=total, initial=stored, unit="run", dynamic_ncols=True, smoothing=0.1) as bar:

        def progress(done, failed, left):
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed, refresh=False)

        try:
            outcome = run_sweep(
                sweep,
                store,
                jobs=args.jobs,
                scheduler=args.scheduler,
                dask_workers=args.dask_workers,
                timeseries=args.timeseries,
                progress=progress,
            )
        except Exception as error:
            bar.close()
            print(
                f"error: the sweep stopped ({type(error).__name__}: {error}); completed runs are stored in {out}; "
                "run the same command again to resume",
                file=sys.stderr,
            )
            return 1
    if outcome.stopped == "interrupted":
        print(
            f"\ninterrupted: completed runs are stored in {out}; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    kept = f"the runs are stored in {out / 'runs'}; run the same command again to analyse them"
    if outcome.stopped == "failing":
        print(f"error: {outcome.failing_message()}", file=sys.stderr)
        with writing(out, kept=kept) as staged:
            analyse(out, sweep, args.kpi, into=staged)  # the report lists the failed runs
        print(f"wrote {out / 'sweep_report.html'} (the failed runs and their errors)", file=sys.stderr)
        return 1
    if outcome.failed:
        print(
            f"{outcome.failed} run{'s' * (outcome.failed > 1)} failed; their errors are in the 'error' column and the report"
        )
    with writing(out, kept=kept) as staged:
        result = analyse(out, sweep, args.kpi, into=staged)
    if outcome.done and outcome.failed == outcome.done:
        print(f"error: every run failed. First error: {outcome.first_error}", file=sys.stderr)
        print(f"wrote {result.report} (the failed runs and their errors)", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"warning: {note}", file=sys.stderr)
    if result.sensitivity is not None and not result.sensitivity.empty:
        print(result.sensitivity.drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if result.rankings:
        print("\nwhat drives the results:\n  " + "\n  ".join(result.rankings))
    print(f"wrote {out / 'runs'} and {result.report}")
    finished(out)
    return 0
