"""Start-up benchmark: whole commands timed as processes, as a user sees them, against ``import mesa``.

Each command runs ``--runs`` times as a new process with this interpreter, after one untimed warm-up run
each (which fills the file cache and writes the bytecode caches: ``PYTHONDONTWRITEBYTECODE`` is removed from
the commands' environment, as an installed package has its bytecode). The runs are interleaved, one of each
command per round, so a change of the machine's load falls on all of them alike. The table gives min / median
/ max wall time, the ratio of the median to the references measured in the same run (``python -c pass`` and
``python -c "import mesa"``, the floor of any Mesa model) and the median CPU time of the process (less
sensitive than wall time to other jobs on a shared machine); the load average is printed before and after.
``run.py simulate --steps 1`` is almost all start-up (imports, reading the scenario); the start-up part of a
default ``simulate`` (52 steps) is its wall time minus the build-and-run time the command itself prints.

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


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, tuple[list[float], list[float], str]]:
    """Wall and CPU times of ``runs`` interleaved rounds of every command (after one warm-up run each), and
    each command's last output."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    for command in commands.values():
        subprocess.run(command, cwd=ROOT, capture_output=True, check=True, env=env)
    results: dict[str, tuple[list[float], list[float], str]] = {name: ([], [], "") for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            started, cpu = time.perf_counter(), cpu_of_children()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
            walls, cpus, _ = results[name]
            walls.append(time.perf_counter() - started)
            cpus.append(cpu_of_children() - cpu)
            results[name] = (walls, cpus, done.stdout)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="timed rounds (default 7)")
    args = parser.parse_args()
    python = sys.executable
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        commands = {
            "python -c pass (reference)": [python, "-c", "pass"],
            'python -c "import mesa" (ref.)': [python, "-c", "import mesa"],
            "run.py --help": [python, "run.py", "--help"],
            "run.py simulate --help": [python, "run.py", "simulate", "--help"],
            "run.py simulate --steps 1": [python, "run.py", "simulate", "--steps", "1", "--out", out, "--overwrite"],
            "run.py simulate (52 steps)": [python, "run.py", "simulate", "--out", out, "--overwrite"],
        }
        results = timed(commands, args.runs)
    reference = statistics.median(results["python -c pass (reference)"][0])
    mesa, mesa_cpu = (statistics.median(times) for times in results['python -c "import mesa" (ref.)'][:2])
    print(
        f"{args.runs} interleaved rounds after a warm-up; Python {sys.version.split()[0]}; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(
        "wall time in seconds (min, median, max, median / the references'); CPU time (user + system) of the process\n"
    )
    print(
        f"{'command':32s} {'min':>7s} {'median':>7s} {'max':>7s} {'x python':>9s} {'x mesa':>7s} {'cpu med':>8s} {'x mesa':>7s}"
    )
    for name, (times, cpus, _) in results.items():
        median = statistics.median(times)
        print(
            f"{name:32s} {min(times):7.3f} {median:7.3f} {max(times):7.3f} {median / reference:9.1f} "
            f"{median / mesa:7.2f} {statistics.median(cpus):8.3f} {statistics.median(cpus) / mesa_cpu:7.2f}"
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
