"""Engine benchmark: the full model (every rule on) from 10^4 to 10^7 consumers, one fresh process per size.

For each size: a small-world network of mean degree 10 (rewiring 0.1) is built, the model set up with
the default parameters (weekly steps, p = 0.03, q = 0.38), and 52 steps run. Printed per size: network
build, model set-up, ms per step (min / median / max over the 52 steps), total wall and CPU seconds
(build included), the process's own peak memory (VmHWM of /proc/self/status: the high-water mark of
this process's resident memory, which a fresh interpreter does not inherit from its parent) and the
machine's load. The engine's whole diffusion against per-agent Mesa and against a one-sparse-product
sketch is ``benchmarks/diffusion_benchmark.py``.

Usage: .venv/bin/python benchmarks/engine_benchmark.py [--sizes 10000,100000,1000000,10000000] [--steps 52]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MARKET = dict(mean_degree=10, p=0.03, q=0.38, time_unit="week")


def peak_gb() -> float:
    """This process's peak resident memory (VmHWM), in GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024**2
    raise RuntimeError("no VmHWM in /proc/self/status")


def one_size(n: int, steps: int) -> dict:
    """Build and run the engine at size n in this process; times and peak memory."""
    from simulation import kernels
    from simulation.model import WordOfMouthModel
    from simulation.network.build import build_network

    kernels.compiled() if kernels.enabled() else None  # load the compiled kernels before the clock starts
    started, cpu = time.perf_counter(), time.process_time()
    network = build_network("small_world", n, np.random.default_rng(1), mean_degree=10, rewiring=0.1)
    built = time.perf_counter()
    model = WordOfMouthModel(seed=1, n_consumers=n, social_network=network, **MARKET)
    ready = time.perf_counter()
    per_step = []
    for _ in range(steps):
        before = time.perf_counter()
        model.step()
        per_step.append(time.perf_counter() - before)
    done = time.perf_counter()
    return {
        "n": n,
        "network_s": built - started,
        "setup_s": ready - built,
        "step_ms": [1000 * s for s in per_step],
        "total_s": done - started,
        "cpu_s": time.process_time() - cpu,
        "adopters": int(model.kpis["adopters"]),
        "talkers": int(model.kpis["talkers"]),
        "peak_gb": peak_gb(),
        "kernels": kernels.enabled(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.steps)))
        return
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"full model, small world of mean degree 10, {args.steps} weekly steps, one fresh process per size")
    print(
        f"   {'consumers':>10} {'network s':>9} {'set-up s':>8} {'ms/step min / median / max':>28} "
        f"{'total s':>8} {'CPU s':>7} {'peak GB':>8} {'load':>5} {'adopters':>9}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--steps", str(args.steps)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ms = np.array(r["step_ms"])
        spread = f"{ms.min():7.1f} / {np.median(ms):7.1f} / {ms.max():7.1f}"
        print(
            f"   {r['n']:>10,} {r['network_s']:>9.2f} {r['setup_s']:>8.2f} {spread:>28} {r['total_s']:>8.2f} "
            f"{r['cpu_s']:>7.2f} {r['peak_gb']:>8.2f} {os.getloadavg()[0]:>5.1f} {r['adopters']:>9,}"
        )
    print("   (kernels on)" if r["kernels"] else "   (kernels off: numpy forms)")


if __name__ == "__main__":
    main()
