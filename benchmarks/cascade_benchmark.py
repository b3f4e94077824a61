"""Independent cascades and greedy (CELF) seeding: compiled kernels against the reference implementations.

On an edge list (default: data/ego-facebook.edges), measured in this process:
  1. cascades per second from the same seed sets: the reference breadth-first cascade
     (``simulate_independent_cascade``, one coin per tie) against ``cascade_spread_samples`` with the
     compiled kernel, at several tie probabilities, with the KS test of the two spread distributions;
  2. live-edge samples per second (what CELF draws: one sample = one cascade from every seed at once) with
     scipy's connected components and with the compiled union-find, and the whole of ``greedy_seeds``
     (k = 50, 100 samples) both ways, which must pick the same seeds.

    .venv/bin/python benchmarks/cascade_benchmark.py [--edges PATH] [--runs 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulation import kernels  # noqa: E402
from simulation.influence.cascade import (  # noqa: E402
    LiveEdgeSamples,
    cascade_spread_samples,
    greedy_seeds,
    simulate_independent_cascade,
)
from simulation.network.edgelist import load_edge_list  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", default=str(ROOT / "data" / "ego-facebook.edges"))
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    network = load_edge_list(args.edges)
    print(
        f"{args.edges}: {network.n:,} consumers, {network.n_ties:,} ties; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    with kernels.using(True):
        cascade_spread_samples(network, [0], 0.1, 2, 0)  # compile or load the kernel
        LiveEdgeSamples(network, 0.1, 2, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    print("1. cascades per second from the same 10 random seeds (reference BFS vs compiled kernel)")
    for probability in (0.01, 0.05, 0.3):
        seeds = rng.choice(network.n, 10, replace=False)
        runs = args.runs if probability < 0.3 else max(20, args.runs // 4)
        started = time.perf_counter()
        reference = np.array([simulate_independent_cascade(network, seeds, probability, rng) for _ in range(runs)])
        reference_rate = runs / (time.perf_counter() - started)
        with kernels.using(True):
            started = time.perf_counter()
            compiled = cascade_spread_samples(network, seeds, probability, args.runs * 10, rng)
            compiled_rate = compiled.size / (time.perf_counter() - started)
        print(
            f"   p = {probability:<5} reference {reference_rate:9.0f}/s  compiled {compiled_rate:9.0f}/s  "
            f"-> {compiled_rate / reference_rate:6.0f} x;  mean spread {reference.mean():8.1f} vs {compiled.mean():8.1f}, "
            f"KS p = {stats.ks_2samp(reference, compiled).pvalue:.2f}"
        )
    print("2. greedy (CELF) seeding, k = 50, 100 live-edge samples")
    for probability in (0.01, 0.05, 0.3):
        picks, rates, totals = {}, {}, {}
        for on in (False, True):
            with kernels.using(on):
                started = time.perf_counter()
                live = LiveEdgeSamples(network, probability, 100, np.random.default_rng(3))
                sampled = time.perf_counter()
                picks[on] = greedy_seeds(network, 50, probability, live_edges=live).seeds
                rates[on], totals[on] = 100 / (sampled - started), time.perf_counter() - started
        print(
            f"   p = {probability:<5} live-edge samples {rates[False]:7.0f}/s -> {rates[True]:7.0f}/s "
            f"({rates[True] / rates[False]:4.1f} x); whole greedy {totals[False]:6.2f} s -> {totals[True]:6.2f} s; "
            f"same seeds: {picks[True] == picks[False]}"
        )
    print(f"load at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
