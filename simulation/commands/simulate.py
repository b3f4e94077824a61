"""Run one simulation of a scenario's strategy and write timeseries.csv (the KPIs of every step)."""

from __future__ import annotations

import time

import pandas as pd

from ..experiment.events import run_events_text
from ..experiment.runs import build_model
from ..marketing.listening import EVENT_COLUMNS
from ..parameters import MAX_SEED
from ..scenario.loader import scenario_to_yaml
from ..scenario.paths import resolved_scenario
from .common import (
    add_allow_long_argument,
    add_scenario_arguments,
    check_run_time,
    fail,
    finished,
    load,
    output_dir,
    writing,
)

MAX_STEPS = 100_000  # the schema's largest horizon


def add_arguments(parser) -> None:
    add_scenario_arguments(parser, optional=True)
    add_allow_long_argument(parser)
    parser.add_argument("--strategy", default=None, help="strategy to run (default: the baseline)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the scenario's)")
    parser.add_argument("--steps", type=int, default=None, help="steps to run (default: the scenario's horizon)")


def spend_lines(model) -> list[str]:
    """Planned against actual spend per lever kind, saying why a lever spent less than it planned."""
    brand, lines = model.brand, []
    budget = brand.strategy.budget
    capped = budget is not None and brand.spend >= 0.95 * budget and sum(brand.planned_by_kind.values()) > budget
    for kind, planned in brand.planned_by_kind.items():
        spent = brand.spend_by_kind.get(kind, 0.0)
        line = f"{kind + ':':<15}{spent:>10,.0f}   spent of {planned:,.0f} planned"
        if planned > 0 and spent < 0.995 * planned:
            why = (
                f"the strategy's budget cap of {budget:,.0f} was reached"
                if capped
                else "saturation: the lever could not spend its plan (e.g. at most one ad per consumer per step)"
            )
            line += f" ({spent / planned:.0%}): {why}"
        lines.append(line)
    return lines


def main(args) -> int:
    if args.seed is not None and not 0 <= args.seed <= MAX_SEED:
        fail(f"--seed {args.seed}: expected a whole number from 0 to 2^63 - 1 ({MAX_SEED})")
    if args.steps is not None and not 1 <= args.steps <= MAX_STEPS:
        fail(f"--steps {args.steps}: expected a whole number from 1 to {MAX_STEPS:,}")
    scenario = load(args)
    strategy = args.strategy or scenario.baseline_name
    if strategy not in [s.name for s in scenario.strategies]:
        fail(f"--strategy {strategy!r}: the scenario has: {', '.join(s.name for s in scenario.strategies)}")
    # The scenario as run: --seed and --steps written into it, so scenario.yaml reproduces this run
    # (and stays valid: its replications must not run past the largest seed).
    seed = scenario.seed if args.seed is None else args.seed
    scenario = scenario.model_copy(
        update={
            "seed": seed,
            "horizon": scenario.horizon if args.steps is None else args.steps,
            "replications": min(scenario.replications, MAX_SEED - seed + 1),
        }
    )
    check_run_time(args, scenario, 1, strategies=[scenario.strategy(strategy)])
    out = output_dir(args, scenario, "simulate")  # refused before anything runs if it is not free
    started = time.perf_counter()
    try:
        model = build_model(scenario, strategy)
    except (ValueError, OSError) as error:
        fail(f"{args.scenario}: {error}")
    built = time.perf_counter() - started
    model.run(scenario.horizon)
    elapsed = time.perf_counter() - started
    frame = model.timeseries()
    header = f"# Scenario as run by `run.py simulate`. Reproduce: python run.py simulate scenario.yaml --strategy {strategy}\n"
    events = pd.DataFrame(model.brand.events, columns=EVENT_COLUMNS) if model.brand.listening.active else None
    with writing(out) as staged:
        frame.to_csv(staged / "timeseries.csv", index=False)
        (staged / "scenario.yaml").write_text(header + scenario_to_yaml(resolved_scenario(scenario)), encoding="utf-8")
        if events is not None:
            events.to_csv(staged / "events.csv", index=False)
    last = frame.iloc[-1]
    n = model.network.n
    print(
        f"{scenario.name} / {strategy}: {n:,} consumers, {model.network.kind} network, {scenario.horizon} {scenario.time_unit}s, seed {model.seed}"
    )
    if model.represents != 1:
        print(f"  (each simulated consumer stands for {model.represents:,g}: counts are simulated, money is real)")
    print(f"  adopters       {int(last.adopters):>10,}  ({last.adopters / n:.1%} of the market)")
    print(f"  aware          {last.aware_share:>10.1%}")
    print(f"  mean opinion   {last.mean_opinion:>+10.3f}  (negative: {last.negative_share:.1%} of the aware)")
    print(f"  followers      {int(last.following):>10,}")
    rating = "no ratings yet" if last.review_count == 0 else f"{last.average_rating:.2f} stars"
    stars = ", ".join(f"{k}*: {int(last[f'ratings_{k}']):,}" for k in range(5, 0, -1))
    print(f"  product page   {int(last.review_count):>10,} ratings, average {rating} ({stars})")
    money = scenario.currency or "money units"
    print(
        f"  revenue        {frame.revenue.sum():>10,.0f}   spend {frame.spend.sum():,.0f}   profit {frame.profit.sum():,.0f}"
        f"  ({money})"
    )
    for line in spend_lines(model):
        print(f"  {line}")
    print(f"  time           {elapsed:>10.2f} s  (build {built:.2f} s)")
    if events is not None:
        print(f"listening: {len(events)} events (triggers fired or stopped, budget moves); wrote {out / 'events.csv'}")
        print("\n".join(run_events_text(events)) or "  no trigger fired")
    print(f"wrote {out / 'timeseries.csv'}")
    finished(out)
    return 0
