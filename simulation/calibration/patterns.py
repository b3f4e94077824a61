"""Pattern-oriented calibration: one reproducible joint fit of the free parameters against every target.

Pattern-oriented modelling (Grimm et al. 2005): the parameters are those under which the model
reproduces all the published patterns at once, not each tuned by hand until its own check passes. Each
target is a figure a validation measurement produces (an elasticity, a share, a ratio) with the range
the literature allows (``TARGETS``, the same figures and tolerances as docs/VALIDATION.md). For a
target with range [L, H] and measured value x (mean over replications) the distance is

    d = 0 inside the range,  (L - x) / w below it,  (x - H) / w above it,   w = H - L (or |bound| if open),

and a candidate theta scores D(theta) = sum over targets of d^2. Every candidate is measured with the
same seeds (common random numbers), so D is a deterministic function of theta. Optuna's TPE sampler
with a fixed seed proposes the candidates one after another (SQLite storage: the study can be read,
and resumed, later); the measurements of one candidate run in parallel processes, which does not
change the numbers. ``fit`` returns (and the command writes) the targets, the free parameters and their
ranges, every trial's values and distances, the best candidate, the scenario as shipped measured the
same way (what the fit has to beat) and the seeds.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import kernels
from ..parameters import PARAMETERS
from ..scenario.loader import load_scenario
from ..validation.ablations import scenario_overrides
from ..validation.result import Check

SAMPLER_SEED = 20050101  # Grimm et al. 2005
STARTUP_TRIALS = 10  # random candidates before TPE models the distances (fixed: a longer study extends a shorter)


@dataclass(frozen=True)
class Target:
    """A published figure with its allowed range, read from one measurement's Check."""

    name: str
    measurement: str  # key of MEASUREMENTS
    column: str  # column of the Check's table
    row: int  # row of that table
    low: float  # -inf for no lower bound
    high: float  # inf for no upper bound
    source: str

    def value(self, check: Check) -> float:
        return float(check.table[self.column].iloc[self.row])

    def distance(self, value: float) -> float:
        """d of the module docstring (inf for a value that could not be measured)."""
        if math.isnan(value):
            return math.inf
        width = self.high - self.low
        if not math.isfinite(width):
            width = abs(self.low if math.isfinite(self.low) else self.high) or 1.0
        if value < self.low:
            return (self.low - value) / width
        if value > self.high:
            return (value - self.high) / width
        return 0.0


def _measurements() -> dict[str, Callable[..., Check]]:
    """Measurement name -> function(scenario, replications) returning a Check (imported late: heavy)."""
    from ..validation import channels
    from ..validation import stylised_facts as sf

    def word_of_mouth(scenario, replications):
        return sf.word_of_mouth_elasticity(scenario, replications, sf.advertising_elasticity(scenario, replications))

    return {
        "adoption": first_year_adoption,
        "trust": sf.trust_matters,
        "advertising": sf.advertising_elasticity,
        "reviews": sf.review_elasticities,
        "word_of_mouth": word_of_mouth,
        "ratings": sf.rating_distribution,
        "herding": sf.herding,
        "seeding": sf.seeding_ratio,
        "bad_news": sf.bad_news_first_year,
        "channels": channels.channels_check,
    }


def first_year_adoption(scenario, replications: int) -> Check:
    """Share of the market that has bought by the end of the first year (baseline strategy), per replication."""
    import pandas as pd

    from ..experiment.runs import build_model
    from ..parameters import TIME_UNITS

    steps = int(round(1.0 / TIME_UNITS[scenario.time_unit]))
    shares = []
    for r in range(replications):
        model = build_model(scenario, scenario.baseline_name, r).run(steps)
        shares.append(float(model.timeseries()["adopters"].iloc[-1]) / model.network.n)
    return Check(
        key="adoption",
        title="First-year adopters",
        published="",
        simulated=f"{sum(shares) / len(shares):.2%} of the market",
        agrees=True,
        table=pd.DataFrame({"share": [sum(shares) / len(shares)]}),
        settings={},
    )


def _bass_first_year() -> float:
    from ..calibration.bass import bass_cumulative

    return float(bass_cumulative(1.0, 0.03, 0.38))


