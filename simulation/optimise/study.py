"""The search: an Optuna study over the mix space, stored so it resumes and can be shared by machines.

* one objective (mean profit, NPV or adopters): TPE (``TPESampler``, multivariate);
* with ``risk`` (e.g. q10) two objectives, the mean and the 10th percentile over the replications:
  NSGA-II (``NSGAIISampler``), and the Pareto front is reported;
* storage: SQLite in the output folder by default, or any database URL Optuna accepts (several machines
  running the same command share one study). The study's name is a hash of the scenario's content, the
  budget, the levers, the objectives and the replications: running the same command again loads it and
  runs only the trials still missing (finished trials are never repeated; trials left running by a
  killed process are marked failed by Optuna's heartbeat and not counted).

Every trial stores its mix (the strategy as JSON) and its per-replication values as user attributes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..marketing.strategy import Strategy
from .evaluate import OBJECTIVES, RISKS, PooledReplications, objective_values, replication_values
from .space import SearchSpace


@dataclass(frozen=True)
class OptimiseSettings:
    budget: float
    levers: tuple[str, ...]
    objective: str = "profit"
    risk: str | None = None
    trials: int = 50
    replications: int = 10
    seed: int = 0  # the sampler's seed

    def check(self) -> None:
        if self.objective not in OBJECTIVES:
            raise ValueError(f"--objective {self.objective!r}: expected one of {', '.join(OBJECTIVES)}")
        if self.risk is not None and self.risk not in RISKS:
            raise ValueError(f"--risk {self.risk!r}: expected one of {', '.join(RISKS)}")
        if self.trials < 1:
            raise ValueError(f"--trials {self.trials}: expected a whole number >= 1")
        if self.replications < 1:
            raise ValueError(f"--replications {self.replications}: expected a whole number >= 1")
        if self.risk is not None and self.replications < 10:
            raise ValueError(f"--risk {self.risk} needs --replications >= 10 (got {self.replications})")

    @property
    def names(self) -> list[str]:
        """The objectives' names, e.g. ["mean profit"] or ["mean npv", "q10 npv"]."""
        return [f"mean {self.objective}"] + ([f"{self.risk} {self.objective}"] if self.risk else [])


def study_name(scenario, settings: OptimiseSettings) -> str:
    content = json.dumps(
        [
            scenario.model_dump(mode="json"),
            settings.budget,
            list(settings.levers),
            settings.objective,
            settings.risk,
            settings.replications,
        ],
        sort_keys=True,
    )
    return f"wom-optimise-{hashlib.sha256(content.encode()).hexdigest()[:16]}"


def default_storage(out: Path) -> str:
    return f"sqlite:///{Path(out).resolve() / 'study.db'}"


SQLITE_HEADER = b"SQLite format 3\x00"
OPTUNA_TABLES = {"studies", "trials", "version_info"}


def check_storage(url: str) -> None:
    """ValueError, in one line naming the URL, unless `url` is storage an optimisation may use: a SQLite file
    that does not exist yet (in an existing folder) or that is an Optuna database already, or a server
    database whose driver is installed. In-memory SQLite, folders, devices, corrupt files and SQLite files
    of something else (which Optuna would silently add its tables to) are refused."""
    import sqlite3

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    shown = repr(url[:200])
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(f"--storage {shown}: not a database URL; expected e.g. sqlite:///study.db") from None
    if parsed.get_backend_name() != "sqlite":
        from sqlalchemy import create_engine

        try:
            create_engine(parsed).dispose()  # loads the dialect and its driver, connects to nothing
        except (NoSuchModuleError, ImportError, ArgumentError) as error:
            raise ValueError(
                f"--storage {shown}: {parsed.drivername!r} cannot be used here ({str(error)[:120]}); use a "
                "sqlite:///FILE URL or install the database's driver"
            ) from None
        return
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise ValueError(f"--storage {shown}: an in-memory database keeps nothing; give a file, sqlite:///study.db")
    path = Path(database)
    if not path.exists():
        if not path.parent.is_dir():
            raise ValueError(f"--storage {shown}: the folder {path.parent} does not exist")
        return
    if not path.is_file():
        raise ValueError(f"--storage {shown}: {path} is not a regular file (a folder or a device)")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        what = "an empty file" if not header else "not a SQLite database"
        raise ValueError(f"--storage {shown}: {path} is {what}; give a new file or an earlier study's database")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as error:
        raise ValueError(f"--storage {shown}: {path} cannot be read as SQLite ({error})") from None
    if not OPTUNA_TABLES <= tables:
        raise ValueError(
            f"--storage {shown}: {path} is a SQLite database but not an Optuna study's (tables: "
            f"{', '.join(sorted(tables)[:5]) or 'none'}); give a new file so that it is left untouched"
        )


