"""One run of a scenario's strategy, and the run-level KPIs every comparison and sweep reports.

Shared by ``run.py compare``, ``run.py sweep``, calibration and the front end, so a KPI is defined once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..kpis import RUN_KPIS, RunView, run_values  # noqa: F401  (RUN_KPIS: imported from here by callers)
from ..marketing.listening import EVENT_COLUMNS
from ..model import WordOfMouthModel
from ..network.build import build_market_network
from ..network.edgelist import load_node_roles
from ..parameters import PARAMETERS
from ..state import Role, Source


def build_model(
    scenario, strategy: str | None = None, replication: int = 0, social_network=None, **extra
) -> WordOfMouthModel:
    """The model for one replication of a strategy (replication r uses seed + r for every strategy).

    With ``network.node_roles`` set, the network is built first (as the model would build it) so the
    node file's roles can be matched to its consumers.
    """
    kwargs = scenario.model_kwargs(strategy, replication)
    kwargs.update(extra)
    if scenario.network.node_roles and "initial_roles" not in kwargs:
        if social_network is None:
            social_network = _scenario_network(kwargs)
        roles = load_node_roles(scenario.resolve_path(scenario.network.node_roles), social_network)
        kwargs["initial_roles"] = _role_codes(roles)
        if roles.community is not None:  # the node file's communities replace the generator's
            social_network = dataclasses.replace(social_network, community=roles.community)
    if social_network is not None:
        kwargs["social_network"] = social_network
    return WordOfMouthModel(**kwargs)


def scenario_network(scenario, replication: int = 0):
    """The social network every strategy of a scenario shares in replication r (seed + r)."""
    return _scenario_network(scenario.model_kwargs(None, replication))


def _scenario_network(kwargs: dict):
    """The social network the model would build from these keyword arguments (same seed, same stream): from the
    scenario's checked settings, with any parameter given beside them (checked by the model when it runs)."""
    params = {**kwargs["settings"].as_dict(), **{k: v for k, v in kwargs.items() if k in PARAMETERS}}
    return build_market_network(kwargs["seed"], params)


def _role_codes(roles) -> tuple[np.ndarray, np.ndarray]:
    """(role codes, follows_brand) for the model's ``initial_roles`` from a node file's roles."""
    codes = {"prospect": Role.PROSPECT, "follower": Role.FOLLOWER, "customer": Role.CUSTOMER}
    role = np.zeros(roles.role.size, dtype=np.int8)
    for name, code in codes.items():
        role[roles.role == name] = code
    return role, roles.follows_brand


def simulate(
    scenario, strategy: str | None = None, replication: int = 0, social_network=None, steps: int | None = None
) -> pd.DataFrame:
    """Run one replication to the horizon; the KPIs of every step."""
    model = build_model(scenario, strategy, replication, social_network)
    model.run(scenario.horizon if steps is None else steps)
    return model.timeseries()


def run_kpis(
    timeseries: pd.DataFrame,
    n_consumers: int,
    time_unit: str,
    discount_rate: float,
    initial_adopters: int = 0,
    initial_following: int = 0,
    represents: float = 1.0,
) -> dict:
    """Run-level KPIs from a run's per-step KPIs, each computed as ``kpis.RUN_KPIS`` defines it
    (``kpis.run_values``)."""
    view = RunView(timeseries, n_consumers, time_unit, discount_rate, initial_adopters, initial_following, represents)
    return run_values(view)


@dataclass
class RunResult:
    """One replication of one strategy."""

    strategy: str
    replication: int
    seed: int
    kpis: dict  # run-level KPIs (RUN_KPIS)
    timeseries: pd.DataFrame  # per-step KPIs
    purchase_step: np.ndarray  # per consumer: step of first purchase in the run, -1 if none (or bought before)
    customer: np.ndarray  # per consumer: a customer at the horizon
    free_seed: np.ndarray  # per consumer: got the product free from a seeding lever (a customer who paid nothing)
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVENT_COLUMNS))  # triggers, budget moves


def run_once(scenario, strategy: str | None = None, replication: int = 0, social_network=None) -> RunResult:
    """One replication of a strategy to the scenario's horizon."""
    name = strategy or scenario.baseline_name
    model = build_model(scenario, name, replication, social_network)
    initial_adopters = int((model.consumers.role == Role.CUSTOMER).sum())
    initial_following = int(model.consumers.follows_brand.sum())
    model.run(scenario.horizon)
    frame = model.timeseries()
    kpis = run_kpis(
        frame,
        model.network.n,
        scenario.time_unit,
        scenario.discount_rate,
        initial_adopters,
        initial_following,
        model.represents,
    )
    return RunResult(
        strategy=name,
        replication=replication,
        seed=model.seed,
        kpis=kpis,
        timeseries=frame,
        purchase_step=model.consumers.purchase_step.copy(),
        customer=model.consumers.role == Role.CUSTOMER,
        free_seed=(model.consumers.role == Role.CUSTOMER) & (model.consumers.first_source == Source.SEEDING),
        events=pd.DataFrame(model.brand.events, columns=EVENT_COLUMNS),
    )
