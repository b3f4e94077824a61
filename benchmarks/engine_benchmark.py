"""Engine benchmark: the vectorised engine against the per-agent Mesa formulation, and scaling to 10^6.

Prints, all measured in this run:
  1. 100,000 consumers, mean degree 10 (small world): seconds per step of the engine (full model,
     every rule on) and of `benchmarks/mesa_baseline.py` (one Mesa agent per consumer, shuffle_do,
     looking at its neighbours: a network Bass diffusion) on the same graph, p, q and step, and the ratio.
  2. For 10^4, 10^5, 10^6 consumers: network build, model set-up, seconds per step and peak memory,
     each size in a fresh process so peak memory is its own; the 10^6 row gives the total for 52 steps
     with the build included.

Usage: .venv/bin/python benchmarks/engine_benchmark.py [--sizes 10000,100000,1000000] [--mesa-steps 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

MARKET = dict(mean_degree=10, p=0.03, q=0.38, time_unit="week")

# The engine reduced to the baseline's diffusion: everyone aware and typical, customers recommend with
# full weight every step, no opinion dynamics -- then S_i is the adopted share of i's ties, as in the
# per-agent model (docs/MODEL.md, "Reductions").
NETWORK_BASS = dict(
    initial_awareness=1.0,
    follower_share=0.0,
    awareness_decay=0.0,
    interest_decay=0.0,
    persuasion=0.0,
    interest_gain=0.0,
    follow_rate=0.0,
    talk_rate=float("inf"),
    neutral_talk=0.0,
    talkativeness_dispersion=0.0,
    strong_tie_trust=1.0,
    weak_tie_trust=1.0,
    experience_credibility=1.0,
    quality=1.0,
    quality_spread=0.0,
    experience_weight=1.0,
    opinion_spread=0.0,
    initial_opinion=0.0,
    reach=1.0,
)


def one_size(n: int, steps: int) -> dict:
    """Build and run the engine at size n (in this process); times and peak memory."""
    from simulation.model import WordOfMouthModel
    from simulation.network.build import build_network

    started = time.perf_counter()
    network = build_network("small_world", n, np.random.default_rng(1), mean_degree=10, rewiring=0.1)
    built = time.perf_counter()
    model = WordOfMouthModel(seed=1, n_consumers=n, social_network=network, **MARKET)
    ready = time.perf_counter()
    model.run(steps)
    done = time.perf_counter()
    return {
        "n": n,
        "network_s": built - started,
        "setup_s": ready - built,
        "step_s": (done - ready) / steps,
        "total_s": done - started,
        "steps": steps,
        "adopters": model.kpis["adopters"],
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2,
    }


def versus_mesa(n: int, engine_steps: int, mesa_steps: int) -> None:
    from mesa_baseline import MesaBaselineModel

    from simulation.model import WordOfMouthModel
    from simulation.network.build import build_network

    network = build_network("small_world", n, np.random.default_rng(1), mean_degree=10, rewiring=0.1)
    timings = {}
    for label, extra in (("same diffusion", NETWORK_BASS), ("full model", {})):
        engine = WordOfMouthModel(seed=1, n_consumers=n, social_network=network, **MARKET, **extra)
        engine.run(2)  # warm-up: first calls into numpy and the random streams
        started = time.perf_counter()
        engine.run(engine_steps)
        timings[label] = ((time.perf_counter() - started) / engine_steps, engine.kpis["adopters"])

    dt = 7 / 365.25
    started = time.perf_counter()
    baseline = MesaBaselineModel(n=n, p=MARKET["p"], q=MARKET["q"], dt=dt, network=network, rng=1)
    setup = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(mesa_steps):
        baseline.step()
    mesa_step = (time.perf_counter() - started) / mesa_steps
    print(f"1. {n:,} consumers, mean degree 10, same graph, p, q and weekly step")
    print(
        f"   Mesa per-agent model:            {mesa_step * 1000:9.1f} ms per step  ({mesa_steps} steps; set-up {setup:.1f} s; "
        f"{baseline.datacollector.get_model_vars_dataframe()['Adopters'].iloc[-1]:,} adopters)"
    )
    for label, (engine_step, adopted) in timings.items():
        print(
            f"   engine, {label:<22}   {engine_step * 1000:9.1f} ms per step  ({engine_steps} steps; {adopted:,} adopters)"
            f"  -> {mesa_step / engine_step:5.0f} x faster"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--mesa-steps", type=int, default=5)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.steps)))
        return
    versus_mesa(100_000, 20, args.mesa_steps)
    print(f"\n2. Scaling (small world, mean degree 10, {args.steps} weekly steps, one process per size, one core)")
    print(f"   {'consumers':>10} {'network s':>10} {'set-up s':>9} {'ms/step':>8} {'total s':>8} {'peak GB':>8}")
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--steps", str(args.steps)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"   {r['n']:>10,} {r['network_s']:>10.2f} {r['setup_s']:>9.2f} {r['step_s'] * 1000:>8.1f} {r['total_s']:>8.2f} {r['peak_gb']:>8.2f}"
        )


if __name__ == "__main__":
    main()
