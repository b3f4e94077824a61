"""Batch parameter sweeps over scenario fields, on local processes or a Dask cluster, resumable.

    run.py sweep SCENARIO --param purchase.q=0.2:0.6:0.1 --param product.quality=0,0.4,0.8
    run.py sweep SCENARIO --param purchase.p=0.01..0.05 --param purchase.q=0.2..0.6 --design sobol --samples 256

SPEC is a list a,b,c, a range lo:hi:step or bounds lo..hi (random, lhs, sobol, morris). Any field can be
swept, including a strategy's levers (strategies.referral.levers.referral.reward=5,10,20). Every run
is a row of DIR/runs/*.parquet, written as runs complete; running the same command again resumes.
Writes sensitivity.csv (sobol, morris) or response.csv (grid), and sweep_report.html. See docs/SWEEPS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
from contextlib import closing
from pathlib import Path

from ..parameters import MAX_SEED
from ..resources import MemoryEstimateError, check_sweep_memory
from ..scenario import ScenarioError
from ..scenario.loader import read_scenario_file
from ..sweep.analysis import (
    DEFAULT_KPIS,
    AnalysisError,
    heat_map,
    morris_indices,
    response_curves,
    sobol_indices,
    summary,
)
from ..sweep.base import BaseScenario
from ..sweep.design import DESIGNS, MORRIS_LEVELS, SweepError, build_design, design_size, validate
from ..sweep.report import write_report
from ..sweep.runner import execute, executor
from ..sweep.scheduler import SchedulerError, check_scheduler
from ..sweep.spec import SpecError, parse_param
from ..sweep.store import FolderLock, SweepStore, arrow_type, read_runs, run_schema
from .common import add_scenario_arguments, claim_folder, fail, load, output_dir


def add_arguments(parser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep the examples' line breaks
    add_scenario_arguments(parser, optional=False)
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
        type=int,
        default=None,
        help="random/lhs: points; sobol: base samples N (N(D+2) points, a power of 2); morris: trajectories",
    )
    parser.add_argument("--design-seed", type=int, default=0, help="seed of the sampling design (default 0)")
    parser.add_argument(
        "--replications", type=int, default=1, help="replications per point and strategy, seeds seed+0..R-1 (default 1)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="local worker processes (default: one per core; 1 = serial)",
    )
    parser.add_argument(
        "--scheduler", default=None, metavar="tcp://HOST:PORT", help="run on this Dask scheduler's workers"
    )
    parser.add_argument(
        "--dask-workers", type=int, default=None, metavar="N", help="run on a local Dask cluster of N worker processes"
    )
    parser.add_argument(
        "--timeseries", action="store_true", help="also store every run's per-step KPIs (DIR/timeseries/)"
    )
    parser.add_argument(
        "--kpi",
        action="append",
        default=None,
        help=f"KPI(s) to analyse (repeatable; default for sensitivity: {', '.join(DEFAULT_KPIS)}; for grids: adopters)",
    )


def _strategies(arg: str | None, scenario) -> list[str]:
    if arg is None:
        return [scenario.baseline_name]
    if arg == "all":
        return [s.name for s in scenario.strategies]
    return [name.strip() for name in arg.split(",") if name.strip()]


def _prepare(args):
    """Scenario, design, tasks, store: everything checked before a single run starts."""
    scenario = load(args)  # the base scenario (with --set) must be valid on its own
    path = Path(args.scenario)
    base = BaseScenario(read_scenario_file(path), str(path), tuple(args.overrides), str(path.parent.resolve()))
    problems, specs = [], []
    for text in args.param:
        try:
            specs.append(parse_param(text))
        except SpecError as error:
            problems.append(str(error))
    if args.replications < 1:
        problems.append(f"--replications {args.replications}: expected a whole number >= 1")
    if args.jobs < 1 or (args.dask_workers is not None and args.dask_workers < 1):
        problems.append("--jobs and --dask-workers need a whole number >= 1")
    if args.scheduler and args.dask_workers:
        problems.append("give --scheduler or --dask-workers, not both")
    if scenario.seed + args.replications - 1 > MAX_SEED:
        problems.append(
            f"--replications {args.replications}: seeds {scenario.seed}..{scenario.seed + args.replications - 1} "
            f"go beyond 2^63 - 1; the largest seed for {args.replications} replications is {MAX_SEED - args.replications + 1}"
        )
    if args.scheduler and not problems:
        try:
            check_scheduler(args.scheduler)
        except SchedulerError as error:
            problems.append(str(error))
    if problems:
        fail("sweep not valid:\n  " + "\n  ".join(problems))
    strategies = _strategies(args.strategy, scenario)
    points = design_size(args.design, specs, args.samples)
    try:
        check_sweep_memory(points, len(specs), points * len(strategies) * args.replications)
    except MemoryEstimateError as error:
        fail(f"sweep not valid; nothing was run: {error}")
    at_once = 1 if args.scheduler else args.dask_workers or args.jobs
    try:
        design = build_design(args.design, specs, base, args.samples, args.design_seed)
        validate(design, base, strategies, runs_at_once=at_once)
    except (SweepError, ScenarioError) as error:
        fail(
            f"sweep not valid ({len(error.problems)} problem{'s' * (len(error.problems) > 1)}); nothing was run:\n  "
            + "\n  ".join(error.problems)
        )
    return scenario, base, design, strategies


def main(args) -> int:
    scenario, base, design, strategies = _prepare(args)
    out = Path(args.out) if args.out else output_dir(args, scenario, "sweep")
    try:
        lock = FolderLock(out)  # before anything in the folder is touched: one sweep writes there at a time
    except ValueError as error:
        fail(str(error))
    try:
        return _sweep(args, scenario, base, design, strategies, out)
    finally:
        lock.release()


def _sweep(args, scenario, base, design, strategies, out: Path) -> int:
    if args.out:
        claim_folder(out, args.overwrite, resumable=True)
    total = len(design.points) * len(strategies) * args.replications
    command = "run.py sweep " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    identity = json.dumps([base.fingerprint, design.to_json()], sort_keys=True)
    manifest = {
        "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:16],
        "command": command,
        "scenario": args.scenario,
        "overrides": list(args.overrides),
        "design": design.to_json(),
        "strategies": strategies,
        "replications": args.replications,
    }
    schema = run_schema({p: arrow_type(point[p] for point in design.points) for p in design.paths})
    try:
        store = SweepStore(out, schema, manifest)
    except ValueError as error:
        fail(str(error))
    done = store.done_ids()
    stored = sum(t.id in done for t in design.iter_tasks(base, strategies, args.replications))
    # Tasks are made as they are submitted: the parent holds no per-run list besides the stored ids.
    todo = (t for t in design.iter_tasks(base, strategies, args.replications) if t.id not in done)
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
    status = _run(store, base, todo, total, stored, args)
    if status:
        return status
    _analyse(out, design, strategies, scenario, args, command)
    return 0


def _run(store: SweepStore, base, todo, total: int, initial: int, args) -> int:
    from tqdm import tqdm

    failed = 0
    try:
        with (
            executor(args.jobs, args.scheduler, args.dask_workers) as (pool, slots),
            tqdm(total=total, initial=initial, unit="run", dynamic_ncols=True, smoothing=0.1) as bar,
            closing(execute(pool, slots, base, todo, args.timeseries)) as rows,
        ):
            # closing: on an interruption the tasks not yet started are cancelled before the pool shuts down.
            for row in rows:
                failed += row["status"] == "error"
                store.add(row)
                bar.update(1)
                if failed:
                    bar.set_postfix(failed=failed, refresh=False)
    except KeyboardInterrupt:
        store.flush()
        print(
            f"\ninterrupted: completed runs are stored in {store.out}; run the same command again to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as error:
        store.flush()
        print(
            f"error: the sweep stopped ({type(error).__name__}: {error}); completed runs are stored in {store.out}; "
            "run the same command again to resume",
            file=sys.stderr,
        )
        return 1
    store.flush()
    if failed:
        print(f"{failed} run{'s' * (failed > 1)} failed; their errors are in the 'error' column and the report")
    return 0


def _analyse(out: Path, design, strategies, scenario, args, command: str) -> None:
    runs = read_runs(out)
    runs = runs[runs["strategy"].isin(strategies) & (runs["replication"] < args.replications)]
    notes, sensitivity, curves, heat = [], None, None, {}
    kpi = (args.kpi or ["adopters"])[0]
    try:
        if design.kind in ("sobol", "morris"):
            import numpy as np

            kpis = args.kpi or DEFAULT_KPIS
            frames = []
            for strategy in strategies:
                if design.kind == "sobol":
                    frames.append(
                        sobol_indices(runs, design.problem(), len(design.points), strategy, kpis, args.design_seed)
                    )
                else:
                    points = np.array([[p[path] for path in design.paths] for p in design.points], dtype=float)
                    frames.append(
                        morris_indices(runs, design.problem(), points, strategy, kpis, MORRIS_LEVELS, args.design_seed)
                    )
            import pandas as pd

            sensitivity = pd.concat(frames, ignore_index=True)
            sensitivity.to_csv(out / "sensitivity.csv", index=False)
            print(sensitivity.drop(columns="note").to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        else:
            curves = response_curves(runs, design.paths, kpi)
            curves.to_csv(out / "response.csv", index=False)
            if len(design.paths) >= 2:
                heat = {s: heat_map(runs, design.paths[0], design.paths[1], kpi, s) for s in strategies}
    except AnalysisError as error:
        notes.append(f"analysis not possible: {error}")
        print(f"warning: {error}", file=sys.stderr)
    report = write_report(
        out,
        title=f"Sweep of {scenario.name}",
        command=command,
        summary=summary(runs),
        design=design.to_json(),
        runs=runs,
        sensitivity=sensitivity,
        curves=curves,
        heat=heat,
        kpi=kpi,
        notes=notes,
    )
    print(f"wrote {out / 'runs'} and {report}")
