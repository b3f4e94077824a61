"""Evaluate strategies over an ensemble of uncertain markets: mean, worst decile, regret, and PRIM boxes.

    run.py robust SCENARIO --uncertain purchase.q=0.6..2 --uncertain product.quality=0..0.7 \\
        --uncertain market.follower_share=0.01..0.1 --samples 100

The markets are a Latin hypercube over the uncertain fields (bounds lo..hi, as in run.py sweep); every
strategy (or those named by --strategy) runs in every market with R replications (common random numbers).
Runs are stored as a sweep (DIR/runs/*.parquet; the same command resumes). For the optimiser's best mix,
pass the scenario_optimised.yaml that run.py optimise writes. Writes markets.csv, summary.csv,
prim_boxes.csv and robust_report.html.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
from contextlib import closing
from pathlib import Path

from .common import (
    MAX_COUNT,
    MAX_REPLICATIONS,
    add_allow_long_argument,
    add_jobs_argument,
    add_scenario_arguments,
    check_run_time,
    fail,
    finished,
    load,
    output_dir,
    require_extra,
    whole_number,
    worker_count,
    writing,
)


def add_arguments(parser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_scenario_arguments(parser, optional=False)
    add_allow_long_argument(parser)
    parser.add_argument(
        "--uncertain",
        action="append",
        default=[],
        required=True,
        metavar="PATH=LO..HI",
        help="an uncertain field and its plausible range (repeatable)",
    )
    parser.add_argument(
        "--samples", type=whole_number(2, MAX_COUNT), default=100, help="markets drawn by Latin hypercube (default 100)"
    )
    parser.add_argument(
        "--replications",
        type=whole_number(1, MAX_REPLICATIONS),
        default=3,
        help="replications per market and strategy (default 3)",
    )
    parser.add_argument("--strategy", default="all", help="strategies to evaluate: 'all' (default) or names a,b")
    parser.add_argument("--objective", default="profit", choices=["profit", "npv", "adopters"], help="default profit")
    parser.add_argument("--chosen", default=None, help="the strategy whose losses PRIM explains (default: best mean)")
    parser.add_argument(
        "--against",
        default="best",
        choices=["best", "baseline"],
        help="it loses where the best strategy (default) or the baseline beats it by more than --margin",
    )
    parser.add_argument("--margin", type=float, default=0.0, help="by how much it must be beaten to lose (default 0)")
    parser.add_argument("--density", type=float, default=0.8, help="least density of a PRIM box (default 0.8)")
    parser.add_argument("--design-seed", type=int, default=0, help="seed of the Latin hypercube (default 0)")
    add_jobs_argument(parser, "local worker processes")


def main(args) -> int:
    require_extra("optimise", "ema_workbench")
    import numpy as np
    from tqdm import tqdm

    from ..resources import MemoryEstimateError, check_sweep_memory
    from ..robust.analysis import RobustError, box_text, choose, market_values, prim_boxes, regret, strategy_summary
    from ..robust.report import render_report
    from ..scenario import ScenarioError
    from ..sweep.base import BaseScenario
    from ..sweep.design import SweepError, build_design, validate
    from ..sweep.runner import execute, executor
    from ..sweep.spec import SpecError, parse_param
    from ..sweep.store import SweepStore, arrow_type, read_runs, run_schema

    scenario = load(args)
    path = Path(args.scenario)
    base = BaseScenario(path.read_text(encoding="utf-8"), str(path), tuple(args.overrides), str(path.parent.resolve()))
    problems, specs = [], []
    for text in args.uncertain:
        try:
            spec = parse_param(text)
        except SpecError as error:
            problems.append(str(error).replace("--param", "--uncertain"))
            continue
        if spec.form != "bounds":
            problems.append(f"--uncertain {text}: give a plausible range lo..hi (a Latin hypercube samples it)")
        specs.append(spec)
    args.jobs = worker_count(args.jobs)
    if not 0 < args.density <= 1:
        problems.append(f"--density {args.density}: expected a number in (0, 1]")
    strategies = (
        [s.name for s in scenario.strategies]
        if args.strategy == "all"
        else [n.strip() for n in args.strategy.split(",") if n.strip()]
    )
    if len(strategies) < 2:
        problems.append("robust compares strategies: give at least two (--strategy all, or a,b)")
    if problems:
        fail("robust not valid:\n  " + "\n  ".join(problems))
    try:
        check_sweep_memory(args.samples, len(specs), args.samples * len(strategies) * args.replications)
    except MemoryEstimateError as error:
        fail(f"robust not valid; nothing was run: {error}")
    try:
        design = build_design("lhs", specs, base, args.samples, args.design_seed)
        validate(design, base, strategies)
    except (SweepError, ScenarioError) as error:
        fail("robust not valid; nothing was run:\n  " + "\n  ".join(error.problems))
    runs = len(design.points) * len(strategies) * args.replications
    check_run_time(args, scenario, runs, args.jobs, strategies=[scenario.strategy(s) for s in strategies])
    out = output_dir(args, scenario, "robust", resumable=True)
    command = "run.py robust " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    identity = json.dumps([base.fingerprint, design.to_json(), strategies, args.replications], sort_keys=True)
    manifest = {
        "fingerprint": hashlib.sha256(identity.encode()).hexdigest()[:16],
        "command": command,
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
    total = len(design.points) * len(strategies) * args.replications
    todo = [t for t in design.iter_tasks(base, strategies, args.replications) if t.id not in done]
    print(
        f"{scenario.name}: {len(design.points)} markets (Latin hypercube over {', '.join(design.paths)}) x "
        f"{len(strategies)} strategies x {args.replications} replications = {total} runs; {total - len(todo)} already stored"
    )
    try:
        with (
            executor(args.jobs) as (pool, slots),
            tqdm(total=total, initial=total - len(todo), unit="run") as bar,
            closing(execute(pool, slots, base, iter(todo))) as rows,
        ):
            for row in rows:
                store.add(row)
                bar.update(1)
        store.flush()
    except KeyboardInterrupt:
        store.flush()
        print(
            f"\ninterrupted: completed runs are stored in {out}; run the same command again to resume", file=sys.stderr
        )
        return 130
    except OSError as error:  # a part of the store could not be written (a full disk, a folder made read-only)
        fail(
            f"--out {out}: could not store the runs ({error.strerror or error}); the runs stored before are kept in "
            f"{out / 'runs'}; run the same command again to resume"
        )
    runs = read_runs(out)
    runs = runs[runs["strategy"].isin(strategies) & (runs["replication"] < args.replications)]
    failed = int((runs["status"] != "ok").sum())
    notes = [f"{failed} runs failed; their errors are in the runs' 'error' column"] if failed else []
    try:
        values = market_values(runs, design.paths, args.objective)
        summary = strategy_summary(values, strategies)
        chosen = choose(summary, args.chosen)
    except RobustError as error:
        fail(str(error))
    regrets = regret(values, strategies)
    if args.against == "baseline":
        baseline = scenario.baseline_name
        if baseline not in strategies or baseline == chosen:
            fail(
                f"--against baseline: the baseline {baseline!r} must be run (--strategy) and differ from the chosen strategy"
            )
        loses = (values[baseline] - values[chosen] > args.margin).to_numpy()
        rival = f"the baseline ({baseline})"
    else:
        loses = (regrets[chosen] > args.margin).to_numpy()
        rival = "another strategy"
    boxes = prim_boxes(values[design.paths], loses, density=args.density)
    lines = [
        f"Chosen strategy: {chosen}"
        + (" (best mean)" if args.chosen is None else "")
        + f"; it loses where {rival}'s mean {args.objective} beats it by more than {args.margin:,g}"
        + (f" {scenario.currency}." if args.objective != "adopters" and scenario.currency else "."),
        *box_text(boxes, chosen, int(loses.sum()), len(values)),
    ]
    markets = values.join(regrets.add_prefix("regret_")).assign(chosen_loses=loses)
    report = render_report(
        f"Robustness of {scenario.name}'s strategies",
        command,
        args.objective,
        summary,
        values,
        regrets,
        design.paths,
        chosen,
        loses,
        boxes,
        lines,
        notes,
        scenario.currency,
    )
    kept = f"the {len(runs):,} runs are stored in {out / 'runs'}; run the same command again to write the results"
    with writing(out, kept=kept) as staged:
        markets.to_csv(staged / "markets.csv")
        summary.to_csv(staged / "summary.csv", index=False)
        boxes.to_csv(staged / "prim_boxes.csv", index=False)
        (staged / "robust_report.html").write_text(report, encoding="utf-8")
    with np.printoptions(precision=1):
        unit = f" ({scenario.currency})" if args.objective != "adopters" and scenario.currency else ""
        print(f"\n{args.objective}{unit} across {len(values)} markets:")
        print(summary.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print("\n" + "\n".join(lines))
    if not boxes.empty:
        print(boxes.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\nwrote {out}/ (markets.csv, summary.csv, prim_boxes.csv, robust_report.html, runs/)")
    finished(out)
    return 0
