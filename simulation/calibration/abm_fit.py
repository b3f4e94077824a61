"""Simulation-based calibration: fit scenario parameters of the full agent-based model to a sales history.

The model's sales have no closed form, so the fit is simulation-based. For candidate values theta the
scenario is run R times with the seeds seed, seed + 1, ..., seed + R - 1 -- the same seeds at every
evaluation (common random numbers), so the objective is a smooth-ish deterministic function of theta
and differences between candidates are not drowned in sampling noise. The objective is

    J(theta) = sum_t ( mean_r S_rt(theta) / N  -  D_t / M )^2,

with S_rt the new adopters of replication r in data period t, N the simulated market's consumers, D_t
the observed sales and M the market size in the data's units (so both are shares of the market). It is
minimised over x = log theta, within the bounds of the parameter table, by the Nelder-Mead simplex
(scipy.optimize.minimize): a derivative-free method that only compares objective values, so the small
steps a finite number of consumers gives J (its plateaus between adoption events) do not stall it as
they stall line searches. The first simplex spans a factor exp(0.5) around the start in each parameter;
the search has converged when the simplex is within ``xtol`` in log theta (1%) and its values within
``ftol`` of each other (``converged``).

Uncertainty of the fitted values (``AbmFit.intervals``): nonlinear least squares' Gauss-Newton
approximation at the fit. With r(x) the vector of the T residuals, G its Jacobian by central differences
(step ``h`` = 0.05 in log theta, wide enough to span the plateaus) and s^2 = J / (T - k),

    Cov(x) = s^2 (G' G)^-1,   95% interval of theta_j = exp(x_j -/+ 1.96 sqrt(Cov_jj)),

which counts the data's and the simulations' noise only through the residuals. A parameter the sales
do not pin down (a singular G'G) gets an unbounded interval.

The R replications of an evaluation run on ``jobs`` worker processes; each has its own seed, so the fit
is the same for any number of workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import difflib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize

from ..model import WordOfMouthModel
from ..parameters import PARAMETERS, TIME_UNITS, Parameter

if TYPE_CHECKING:
    from ..scenario.schema import Scenario

_BY_PATH = {p.path: p for p in PARAMETERS.values()}
FITTABLE = tuple(path for path, p in _BY_PATH.items() if p.kind is float and p.choices is None)
_FLOOR = 1e-6  # smallest value searched for parameters whose lower bound is 0 (the search is in logs)
FIRST_STEP = 0.5  # the first simplex: a factor exp(0.5) = 1.65 around the start in each parameter
JACOBIAN_STEP = 0.05  # h of the central differences in log theta for the intervals


@dataclass
class AbmFit:
    """Result of ``fit_scenario``.

    Attributes:
        values: fitted value of each dotted path.
        start: the scenario's values the search started from.
        rmse_share: root mean squared error per period, as a share of the market.
        rmse: the same in the data's units (x market size).
        simulated: mean simulated sales per period at the fit, in the data's units.
        data: the observed sales per period.
        evaluations: objective evaluations (each R simulations).
        replications, seeds: the common random numbers used.
        scenario: the scenario with the fitted values.
        message: the optimiser's message.
        converged: whether the simplex met its tolerances within the evaluation budget.
        intervals: 95% interval of each fitted value (Gauss-Newton; see the module docstring).
    """

    values: dict
    start: dict
    rmse_share: float
    rmse: float
    simulated: np.ndarray
    data: np.ndarray
    market_size: float
    evaluations: int
    replications: int
    seeds: list
    scenario: Scenario
    message: str
    converged: bool = False
    intervals: dict = field(default_factory=dict)

    def summary(self) -> str:
        fitted = ", ".join(
            f"{path} = {value:.4g} [{self.intervals[path][0]:.4g}, {self.intervals[path][1]:.4g}]"
            if path in self.intervals
            else f"{path} = {value:.4g}"
            for path, value in self.values.items()
        )
        state = "converged" if self.converged else f"NOT converged ({self.message})"
        return (
            f"ABM fit: {fitted} (95% intervals); RMSE {self.rmse:.4g} per period ({self.rmse_share:.3%} of the market); "
            f"{state} after {self.evaluations} evaluations x {self.replications} replications "
            f"(seeds {self.seeds[0]}..{self.seeds[-1]})"
        )


def fittable_parameter(path: str) -> Parameter:
    """The parameter a dotted path names; ValueError naming the path and the fittable ones."""
    if path in FITTABLE:
        return _BY_PATH[path]
    near = difflib.get_close_matches(path, FITTABLE, n=3)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    reason = "is not a scenario parameter" if path not in _BY_PATH else "is not a continuous parameter"
    raise ValueError(f"--fit {path!r} {reason}{hint}; fittable parameters: {', '.join(FITTABLE)}")


def with_values(scenario, values: dict):
    """A copy of the scenario with dotted-path parameters set (validated by the scenario schema)."""
    fitted = scenario.model_copy(deep=True)
    for path, value in values.items():
        section, key = path.split(".", 1)
        setattr(getattr(fitted, section), key, value)  # sections validate on assignment
    return fitted


def steps_per_period(scenario, period: str) -> int:
    """Model steps in one data period; the period must be a whole number of steps."""
    ratio = TIME_UNITS[period] / TIME_UNITS[scenario.time_unit]
    if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 0.02 * ratio:
        raise ValueError(
            f"data period {period!r} is not a whole number of the scenario's {scenario.time_unit}s "
            f"({ratio:.3g}); choose a scenario time_unit that divides it"
        )
    return int(round(ratio))


def _replication_sales(scenario, periods: int, per: int, replication: int) -> np.ndarray:
    """New adopters per data period as a share of the market, of one replication (seed + replication)."""
    if isinstance(scenario, dict):  # the portable form sent to worker processes
        from ..scenario.schema import Scenario

        scenario = Scenario.model_validate(scenario["data"]).model_copy(update={"source_dir": scenario["source_dir"]})
    model = WordOfMouthModel(**scenario.model_kwargs(None, replication))
    model.run(periods * per)
    new = model.timeseries()["new_adopters"].to_numpy(dtype=float)
    return new.reshape(periods, per).sum(axis=1) / model.network.n


def simulated_sales(
    scenario, periods: int, period: str, replications: int, pool: cf.Executor | None = None
) -> np.ndarray:
    """New adopters per data period as a share of the market, one row per replication (seeds seed + r);
    on `pool`'s workers when given (the same numbers: each replication has its own seed)."""
    per = steps_per_period(scenario, period)
    if pool is None:
        return np.array([_replication_sales(scenario, periods, per, r) for r in range(replications)])
    portable = {"data": scenario.model_dump(mode="json"), "source_dir": scenario.source_dir}
    return np.array(
        list(pool.map(_replication_sales, *zip(*[(portable, periods, per, r) for r in range(replications)])))
    )


