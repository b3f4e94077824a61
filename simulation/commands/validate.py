"""Run the validation suite and write docs/VALIDATION.md (tables, plots, seeds and replications).

Runs the Bass, independent-cascade and bounded-confidence reductions, the seeding, bad-news and hub
experiments and the stylised facts (see simulation/validation/), then each again with the mechanism it
names switched off (the ablation table: a check must disagree without its mechanism). Experiments run in
parallel processes, one per core by default, with the same numbers for any number of workers. `--quick`
runs smaller sizes (a few minutes); the full run takes longer. Exit status 1 if any check disagrees.
"""

from __future__ import annotations

from ..validation.ablations import ablation_table
from ..validation.report import write_report
from ..validation.suite import FIGURES, ROOT, run_suite, suite_tasks
from .common import add_jobs_argument, fail, require_extra


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer replications (a few minutes)")
    parser.add_argument(
        "--only", action="append", choices=list(FIGURES), default=None, help="run only this experiment (repeatable)"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="report path (default: docs/VALIDATION.md; --quick: results/validation-quick/VALIDATION.md)",
    )
    add_jobs_argument(parser, "worker processes")
    parser.add_argument(
        "--no-ablations", action="store_true", help="skip rerunning each check with its mechanism switched off"
    )


def main(args) -> int:
    if not args.only or "cascade" in args.only:
        require_extra("test", "ndlib")  # the cascade check compares with NDlib's independent cascades
    default = ROOT / ("results/validation-quick/VALIDATION.md" if args.quick else "docs/VALIDATION.md")
    out = args.out or default
    mode = "quick" if args.quick else "full"
    print(f"validation suite ({mode}{': ' + ', '.join(args.only) if args.only else ''})")
    from tqdm import tqdm

    ablate = not args.no_ablations
    total = len(suite_tasks(mode, args.only, ablate))
    try:
        with tqdm(total=total, unit="experiment", dynamic_ncols=True) as bar:

            def progress(line: str) -> None:
                bar.write(line)
                bar.update(1)

            checks, ablated = run_suite(
                quick=args.quick, only=args.only, progress=progress, workers=args.jobs, ablate=ablate
            )
    except (OSError, ValueError) as error:
        fail(str(error))
    command = (
        "python run.py validate"
        + (" --quick" if args.quick else "")
        + (" --no-ablations" if args.no_ablations else "")
        + "".join(f" --only {o}" for o in args.only or [])
    )
    table = ablation_table({c.key: c for c in checks}, ablated) if ablate else None
    path = write_report(checks, out, FIGURES, command, ablations=table)
    agreed = sum(c.agrees for c in checks)
    print(f"{agreed} of {len(checks)} checks agree; wrote {path}")
    if table is not None and len(table):
        print(
            f"{int(table['detects'].sum())} of {len(table)} ablations detected (the check disagrees without its mechanism)"
        )
    return 0 if agreed == len(checks) else 1
