"""Network-build benchmark: the compiled builds against the numpy generators (the reference), same run.

For each size and kind, the network is built ``--rounds`` times by each form, interleaved (numpy, compiled,
numpy, compiled, ...), from the same seed: both forms give the same network (checked here, and in
tests/test_network.py). Printed: wall seconds min / median / max, median CPU seconds of this process, the
ratio of the median wall times, and the machine's load before and after. The compiled loops are loaded
and called once before timing (their compilation is cached on disk, so only a machine's first run compiles).

The numpy form of a 10^7 network takes over half a minute and several GB: it runs only up to
``--reference-up-to`` consumers (default 10^6); above it, only the compiled build is timed.

    .venv/bin/python benchmarks/network_benchmark.py [--sizes 1000000,10000000] [--kinds scale_free]
        [--rounds 3] [--reference-up-to 1000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulation import kernels  # noqa: E402
from simulation.network.build import build_network  # noqa: E402

SETTINGS = {
    "scale_free": dict(mean_degree=10),
    "small_world": dict(mean_degree=10, rewiring=0.1),
    "scale_free_power_law": dict(mean_degree=10, exponent=2.5),
    "random": dict(mean_degree=10),
    "communities": dict(mean_degree=10, n_communities=10, within_share=0.8),
}


def build(kind: str, n: int, compiled: bool):
    """Build one network with the compiled loops on or off: (network, wall seconds, CPU seconds)."""
    name = kind.removesuffix("_power_law")
    with kernels.using(compiled):
        wall, cpu = time.perf_counter(), time.process_time()
        network = build_network(name, n, np.random.default_rng(2024), **SETTINGS[kind])
        return network, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000", help="consumers, comma-separated")
    parser.add_argument("--kinds", default="scale_free", help=f"comma-separated, of: {', '.join(SETTINGS)}")
    parser.add_argument("--rounds", type=int, default=3, help="builds per form and size (default 3)")
    parser.add_argument("--reference-up-to", type=float, default=1e6, help="largest size the numpy form builds")
    args = parser.parse_args()
    sizes = [int(float(size)) for size in args.sizes.split(",")]
    kinds = args.kinds.split(",")
    if not kernels.enabled():
        print("numba is not installed or WOM_KERNELS=0: nothing to compare")
        return 1
    for kind in kinds:
        build(kind, 1000, compiled=True)  # load the compiled loops (and compile them on a first run)
    print(f"load average {os.getloadavg()[0]:.1f} at start; {args.rounds} rounds, interleaved; seconds")
    print(
        f"{'kind':22s} {'consumers':>10s} {'form':8s} {'min':>7s} {'median':>7s} {'max':>7s} {'cpu med':>8s} {'x':>6s}"
    )
    for kind in kinds:
        for n in sizes:
            forms = ["numpy", "compiled"] if n <= args.reference_up_to else ["compiled"]
            walls: dict[str, list[float]] = {form: [] for form in forms}
            cpus: dict[str, list[float]] = {form: [] for form in forms}
            networks = {}
            for _ in range(args.rounds):
                for form in forms:
                    networks[form], wall, cpu = build(kind, n, compiled=form == "compiled")
                    walls[form].append(wall)
                    cpus[form].append(cpu)
                if len(networks) == 2:
                    first, second = networks.values()
                    same = np.array_equal(first.indptr, second.indptr) and np.array_equal(first.indices, second.indices)
                    if not same:
                        raise SystemExit(f"{kind} at {n:,}: the compiled build differs from the numpy form")
                networks.clear()
            reference = statistics.median(walls[forms[0]])
            for form in forms:
                median = statistics.median(walls[form])
                ratio = f"{reference / median:6.1f}" if len(forms) == 2 else "     -"
                print(
                    f"{kind:22s} {n:10,d} {form:8s} {min(walls[form]):7.3f} {median:7.3f} {max(walls[form]):7.3f} "
                    f"{statistics.median(cpus[form]):8.3f} {ratio}"
                )
    print(f"load average {os.getloadavg()[0]:.1f} at the end (x: the numpy form's median / this form's)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