def _search_space(scenario, paths, parameters) -> tuple[dict[str, float], np.ndarray, np.ndarray, np.ndarray]:
    """The scenario's values at `paths`, and the search's bounds and start in log parameters."""
    start = {path: float(getattr(getattr(scenario, path.split(".")[0]), path.split(".", 1)[1])) for path in paths}
    low = np.log([max(p.low if p.low is not None else _FLOOR, _FLOOR) for p in parameters])
    high = np.log([p.high if p.high is not None and math.isfinite(p.high) else 1e6 for p in parameters])
    return start, low, high, np.clip(np.log([max(start[path], _FLOOR) for path in paths]), low, high)


def _nelder_mead(objective, x0, low, high, max_evaluations: int, xtol: float, ftol: float):
    """scipy's bounded Nelder-Mead from ``_first_simplex`` (it only compares values: noise-tolerant)."""
    return minimize(
        objective,
        x0,
        method="Nelder-Mead",
        bounds=list(zip(low, high)),
        options={"maxfev": max_evaluations, "xatol": xtol, "fatol": ftol, "initial_simplex": _first_simplex(x0, high)},
    )


def _first_simplex(x0: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The start and a step of FIRST_STEP in each parameter (log scale), inward at an upper bound."""
    simplex = [x0]
    for j in range(x0.size):
        vertex = x0.copy()
        vertex[j] = x0[j] + FIRST_STEP if x0[j] + FIRST_STEP <= high[j] else x0[j] - FIRST_STEP
        simplex.append(vertex)
    return np.array(simplex)


def fit_scenario(
    scenario,
    sales,
    paths,
    *,
    period: str = "year",
    market_size: float,
    replications: int = 4,
    max_evaluations: int = 200,
    progress=None,
    jobs: int = 1,
    xtol: float = 0.01,
    ftol: float = 1e-7,
) -> AbmFit:
    """Fit the parameters at `paths` so the simulated sales per period match `sales` (see the module docstring).

    Args:
        scenario: the scenario to calibrate (its baseline strategy is run).
        sales: observed sales per data period, oldest first (the first period starts at the simulation's start).
        paths: dotted paths of continuous parameters, e.g. ["purchase.p", "purchase.q"].
        period: length of one data period (a key of TIME_UNITS).
        market_size: the whole market in the data's units (e.g. the Bass m estimate).
        replications: simulations per evaluation (common random numbers).
        max_evaluations: budget of objective evaluations of the search (the intervals take 2k more).
        progress: optional callable(evaluation, values, objective).
        jobs: worker processes for the replications of an evaluation (1: in this process).
        xtol, ftol: convergence tolerances of the simplex, in log theta and in J.
    """
    paths = list(dict.fromkeys(paths))
    if not paths:
        raise ValueError("name at least one parameter to fit (--fit section.name)")
    parameters = [fittable_parameter(path) for path in paths]
    data = np.asarray(sales, dtype=float).ravel()
    if not market_size or market_size <= 0 or not math.isfinite(market_size):
        raise ValueError(f"market size must be a positive number, got {market_size!r}")
    target = data / market_size
    seeds = [scenario.seed + r for r in range(replications)]

    start, low, high, x0 = _search_space(scenario, paths, parameters)
    cache: dict = {}
    pool = None if jobs <= 1 else _pool(min(jobs, replications))

    def simulate(x: np.ndarray) -> tuple[float, np.ndarray]:
        key = tuple(np.round(np.clip(x, low, high), 12))
        if key not in cache:
            values = dict(zip(paths, np.exp(key).tolist()))
            mean = simulated_sales(with_values(scenario, values), data.size, period, replications, pool).mean(axis=0)
            cache[key] = (float(np.sum((mean - target) ** 2)), mean)
            if progress:
                progress(len(cache), values, cache[key][0])
        return cache[key]

    try:
        result = _nelder_mead(lambda x: simulate(x)[0], x0, low, high, max_evaluations, xtol, ftol)
        x = np.clip(result.x, low, high)
        sse, mean = simulate(x)
        intervals = _intervals(x, sse, data.size, lambda z: simulate(z)[1] - target, low, high)
    finally:
        if pool is not None:
            pool.shutdown()
    values = dict(zip(paths, np.exp(x).tolist()))
    rmse_share = float(np.sqrt(sse / data.size))
    return AbmFit(
        values=values,
        start=start,
        rmse_share=rmse_share,
        rmse=rmse_share * market_size,
        simulated=mean * market_size,
        data=data,
        market_size=float(market_size),
        evaluations=len(cache),
        replications=replications,
        seeds=seeds,
        scenario=with_values(scenario, values),
        message=str(result.message),
        converged=bool(result.success),
        intervals=dict(zip(paths, intervals)),
    )


def _pool(jobs: int) -> cf.Executor:
    from ..workers import process_pool

    return process_pool(jobs)


def _intervals(x, sse: float, periods: int, residuals, low, high) -> list[tuple[float, float]]:
    """95% intervals of theta = exp(x) from the Gauss-Newton covariance s^2 (G'G)^-1 (module docstring)."""
    k = x.size
    if periods <= k:
        return [(math.nan, math.nan)] * k
    columns = []
    for j in range(k):
        up, down = x.copy(), x.copy()
        up[j], down[j] = min(x[j] + JACOBIAN_STEP, high[j]), max(x[j] - JACOBIAN_STEP, low[j])
        columns.append((residuals(up) - residuals(down)) / (up[j] - down[j]))
    gram = np.column_stack(columns)
    gram = gram.T @ gram
    s2 = sse / (periods - k)
    try:
        covariance = s2 * np.linalg.inv(gram) if np.linalg.cond(gram) < 1e12 else None
    except np.linalg.LinAlgError:
        covariance = None
    if covariance is None:
        return [(0.0, math.inf)] * k
    half = 1.96 * np.sqrt(np.clip(np.diag(covariance), 0, None))
    return [(float(np.exp(x[j] - half[j])), float(np.exp(x[j] + half[j]))) for j in range(k)]
