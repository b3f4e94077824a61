"""Design points from parameter specs: a full grid, or samples (random, lhs, sobol, morris) of bounds.

Sampling designs draw in the unit cube and scale to the bounds: random and lhs with
``scipy.stats.qmc``/numpy, sobol (Saltelli's scheme, N (D + 2) points) and morris (N trajectories
of D + 1 points) with SALib's samplers, which the analysis needs in their own order. Whole-number
fields get rounded values, and a sampled ``network.mean_degree`` the nearest value its network allows
(an even whole number on small-world and Barabasi-Albert networks); listed values in random/lhs are
drawn as categories.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field

import numpy as np

from ..network.settings import nearest_allowed
from ..parameters import PARAMETERS
from ..resources import check_model_memory
from ..scenario.loader import ScenarioError, apply_overrides
from ..scenario.yaml_reader import read_yaml
from .base import BaseScenario, assignments, is_integer_field
from .spec import ParamSpec

DESIGNS = ("grid", "random", "lhs", "sobol", "morris")
MORRIS_LEVELS = 4


class SweepError(ValueError):
    """Problems with a sweep's design, one line each in ``problems``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Task:
    """One run: a design point of one strategy, one replication."""

    id: str
    point: int
    values: dict
    strategy: str
    replication: int


@dataclass
class Design:
    """The points of a sweep and what the analysis needs to read them back."""

    kind: str
    specs: list[ParamSpec]
    points: list[dict]
    samples: int | None = None
    seed: int = 0
    integer: dict = field(default_factory=dict)  # path -> whether whole numbers
    rounded: dict = field(default_factory=dict)  # path -> what was rounded to allowed values, for the user

    @property
    def paths(self) -> list[str]:
        return [s.path for s in self.specs]

    def problem(self) -> dict:
        """The SALib problem: names and bounds of the sampled parameters."""
        return {"num_vars": len(self.specs), "names": self.paths, "bounds": [list(s.bounds) for s in self.specs]}

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "params": {s.path: s.text for s in self.specs},
            "samples": self.samples,
            "seed": self.seed,
            "points": len(self.points),
        }

    def iter_tasks(self, base: BaseScenario, strategies: list[str], replications: int):
        """Every run, one at a time; the id hashes the scenario's content, the point, the strategy and the replication."""
        for index, values in enumerate(self.points):
            for strategy in strategies:
                for replication in range(replications):
                    key = json.dumps([base.fingerprint, values, strategy, replication], sort_keys=True)
                    yield Task(hashlib.sha256(key.encode()).hexdigest()[:20], index, values, strategy, replication)

    def tasks(self, base: BaseScenario, strategies: list[str], replications: int) -> list[Task]:
        return list(self.iter_tasks(base, strategies, replications))


def _scale(unit: np.ndarray, specs: list[ParamSpec], integer: dict) -> list[dict]:
    """Map unit-cube samples to the specs: bounds linearly, lists as categories, whole numbers rounded."""
    points = []
    for row in unit:
        point = {}
        for u, spec in zip(row, specs):
            if spec.form == "list":
                values = spec.listed
                point[spec.path] = values[min(int(u * len(values)), len(values) - 1)]
                continue
            low, high = spec.bounds
            value = low + float(u) * (high - low)
            point[spec.path] = int(round(value)) if integer[spec.path] else value
        points.append(point)
    return points


def _grid(specs: list[ParamSpec]) -> list[dict]:
    return [dict(zip((s.path for s in specs), combo)) for combo in itertools.product(*(s.listed for s in specs))]


def design_size(kind: str, specs: list[ParamSpec], samples: int | None) -> int:
    """Number of points a design will have, known before it is built."""
    if kind == "grid":
        return math.prod(len(s.values or ()) for s in specs)
    count = samples or 0
    return count * (len(specs) + 2) if kind == "sobol" else count * (len(specs) + 1) if kind == "morris" else count


def build_design(
    kind: str, specs: list[ParamSpec], base: BaseScenario, samples: int | None = None, seed: int = 0
) -> Design:
    """The design points (unvalidated; see ``validate``). SweepError lists every misuse of the specs."""
    problems = []
    if kind not in DESIGNS:
        raise SweepError([f"--design {kind!r}: expected one of {', '.join(DESIGNS)}"])
    if not specs:
        raise SweepError(["no --param given: a sweep varies at least one field, e.g. --param purchase.q=0.2..0.6"])
    paths = [s.path for s in specs]
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.append(f"--param {path}: given more than once")
    if "seed" in paths:
        problems.append(
            "--param seed: the seed is not swept; each replication r runs with seed + r (use --replications, or --set seed=S)"
        )
    if "replications" in paths:
        problems.append("--param replications: use --replications R")
    scenario = base.parse()
    integer = {s.path: is_integer_field(scenario, s.path) for s in specs}
    if kind == "grid":
        problems += [
            f"--param {s.path}={s.text}: a grid needs a list a,b,c or a range lo:hi:step, not bounds"
            for s in specs
            if s.form == "bounds"
        ]
    else:
        if samples is None or samples < 1:
            problems.append(f"--design {kind} needs --samples N (N >= 1)")
        if kind in ("sobol", "morris"):
            problems += [
                f"--param {s.path}={s.text}: {kind} needs bounds lo..hi (or a range lo:hi:step), not a list"
                for s in specs
                if s.form == "list"
            ]
        if kind == "sobol" and samples and samples & (samples - 1):
            problems.append(
                f"--samples {samples}: sobol needs a power of 2 (e.g. {1 << max(samples - 1, 1).bit_length()}) for its balance properties"
            )
    if problems:
        raise SweepError(problems)
    d = len(specs)
    if kind == "grid":
        points = _grid(specs)
    elif kind == "random":
        if samples is None:  # refused above; this tells the type checker
            raise SweepError([f"--design {kind} needs --samples N (N >= 1)"])
        points = _scale(np.random.default_rng(seed).random((samples, d)), specs, integer)
    elif kind == "lhs":
        from scipy.stats import qmc  # imported here: scipy.stats costs start-up

        points = _scale(qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(samples), specs, integer)
    else:
        unit_problem = {"num_vars": d, "names": paths, "bounds": [[0.0, 1.0]] * d}
        if kind == "sobol":
            from SALib.sample import sobol as sampler

            unit = sampler.sample(unit_problem, samples, calc_second_order=False, seed=seed)
        else:
            from SALib.sample import morris as sampler

            unit = sampler.sample(unit_problem, samples, num_levels=MORRIS_LEVELS, seed=seed)
        points = _scale(unit, specs, integer)
    rounded = _round_to_allowed(points, specs, scenario)
    if kind == "morris":
        _check_morris_steps(points, specs)
    return Design(kind, specs, points, samples, seed, integer, rounded)


