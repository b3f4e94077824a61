"""The KPIs measured at every step (names, labels and units: ``simulation.kpis.STEP_KPIS``).

``model.timeseries()`` gives them as a DataFrame, one row per step, through Mesa's DataCollector.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .kpis import STEP_KPIS
from .marketing.base import MarketingEffects
from .state import ConsumerState, Role, Source, TieState

if TYPE_CHECKING:
    from .engine.record import StepRecord
    from .model import WordOfMouthModel


@dataclass
class Tallies:
    """Counts the KPIs need every step, kept up to date as they change instead of recounted."""

    role_counts: np.ndarray  # consumers per Role
    customers_by_source: np.ndarray  # customers per Source they first heard through
    ever_followed: int  # consumers who followed the brand at some point
    tie_trust_total: float  # sum of trust over ties

    @classmethod
    def count(cls, consumers: ConsumerState, ties: TieState | None) -> Tallies:
        customers = consumers.role == Role.CUSTOMER
        return cls(
            role_counts=np.bincount(consumers.role, minlength=len(Role)),
            customers_by_source=np.bincount(consumers.first_source[customers], minlength=len(Source)),
            ever_followed=int(consumers.follows_brand.sum()),
            tie_trust_total=0.0 if ties is None else float(ties.trust.sum(dtype=np.float64)),
        )

    def change_roles(self, consumers: ConsumerState, who: np.ndarray, role: Role) -> None:
        """Count `who` (whose roles are about to change) under their new role."""
        self.role_counts -= np.bincount(consumers.role[who], minlength=len(Role))
        self.role_counts[role] += who.size
        if role == Role.CUSTOMER:
            self.customers_by_source += np.bincount(consumers.first_source[who], minlength=len(Source))


@dataclass
class StepView:
    """What a step KPI's ``measure`` reads (``kpis.STEP_KPIS``): the model after the step, the step's record
    (its sub-steps' combined) and its marketing effects, with the sums several KPIs share computed once."""

    model: WordOfMouthModel
    record: StepRecord
    effects: MarketingEffects

    @cached_property
    def roles(self) -> list[int]:
        return self.model.tallies.role_counts.tolist()

    @cached_property
    def opinions(self) -> tuple[int, float, int]:
        """(aware consumers, the sum of their opinions, how many hold a negative one)."""
        return aware_opinions(self.record.aware, self.model.consumers.opinion, self.model.compiled)

    @cached_property
    def spend(self) -> float:
        return float(sum(self.effects.spend.values()))

    @cached_property
    def gross_profit(self) -> float:
        return self.model.step_revenue * self.model.settings.margin

    @cached_property
    def rating_histogram(self) -> list[int]:
        return self.model.page.histogram.tolist()

    @cached_property
    def customers_by_source(self) -> list[int]:
        return self.model.tallies.customers_by_source.tolist()

    def counter(self, name: str) -> float:
        """A lever counter's value this step (0 when no lever counted it)."""
        return float(self.effects.counters.get(name, 0.0))


def measure_kpis(model: WordOfMouthModel, record: StepRecord, effects: MarketingEffects) -> dict:
    """This step's KPIs: each step KPI's ``measure`` in the registry's order. Opinions are summarised over
    aware consumers (the others have none to voice)."""
    view = StepView(model, record, effects)
    return {name: kpi.measure(view) for name, kpi in STEP_KPIS.items() if kpi.measure is not None}


def aware_opinions(aware: np.ndarray, opinion: np.ndarray, compiled: bool = False) -> tuple[int, float, int]:
    """(aware consumers, the sum of their opinions, how many hold a negative one); ``compiled``: in one pass
    (``kernels.aware_opinions``). Both forms add the aware consumers' opinions in four lanes (the 1st, 5th,
    9th...; the 2nd, 6th...), each in the consumers' order, then (lane 1 + lane 2) + (lane 3 + lane 4): the
    same sum to the last bit, without one long chain of additions."""
    if compiled:
        from . import kernels

        count, total, negative = kernels.compiled().aware_opinions(aware, opinion)
        return int(count), float(total), int(negative)
    held = opinion[aware]
    # 0.0 + : a lane starts from zero in the compiled form (which turns a lone -0.0 into 0.0)
    lanes = [0.0 + float(np.add.accumulate(held[k::4])[-1]) if held.size > k else 0.0 for k in range(4)]
    return int(held.size), (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]), int(np.count_nonzero(held < 0))
