"""A mix whose best split is known by construction, for testing and benchmarking the optimiser.

Levers ``known_0``, ``known_1``, ... each give the product, at their start step, to

    n_i = round(cap_i (1 - exp(-x_i / scale_i)) exp(-start_i / decay))

random prospects, x_i being the money they get; they pay x_i. In a market where nothing else sells
(p = q = 0), adopters at the horizon are sum_i n_i, so the best mix starts every lever at step 0 and splits
the budget B where the marginal responses are equal: cap_i / scale_i exp(-x_i / scale_i) equal for all
levers with x_i > 0, sum x_i = B. ``optimum`` solves that with scipy (an independent solver, not the
optimiser), and ``response`` gives the objective of any split without simulating.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, create_model
from scipy.optimize import minimize

from ..marketing.base import Lever
from ..marketing.registry import register, unregister
from ..state import Role
from .space import SPACES, LeverSpace, register_space

SCENARIO = """
name: known_case
time_unit: week
horizon: {horizon}
seed: 1
replications: 2
market: {{n_consumers: {n}, follower_share: 0, initial_awareness: 0}}
network: {{kind: random, mean_degree: 4}}
purchase: {{p: 0, q: 0}}
strategies:
  - name: nothing
  - name: even_split
    description: the budget split evenly, every lever at step 0
    levers: {even}
"""


@dataclass(frozen=True)
class KnownCase:
    caps: tuple[float, ...] = (900.0, 450.0, 250.0)
    scales: tuple[float, ...] = (2500.0, 700.0, 250.0)
    decay: float = 6.0  # steps: a lever started later reaches fewer consumers
    budget: float = 4000.0
    horizon: int = 10
    n_consumers: int = 3000

    @property
    def kinds(self) -> list[str]:
        return [f"known_{i}" for i in range(len(self.caps))]

    def response(self, amounts, starts=None) -> float:
        """Adopters of a split (before rounding to whole consumers)."""
        starts = np.zeros(len(self.caps)) if starts is None else np.asarray(starts, dtype=float)
        caps, scales = np.asarray(self.caps), np.asarray(self.scales)
        return float(
            np.sum(caps * (1 - np.exp(-np.asarray(amounts, dtype=float) / scales)) * np.exp(-starts / self.decay))
        )

    def optimum(self) -> tuple[np.ndarray, float]:
        """The best split (amounts) and its adopters, every lever at step 0 (scipy SLSQP on the simplex)."""
        m = len(self.caps)
        result = minimize(
            lambda x: -self.response(x),
            np.full(m, self.budget / m),
            method="SLSQP",
            bounds=[(0, self.budget)] * m,
            constraints=[{"type": "eq", "fun": lambda x: x.sum() - self.budget}],
            options={"ftol": 1e-12, "maxiter": 500},
        )
        return result.x, -float(result.fun)

    def scenario_text(self) -> str:
        even = [{"kind": k, "amount": self.budget / len(self.caps)} for k in self.kinds]
        return SCENARIO.format(horizon=self.horizon, n=self.n_consumers, even=even)


def _lever_class(case: KnownCase, index: int) -> type[Lever]:
    kind = case.kinds[index]
    cap, scale, decay = case.caps[index], case.scales[index], case.decay

    def act(self, ctx):
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
        n = round(cap * (1 - math.exp(-self.amount / scale)) * math.exp(-self.start / decay))
        free = np.zeros(model.consumers.n, dtype=bool)
        free[effects.free_units] = True  # another known lever's seeds of this step: not seeded twice
        prospects = np.flatnonzero((model.consumers.role != Role.CUSTOMER) & ~free)
        effects.give_product(rng.choice(prospects, size=min(n, prospects.size), replace=False))
        model.brand.pay(self.kind, self.amount, effects)

    cls = create_model(
        f"Known{index}",
        __base__=Lever,
        __doc__=f"Test lever with a known saturating response (cap {cap}, scale {scale}).",
        kind=(Literal[kind], kind),  # type: ignore[arg-type]
        amount=(float, Field(0.0, ge=0, description="money given to the lever")),
    )
    cls.act = act  # type: ignore[method-assign]
    cls.acts_at = lambda self, step: step == self.start  # type: ignore[method-assign]
    cls.summary = "test lever with a known response"
    cls.cost_rule = "`amount` at start"
    return cls


def _build(amount, start, end, steps, intensity, template, scenario):
    return {"start": start, "amount": amount}


@contextmanager
def known_case(case: KnownCase | None = None):
    """Register the case's levers and search spaces while the block runs; yields the case."""
    case = case or KnownCase()
    for i, kind in enumerate(case.kinds):
        register(_lever_class(case, i))
        register_space(LeverSpace(kind, weight=True, duration=False, build=_build))
    try:
        yield case
    finally:
        for kind in case.kinds:
            unregister(kind)
            SPACES.pop(kind, None)