def _round_to_allowed(points: list[dict], specs: list[ParamSpec], scenario) -> dict:
    """Round sampled mean degrees to the values the point's network allows, in place.

    Small-world and Barabasi-Albert networks need an even whole ``mean_degree``
    (``network.settings.nearest_allowed``: the nearest even number, halfway values up); a design
    sampling it from bounds would otherwise fail at every odd or fractional point. Listed values are
    never changed (validation refuses the ones not allowed). Returns {path: note} for what was rounded.
    """
    path = PARAMETERS["mean_degree"].path
    if not any(s.path == path and s.form != "list" for s in specs):
        return {}
    kind_path, exponent_path = PARAMETERS["network"].path, PARAMETERS["degree_exponent"].path
    changed = 0
    for point in points:
        kind = point.get(kind_path, scenario.network.kind)
        exponent = point.get(exponent_path, scenario.network.degree_exponent)
        value = nearest_allowed(kind, point[path], exponent)
        if value != point[path]:
            point[path] = float(value)
            changed += 1
    if not changed:
        return {}
    return {
        path: f"{changed} of {len(points)} sampled values rounded to the nearest even whole number (small-world and Barabasi-Albert networks need one)"
    }


def _check_morris_steps(points: list[dict], specs: list[ParamSpec]) -> None:
    """Each step of a Morris trajectory must change its parameter after rounding, or there is no effect to measure."""
    paths = [s.path for s in specs]
    size = len(paths) + 1
    stuck: set[str] = set()
    for start in range(0, len(points), size):
        trajectory = points[start : start + size]
        for before, after in zip(trajectory, trajectory[1:]):
            if not any(before[p] != after[p] for p in paths):
                stuck.update(p for p in paths if isinstance(before[p], (int, float)))
    if stuck:
        raise SweepError(
            [
                f"--param {p}: its bounds are too narrow for morris once values are rounded to whole (or even) "
                f"numbers: a step of the trajectory does not change the value; widen the bounds (at least "
                f"{MORRIS_LEVELS - 1} allowed values apart) or use a grid"
                for p in sorted(stuck)
            ]
        )


def _path_problems(design: Design, base: BaseScenario) -> list[str]:
    """Paths that lead nowhere (no such strategy or lever, a value where a section should be)."""
    raw = read_yaml(base.text, base.origin)[0] or {}
    problems = []
    for path in design.paths:
        try:
            apply_overrides(raw, list(base.overrides) + assignments({path: design.points[0][path]}))
        except ScenarioError as error:
            problems += error.problems
    return problems


def validate(design: Design, base: BaseScenario, strategies: list[str], shown: int = 30, runs_at_once: int = 1) -> None:
    """Check every design point as a scenario before anything runs; SweepError lists every problem.

    A point's runs must also fit in memory, `runs_at_once` of them together (see simulation.resources).
    A problem shared by many points (same field, same value) is told once; beyond ``shown`` lines the
    rest are counted.
    """
    problems = _path_problems(design, base)
    if problems:
        raise SweepError(problems)
    seen: set[str] = set()
    bad_points = 0
    for index, point in enumerate(design.points):
        try:
            scenario = base.parse(point)
        except ScenarioError as error:
            bad_points += 1
            where = ", ".join(f"{k}={v!r}" for k, v in point.items())
            for problem in error.problems:
                if problem not in seen:
                    seen.add(problem)
                    problems.append(f"design point {index} ({where}): {problem}")
            continue
        for name in strategies:
            try:
                strategy = scenario.strategy(name)
            except KeyError as error:
                message = f"--strategy: {error.args[0]}"
                if message not in seen:
                    seen.add(message)
                    problems.append(message)
                continue
            try:
                params = scenario.model_parameters()  # checked by the scenario's schema
                workers = runs_at_once if runs_at_once > 1 else 0  # each run at once is a worker process
                check_model_memory(params, strategy, None, runs_at_once, workers)
            except ValueError as error:
                message = f"design point {index}: {error}"
                if str(error) not in seen:
                    seen.add(str(error))
                    problems.append(message)
    if problems:
        if len(problems) > shown:
            problems = problems[:shown] + [f"... and {len(problems) - shown} more problems"]
        if bad_points:
            problems.append(f"{bad_points} of {len(design.points)} design points are not valid")
        raise SweepError(problems)
