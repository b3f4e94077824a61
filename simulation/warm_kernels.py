"""Compile every kernel into numba's on-disk cache at set-up (``scripts/setup.sh``), so that a user's first run
that uses the kernels (a market of 50,000 consumers or more, a comparison's or sweep's workers) loads them
instead of compiling them.

numba compiles a ``cache=True`` kernel for the argument types of its first call and stores it beside its source
(``__pycache__``); a fresh clone has no such cache. Here small markets go through every path that calls a kernel
with the kernels switched on whatever the size (``kernels.using``): each network kind built by the compiled
builders, the three delivery paths, on one thread and split over several, with the levers and the review page
acting (the shipped scenarios' strategies). Small markets compile the same machine code as big ones: a kernel's
types do not depend on the market's size.

Usage: .venv/bin/python -m simulation.warm_kernels
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from . import kernels

ROOT = Path(__file__).resolve().parents[1]
CONSUMERS = 3_000
SPLIT_CONSUMERS = 2 * kernels.SMALLEST_SPLIT  # big enough for a step's work to be split over threads
STEPS = 3
NETWORKS = ("small_world", "scale_free", "random", "communities", "complete")
DELIVERIES = ("messages", "sparse", "dense")


def warm(progress=print) -> int:
    """Run every kernel path once with the kernels on; returns the number of runs made."""
    from .experiment.runs import build_model
    from .scenario import load_scenario

    def run(scenario, strategy=None, delivery="auto", **params) -> None:
        model = build_model(scenario, strategy, **params)
        model.delivery = delivery
        model.run(STEPS)

    runs = 0
    default = load_scenario(ROOT / "scenarios" / "default.yaml")
    with kernels.using(True):
        kernels.use_threads(1)
        for network in NETWORKS:  # each builder, each delivery path
            for delivery in DELIVERIES:
                run(default, delivery=delivery, n_consumers=CONSUMERS, network=network)
                runs += 1
        progress(f"  {len(NETWORKS)} network kinds x {len(DELIVERIES)} delivery paths")
        for path in sorted((ROOT / "scenarios").glob("*.yaml")):  # every lever, the page, listening
            scenario = load_scenario(path)
            sized = {} if scenario.network.kind == "edge_list" else {"n_consumers": CONSUMERS}
            for strategy in scenario.strategies:
                run(scenario, strategy.name, **sized)
                runs += 1
            progress(f"  {path.name}: {len(scenario.strategies)} strategies")
        kernels.use_threads(2)
        for delivery in DELIVERIES:  # the parts of a split step (radix sort, per-thread ranges)
            run(default, delivery=delivery, n_consumers=SPLIT_CONSUMERS)
            runs += 1
        progress(f"  {SPLIT_CONSUMERS:,} consumers split over 2 threads, {len(DELIVERIES)} delivery paths")
    return runs


def main() -> int:
    if not kernels.enabled():
        print("warm_kernels: numba is not installed or WOM_KERNELS=0: the numpy forms run, nothing to compile")
        return 0
    started = time.perf_counter()
    runs = warm()
    print(f"warm_kernels: {runs} runs through every kernel path in {time.perf_counter() - started:.0f} s; cached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
