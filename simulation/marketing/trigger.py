"""Triggers: a lever that waits for the data to turn (``when:`` in a scenario), as structured data.

A condition compares one observed step KPI with a threshold, or combines conditions::

    when: {metric: negative_share, above: 0.2, for_steps: 2}
    when:
      any:
        - {metric: mean_opinion, below: 0.1}
        - {metric: negative_messages, above: 400, for_steps: 2}
      until: {metric: negative_share, below: 0.1, for_steps: 3}

* ``metric`` is a step KPI of ``simulation.kpis.STEP_KPIS``, seen through the brand's listening model
  (``marketing.listening``: a lag, sampling noise) in the real market's units: a count (consumers,
  messages, ratings) is the real market's, the simulated count x ``market.represents``, so a threshold
  on it means the same at any simulated size;
* ``below`` / ``above``: the condition is met at a reading when the metric is strictly below / above the
  threshold (a missing reading, or NaN, never meets it);
* ``for_steps``: it holds once it has been met at that many consecutive readings;
* ``all`` / ``any``: it is met when all / any of the listed conditions hold (each with its own
  ``for_steps``);
* ``until`` (top level only): once the lever fired, it stops at the first step this condition holds;
  the trigger is then armed again and may fire later.

A lever with a trigger fires at the first step its condition holds, and its schedule (``start``, ``end``,
``every``) counts from that step: ``start: 0`` acts at once, ``end: 8`` stops eight steps later
(``TriggerState.update``). Nothing here is evaluated as code.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Condition(BaseModel):
    """One comparison of an observed metric with a threshold, or all / any of several conditions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str | None = Field(None, description="a step KPI (simulation.kpis.STEP_KPIS) as the brand observes it")
    below: float | None = Field(
        None, description="met when the observed metric is below this value (counts: of the real market)"
    )
    above: float | None = Field(
        None, description="met when the observed metric is above this value (counts: of the real market)"
    )
    for_steps: int = Field(1, ge=1, le=10_000, description="consecutive readings the condition must be met")
    all: list[Condition] | None = Field(None, min_length=1, description="met when every listed condition holds")
    any: list[Condition] | None = Field(None, min_length=1, description="met when any listed condition holds")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric):
        from ..kpis import STEP_KPIS  # the KPI registry imports the levers: read it at validation time

        if metric is not None and metric not in STEP_KPIS:
            import difflib

            close = difflib.get_close_matches(str(metric), list(STEP_KPIS), n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
            raise ValueError(
                f"unknown metric {metric!r}; {hint}allowed: a step KPI, e.g. adopters, negative_share, "
                f"average_rating, mean_opinion ({len(STEP_KPIS)} in all: docs/MODEL.md, 'Accounting and KPIs')"
            )
        return metric

    @field_validator("below", "above")
    @classmethod
    def _finite(cls, value):
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{value} is not allowed: expected a finite number")
        return value

    @model_validator(mode="after")
    def _one_form(self):
        groups = [name for name in ("all", "any") if getattr(self, name) is not None]
        if self.metric is not None:
            if groups:
                raise ValueError(f"give either a metric with below/above or {groups[0]}: [...], not both")
            if (self.below is None) == (self.above is None):
                raise ValueError(
                    f"metric {self.metric!r} needs exactly one of below or above "
                    "(for a range, combine two conditions with all: [...])"
                )
        else:
            if len(groups) != 1:
                raise ValueError(
                    "a condition is a metric with below or above (e.g. {metric: negative_share, above: 0.2}), "
                    "or exactly one of all: [...] / any: [...]"
                )
            if self.below is not None or self.above is not None:
                raise ValueError("below/above need a metric")
        return self

    def metrics(self) -> set[str]:
        """Every metric this condition reads."""
        if self.metric is not None:
            return {self.metric}
        return set().union(*(c.metrics() for c in (self.all or self.any or [])))


class When(Condition):
    """A lever's trigger: the condition that fires it and, optionally, the one that stops it."""

    until: Condition | None = Field(None, description="once fired, the lever stops when this condition holds")

    def metrics(self) -> set[str]:
        return super().metrics() | (self.until.metrics() if self.until else set())


class ConditionState:
    """The streaks of one condition (and of its parts) over the readings seen so far."""

    def __init__(self, condition: Condition):
        self.condition = condition
        self.parts = [ConditionState(c) for c in (condition.all or condition.any or [])]
        self.streak = 0

    def met(self, reading: dict | None) -> bool:
        """Whether the condition is met at this reading (before ``for_steps``)."""
        c = self.condition
        if c.metric is not None:
            value = None if reading is None else reading.get(c.metric)
            if value is None or not math.isfinite(value):
                return False
            return value < c.below if c.below is not None else value > c.above
        held = [part.update(reading) for part in self.parts]  # every part's streak moves at every reading
        return all(held) if c.all is not None else any(held)

    def update(self, reading: dict | None) -> bool:
        """Take one reading; whether the condition holds (met at the last ``for_steps`` readings)."""
        self.streak = self.streak + 1 if self.met(reading) else 0
        return self.streak >= self.condition.for_steps

    def reset(self) -> None:
        self.streak = 0
        for part in self.parts:
            part.reset()


class TriggerState:
    """Whether a triggered lever is in force: armed -> fired (at step f) -> stopped by ``until`` -> armed."""

    def __init__(self, when: When):
        self.when = when
        self.fire = ConditionState(when)
        self.stop = ConditionState(when.until) if when.until is not None else None
        self.fired_at: int | None = None  # the step it last fired, while in force

    def update(self, step: int, reading: dict | None) -> str | None:
        """Take this step's reading; returns "fired", "stopped" or None (no change)."""
        if self.fired_at is None:
            if self.fire.update(reading):
                self.fired_at = step
                if self.stop is not None:
                    self.stop.reset()
                return "fired"
            return None
        if self.stop is not None and self.stop.update(reading):
            self.fired_at = None
            self.fire.reset()
            return "stopped"
        return None
