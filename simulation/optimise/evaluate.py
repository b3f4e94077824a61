"""Evaluating one mix: the same R replications for every trial (common random numbers).

Replication r runs with seed ``scenario.seed + r`` on the network the engine builds for that seed (built
once per process and reused), so two trials differ only by their strategies, never by their luck.
The objectives: the mean of a run KPI over the replications and, with ``--risk q10``, its 10th percentile.
"""

from __future__ import annotations

import numpy as np

from ..experiment.runs import run_once, scenario_network

OBJECTIVES = {"profit": "profit", "npv": "npv", "adopters": "adopters"}
RISKS = {"q10": 0.10}

_NETWORKS: dict = {}


def _network(scenario, replication: int):
    key = (scenario.model_dump_json(include={"market", "network", "seed"}), scenario.source_dir, replication)
    if key not in _NETWORKS:
        if len(_NETWORKS) > 64:
            _NETWORKS.clear()
        _NETWORKS[key] = scenario_network(scenario, replication)
    return _NETWORKS[key]


def replication_values(scenario, strategy, objective: str, replications: int) -> np.ndarray:
    """The objective's run KPI in each of the replications 0..R-1 of `strategy`."""
    single = scenario.model_copy(update={"strategies": [strategy], "baseline": None})
    values = [
        run_once(single, strategy.name, r, social_network=_network(scenario, r)).kpis[OBJECTIVES[objective]]
        for r in range(replications)
    ]
    return np.asarray(values, dtype=float)


class PooledReplications:
    """``replication_values`` with the replications spread over worker processes (``workers.process_pool``:
    they end with this process, kill -9 included). Each replication's value depends only on its seed, so
    the values, and the study they steer, are the same for any number of workers."""

    def __init__(self, jobs: int):
        from ..workers import process_pool

        self.pool = process_pool(jobs)

    def __call__(self, scenario, strategy, objective: str, replications: int) -> np.ndarray:
        portable = {"data": scenario.model_dump(mode="json"), "source_dir": scenario.source_dir}
        mix = strategy.model_dump_json()
        futures = [self.pool.submit(_replication_value, portable, mix, objective, r) for r in range(replications)]
        return np.asarray([future.result() for future in futures], dtype=float)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _replication_value(portable: dict, mix: str, objective: str, replication: int) -> float:
    """One replication's value in a worker process (the scenario and the mix as JSON)."""
    from ..marketing.strategy import Strategy
    from ..scenario.schema import Scenario

    scenario = Scenario.model_validate(portable["data"]).model_copy(update={"source_dir": portable["source_dir"]})
    strategy = Strategy.model_validate_json(mix)
    single = scenario.model_copy(update={"strategies": [strategy], "baseline": None})
    run = run_once(single, strategy.name, replication, social_network=_network(scenario, replication))
    return float(run.kpis[OBJECTIVES[objective]])


def objective_values(values: np.ndarray, risk: str | None) -> tuple[float, ...]:
    """(mean,) or (mean, quantile) of the per-replication values."""
    mean = float(np.mean(values))
    if risk is None:
        return (mean,)
    return mean, float(np.quantile(values, RISKS[risk]))
