"""The golden KPI time series: every shipped scenario's strategies, run at a given size, fingerprinted.

A refactoring of the engine must leave every number as it was. This script runs each strategy of every
scenarios/*.yaml (the scenario's own seed, replication 0) with the compiled kernels and with their numpy
forms, and stores, per KPI column, a SHA-256 of the values' reprs (every bit counts, NaN included) and the
last step's values (to see what moved when a check fails):

    .venv/bin/python scripts/golden.py --write                  # tests/golden/kpis_10000x12.json
    .venv/bin/python scripts/golden.py --check                  # compare both kernel paths with it
    .venv/bin/python scripts/golden.py --write --size 1000000   # the full horizon at 10^6 (minutes)

Scenarios with a network file keep their own size. A commit that changes a rule on purpose regenerates the
files with --write and says so. tests/test_golden.py runs --check at the default size and steps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TEST_SIZE = 10_000
TEST_STEPS = 12  # enough for every lever to act, few enough for a test


def golden_path(size: int, steps: int | None) -> Path:
    """Where the fingerprints of one size (and number of steps; None: each scenario's horizon) live."""
    return ROOT / "tests" / "golden" / f"kpis_{size}x{'horizon' if steps is None else steps}.json"


def fingerprint(frame) -> dict:
    """Per column: the SHA-256 of its values' reprs (bit for bit) and the last value, as a repr."""
    columns = {}
    for name in frame.columns:
        values = [repr(float(v)) for v in frame[name].to_numpy(float)]
        digest = hashlib.sha256(",".join(values).encode()).hexdigest()[:24]
        columns[str(name)] = {"sha256": digest, "last": values[-1] if values else None}
    return {"steps": len(frame), "columns": columns}


def scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").glob("*.yaml"))


def run_all(size: int, steps: int | None, compiled: bool, only: str | None = None) -> dict:
    """{scenario: {strategy: fingerprint}} with the kernels on (``compiled``) or their numpy forms."""
    from simulation import kernels
    from simulation.experiment.runs import build_model
    from simulation.scenario import load_scenario

    result: dict = {}
    with kernels.using(compiled):
        for path in scenario_files():
            if only and path.stem != only:
                continue
            scenario = load_scenario(path)
            sized = scenario.model_parameters()["edge_list"] is None
            by_strategy = {}
            for strategy in scenario.strategies:
                extra = {"n_consumers": size} if sized else {}
                model = build_model(scenario, strategy.name, 0, **extra)
                model.run(scenario.horizon if steps is None else min(steps, scenario.horizon))
                by_strategy[strategy.name] = fingerprint(model.timeseries())
            result[path.stem] = by_strategy
    return result


def differences(expected: dict, found: dict) -> list[str]:
    """One line per strategy and KPI whose values differ (or that is missing on one side)."""
    lines = []
    for scenario in sorted(set(expected) | set(found)):
        want, got = expected.get(scenario, {}), found.get(scenario, {})
        for strategy in sorted(set(want) | set(got)):
            a, b = want.get(strategy), got.get(strategy)
            if a is None or b is None:
                lines.append(f"{scenario}/{strategy}: {'missing from the golden file' if a is None else 'not run'}")
                continue
            if a["steps"] != b["steps"]:
                lines.append(f"{scenario}/{strategy}: {b['steps']} steps, expected {a['steps']}")
            for column in sorted(set(a["columns"]) | set(b["columns"])):
                ca, cb = a["columns"].get(column), b["columns"].get(column)
                if ca is None or cb is None or ca["sha256"] != cb["sha256"]:
                    last = (ca or {}).get("last"), (cb or {}).get("last")
                    lines.append(f"{scenario}/{strategy}/{column}: last value {last[1]}, expected {last[0]}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate the golden file (from the numpy forms)")
    mode.add_argument("--check", action="store_true", help="compare both kernel paths with the golden file")
    parser.add_argument("--size", type=int, default=None, help=f"consumers (default {TEST_SIZE})")
    parser.add_argument("--steps", type=int, default=None, help="steps (default: 12 at 10^4, else the horizon)")
    parser.add_argument("--scenario", default=None, help="only this scenario (its file name without .yaml)")
    parser.add_argument("--paths", choices=["both", "kernels", "numpy"], default="both")
    args = parser.parse_args(argv)
    size = args.size or TEST_SIZE
    steps = args.steps if args.steps is not None else (TEST_STEPS if size == TEST_SIZE else None)
    path = golden_path(size, steps)
    paths = {"both": [True, False], "kernels": [True], "numpy": [False]}[args.paths]
    runs = {compiled: run_all(size, steps, compiled, args.scenario) for compiled in paths}
    if args.write:
        first, *others = runs.values()
        for other in others:
            if lines := differences(first, other):
                print("the kernels and the numpy forms disagree:\n" + "\n".join(lines), file=sys.stderr)
                return 1
        stored = json.loads(path.read_text()) if args.scenario and path.exists() else {}
        stored.update(first)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}: {sum(len(v) for v in first.values())} runs")
        return 0
    expected = json.loads(path.read_text())
    if args.scenario:
        expected = {args.scenario: expected.get(args.scenario, {})}
    failed = False
    for compiled, found in runs.items():
        lines = differences(expected, found)
        label = "kernels" if compiled else "numpy forms"
        print(f"{label}: {'identical' if not lines else f'{len(lines)} differences'}")
        for line in lines[:40]:
            print("  " + line)
        failed |= bool(lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
