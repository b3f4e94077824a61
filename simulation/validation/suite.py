"""The validation suite: every experiment of docs/VALIDATION.md with its sizes, seeds and replications.

``run_suite(quick=False)`` is what ``run.py validate`` runs; ``quick=True`` is a smaller version for a
fast check (the same experiments, fewer consumers and replications, so wider tolerances). With
``ablate=True`` each experiment runs again with the mechanism it names switched off (``ablations``), and
with ``workers`` > 1 the experiments run in parallel processes, with the same numbers.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from pathlib import Path
from typing import TypedDict

from .. import kernels
from ..datasets import FACEBOOK_EDGES, FACEBOOK_USERS, data_file
from ..network.edgelist import load_edge_list
from ..scenario.loader import load_scenario
from . import (
    bad_news,
    bass_reduction,
    cascade_reduction,
    channels,
    deffuant,
    followers,
    hubs,
    live_trust,
    ratings,
    resolution,
    seeding,
    stylised_facts,
    talk,
)
from .ablations import ablations_of, find, scenario_overrides
from .result import Check

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.yaml"
CRISIS_SCENARIO = ROOT / "scenarios" / "review_crisis.yaml"  # misleading praise: what learned trust is for
FACEBOOK = str(FACEBOOK_EDGES.relative_to(ROOT))  # as named in the report
SEED = 20240501

# Fixed seed sets for the cascade comparison: five spread-out consumers, and the best-connected one.
CASCADE_SEEDS = ((0.01, (0, 500, 1000, 2000, 3000)), (0.02, (107,)))

# (p, q, time unit, consumers, replications)
BassCase = tuple[float, float, str, int, int]


class DeffuantSize(TypedDict):
    epsilons: tuple[float, ...]
    n: int
    replications: int
    max_steps: int


class SeedingSize(TypedDict):
    probability: float
    max_k: int
    choice_samples: int
    eval_samples: int


class BadNewsSize(TypedDict):
    overrides: list[str]
    shares: tuple[float, ...]
    replications: int


class HubsSize(TypedDict):
    overrides: list[str]
    replications: int


class Size(TypedDict):
    """One profile of the suite: the sizes, replications and settings of every experiment."""

    bass: list[BassCase]
    bass_years: float
    cascade_runs: int
    deffuant: DeffuantSize
    seeding: SeedingSize
    bad_news: BadNewsSize
    hubs: HubsSize
    facts: int  # replications of each stylised fact
    channels: int  # replications of the attribution of customers to channels
    followers: int  # paired replications of the followers' checks (re-shares, the feed)
    talk: int  # replications of the talk checks (who talks, valence)
    # (sizes as consumers x represents of one market, the reference first; replications per size)
    resolution: tuple[list[tuple[int, float]], int]


SIZES: dict[str, Size] = {
    "full": {
        # (p, q, time unit, consumers, replications)
        "bass": [
            (0.03, 0.38, "month", 100_000, 40),
            (0.03, 0.38, "week", 100_000, 24),
            (0.01, 0.5, "month", 100_000, 40),
            (0.05, 0.2, "month", 100_000, 40),
            (0.002, 0.9, "month", 100_000, 40),
            (0.001, 1.0, "week", 100_000, 24),
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
        "facts": 60,
        "channels": 20,
        "followers": 40,
        "talk": 40,
        "resolution": ([(100_000, 10.0), (1_000_000, 1.0), (10_000, 100.0)], 10),
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
        "facts": 60,  # fewer replications leave intervals wider than the published ranges they must fit in
        "channels": 8,
        "followers": 20,
        "talk": 20,  # (cheap: a run each) fewer leave the valence interval wider than East et al.'s band
        "resolution": ([(10_000, 10.0), (20_000, 5.0)], 16),
    },
    # The machinery at the smallest sizes (tests): its verdicts carry no weight.
    "smoke": {
        "bass": [(0.03, 0.38, "month", 2000, 3)],
        "bass_years": 2.0,
        "cascade_runs": 10,
        "deffuant": {"epsilons": (0.1,), "n": 300, "replications": 2, "max_steps": 1000},
        "seeding": {"probability": 0.01, "max_k": 3, "choice_samples": 30, "eval_samples": 30},
        "bad_news": {
            "overrides": ["market.n_consumers=400", "time_unit=month", "horizon=24"],
            "shares": (0.1,),
            "replications": 3,
        },
        "hubs": {"overrides": ["horizon=20"], "replications": 3},
        "facts": 3,
        "channels": 2,
        "followers": 3,
        "talk": 2,
        "resolution": ([(1_000, 10.0), (2_000, 5.0)], 3),
    },
}


def facebook_path() -> Path:
    return data_file(FACEBOOK_EDGES)


def facebook_scenario(overrides=()):
    """The default scenario's market on the Facebook network."""
    network = ["network.kind=edge_list", f"network.edge_list={facebook_path()}", f"market.n_consumers={FACEBOOK_USERS}"]
    return load_scenario(DEFAULT_SCENARIO, network + list(overrides))


