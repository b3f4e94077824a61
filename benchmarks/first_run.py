"""A first `simulate` in a fresh clone against the second: does the first run compile the kernels?

A fresh clone (``git clone`` of this checkout's HEAD into a temporary folder, the same .venv) has no numba
cache. In one clone the set-up's warm step runs first (``python -m simulation.warm_kernels``, what
``scripts/setup.sh`` runs); with ``--cold`` a second clone skips it, to show what the step saves. In each,
``run.py simulate`` of a market that uses the kernels runs twice as whole processes: the reference is the
second run of the same clone (everything cached), so the first/second ratio says what a first run costs.
Wall and CPU seconds of each process, and the load average, are printed.

Usage: .venv/bin/python benchmarks/first_run.py [--consumers 60000] [--steps 3] [--cold]
       (about 1 minute at low load; --cold adds the compile, about 30 s)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a command run as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def fresh_clone(folder: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(folder)], check=True)
    (folder / ".venv").symlink_to((ROOT / ".venv").resolve())
    return folder


def measure(clone: Path, warm: bool, consumers: int, steps: int) -> None:
    python = str(clone / ".venv" / "bin" / "python")
    label = "set-up's warm step, then" if warm else "no warm step:"
    if warm:
        wall, cpu = timed([python, "-m", "simulation.warm_kernels"], clone)
        print(f"  warm step (once, at set-up)           {wall:6.1f} s wall {cpu:6.1f} s CPU")
    simulate = [python, "run.py", "simulate", "--set", f"market.n_consumers={consumers}", "--steps", str(steps)]
    runs = []
    for which in ("first", "second"):
        out = clone / f"out-{which}"
        runs.append(timed([*simulate, "--out", str(out)], clone))
        print(f"  {label} {which} simulate{' ' * (10 - len(which))} {runs[-1][0]:6.1f} s wall {runs[-1][1]:6.1f} s CPU")
    print(f"  first / second: {runs[0][0] / runs[1][0]:.2f} (wall), {runs[0][1] / runs[1][1]:.2f} (CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=60_000, help="market size (kernels from 50,000)")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also a clone without the warm step")
    args = parser.parse_args()
    print(
        f"HEAD {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}, "
        f"{args.consumers:,} consumers, {args.steps} steps; load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="wom-first-run-") as tmp:
        print("fresh clone with the set-up's warm step:")
        measure(fresh_clone(Path(tmp) / "warm"), True, args.consumers, args.steps)
        if args.cold:
            print("fresh clone without it:")
            measure(fresh_clone(Path(tmp) / "cold"), False, args.consumers, args.steps)
    print(f"load average after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    sys.exit(main())
