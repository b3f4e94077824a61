"""Memory estimate against measured peak memory: the figures behind ``simulation/resources.py``.

For each market below, a fresh process builds the model and runs a few steps with everyone talking
(the worst case for the per-step arrays); its peak resident memory above the interpreter's own
(imports and a warm-up run) is compared with ``model_memory``'s estimate. Linux (reads /proc). The estimate is meant to
stay above the measurement and within a small factor of it.

Usage: .venv/bin/python benchmarks/memory_estimate.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (hearsay_talk_ratio 1: non-customers talk as much as customers, the talk the estimate bounds)
TALKING = dict(initial_awareness=1.0, neutral_talk=1.0, awareness_decay=0.0, hearsay_talk_ratio=1.0)
EVERY_TIE = dict(talk_rate=float("inf"), reach=1.0, **TALKING)  # every tie carries a message every step
MARKETS = {
    "small world, 10^5 consumers, degree 10": dict(n_consumers=100_000, mean_degree=10),
    "small world, 10^5 consumers, degree 50, every tie": dict(n_consumers=100_000, mean_degree=50, **EVERY_TIE),
    "small world, 3x10^4, degree 300, every tie": dict(n_consumers=30_000, mean_degree=300, **EVERY_TIE),
    "scale free, 10^5, degree 30, exponent 2.1": dict(
        n_consumers=100_000, mean_degree=30, network="scale_free", degree_exponent=2.1
    ),
    "communities, 10^5, degree 20, every tie": dict(
        n_consumers=100_000, mean_degree=20, network="communities", **EVERY_TIE
    ),
    "mean field, 10^5, 100 contacts, everyone once a step, reach 0.3": dict(
        n_consumers=100_000, network="complete", contacts=100, talk_rate=float("inf"), **TALKING
    ),
    "mean field, 10^5, 10 contacts, 10 messages a step": dict(
        n_consumers=100_000, network="complete", contacts=10, talk_rate=520.0, reach=1.0, **TALKING
    ),
    "10^6 consumers, degree 10": dict(n_consumers=1_000_000, mean_degree=10),
}

# Peak resident memory from /proc (VmHWM, reset through clear_refs after the warm-up): unlike
# ru_maxrss it is not inherited from the process that started this one (a large pytest process).
MEASURE = r"""
import gc, json, sys
from pathlib import Path
from simulation import WordOfMouthModel
from simulation.marketing.strategy import Strategy
from simulation.parameters import validate_parameters
from simulation.resources import model_memory

def status(field):
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(field))
    return int(line.split()[1]) * 1024

settings = json.loads(sys.argv[1])
WordOfMouthModel(n_consumers=200, network=settings.get("network", "small_world"), mean_degree=4, seed=1).run(2)
gc.collect()
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = status("VmRSS:")
# The estimate as the model's own check makes it, before anything is built (kernels not loaded yet).
market = {k: v for k, v in settings.items() if k != "strategy"}
estimate = model_memory(validate_parameters(market), Strategy.model_validate(settings.get("strategy") or {}))
model = WordOfMouthModel(seed=1, **settings)
model.run(3)
print(json.dumps({"measured": status("VmHWM:") - before, "estimate": estimate}))
"""


def measure(settings: dict) -> dict:
    """Peak bytes above the warmed-up interpreter and the estimate, for one market (in a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(settings)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"{'market':65s} {'measured':>10s} {'estimate':>10s} {'ratio':>6s}")
    for name, settings in MARKETS.items():
        figures = measure(settings)
        ratio = figures["estimate"] / figures["measured"]
        print(f"{name:65s} {figures['measured'] / 2**20:8.0f} MB {figures['estimate'] / 2**20:8.0f} MB {ratio:6.2f}")


if __name__ == "__main__":
    main()