def experiments(profile: str = "full", params: dict | None = None, options: dict | None = None):
    """(name, function returning a Check) for every experiment, in report order.

    `params` (model parameters) and `options` (keywords of the check function) switch one mechanism off: an
    ablation (``ablations.ABLATIONS``); every experiment it does not concern ignores them.
    """
    size = SIZES[profile]
    params, options = params or {}, options or {}
    overrides = scenario_overrides(params)
    network = None

    def facebook():
        nonlocal network
        if network is None:
            network = load_edge_list(facebook_path())
        return network

    default = load_scenario(DEFAULT_SCENARIO, overrides)
    facts = size["facts"]
    advertising: list = []

    def advertising_check():
        advertising.append(stylised_facts.advertising_elasticity(default, facts))
        return advertising[-1]

    def word_of_mouth_check():
        ads = advertising[-1] if advertising else stylised_facts.advertising_elasticity(default, facts)
        return stylised_facts.word_of_mouth_elasticity(default, facts, ads)

    return [
        ("bass", lambda: bass_reduction.bass_check(size["bass"], size["bass_years"], SEED, extra=params)),
        (
            "cascade",
            lambda: cascade_reduction.cascade_check(
                facebook(), CASCADE_SEEDS, size["cascade_runs"], SEED, FACEBOOK, extra=params
            ),
        ),
        (
            "seeding",
            lambda: seeding.seeding_check(facebook(), seed=SEED, network_name=FACEBOOK, **size["seeding"], **options),
        ),
        ("deffuant", lambda: deffuant.deffuant_check(seed=SEED, **size["deffuant"], extra=params)),
        (
            "bad_news",
            lambda: bad_news.bad_news_check(
                load_scenario(DEFAULT_SCENARIO, size["bad_news"]["overrides"] + [f"seed={SEED}", *overrides]),
                size["bad_news"]["shares"],
                size["bad_news"]["replications"],
                **options,
            ),
        ),
        (
            "hubs",
            lambda: hubs.hubs_check(
                facebook_scenario(size["hubs"]["overrides"] + [f"seed={SEED}", *overrides]),
                size["hubs"]["replications"],
                network_name=FACEBOOK,
            ),
        ),
        # Stylised facts, measured on the shipped default scenario (seeds from the scenario file).
        ("trust_matters", lambda: stylised_facts.trust_matters(default, facts)),
        ("trust_learning", lambda: live_trust.trust_learning_check(load_scenario(CRISIS_SCENARIO, overrides), facts)),
        ("advertising_elasticity", advertising_check),
        ("review_elasticities", lambda: stylised_facts.review_elasticities(default, facts)),
        ("word_of_mouth_elasticity", word_of_mouth_check),
        ("rating_distribution", lambda: stylised_facts.rating_distribution(default, facts)),
        ("herding", lambda: stylised_facts.herding(default, facts)),
        ("seeding_ratio", lambda: stylised_facts.seeding_ratio(default, facts)),
        ("bad_news_first_year", lambda: stylised_facts.bad_news_first_year(default, facts, **options)),
        ("channels", lambda: channels.channels_check(default, size["channels"])),
        ("who_talks", lambda: talk.who_talks_check(default, size["talk"])),
        ("valence", lambda: talk.valence_check(default, size["talk"])),
        ("resolution", lambda: resolution.resolution_check(default, *size["resolution"], **options)),
        ("reshares", lambda: followers.reshares_check(default, size["followers"], **options)),
        ("followers_feed", lambda: followers.feed_check(default, size["followers"], **options)),
        ("ratings", lambda: ratings.ratings_check(default, facts)),
    ]