def _storage(url: str | None):
    """An RDB storage (SQLite file or database URL); None keeps the study in memory (benchmarks)."""
    import optuna

    if url is None:
        return None
    # The heartbeat lets a resumed study fail trials a killed process left running.
    return optuna.storages.RDBStorage(url, heartbeat_interval=60, grace_period=180)


def open_study(scenario, settings: OptimiseSettings, storage: str | None):
    """Create the study, or load it if the same optimisation was started before.

    The sampler's seed is the settings' seed plus the number of trials already in the study, so a
    resumed study draws new points instead of replaying the first ones (and a fresh one is reproducible).
    """
    import optuna

    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # heartbeat, metric names
    study = optuna.create_study(
        storage=_storage(storage),
        study_name=study_name(scenario, settings),
        directions=["maximize"] * len(settings.names),
        load_if_exists=True,
    )
    seed = settings.seed + len(study.get_trials(deepcopy=False))
    study.sampler = (
        optuna.samplers.NSGAIISampler(seed=seed)
        if settings.risk
        else optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=min(10, settings.trials))
    )
    study.set_metric_names(settings.names)
    return study


def suggest(trial, space: SearchSpace) -> dict:
    point = {}
    for dim in space.dimensions:
        if dim.integer:
            point[dim.name] = trial.suggest_int(dim.name, int(dim.low), int(dim.high))
        else:
            point[dim.name] = trial.suggest_float(dim.name, dim.low, dim.high)
    return point


class Objective:
    """What one trial does: draw a point, build its strategy, run it on the shared replications."""

    def __init__(self, scenario, settings: OptimiseSettings, cancel: threading.Event | None = None, evaluate=None):
        self.scenario = scenario
        self.settings = settings
        self.space = SearchSpace(scenario, settings.budget, list(settings.levers))
        self.cancel = cancel
        self.evaluate = evaluate or replication_values
        self.evaluated = 0  # trials this process evaluated

    def __call__(self, trial):
        point = suggest(trial, self.space)
        strategy = self.space.strategy(point)
        values = self.evaluate(self.scenario, strategy, self.settings.objective, self.settings.replications)
        self.evaluated += 1
        trial.set_user_attr("strategy", strategy.model_dump_json())
        trial.set_user_attr("values", [float(v) for v in values])
        trial.set_user_attr("spend_budget", self.settings.budget)
        result = objective_values(np.asarray(values), self.settings.risk)
        return result[0] if len(result) == 1 else result


def completed(study) -> list:
    import optuna

    return study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))


def optimise(
    scenario,
    settings: OptimiseSettings,
    storage: str | None,
    jobs: int = 1,
    progress=None,
    cancel: threading.Event | None = None,
    evaluate=None,
):
    """Run the study until it has ``settings.trials`` finished trials; returns (study, trials run now).

    Trials run one after another in this process (the sampler sees every earlier trial, and the study
    ends with exactly ``settings.trials``); with ``jobs`` > 1 each trial's replications run in as many
    worker processes (``evaluate.PooledReplications``), which gives the same values, hence the same
    study, as one process. ``progress(done, total)`` is called after each trial; setting ``cancel``
    stops after the trial in progress (finished trials stay in storage).
    """
    import optuna

    settings.check()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    study = open_study(scenario, settings, storage)
    missing = settings.trials - len(completed(study))
    if missing <= 0:
        return study, 0
    pool = PooledReplications(min(jobs, settings.replications)) if jobs > 1 and evaluate is None else None
    objective = Objective(scenario, settings, cancel, pool or evaluate)

    def after_trial(study, trial):
        if progress:
            progress(len(completed(study)), settings.trials)
        if cancel is not None and cancel.is_set():
            study.stop()

    stop = optuna.study.MaxTrialsCallback(settings.trials, states=(optuna.trial.TrialState.COMPLETE,))
    try:
        study.optimize(objective, n_trials=missing, callbacks=[stop, after_trial])
    finally:
        if pool is not None:
            pool.close()
    return study, objective.evaluated


def trial_strategy(trial) -> Strategy:
    return Strategy.model_validate_json(trial.user_attrs["strategy"])


def best_trial(study, settings: OptimiseSettings):
    """The best trial on the mean objective (with two objectives: the Pareto-front trial with the best mean)."""
    if settings.risk is None:
        return study.best_trial
    return max(study.best_trials, key=lambda t: t.values[0])
