"""A whole diffusion, step by step: the engine against per-agent Mesa and against a one-sparse-product sketch.

Network Bass diffusion on a small world of mean degree 10 (rewiring 0.1), p = 0.5 and q = 5 per year,
monthly steps, until 95% have adopted. Measured in this process, interleaved step by step (engine step,
then each reference's step), for 3 seeds:

  1. the engine's network Bass reduction (every rule on, settings of docs/MODEL.md section 8 on a
     network) against ``benchmarks/mesa_baseline.py`` (one Mesa agent per consumer, shuffle_do) at
     10^4 and 10^5 consumers; the ratio in each phase of the diffusion (share adopted at the step's
     start: under 10%, 10-50%, 50-90%, over 90%).
  2. the same engine against the sketch a numpy user would write: S = A x adopted / degree (one scipy
     sparse product), hazard, one uniform per consumer; at 10^5 and 10^6 the ratio engine / sketch at
     every step (goal: under 2 at every step). With Mesa (1.), the sketch steps too, and its own ratio to
     Mesa by phase is printed: how far ahead of Mesa one sparse product per step can be.

Prints min / median / max of ms per step over the steps of a phase and seeds, and the machine's load.

    .venv/bin/python benchmarks/diffusion_benchmark.py [--mesa-sizes 10000,100000] [--sketch-sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from simulation.model import WordOfMouthModel  # noqa: E402
from simulation.network.build import build_network  # noqa: E402
from simulation.parameters import TIME_UNITS  # noqa: E402
from simulation.validation.bass_reduction import BASS_SETTINGS  # noqa: E402

P, Q, UNIT, STOP = 0.5, 5.0, "month", 0.95
# The Bass reduction of docs/MODEL.md on a network: everyone aware and typical, customers recommend with
# full trust and credibility every step, so S_i is the adopted share of i's ties.
NETWORK_BASS = {k: v for k, v in BASS_SETTINGS.items() if k not in ("network", "contacts")} | dict(
    strong_tie_trust=1.0, out_group_trust=1.0
)
PHASES = ((0.0, 0.1, "under 10%"), (0.1, 0.5, "10-50%"), (0.5, 0.9, "50-90%"), (0.9, 1.01, "over 90%"))


def network(n: int, seed: int):
    return build_network("small_world", n, np.random.default_rng(seed), mean_degree=10, rewiring=0.1)


class Sketch:
    """Network Bass diffusion as one sparse product per step (the vectorised reference)."""

    def __init__(self, net, seed: int):
        self.adjacency = net.to_scipy()
        self.degree = np.maximum(np.diff(net.indptr), 1).astype(np.float32)
        self.adopted = np.zeros(net.n, dtype=np.float32)
        self.rng = np.random.default_rng(seed)
        self.dt = TIME_UNITS[UNIT]

    def step(self) -> None:
        social = (self.adjacency @ self.adopted) / self.degree
        probability = -np.expm1(-(P + Q * social) * self.dt)
        self.adopted[self.rng.random(self.adopted.size, dtype=np.float32) < probability] = 1.0

    @property
    def share(self) -> float:
        return float(self.adopted.mean())


def engine(net, seed: int) -> WordOfMouthModel:
    return WordOfMouthModel(seed=seed, n_consumers=net.n, social_network=net, p=P, q=Q, time_unit=UNIT, **NETWORK_BASS)


def interleaved(n: int, references: tuple[str, ...], seeds=(1, 2, 3)) -> list[tuple[float, float, dict]]:
    """(share adopted at the step's start, engine seconds, {reference: seconds}) for every step and seed; each
    step the engine steps first, then every reference."""
    from mesa_baseline import MesaBaselineModel

    rows = []
    for seed in seeds:
        net = network(n, seed)
        model = engine(net, seed)
        others = {}
        for name in references:
            if name == "mesa":
                mesa = MesaBaselineModel(n=n, p=P, q=Q, dt=TIME_UNITS[UNIT], network=net, rng=seed)
                others[name] = (mesa, lambda mesa=mesa: mesa.adopters / n)
            else:
                sketch = Sketch(net, seed)
                others[name] = (sketch, lambda sketch=sketch: sketch.share)
        while True:
            share = model.kpis.get("adopters", 0) / n
            if share >= STOP and all(done() >= STOP for _, done in others.values()):
                break
            started = time.perf_counter()
            model.step()
            spent = time.perf_counter() - started
            times = {}
            for name, (other, _) in others.items():
                started = time.perf_counter()
                other.step()
                times[name] = time.perf_counter() - started
            rows.append((share, spent, times))
    return rows


def summary(values) -> str:
    values = np.asarray(values) * 1000
    return f"{values.min():8.2f} {np.median(values):8.2f} {values.max():8.2f}"


def report(n: int, rows, reference: str, against: str = "engine") -> None:
    """ms per step of ``against`` and ``reference`` by phase, and the ratio reference / against."""
    print(f"\n{n:,} consumers, {against} vs {reference}: ms per step (min / median / max over steps and 3 seeds)")
    print(
        f"   {'phase':<10} {'steps':>5} {against:>26} {reference:>26} {'ratio ' + reference + '/' + against + ' (min med max)':>32}"
    )
    shares = np.array([row[0] for row in rows])
    ref = np.array([row[2][reference] for row in rows])
    eng = np.array([row[1] if against == "engine" else row[2][against] for row in rows])
    for low, high, label in PHASES:
        inside = (shares >= low) & (shares < high)
        if not inside.any():
            continue
        ratio = ref[inside] / eng[inside]
        print(
            f"   {label:<10} {inside.sum():>5} {summary(eng[inside]):>26} {summary(ref[inside]):>26}   "
            f"{ratio.min():8.1f} {np.median(ratio):8.1f} {ratio.max():8.1f}"
        )
    if reference == "sketch":
        worst = (eng / ref).max()
        print(f"   {against} / sketch, worst step: {worst:.2f} (goal: under 2 at every step)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mesa-sizes", default="10000,100000")
    parser.add_argument("--sketch-sizes", default="100000,1000000")
    args = parser.parse_args()
    from simulation import kernels

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; kernels: {kernels.enabled()}")
    # Load the kernels and call each once before timing (numba loads each compiled signature on its first
    # call: 30-40 ms in a first step otherwise); once loaded, every model in this process runs them, 10^4 too.
    with kernels.using(kernels.enabled()):
        engine(network(2000, 0), 0).run(3)
    for n in (int(s) for s in args.mesa_sizes.split(",") if s):
        rows = interleaved(n, ("mesa", "sketch"))
        report(n, rows, "mesa")
        # A reference for the ratios above: how far ahead of Mesa one sparse product per step is, in the same steps.
        report(n, rows, "mesa", against="sketch")
    for n in (int(s) for s in args.sketch_sizes.split(",") if s):
        report(n, interleaved(n, ("sketch",)), "sketch")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