INF = math.inf
J_BANDS = "Amazon corpora as summarised in issue 20 (1 star 7-12%, 2 stars 4-7%, 3 stars 6-10%, 4 stars 14-20%, 5 stars 55-65%)"
# The targets: the figures and tolerances of docs/VALIDATION.md (the published stylised facts it cites).
TARGETS: tuple[Target, ...] = (
    Target(
        "first_year_adopters",
        "adoption",
        "share",
        0,
        0.75 * _bass_first_year(),
        1.25 * _bass_first_year(),
        "Bass curve at the meta-analysis means p = 0.03, q = 0.38 (Sultan, Farley & Lehmann 1990), +-25%",
    ),
    Target("trust_halved", "trust", "change", 0, -INF, -0.10, "trust check: halving tie trust costs >= 10%"),
    Target("advertising_short", "advertising", "elasticity", 0, 0.03, 0.35, "Sethuraman et al. 2011 (mean 0.12)"),
    Target("advertising_long", "advertising", "elasticity", 1, 0.03, 0.35, "Sethuraman et al. 2011 (mean 0.24)"),
    Target("review_volume", "reviews", "elasticity", 0, 0.236 / 3, 0.236 * 3, "You et al. 2015: 0.236, factor 3"),
    Target("review_valence", "reviews", "elasticity", 1, 0.417 / 3, 0.417 * 3, "You et al. 2015: 0.417, factor 3"),
    Target("word_of_mouth_ratio", "word_of_mouth", "elasticity", 2, 3.0, INF, "Trusov et al. 2009: >= 3x ads"),
    Target("rating_1", "ratings", "posted_share", 0, 0.07, 0.12, J_BANDS),
    Target("rating_2", "ratings", "posted_share", 1, 0.04, 0.07, J_BANDS),
    Target("rating_3", "ratings", "posted_share", 2, 0.06, 0.10, J_BANDS),
    Target("rating_4", "ratings", "posted_share", 3, 0.14, 0.20, J_BANDS),
    Target("rating_5", "ratings", "posted_share", 4, 0.55, 0.65, J_BANDS),
    Target(
        "herding_positive",
        "herding",
        "beyond_own_weight",
        0,
        0.0,
        INF,
        "Muchnik et al. 2013: later raters add to a planted positive rating",
    ),
    Target(
        "herding_correction",
        "herding",
        "beyond_own_weight",
        1,
        0.0,
        INF,
        "Muchnik et al. 2013: the crowd corrects a planted negative rating",
    ),
    Target("seeding_hubs", "seeding", "ratio", 0, 2.0, 8.0, "Hinz et al. 2011: hubs 2-8x random seeds"),
    Target("bad_news", "bad_news", "relative", 0, 0.0, INF, "Goldenberg et al. 2007: NPV lost within a year"),
    Target("word_of_mouth_share", "channels", "share", -1, 0.2, 0.5, "Bughin et al. 2010: 20-50% of decisions"),
)

# The free parameters and the ranges searched (inside the parameter table's allowed ranges).
FREE: dict[str, tuple[float, float]] = {
    "p": (0.005, 0.08),
    "q": (0.02, 0.6),
    "talk_rate": (4.0, 30.0),
    "hearsay_credibility": (0.1, 0.8),
    "review_influence": (0.05, 0.5),
    "page_visit_rate": (1.0, 6.0),
    "media_awareness_rate": (0.2, 2.0),
    "herding": (0.3, 1.0),
    "review_extremity": (1.0, 4.0),
}

# The page's influence on purchases alone (issue 20: the ratings rule changed what the page shows, so the
# parameters that set how much a read moves purchases are refitted against every target, the rest held).
PAGE: dict[str, tuple[float, float]] = {
    "review_influence": (0.05, 0.6),
    "review_trust": (0.3, 1.0),
    "page_visit_rate": (1.0, 6.0),
    "page_discovery_rate": (1.0, 6.0),
    "review_negativity": (1.0, 4.0),
}
# The page's influence with the rates that set first-year adoption (p, q, media), which the page alone cannot move.
PAGE_AND_ADOPTION = {**PAGE, **{name: FREE[name] for name in ("p", "q", "media_awareness_rate")}}
FREE_SETS: dict[str, dict[str, tuple[float, float]]] = {"all": FREE, "page": PAGE, "page_adoption": PAGE_AND_ADOPTION}


def check_free(free: dict[str, tuple[float, float]]) -> None:
    """ValueError naming the parameter and its allowed range for a range outside the parameter table."""
    for name, (low, high) in free.items():
        if name not in PARAMETERS:
            raise ValueError(f"free parameter {name!r} is not in the parameter table")
        PARAMETERS[name].check(low)
        PARAMETERS[name].check(high)
        if not low < high:
            raise ValueError(f"free parameter {name!r}: range [{low}, {high}] is empty; expected low < high")


