"""The validation suite: every experiment of docs/VALIDATION.md with its sizes, seeds and replications.

``run_suite(quick=False)`` is what ``run.py validate`` runs; ``quick=True`` is a smaller version for a
fast check (the same experiments, fewer consumers and replications, so wider tolerances).
"""

from __future__ import annotations

import time
from pathlib import Path

from ..network.edgelist import load_edge_list
from ..scenario.loader import load_scenario
from . import bad_news, bass_reduction, cascade_reduction, deffuant, hubs, seeding

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"
FACEBOOK = "../shared/data/ego-facebook.edges"  # relative to the project root
SEED = 20240501

# Fixed seed sets for the cascade comparison: five spread-out consumers, and the best-connected one.
CASCADE_SEEDS = ((0.01, (0, 500, 1000, 2000, 3000)), (0.02, (107,)))

SIZES = {
    "full": {
        # (p, q, time unit, consumers, replications)
        "bass": [
            (0.03, 0.38, "month", 100_000, 40),
            (0.03, 0.38, "week", 100_000, 12),
            (0.01, 0.5, "month", 100_000, 40),
            (0.05, 0.2, "month", 100_000, 40),
            (0.002, 0.9, "month", 100_000, 40),
            (0.001, 1.0, "week", 100_000, 12),
        ],
        "bass_years": 10.0,
        "cascade_runs": 400,
        "deffuant": {"epsilons": (0.4, 0.3, 0.2, 0.15, 0.1), "n": 2000, "replications": 10, "max_steps": 3000},
        "seeding": {"probability": 0.01, "max_k": 30, "choice_samples": 1000, "eval_samples": 2000},
        "bad_news": {
            "overrides": ["market.n_consumers=2000", "time_unit=month", "horizon=120"],
            "shares": (0.02, 0.05, 0.1),
            "replications": 20,
        },
        "hubs": {"overrides": ["horizon=104"], "replications": 20},
    },
    "quick": {
        "bass": [(0.03, 0.38, "month", 100_000, 24), (0.002, 0.9, "month", 100_000, 24)],
        "bass_years": 10.0,
        "cascade_runs": 150,
        "deffuant": {"epsilons": (0.3, 0.2, 0.1), "n": 1000, "replications": 4, "max_steps": 2000},
        "seeding": {"probability": 0.01, "max_k": 30, "choice_samples": 200, "eval_samples": 500},
        "bad_news": {
            "overrides": ["market.n_consumers=1000", "time_unit=month", "horizon=120"],
            "shares": (0.05, 0.1),
            "replications": 8,
        },
        "hubs": {"overrides": ["horizon=104"], "replications": 8},
    },
}


def facebook_path() -> Path:
    return (ROOT / FACEBOOK).resolve()


def facebook_scenario(overrides=()):
    """The default scenario's market on the Facebook network."""
    network = ["network.kind=edge_list", f"network.edge_list={facebook_path()}", "market.n_consumers=4039"]
    return load_scenario(DEFAULT_SCENARIO, network + list(overrides))


def experiments(quick: bool = False):
    """(name, function returning a Check) for every experiment, in report order."""
    size = SIZES["quick" if quick else "full"]
    network = None

    def facebook():
        nonlocal network
        if network is None:
            network = load_edge_list(facebook_path())
        return network

    return [
        ("bass", lambda: bass_reduction.bass_check(size["bass"], size["bass_years"], SEED)),
        (
            "cascade",
            lambda: cascade_reduction.cascade_check(facebook(), CASCADE_SEEDS, size["cascade_runs"], SEED, FACEBOOK),
        ),
        ("seeding", lambda: seeding.seeding_check(facebook(), seed=SEED, network_name=FACEBOOK, **size["seeding"])),
        ("deffuant", lambda: deffuant.deffuant_check(seed=SEED, **size["deffuant"])),
        (
            "bad_news",
            lambda: bad_news.bad_news_check(
                load_scenario(DEFAULT_SCENARIO, size["bad_news"]["overrides"] + [f"seed={SEED}"]),
                size["bad_news"]["shares"],
                size["bad_news"]["replications"],
            ),
        ),
        (
            "hubs",
            lambda: hubs.hubs_check(
                facebook_scenario(size["hubs"]["overrides"] + [f"seed={SEED}"]),
                size["hubs"]["replications"],
                network_name=FACEBOOK,
            ),
        ),
    ]


def run_suite(quick: bool = False, only=None, progress=print) -> list:
    """Run the experiments (all, or those named in `only`); returns their Checks with timings."""
    checks = []
    for name, run in experiments(quick):
        if only and name not in only:
            continue
        started = time.perf_counter()
        check = run()
        check.settings["run time"] = f"{time.perf_counter() - started:.1f} s"
        progress(
            f"{name:9s} {'agrees' if check.agrees else 'DISAGREES'}  ({check.settings['run time']})  {check.simulated}"
        )
        checks.append(check)
    return checks


FIGURES = {
    "bass": bass_reduction.figure,
    "cascade": cascade_reduction.figure,
    "seeding": seeding.figure,
    "deffuant": deffuant.figure,
    "bad_news": bad_news.figure,
    "hubs": hubs.figure,
}
