"""The brand's listening model: what it observes of the market, when, how accurately, at what cost; and
the listening strategy it runs on those observations (triggers and budget reallocation).

At step t, before any lever acts, the brand reads the market as it stood at the end of step t - 1
(``Listening.observe``) and acts on the reading of step t - 1 - ``lag`` (nothing before it has one).
It reads the real market (``read_metrics``): each simulated consumer stands for ``market.represents`` real
ones, so every count it reads (consumers, messages, ratings: KPIs in ``REAL_COUNT_UNITS``) is the
simulated count x represents, and a trigger's threshold on a count is a count of the real market:

* metrics read from posts are estimated from ``sample`` real posts drawn without replacement (all of them,
  so the exact figure, when the real market has no more): ``mean_opinion`` is the mean opinion of
  ``sample`` of the N = aware x represents real aware consumers, ``negative_share`` the share of them with
  a negative opinion (hypergeometric); ``positive_messages`` and ``negative_messages`` split the known real
  volume of messages V by the share of negative ones among ``sample`` of them, V x H / n with H
  hypergeometric(negative, positive, n = min(sample, V)). The spread depends on the real market only,
  not on how finely it is simulated;
* every other step KPI (sales, spend, public counts such as a rating page's) is read exactly, after the
  same lag;
* listening costs ``cost_per_step``, paid at every step through ``Brand.pay`` (kind ``listening``).

The draws use their own random stream (``listening``), so listening never shifts any other draw
(common random numbers). ``Listening`` also keeps each trigger's state (``marketing.trigger``), the
budget allocation (``marketing.reallocation``) and the event log: when each trigger fired or stopped
and how the budget moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .reallocation import BudgetAllocation
from .trigger import TriggerState

if TYPE_CHECKING:
    from ..model import WordOfMouthModel
    from .base import Lever, MarketingEffects

# Metrics estimated from a sample of posts; every other metric is read exactly (after the lag).
SAMPLED_METRICS = ("mean_opinion", "negative_share", "positive_messages", "negative_messages")
# KPI units that count things in the market: the brand reads them x market.represents (real-market counts).
REAL_COUNT_UNITS = ("consumers", "messages", "count")
EVENT_COLUMNS = ["step", "lever", "kind", "event", "value", "detail"]


class ListeningSettings(BaseModel):
    """How the brand observes the market (a strategy's ``listening:``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lag: int = Field(1, ge=0, le=1000, description="steps between a reading and the decisions taken on it")
    sample: int | None = Field(
        500,
        ge=1,
        description="real posts read per step to estimate sentiment (all of them when there are no more); "
        "none = the exact figures",
    )
    cost_per_step: float = Field(0.0, ge=0, description="cost of listening per step (social listening tools, staff)")


def read_metrics(model: WordOfMouthModel, names, sample: int | None, rng: np.random.Generator) -> dict[str, float]:
    """The brand's reading of the metrics `names` of the real market at the end of the last step (see the
    module docstring): counts x represents, sentiment from `sample` real posts (None: exact)."""
    from ..kpis import STEP_KPIS  # the KPI registry imports the levers: read it at call time

    kpis, represents = model.kpis, model.represents
    reading = {
        name: float(kpis[name]) * (represents if STEP_KPIS[name].unit in REAL_COUNT_UNITS else 1.0)
        for name in names
        if name in kpis
    }
    if sample is None or not kpis:
        return reading
    c = model.consumers
    if {"mean_opinion", "negative_share"} & set(reading):
        aware = np.flatnonzero(c.aware)
        real = round(aware.size * represents)
        if aware.size and real > sample:
            # `sample` of the real aware consumers, each simulated one standing for `represents` of them
            drawn = (rng.choice(real, size=sample, replace=False) / represents).astype(np.int64)
            opinions = c.opinion[aware[np.minimum(drawn, aware.size - 1)]]
            if "mean_opinion" in reading:
                reading["mean_opinion"] = float(opinions.mean())
            if "negative_share" in reading:
                reading["negative_share"] = float(np.count_nonzero(opinions < 0) / sample)
    if {"positive_messages", "negative_messages"} & set(reading):
        positive = round(float(kpis["positive_messages"]) * represents)
        negative = round(float(kpis["negative_messages"]) * represents)
        read = min(sample, positive + negative)
        if read < positive + negative:
            negative_estimate = (positive + negative) * rng.hypergeometric(negative, positive, read) / read
            if "negative_messages" in reading:
                reading["negative_messages"] = negative_estimate
            if "positive_messages" in reading:
                reading["positive_messages"] = positive + negative - negative_estimate
    return {name: reading[name] for name in names if name in reading}


class Listening:
    """One run's listening: readings, trigger states, the budget allocation and the event log."""

    def __init__(self, strategy):
        self.settings: ListeningSettings = strategy.listening or ListeningSettings.model_validate({})
        self.levers: list[Lever] = list(strategy.levers)
        self.triggers = {i: TriggerState(lever.when) for i, lever in enumerate(self.levers) if lever.when is not None}
        self.allocation = (
            BudgetAllocation(strategy.reallocate, strategy.budget, self.levers) if strategy.reallocate else None
        )
        self.active = bool(self.triggers) or self.allocation is not None or strategy.listening is not None
        self.metrics = sorted(set().union(*(lever.when.metrics() for lever in self.levers if lever.when)))
        self.readings: list[dict | None] = []  # one per step, of the previous step (None at step 0)
        self.in_force: list[Lever | None] = [
            None if i in self.triggers else lever for i, lever in enumerate(self.levers)
        ]
        self.events: list[dict] = []

    def log(self, step: int, index: int | None, event: str, value: float = float("nan"), detail: str = "") -> None:
        kind = "" if index is None else self.levers[index].kind
        self.events.append(
            {
                "step": step,
                "lever": -1 if index is None else index,
                "kind": kind,
                "event": event,
                "value": value,
                "detail": detail,
            }
        )

    def observe(self, model: WordOfMouthModel, effects: MarketingEffects) -> None:
        """Read the market, pay for listening, update triggers and (every K steps) the budget split."""
        if not self.active:
            return
        step = model.step_index
        if self.settings.cost_per_step > 0:
            model.brand.pay("listening", self.settings.cost_per_step, effects)
        rng = model.stream("listening")
        self.readings.append(read_metrics(model, self.metrics, self.settings.sample, rng) if step > 0 else None)
        seen = step - 1 - self.settings.lag  # the step whose reading the brand acts on
        reading = self.readings[seen + 1] if seen >= 0 else None
        for index, state in self.triggers.items():
            change = state.update(step, reading)
            if change is None:
                continue
            lever = self.levers[index]
            if change == "fired":
                self.in_force[index] = lever.model_copy(
                    update={"start": step + lever.start, "end": None if lever.end is None else step + lever.end}
                )
            else:  # stopped: it acts no more from this step on
                current = self.in_force[index]
                self.in_force[index] = (
                    None if current is None or current.start >= step else current.model_copy(update={"end": step})
                )
            metrics = (lever.when if change == "fired" else lever.when.until).metrics()  # type: ignore[union-attr]
            shown = ", ".join(f"{m} = {reading[m]:.4g}" for m in sorted(metrics) if reading and m in reading)
            self.log(step, index, change, detail=f"observed {shown} (reading of step {seen})")
        if self.allocation is not None:
            moved = self.allocation.update(model, seen, model.stream("reallocate"))
            for index, share, allowance in moved:
                self.log(step, index, "budget", share, f"{share:.0%} of the remaining budget: {allowance:,.0f}")

    def schedule(self) -> list[tuple[int, Lever]]:
        """(index, lever) for every lever in force: untriggered ones as written, fired ones shifted to their firing step."""
        return [(i, lever) for i, lever in enumerate(self.in_force) if lever is not None]

    def allowance_left(self, index: int | None) -> float:
        if self.allocation is None or index is None:
            return float("inf")
        return self.allocation.left(index)

    def paid(self, index: int | None, step: int, amount: float) -> None:
        if self.allocation is not None and index is not None:
            self.allocation.spend(index, step, amount)

    def purchases(self, model: WordOfMouthModel, purchases) -> None:
        """Customers each lever's tracked channel won this step (for the budget split)."""
        if self.allocation is not None:
            self.allocation.convert(model, purchases)
