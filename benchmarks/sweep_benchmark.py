"""Sweep throughput: 1,000 runs of 10,000 consumers x 52 weekly steps, against Mesa's batch_run.

Engine: the default scenario's baseline over 1,000 values of purchase.q (an lhs design), run through
the sweep's own path (process pool, rows written to Parquet as they complete). Reference, measured in
the same process: Mesa's ``batch_run`` over the per-agent formulation (benchmarks/mesa_baseline.py)
of network Bass diffusion on the same kind of network (small world, mean degree 10, rewiring 0.1),
same p, q and step length, on a sample of the runs. Prints runs per second and their ratio; when the
engine is below the goal it profiles one run and prints where the time goes.

    .venv/bin/python benchmarks/sweep_benchmark.py [--runs 1000] [--mesa-runs 12] [--jobs 2]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from simulation.experiment.runs import run_once  # noqa: E402
from simulation.network.build import build_network  # noqa: E402
from simulation.parameters import TIME_UNITS  # noqa: E402
from simulation.sweep.base import BaseScenario  # noqa: E402
from simulation.sweep.design import build_design  # noqa: E402
from simulation.sweep.runner import execute, executor  # noqa: E402
from simulation.sweep.spec import parse_param  # noqa: E402
from simulation.sweep.store import SweepStore, arrow_type, run_schema  # noqa: E402

GOAL = 40.0  # runs per second at 10,000 consumers x 52 steps on two cores (issue 11)
SCENARIO = ROOT / "scenarios" / "default.yaml"


def engine_sweep(runs: int, jobs: int) -> tuple[float, int, float, float, float]:
    """Seconds for the whole sweep (pool start-up included), the runs that succeeded, the mean wall and CPU
    seconds per run inside the workers, and the CPU seconds per run of the whole sweep (the workers with
    their start-up, and this process submitting runs and writing rows)."""
    base = BaseScenario(SCENARIO.read_text(), str(SCENARIO), (), str(SCENARIO.parent))
    design = build_design("lhs", [parse_param("purchase.q=0.1..0.8")], base, runs, seed=0)
    tasks = design.tasks(base, [base.parse().baseline_name], 1)
    schema = run_schema({"purchase.q": arrow_type(p["purchase.q"] for p in design.points)})
    from tqdm import tqdm

    with tempfile.TemporaryDirectory() as out:
        store = SweepStore(Path(out), schema, {"fingerprint": "benchmark"})
        ok, inside, cpu = 0, 0.0, 0.0
        before = _cpu_seconds()
        started = time.perf_counter()
        with executor(jobs) as (pool, slots), tqdm(total=len(tasks), unit="run", file=sys.stderr) as bar:
            for row in execute(pool, slots, base, tasks):
                ok += row["status"] == "ok"
                inside += row["elapsed"]
                cpu += row["cpu_seconds"]
                store.add(row)
                bar.update(1)
        store.flush()
        seconds = time.perf_counter() - started
        whole = _cpu_seconds() - before  # the workers have ended: their CPU time is counted
        return seconds, ok, inside / len(tasks), cpu / len(tasks), whole / len(tasks)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its ended child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def mesa_batch(runs: int, jobs: int) -> float:
    """Seconds for Mesa's batch_run of the per-agent model over `runs` values of q."""
    import mesa
    from mesa_baseline import MesaBaselineModel

    scenario = BaseScenario(SCENARIO.read_text(), str(SCENARIO)).parse()
    network = build_network(
        "small_world",
        scenario.market.n_consumers,
        np.random.default_rng(1),
        mean_degree=scenario.network.mean_degree,
        rewiring=scenario.network.rewiring,
    )
    parameters = {
        "n": network.n,
        "p": scenario.purchase.p,
        "q": list(np.linspace(0.1, 0.8, runs)),
        "dt": TIME_UNITS[scenario.time_unit],
        "network": network,
    }
    started = time.perf_counter()
    results = mesa.batch_run(
        MesaBaselineModel,
        parameters,
        number_processes=jobs,
        rng=[1],
        max_steps=scenario.horizon,
        data_collection_period=-1,
        display_progress=False,
    )
    elapsed = time.perf_counter() - started
    assert len(results) == runs and all(r["Step"] == scenario.horizon for r in results), (
        "batch_run did not run every model to the horizon"
    )
    return elapsed


def profile_one_run(top: int = 18) -> str:
    scenario = BaseScenario(SCENARIO.read_text(), str(SCENARIO)).parse()
    run_once(scenario, None, 0)  # warm up imports and caches
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.runcall(run_once, scenario, None, 1)
    total = time.perf_counter() - started
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return f"one run under cProfile: {total:.3f} s\n" + text.getvalue()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--mesa-runs", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores; using {args.jobs} processes; 10,000 consumers x 52 steps per run")

    scenario = BaseScenario(SCENARIO.read_text(), str(SCENARIO)).parse()
    started = time.perf_counter()
    for replication in range(5):
        run_once(scenario, None, replication)
    single = (time.perf_counter() - started) / 5
    print(f"one run in this process:     {single:.3f} s  ({1 / single:.2f} runs/s on one core)")

    seconds, ok, inside, cpu, whole = engine_sweep(args.runs, args.jobs)
    engine_rate = args.runs / seconds
    print(
        f"engine sweep:  {args.runs} runs in {seconds:.1f} s = {engine_rate:.2f} runs/s "
        f"({ok} ok; {engine_rate * single / args.jobs:.0%} of {args.jobs} x the single-core rate)"
    )
    print(
        f"  mean time inside a worker per run: {inside:.3f} s (parse point + network + run + KPIs); "
        f"the rest of {seconds * args.jobs / args.runs:.3f} s per run and core is start-up, transport and waiting"
    )
    print(
        f"  mean CPU time per run in a worker: {cpu:.3f} s -> {args.jobs / cpu:.1f} runs/s if the {args.jobs} cores were the sweep's alone"
    )
    print(
        f"  CPU time of the whole sweep per run (workers with their start-up, and this process): {whole:.3f} s "
        f"-> {args.jobs / whole:.1f} runs/s if the {args.jobs} cores were the sweep's alone"
    )
    print(f"  peak memory of the parent process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(
        f"  load average during the benchmark: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(other processes on the machine slow every figure here alike)"
    )

    mesa_seconds = mesa_batch(args.mesa_runs, args.jobs)
    mesa_rate = args.mesa_runs / mesa_seconds
    print(f"Mesa batch_run (per-agent model): {args.mesa_runs} runs in {mesa_seconds:.1f} s = {mesa_rate:.3f} runs/s")
    print(
        f"ratio engine / Mesa batch_run: {engine_rate / mesa_rate:.1f}x "
        "(the engine's runs also carry trust, opinions, marketing and KPIs; the Mesa model only Bass adoption)"
    )
    print(f"goal: {GOAL:.0f} runs/s -> {'met' if engine_rate >= GOAL else 'NOT met'} ({engine_rate:.2f} runs/s)")
    if engine_rate < GOAL and not args.no_profile:
        print(profile_one_run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
