"""Wall time of whole commands as a user sees them (interpreter start-up and imports included).

Each command runs `--repeats` times in a fresh process; printed: min / median / max seconds and the
machine's load average before each. Output goes to a temporary folder.

    .venv/bin/python benchmarks/command_benchmark.py [--repeats 3] [--only compare]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "help": ["run.py", "--help"],
    "simulate": ["run.py", "simulate", "scenarios/default.yaml", "--out", "{out}/simulate"],
    "simulate-1e6": [
        "run.py",
        "simulate",
        "scenarios/default.yaml",
        "--set",
        "market.n_consumers=1000000",
        "--set",
        "network.kind=small_world",
        "--out",
        "{out}/simulate-1e6",
    ],  # fmt: skip
    "compare": ["run.py", "compare", "scenarios/default.yaml", "--jobs", "2", "--out", "{out}/compare"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", action="append", choices=sorted(COMMANDS))
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as out:
        for name in args.only or COMMANDS:
            command = [sys.executable] + [part.format(out=out) for part in COMMANDS[name]]
            times, loads = [], []
            for _ in range(args.repeats):
                loads.append(os.getloadavg()[0])
                started = time.perf_counter()
                subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
                times.append(time.perf_counter() - started)
            times.sort()
            print(
                f"{' '.join(COMMANDS[name][:3]):<45} {times[0]:7.2f} / {times[len(times) // 2]:7.2f} / {times[-1]:7.2f} s"
                f"   (load {min(loads):.1f}-{max(loads):.1f})"
            )


if __name__ == "__main__":
    main()