def _word_of_mouth_share(check: Check) -> float:
    from ..validation.channels import word_of_mouth_shares

    shares = word_of_mouth_shares(check.data["runs"])
    return float(shares.mean())


def measure(task) -> dict[str, float]:
    """One measurement of one candidate: (scenario path, overrides, measurement, replications, its targets) ->
    each target's value. A plain function of its arguments (fixed seeds): the same values in any process."""
    path, overrides, name, replications, targets = task
    kernels.for_batches()  # many models per task: the compiled kernels pay for their loading (same numbers)
    scenario = load_scenario(path, list(overrides))
    check = _measurements()[name](scenario, replications)
    return {t.name: _word_of_mouth_share(check) if name == "channels" else t.value(check) for t in targets}


def evaluate(
    path, params: dict, replications: int, targets=TARGETS, pool: cf.Executor | None = None, overrides=()
) -> dict[str, float]:
    """Every target's value for one candidate (its measurements in `pool` when given)."""
    assignments = (*overrides, *scenario_overrides(params))
    names = dict.fromkeys(t.measurement for t in targets)
    tasks = [
        (str(path), assignments, name, replications, tuple(t for t in targets if t.measurement == name))
        for name in names
    ]
    values: dict[str, float] = {}
    for found in pool.map(measure, tasks) if pool is not None else map(measure, tasks):
        values.update(found)
    return {t.name: values[t.name] for t in targets}


def score(values: dict[str, float], targets=TARGETS) -> tuple[float, dict[str, float]]:
    """D and each target's distance d (module docstring)."""
    distances = {t.name: t.distance(values[t.name]) for t in targets}
    return float(sum(d * d for d in distances.values())), distances


@dataclass
class Fit:
    """What ``fit`` found, in a form written to JSON as it is."""

    scenario: str
    overrides: list[str]
    trials: int
    replications: int
    seeds: str
    sampler: str
    storage: str
    free: dict
    targets: list[dict]
    best: dict
    history: list[dict]
    as_shipped: dict  # the scenario's own values of the free parameters, measured the same way
    label: str = ""

    def write(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, allow_nan=True) + "\n", encoding="utf-8")
        return path


def fit(
    path,
    trials: int,
    replications: int,
    storage: str,
    *,
    free: dict[str, tuple[float, float]] = FREE,
    targets=TARGETS,
    workers: int = 1,
    overrides=(),
    sampler_seed: int = SAMPLER_SEED,
    study_name: str = "patterns",
    progress: Callable[[int, float], None] | None = None,
    label: str = "",
) -> Fit:
    """Minimise D over the free parameters with Optuna's TPE sampler (fixed seed, trials one after another,
    every candidate on the same seeds); `storage` an Optuna storage URL (e.g. sqlite:///fit.db)."""
    import optuna

    check_free(free)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=sampler_seed, n_startup_trials=STARTUP_TRIALS)
    study = optuna.create_study(
        study_name=study_name, storage=storage, sampler=sampler, direction="minimize", load_if_exists=True
    )
    if len(study.trials):
        raise ValueError(f"storage {storage}: study {study_name!r} already has trials; give a new storage file")
    history: list[dict] = []
    pool = None
    if workers > 1:
        from ..workers import process_pool

        pool = process_pool(workers)
    try:
        values = evaluate(path, {}, replications, targets, pool, overrides)
        total, distances = score(values, targets)
        as_shipped = {"distance": total, "values": values, "distances": distances}
        for number in range(trials):
            trial = study.ask({name: optuna.distributions.FloatDistribution(*bounds) for name, bounds in free.items()})
            values = evaluate(path, trial.params, replications, targets, pool, overrides)
            total, distances = score(values, targets)
            study.tell(trial, total)
            history.append(
                {"trial": number, "params": trial.params, "distance": total, "values": values, "distances": distances}
            )
            if progress:
                progress(number + 1, total)
    finally:
        if pool is not None:
            pool.shutdown()
    best = min(history, key=lambda h: h["distance"])
    scenario = load_scenario(path, list(overrides))
    return Fit(
        scenario=str(path),
        overrides=list(overrides),
        trials=trials,
        replications=replications,
        seeds=f"{scenario.seed}..{scenario.seed + replications - 1} (every candidate)",
        sampler=f"optuna TPESampler(seed={sampler_seed}), optuna {optuna.__version__}",
        storage=storage,
        free={k: list(v) for k, v in free.items()},
        targets=[asdict(t) for t in targets],
        best=best,
        history=history,
        as_shipped=as_shipped,
        label=label,
    )
