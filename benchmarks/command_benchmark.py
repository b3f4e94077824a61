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
    "simulate": ["run.py", "simulate", "scenarios/default.yaml", "--out", "{out}/simulate-{run}"],
    "simulate-1e6": [
        "run.py",
        "simulate",
        "scenarios/default.yaml",
        "--set",
        "market.n_consumers=1000000",
        "--set",
        "network.kind=small_world",
        "--out",
        "{out}/simulate-1e6-{run}",
    ],  # fmt: skip
    "compare": ["run.py", "compare", "scenarios/default.yaml", "--jobs", "2", "--out", "{out}/compare-{run}"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", action="append", choices=sorted(COMMANDS))
    parser.add_argument("--root", action="append", help="checkouts to time (default: this one); run alternately")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the commands' environment")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores")
    roots = [Path(r).resolve() for r in (args.root or [ROOT])]
    env = dict(os.environ, **dict(item.split("=", 1) for item in args.env))
    with tempfile.TemporaryDirectory() as out:
        for name in args.only or COMMANDS:
            times: dict = {root: [] for root in roots}
            loads = []
            for repeat in range(args.repeats):
                for index, root in enumerate(roots):  # alternately, so every checkout sees the same load
                    # a fresh --out each time: the commands refuse to write into a folder that is not empty
                    run = f"{repeat}-{index}"
                    command = [sys.executable] + [part.format(out=out, run=run) for part in COMMANDS[name]]
                    loads.append(os.getloadavg()[0])
                    started = time.perf_counter()
                    subprocess.run(command, cwd=root, check=True, capture_output=True, env=env)
                    times[root].append(time.perf_counter() - started)
            for root in roots:
                t = sorted(times[root])
                where = f" [{root}]" if len(roots) > 1 else ""
                print(
                    f"{name:<14} {t[0]:7.2f} / {t[len(t) // 2]:7.2f} / {t[-1]:7.2f} s   "
                    f"(load {min(loads):.1f}-{max(loads):.1f}){where}"
                )


if __name__ == "__main__":
    main()
