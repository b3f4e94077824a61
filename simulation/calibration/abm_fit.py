"""Simulation-based calibration: fit scenario parameters of the full agent-based model to a sales history.

The model's sales have no closed form, so the fit is simulation-based. For candidate values theta the
scenario is run R times with the seeds seed, seed + 1, ..., seed + R - 1 -- the same seeds at every
evaluation (common random numbers), so the objective is a smooth-ish deterministic function of theta
and differences between candidates are not drowned in sampling noise. The objective is

    J(theta) = sum_t ( mean_r S_rt(theta) / N  -  D_t / M )^2,

with S_rt the new adopters of replication r in data period t, N the simulated market's consumers, D_t
the observed sales and M the market size in the data's units (so both are shares of the market). It is
minimised by Powell's derivative-free method (scipy.optimize.minimize) over log theta, within the
bounds of the parameter table.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
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

    def summary(self) -> str:
        fitted = ", ".join(f"{path} = {value:.4g}" for path, value in self.values.items())
        return (
            f"ABM fit: {fitted}; RMSE {self.rmse:.4g} per period ({self.rmse_share:.3%} of the market), "
            f"{self.evaluations} evaluations x {self.replications} replications (seeds {self.seeds[0]}..{self.seeds[-1]})"
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


def simulated_sales(scenario, periods: int, period: str, replications: int) -> np.ndarray:
    """New adopters per data period as a share of the market, one row per replication (seeds seed + r)."""
    per = steps_per_period(scenario, period)
    shares = np.empty((replications, periods))
    for r in range(replications):
        model = WordOfMouthModel(**scenario.model_kwargs(None, r))
        model.run(periods * per)
        new = model.timeseries()["new_adopters"].to_numpy(dtype=float)
        shares[r] = new.reshape(periods, per).sum(axis=1) / model.network.n
    return shares


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
) -> AbmFit:
    """Fit the parameters at `paths` so the simulated sales per period match `sales` (see the module docstring).

    Args:
        scenario: the scenario to calibrate (its baseline strategy is run).
        sales: observed sales per data period, oldest first (the first period starts at the simulation's start).
        paths: dotted paths of continuous parameters, e.g. ["purchase.p", "purchase.q"].
        period: length of one data period (a key of TIME_UNITS).
        market_size: the whole market in the data's units (e.g. the Bass m estimate).
        replications: simulations per evaluation (common random numbers).
        max_evaluations: budget of objective evaluations.
        progress: optional callable(evaluation, values, objective).
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

    start = {path: float(getattr(getattr(scenario, path.split(".")[0]), path.split(".", 1)[1])) for path in paths}
    low = np.log([max(p.low if p.low is not None else _FLOOR, _FLOOR) for p in parameters])
    high = np.log([p.high if p.high is not None and math.isfinite(p.high) else 1e6 for p in parameters])
    x0 = np.clip(np.log([max(start[path], _FLOOR) for path in paths]), low, high)
    cache: dict = {}

    def objective(x: np.ndarray) -> float:
        key = tuple(np.round(x, 12))
        if key not in cache:
            values = dict(zip(paths, np.exp(x).tolist()))
            mean = simulated_sales(with_values(scenario, values), data.size, period, replications).mean(axis=0)
            cache[key] = (float(np.sum((mean - target) ** 2)), mean)
            if progress:
                progress(len(cache), values, cache[key][0])
        return cache[key][0]

    result = minimize(
        objective,
        x0,
        method="Powell",
        bounds=list(zip(low, high)),
        options={"maxfev": max_evaluations, "xtol": 1e-2, "ftol": 1e-4},
    )
    values = dict(zip(paths, np.exp(result.x).tolist()))
    objective(result.x)  # cached: the optimiser evaluated it
    sse, mean = cache[tuple(np.round(result.x, 12))]
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
    )