def run_experiment(task: tuple[str, str, str | None]) -> tuple[str | None, Check]:
    """One experiment of a profile, with one of its ablations or none: (profile, experiment, 'check/key' or None).

    A plain function of its arguments (seeds fixed by the experiment), so it gives the same Check in any
    process: the suite's numbers do not depend on the number of workers."""
    profile, name, ablation_name = task
    kernels.for_batches()  # many models per task: the compiled kernels pay for their loading (same numbers)
    ablation = find(ablation_name) if ablation_name else None
    params, options = (ablation.params, ablation.options) if ablation else ({}, {})
    run = dict(experiments(profile, params, options))[name]
    started = time.perf_counter()
    check = run()
    check.settings["run time"] = f"{time.perf_counter() - started:.1f} s"
    if ablation is not None:
        check.settings["switched off"] = ablation.mechanism
    return ablation_name, check


def suite_tasks(profile: str, only=None, ablate: bool = True) -> list[tuple[str, str, str | None]]:
    """Every experiment to run (in report order), then every ablation of them."""
    names = [name for name, _ in experiments(profile) if not only or name in only]
    tasks: list[tuple[str, str, str | None]] = [(profile, name, None) for name in names]
    if ablate:
        tasks += [(profile, a.check, a.name) for a in ablations_of(names)]
    return tasks


def run_suite(
    quick: bool = False, only=None, progress=print, workers: int = 1, ablate: bool = False, profile: str | None = None
) -> tuple[list[Check], dict[str, Check]]:
    """Run the experiments (all, or those named in `only`) and, with `ablate`, each one again with its named
    mechanism switched off; `workers` processes (1: in this one). Returns the Checks in report order and the
    ablated Checks by 'check/key'."""
    profile = profile or ("quick" if quick else "full")
    tasks = suite_tasks(profile, only, ablate)
    results: dict[tuple[str, str | None], Check] = {}

    def report(task, check):
        results[(task[1], task[2])] = check
        label = task[1] + (f" without {find(task[2]).key}" if task[2] else "")
        verdict = "agrees" if check.agrees else "DISAGREES"
        progress(f"{label:9s} {verdict}  ({check.settings['run time']})  {check.simulated}")

    if workers <= 1:
        for task in tasks:
            report(task, run_experiment(task)[1])
    else:
        from ..workers import process_pool

        with process_pool(min(workers, len(tasks))) as pool:
            futures = {pool.submit(run_experiment, task): task for task in tasks}
            for future in cf.as_completed(futures):
                report(futures[future], future.result()[1])
    checks = [results[(name, None)] for _, name, ablation in tasks if ablation is None]
    ablated = {ablation: results[(name, ablation)] for _, name, ablation in tasks if ablation is not None}
    return checks, ablated


FIGURES = {
    "bass": bass_reduction.figure,
    "cascade": cascade_reduction.figure,
    "seeding": seeding.figure,
    "deffuant": deffuant.figure,
    "bad_news": bad_news.figure,
    "hubs": hubs.figure,
    "channels": channels.figure,
    "who_talks": talk.figure,
    "valence": talk.figure,
    "resolution": resolution.figure,
    "reshares": followers.figure,
    "followers_feed": followers.figure,
    "trust_learning": live_trust.figure,
    "ratings": ratings.figure,
    **{
        key: stylised_facts.figure
        for key in (
            "trust_matters",
            "advertising_elasticity",
            "review_elasticities",
            "word_of_mouth_elasticity",
            "rating_distribution",
            "herding",
            "seeding_ratio",
            "bad_news_first_year",
        )
    },
}
