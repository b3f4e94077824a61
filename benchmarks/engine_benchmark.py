"""Engine benchmark: the full model (every rule on) from 10^4 to 10^7 consumers, one fresh process per size.

For each size: a small-world network of mean degree 10 (rewiring 0.1) is built, the model set up with
the default parameters (weekly steps, p = 0.03, q = 0.38), and 52 steps run. Printed per size: network
build, model set-up, ms per step (min / median / max over the 52 steps), total wall and CPU seconds
(build included), the process's own peak memory (VmHWM of /proc/self/status: the high-water mark of
this process's resident memory, which a fresh interpreter does not inherit from its parent) and the
machine's load. The engine's whole diffusion against per-agent Mesa and against a one-sparse-product
sketch is ``benchmarks/diffusion_benchmark.py``.

The kernels run on ``simulation.kernels.threads()`` threads (``WOM_THREADS=1`` for one).

``--against DIR`` also measures the engine of another checkout (e.g. ``git worktree add /tmp/old <commit>``),
alternating with this one size by size (``--rounds`` times), and prints the ratio of median step times: how a
change of the model (such as the review channel) moves the cost of a step.

Usage: .venv/bin/python benchmarks/engine_benchmark.py [--sizes 10000,100000,1000000,10000000] [--steps 52]
       [--against DIR] [--rounds 3]
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
    from simulation.model import WordOfMouthModel

    try:
        from simulation import kernels
        from simulation.network.build import build_network
    except ImportError:  # a checkout from before the compiled kernels (--against)
        from simulation.network.generators import build_network  # type: ignore[no-redef]

        kernels = None  # type: ignore[assignment]
    if kernels is not None and kernels.enabled():
        kernels.compiled()  # load the compiled kernels before the clock starts
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
        "adopters": int(model.timeseries()["adopters"].iloc[-1]),
        "peak_gb": peak_gb(),
        "kernels": kernels is not None and kernels.enabled(),
        # threads the kernels are split over (checkouts from before the split: one)
        "threads": getattr(kernels, "threads", lambda: 1)() if kernels is not None else 1,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--against", type=Path, help="another checkout to measure alternately with this one")
    parser.add_argument("--rounds", type=int, default=1, help="measurements of each checkout per size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)  # internal: the checkout to import
    args = parser.parse_args()
    if args.one:
        if args.root is not None:
            sys.path.insert(0, str(args.root.resolve()))
        print(json.dumps(one_size(args.one, args.steps)))
        return
    if args.against is not None and not (args.against / "simulation" / "model.py").is_file():
        parser.error(f"--against {args.against}: no simulation/model.py there (expected a checkout of this project)")
    checkouts = [ROOT] + ([args.against.resolve()] if args.against is not None else [])
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    print(f"full model, small world of mean degree 10, {args.steps} weekly steps, one fresh process per size")
    print(
        f"   {'consumers':>10} {'network s':>9} {'set-up s':>8} {'ms/step min / median / max':>28} "
        f"{'total s':>8} {'CPU s':>7} {'peak GB':>8} {'load':>5} {'adopters':>9}"
    )
    medians: dict[tuple[Path, int], list[float]] = {}
    for n in (int(s) for s in args.sizes.split(",")):
        for _ in range(args.rounds):
            for root in checkouts:
                command = [sys.executable, __file__, "--one", str(n), "--steps", str(args.steps), "--root", str(root)]
                out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=root)
                r = json.loads(out.stdout.strip().splitlines()[-1])
                ms = np.array(r["step_ms"])
                medians.setdefault((root, n), []).append(float(np.median(ms)))
                spread = f"{ms.min():7.1f} / {np.median(ms):7.1f} / {ms.max():7.1f}"
                label = "" if root == ROOT else f"  ({root})"
                print(
                    f"   {r['n']:>10,} {r['network_s']:>9.2f} {r['setup_s']:>8.2f} {spread:>28} {r['total_s']:>8.2f} "
                    f"{r['cpu_s']:>7.2f} {r['peak_gb']:>8.2f} {os.getloadavg()[0]:>5.1f} {r['adopters']:>9,}{label}"
                )
                if root == ROOT:
                    kernels, threads = r["kernels"], r["threads"]
    print(f"   (kernels on, {threads} thread(s) here)" if kernels else "   (kernels off: numpy forms)")
    if args.against is not None:
        for n in sorted({n for _, n in medians}):
            ours, theirs = medians[(ROOT, n)], medians[(checkouts[1], n)]
            print(
                f"   {n:>10,} consumers: median ms per step {min(ours):.1f}-{max(ours):.1f} here vs "
                f"{min(theirs):.1f}-{max(theirs):.1f} in {checkouts[1]}: ratio {np.median(ours) / np.median(theirs):.2f}"
            )


if __name__ == "__main__":
    main()
