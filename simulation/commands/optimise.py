"""Search the best mix of levers for a budget (Optuna: TPE, or NSGA-II with a risk objective), resumable.

    run.py optimise SCENARIO --budget 20000 --levers advertising,seeding,referral --trials 60
    run.py optimise SCENARIO --budget 20000 --levers advertising,seeding --objective npv --risk q10

Every trial runs its mix on the same replications (common random numbers). The study is stored in
OUT/study.db (or --storage URL, shared by workers on several machines); running the same command again
resumes it without repeating finished trials. The best mix is then compared with the scenario's own
strategies on fresh replications. Writes trials.csv, best_strategy.yaml, scenario_optimised.yaml,
versus.csv, result.json, report.html and validation/ (the comparison, as run.py compare writes it).
"""

from __future__ import annotations

import argparse

from .common import (
    MAX_COUNT,
    MAX_REPLICATIONS,
    add_allow_long_argument,
    add_jobs_argument,
    add_scenario_arguments,
    check_run_time,
    fail,
    finished,
    load,
    output_dir,
    require_extra,
    whole_number,
    worker_count,
    writing,
)


def add_arguments(parser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_scenario_arguments(parser, optional=False)
    add_allow_long_argument(parser)
    parser.add_argument("--budget", type=float, required=True, help="total budget the mix may spend")
    parser.add_argument(
        "--levers", required=True, help="lever kinds to combine, e.g. advertising,seeding,referral,content"
    )
    parser.add_argument(
        "--objective", default="profit", choices=["profit", "npv", "adopters"], help="what to maximise (mean)"
    )
    parser.add_argument(
        "--risk", default=None, choices=["q10"], help="also maximise the 10th percentile (NSGA-II, Pareto front)"
    )
    parser.add_argument(
        "--trials",
        type=whole_number(1, MAX_COUNT),
        default=50,
        help="finished trials the study should have (default 50)",
    )
    parser.add_argument(
        "--replications",
        "-r",
        type=whole_number(1, MAX_REPLICATIONS),
        default=10,
        help="replications per trial (default 10)",
    )
    parser.add_argument(
        "--validate",
        type=whole_number(0, MAX_REPLICATIONS),
        default=None,
        help="fresh replications for the final comparison (default: the scenario's)",
    )
    add_jobs_argument(parser, "worker processes running each trial's replications (same results for any number)")
    parser.add_argument("--storage", default=None, help="Optuna storage URL (default: sqlite:///OUT/study.db)")
    parser.add_argument("--sampler-seed", type=int, default=0, help="seed of the sampler (default 0)")


def main(args) -> int:
    require_extra("optimise", "optuna", "sqlalchemy")
    from sqlalchemy.exc import SQLAlchemyError
    from tqdm import tqdm

    from ..optimise.result import summarise
    from ..optimise.space import SearchSpace, SpaceError
    from ..optimise.study import OptimiseSettings, check_storage, completed, default_storage, optimise

    scenario = load(args)
    settings = OptimiseSettings(
        budget=args.budget,
        levers=tuple(k.strip() for k in args.levers.split(",") if k.strip()),
        objective=args.objective,
        risk=args.risk,
        trials=args.trials,
        replications=args.replications,
        seed=args.sampler_seed,
    )
    try:
        settings.check()
        SearchSpace(scenario, settings.budget, list(settings.levers))
    except (ValueError, SpaceError) as error:
        fail(str(error))
    args.jobs = worker_count(args.jobs)
    if args.storage is not None:
        try:
            check_storage(args.storage)  # before any work, and before Optuna adds its tables to any file
        except ValueError as error:
            fail(str(error))
    validate = scenario.replications if args.validate is None else args.validate
    # every trial's replications, then the best mix and each strategy on the validation replications
    runs = settings.trials * settings.replications + validate * (len(scenario.strategies) + 1)
    check_run_time(args, scenario, runs, args.jobs)
    out = output_dir(args, scenario, "optimise", resumable=True)
    storage = args.storage or default_storage(out)
    with tqdm(total=settings.trials, unit="trial", desc=f"{scenario.name}: optimise") as bar:

        def progress(done, total):
            bar.update(done - bar.n)

        try:
            study, ran = optimise(scenario, settings, storage, jobs=args.jobs, progress=progress)
        except KeyboardInterrupt:
            print(f"\ninterrupted: finished trials are kept in {storage}; run the same command again to resume")
            return 130
        except (SQLAlchemyError, OSError) as error:  # a database that fails (a full disk, a server gone)
            fail(f"--storage {storage}: {str(error).splitlines()[0][:200]}; finished trials are kept there")
        progress(len(completed(study)), settings.trials)
    print(f"{len(completed(study))} finished trials ({ran} run now, the rest loaded from {storage})")
    if validate:
        print(
            f"comparing the best mix with the scenario's {len(scenario.strategies)} strategies on {validate} fresh replications"
        )
    try:
        result = summarise(scenario, settings, study, storage, ran, validate, jobs=args.jobs)
    except (ValueError, RuntimeError) as error:
        fail(str(error))
    with writing(out, kept=f"the finished trials are kept in {storage}") as staged:
        paths = result.write(staged)
    print(f"\nbest mix (trial {result.best['trial']}): {result.best['strategy']['description']}")
    for name, value in result.best["values"].items():
        print(f"  {name}: {value:,.1f} over the {settings.replications} search replications")
    if not result.pareto.empty:
        print("\nPareto front (" + " vs ".join(settings.names) + "):")
        print(result.pareto.drop(columns="strategy").to_string(index=False))
    if result.importances:
        print("\nparameter importances (fANOVA): " + ", ".join(f"{k} {v:.2f}" for k, v in result.importances.items()))
    if not result.versus.empty:
        print("\noptimised mix minus each strategy (paired, 95% CI):")
        print(result.versus.round(1).to_string(index=False))
    if result.verdict:
        print("\n" + result.verdict)
    print(f"\nwrote {out}/ ({', '.join(paths)}{', validation/' * bool(validate)})")
    finished(out)
    return 0
