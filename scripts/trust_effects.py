"""Does every trust mechanism of docs/MODEL.md change a KPI? Each switched off alone on shipped scenarios.

For each mechanism (the parameters that switch it off) and scenario, replication r of the scenario's baseline
strategy runs with and without the mechanism on the same seed and network (paired), and the relative change of
adopters at the horizon, (without - with) / with, is summarised with a 95% t-interval. The mechanism changes the
KPI measurably when the interval excludes 0.

    .venv/bin/python scripts/trust_effects.py                    # 30 replications, markdown on stdout
    .venv/bin/python scripts/trust_effects.py --replications 10 -j 2

The table in docs/VALIDATION.md ("Every trust mechanism changes a KPI") is this script's output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from simulation.validation.ablations import FLAT_TIE_TRUST  # noqa: E402

# In-group and out-group trust alike, at the mean weight the default's ties give them (80% of ties inside).
FLAT_GROUP_TRUST = 0.8 * 1.0 + 0.2 * 0.6

# Each mechanism: the parameters that switch it off, and the (scenario, strategy) pairs it is measured on (None:
# the scenario's baseline). Brand trust only acts through brand messages: it is measured where the brand advertises.
EVERY_SCENARIO = (("default", None), ("review_crisis", None), ("loyalty_referral", None))
MECHANISMS = {
    "differences in tie trust (strong vs weak)": (
        {"strong_tie_trust": FLAT_TIE_TRUST, "weak_tie_trust": FLAT_TIE_TRUST},
        EVERY_SCENARIO,
    ),
    "community trust (in-group above out-group)": (
        {"in_group_trust": FLAT_GROUP_TRUST, "out_group_trust": FLAT_GROUP_TRUST},
        EVERY_SCENARIO,
    ),
    "tie trust learning (own experience at every purchase; before buying, buyers' reports)": (
        {"trust_learning": 0.0},
        EVERY_SCENARIO,
    ),
    "community trust learning": ({"community_trust_learning": 0.0}, EVERY_SCENARIO),
    "brand trust learning": (
        {"brand_trust_learning": 0.0},
        (("default", "advertising"), ("product_launch", "advertising")),
    ),
    "trust in the product page (review_trust)": ({"review_trust": 0.0}, EVERY_SCENARIO),
}


def effect(task: tuple[str, str | None, str, int]) -> tuple[str, str, list[float]]:
    """(scenario, mechanism, relative change of adopters per replication) for one pair of arms."""
    from simulation.experiment.runs import scenario_network
    from simulation.scenario.loader import load_scenario
    from simulation.validation.stylised_facts import Arm, run_arm

    scenario_name, strategy, mechanism, replications = task
    scenario = load_scenario(ROOT / "scenarios" / f"{scenario_name}.yaml")
    base = scenario.strategy(strategy or scenario.baseline_name)
    params = MECHANISMS[mechanism][0]
    changes = []
    for r in range(replications):
        network = scenario_network(scenario, r)
        on = run_arm(scenario, Arm(base, {}), r, network).timeseries()["adopters"].iloc[-1]
        off = run_arm(scenario, Arm(base, params), r, network).timeseries()["adopters"].iloc[-1]
        changes.append(float((off - on) / on))
    return f"{scenario_name} ({base.name})", mechanism, changes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("-j", "--jobs", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="the mechanisms whose name contains one of these words")
    args = parser.parse_args(argv)
    from simulation.experiment.stats import t_interval
    from simulation.workers import process_pool

    only = [m for m in MECHANISMS if not args.only or any(word in m for word in args.only)]
    tasks = [(s, strategy, m, args.replications) for m in only for s, strategy in MECHANISMS[m][1]]
    if args.jobs > 1:
        with process_pool(args.jobs) as pool:
            results = list(pool.map(effect, tasks))
    else:
        results = [effect(task) for task in tasks]
    print(
        "| mechanism | switched off | scenario (strategy) | adopters at the horizon, without vs with | 95% interval | measurable |"
    )
    print("|---|---|---|---|---|---|")
    for scenario_name, mechanism, changes in results:
        interval = t_interval(changes)
        off = ", ".join(f"`{k}` = {v:g}" for k, v in MECHANISMS[mechanism][0].items())
        measurable = "yes" if interval.low > 0 or interval.high < 0 else "**no**"
        print(
            f"| {mechanism} | {off} | {scenario_name} | {interval.mean:+.2%} | "
            f"[{interval.low:+.2%}, {interval.high:+.2%}] | {measurable} |"
        )
    print(
        f"\n{args.replications} paired replications per row (seeds: each scenario's seed + 0..{args.replications - 1})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
