"""Fit the free parameters jointly to every published pattern (pattern-oriented calibration).

    run.py fit [SCENARIO] [--free all|page|page_adoption] [--trials N] [--replications R] [--jobs J] [--result FILE] [--label TEXT]

Runs ``calibration.patterns.fit``: Optuna's TPE sampler with a fixed seed proposes candidates one after
another (SQLite storage in results/fit/), each measured against every target with the same seeds, its
measurements in parallel processes (the same numbers for any number). Writes the targets, the free
parameters and their ranges, every trial's values and distances, the best candidate and the seeds to
FILE (JSON; default docs/validation/fit-SCENARIO.json; --out is not used). It does not change any scenario.
"""

from __future__ import annotations

from pathlib import Path

from .common import add_jobs_argument, add_scenario_arguments, fail, require_extra

ROOT = Path(__file__).resolve().parents[2]


def add_arguments(parser) -> None:
    add_scenario_arguments(parser, optional=True)
    parser.add_argument("--trials", type=int, default=40, help="candidates tried (default: 40)")
    parser.add_argument(
        "--replications", "-r", type=int, default=20, help="paired replications per measurement (default: 20)"
    )
    add_jobs_argument(parser, "worker processes")
    parser.add_argument(
        "--free",
        default="all",
        choices=["all", "page", "page_adoption"],
        help="free parameters: all of patterns.FREE (default), the page's influence alone (patterns.PAGE) or with "
        "p, q and media awareness (patterns.PAGE_AND_ADOPTION)",
    )
    parser.add_argument("--result", default=None, help="result file (JSON; default docs/validation/fit-SCENARIO.json)")
    parser.add_argument("--label", default="", help="a note stored with the result (e.g. 'preliminary budget')")
    parser.add_argument(
        "--storage", default=None, help="SQLite file of the Optuna study, new (default: results/fit/RESULT-NAME.db)"
    )


def main(args) -> int:
    require_extra("optimise", "optuna")
    from tqdm import tqdm

    from ..calibration.patterns import FREE_SETS, TARGETS, fit
    from .common import load

    for flag, value, least in (
        ("--trials", args.trials, 1),
        ("--replications", args.replications, 2),
    ):
        if value < least:
            fail(f"{flag} {value}: expected a whole number >= {least}")
    scenario = load(args)
    out = Path(args.result or ROOT / "docs" / "validation" / f"fit-{scenario.name}.json")
    storage = Path(args.storage or ROOT / "results" / "fit" / f"{out.stem}.db")  # the study: not committed, the JSON is
    if storage.exists():
        fail(f"{storage}: a study is already stored there; move it away or give another --storage or --result")
    storage.parent.mkdir(parents=True, exist_ok=True)
    free = FREE_SETS[args.free]
    print(
        f"fit {scenario.name}: {len(free)} free parameters, {len(TARGETS)} targets, {args.trials} trials x "
        f"{args.replications} replications, {args.jobs} job{'s' * (args.jobs > 1)}"
    )
    with tqdm(total=args.trials, unit="trial") as bar:

        def progress(done: int, distance: float) -> None:
            bar.set_postfix(distance=f"{distance:.3g}")
            bar.update(1)

        try:
            result = fit(
                args.scenario,
                args.trials,
                args.replications,
                f"sqlite:///{storage}",
                free=free,
                workers=args.jobs,
                overrides=tuple(args.overrides or ()),
                progress=progress,
                label=args.label,
            )
        except (OSError, ValueError) as error:
            fail(str(error))
    result.storage = str(storage.relative_to(ROOT) if storage.is_relative_to(ROOT) else storage)
    result.write(out)
    best = result.best
    print(f"the scenario as shipped: distance {result.as_shipped['distance']:.4g}")
    print(f"best of {args.trials} trials (trial {best['trial']}): distance {best['distance']:.4g}")
    for name, value in best["params"].items():
        print(f"  {name} = {value:.4g}")
    missed = {k: v for k, v in best["distances"].items() if v > 0}
    print(
        f"targets met: {len(TARGETS) - len(missed)} of {len(TARGETS)}"
        + (f"; missed: {', '.join(missed)}" if missed else "")
    )
    print(f"wrote {out}")
    return 0
