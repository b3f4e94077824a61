"""What the commands share: loading a scenario with overrides, output folders, error reporting."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from ..scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"


def add_scenario_arguments(parser, *, optional: bool) -> None:
    if optional:
        parser.add_argument(
            "scenario", nargs="?", default=str(DEFAULT_SCENARIO), help="scenario file (default: scenarios/default.yaml)"
        )
    else:
        parser.add_argument("scenario", help="scenario file (YAML), e.g. scenarios/product_launch.yaml")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. --set market.n_consumers=5000 (repeatable)",
    )
    parser.add_argument("--out", default=None, help="output folder (default: results/<scenario>/<timestamp>/)")


def load(args):
    """The scenario named on the command line with its --set overrides; exits with the problems listed."""
    try:
        return load_scenario(args.scenario, args.overrides)
    except ScenarioError as error:
        fail(
            f"scenario not valid ({len(error.problems)} problem{'s' * (len(error.problems) > 1)}):\n  "
            + "\n  ".join(error.problems)
        )


def output_dir(args, scenario, command: str) -> Path:
    if args.out:
        out = Path(args.out)
    else:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = ROOT / "results" / scenario.name / f"{command}-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def fail(message: str, code: int = 2):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)
