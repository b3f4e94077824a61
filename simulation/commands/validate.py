"""Run the validation suite and write docs/VALIDATION.md (tables, plots, seeds and replications).

Runs the Bass, independent-cascade and bounded-confidence reductions and the seeding, bad-news and
hub experiments (see simulation/validation/). `--quick` runs smaller sizes (about two minutes);
the full run takes several minutes. Exit status 1 if any check disagrees.
"""

from __future__ import annotations

from ..validation.report import write_report
from ..validation.suite import FIGURES, ROOT, run_suite
from .common import fail, require_extra


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer replications (about two minutes)")
    parser.add_argument(
        "--only", action="append", choices=list(FIGURES), default=None, help="run only this experiment (repeatable)"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="report path (default: docs/VALIDATION.md; --quick: results/validation-quick/VALIDATION.md)",
    )


def main(args) -> int:
    if not args.only or "cascade" in args.only:
        require_extra("test", "ndlib")  # the cascade check compares with NDlib's independent cascades
    default = ROOT / ("results/validation-quick/VALIDATION.md" if args.quick else "docs/VALIDATION.md")
    out = args.out or default
    mode = "quick" if args.quick else "full"
    print(f"validation suite ({mode}{': ' + ', '.join(args.only) if args.only else ''})")
    try:
        checks = run_suite(quick=args.quick, only=args.only)
    except (OSError, ValueError) as error:
        fail(str(error))
    command = (
        "python run.py validate" + (" --quick" if args.quick else "") + "".join(f" --only {o}" for o in args.only or [])
    )
    path = write_report(checks, out, FIGURES, command)
    agreed = sum(c.agrees for c in checks)
    print(f"{agreed} of {len(checks)} checks agree; wrote {path}")
    return 0 if agreed == len(checks) else 1
