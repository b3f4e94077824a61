"""The per-step cost figures behind ``simulation/run_cost.py``: CPU seconds of a step fitted to market size, ties
and talk volume.

Each market below is built and stepped in this process (after a warm-up that loads the compiled kernels); the
CPU seconds of its steps (``time.process_time``: every thread's, so the load of other jobs on the machine
inflates it far less than wall time, and a multi-threaded step is counted at its whole cost) are divided by the
sub-steps run and fitted by non-negative least squares (scipy.optimize.nnls) to

    seconds per sub-step = s + a consumers + b ties + c deliveries over ties + d deliveries to contacts

(``run_cost.substep_features``). It prints each market's measurement against the fit and the coefficients to
copy into ``run_cost.COEFFICIENTS`` (with the date and load).

Usage: .venv/bin/python benchmarks/step_cost.py   (about 40 s at low load)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy.optimize import nnls  # noqa: E402

from simulation import run_cost  # noqa: E402
from simulation.marketing.strategy import Strategy  # noqa: E402
from simulation.model import WordOfMouthModel  # noqa: E402

TALKING = dict(initial_awareness=0.5)
MARKETS = {
    "small world 5x10^3, degree 10": dict(n_consumers=5_000, **TALKING),
    "small world 2x10^4, degree 10": dict(n_consumers=20_000, **TALKING),
    "small world 10^5, degree 10": dict(n_consumers=100_000, **TALKING),
    "small world 2x10^4, degree 60": dict(n_consumers=20_000, mean_degree=60, **TALKING),
    "small world 2x10^4, talk 200/year": dict(n_consumers=20_000, talk_rate=200.0, **TALKING),
    "small world 2x10^4, talk 2000/year": dict(n_consumers=20_000, talk_rate=2000.0, **TALKING),
    "scale free 5x10^4, degree 20": dict(n_consumers=50_000, network="scale_free", mean_degree=20, **TALKING),
    "mean field 2x10^4, 30 contacts, talk 500/year": dict(
        n_consumers=20_000, network="complete", contacts=30, talk_rate=500.0, **TALKING
    ),
    "mean field 2x10^4, 10 contacts, talk 100/year": dict(
        n_consumers=20_000, network="complete", contacts=10, talk_rate=100.0, **TALKING
    ),
}
STEPS = 6


def measure(params: dict) -> tuple[float, list[float]]:
    """(CPU seconds per sub-step, [consumers, ties, deliveries] per sub-step) of one market."""
    model = WordOfMouthModel(seed=1, **params)
    model.run(1)  # first step aside: buffers sized, caches filled
    started = time.process_time()
    model.run(STEPS)
    seconds = (time.process_time() - started) / (STEPS * model.substeps)
    features = run_cost.substep_features(model.params, Strategy(name="none"), model.network)
    return seconds, [features[name] for name in run_cost.COEFFICIENTS]


def main() -> None:
    load = os.getloadavg()[0]
    WordOfMouthModel(seed=1, n_consumers=20_000).run(2)  # warm-up: compiled kernels loaded
    rows, seconds = [], []
    for name, params in MARKETS.items():
        measured, features = measure(params)
        rows.append(features)
        seconds.append(measured)
        print(f"{name:48s} {measured * 1e3:9.2f} ms CPU a sub-step", flush=True)
    design = np.array(rows, dtype=float)
    scale = design.max(axis=0)  # nnls on comparable columns
    coefficients, _ = nnls(design / scale, np.array(seconds))
    coefficients = coefficients / scale
    print("\nfit (CPU seconds a sub-step, run_cost.substep_features):")
    for (name, _), row, measured in zip(MARKETS.items(), rows, seconds, strict=True):
        print(
            f"  {name:48s} measured {measured * 1e3:8.2f} ms, fitted {float(np.dot(row, coefficients)) * 1e3:8.2f} ms"
        )
    print("\nCOEFFICIENTS = {")
    for name, value in zip(run_cost.COEFFICIENTS, coefficients, strict=True):
        print(f'    "{name}": {value:.2g},')
    print("}")
    print(f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
