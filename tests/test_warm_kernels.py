"""The set-up's warm step (``simulation.warm_kernels``) leaves every kernel a run needs in numba's disk cache: a
fresh process then runs a market the kernels serve, and a comparison worker's small market, without compiling."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FIRST_RUN = """
from numba.core import event
from simulation import kernels
from simulation.experiment.runs import build_model
from simulation.model import WordOfMouthModel
from simulation.scenario import load_scenario

with event.install_recorder("numba:compile") as recorded:
    WordOfMouthModel(seed=5, n_consumers=60_000).run(2)  # served by the kernels at its size
    kernels.for_batches()  # a comparison's worker: kernels whatever the size, one thread
    scenario = load_scenario("scenarios/product_launch.yaml")
    for strategy in scenario.strategies:
        build_model(scenario, strategy.name, n_consumers=2_000).run(3)
print(len(recorded.buffer))
"""


@pytest.mark.slow
def test_after_the_warm_step_a_first_run_compiles_nothing():
    pytest.importorskip("numba")
    warmed = subprocess.run([sys.executable, "-m", "simulation.warm_kernels"], cwd=ROOT, capture_output=True, text=True)
    assert warmed.returncode == 0 and "cached" in warmed.stdout, warmed.stderr
    first = subprocess.run([sys.executable, "-c", FIRST_RUN], cwd=ROOT, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-1] == "0"  # compile events (numba only fires them on a cache miss)
