"""Start-up benchmark: whole commands timed as processes, as a user sees them, against a bare Python.

Each command runs ``--runs`` times (after one untimed warm-up run that fills the file cache) as a new
process with this interpreter; the table gives min / median / max wall time and the ratio of the
median to the reference, ``python -c pass``, measured in the same run, and the median CPU time of the
process (less sensitive than wall time to other jobs on a shared machine). ``run.py simulate --steps 1``
is almost all start-up (imports, reading the scenario); the start-up part of a default ``simulate``
(52 steps) is its wall time minus the build-and-run time the command itself prints.

    .venv/bin/python benchmarks/startup_benchmark.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], runs: int) -> tuple[list[float], list[float], str]:
    """Wall and CPU times of ``runs`` runs of a command (after one warm-up), and the last run's output."""
    subprocess.run(command, cwd=ROOT, capture_output=True, check=True)
    walls, cpus, output = [], [], ""
    for _ in range(runs):
        started, cpu = time.perf_counter(), cpu_of_children()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_of_children() - cpu)
        output = done.stdout
    return walls, cpus, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7)")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "python -c pass (reference)": [python, "-c", "pass"],
            "run.py --help": [python, "run.py", "--help"],
            "run.py simulate --help": [python, "run.py", "simulate", "--help"],
            "run.py simulate --steps 1": [python, "run.py", "simulate", "--steps", "1", "--out", out],
            "run.py simulate (52 steps)": [python, "run.py", "simulate", "--out", out],
        }
        results = {name: timed(command, args.runs) for name, command in commands.items()}
    reference = statistics.median(results["python -c pass (reference)"][0])
    print(
        f"{args.runs} runs each after a warm-up; Python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.1f}"
    )
    print("wall time in seconds (min, median, max, median / python's); CPU time (user + system) of the process\n")
    print(f"{'command':32s} {'min':>7s} {'median':>7s} {'max':>7s} {'x python':>9s} {'cpu med':>8s}")
    for name, (times, cpus, _) in results.items():
        median = statistics.median(times)
        print(
            f"{name:32s} {min(times):7.3f} {median:7.3f} {max(times):7.3f} {median / reference:9.1f} "
            f"{statistics.median(cpus):8.3f}"
        )
    full_times, _, output = results["run.py simulate (52 steps)"]
    reported = re.search(r"time\s+([\d.]+) s", output)
    if reported:
        work = float(reported.group(1))
        startup = statistics.median(full_times) - work
        print(
            f"\nrun.py simulate (52 steps): build and run {work:.3f} s (as printed by the command), "
            f"start-up and output {startup:.3f} s = {startup / statistics.median(full_times):.0%} of the median"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
