"""Recall: the faulty product is withdrawn and replaced while it runs, so buyers get the normal product."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import LeverContext, Programme


class Recall(Programme):
    """Withdraw what an incident made faulty: buyers get the product's normal quality while it runs.

    Unlike a quality improvement it never makes the product better than normal: outside an incident it
    changes nothing (and costs only its running cost), so a recall left running after the faulty batch
    is gone is not an upgrade in disguise."""

    kind: Literal["recall"] = "recall"
    cost: float = Field(20_000.0, ge=0, description="one-off cost at start (withdrawal, replacement, logistics)")

    summary = "cancels the quality shift of every incident active at the step (mean satisfaction back to normal)"

    def act(self, ctx: LeverContext) -> None:
        model, effects = ctx.model, ctx.effects
        effects.quality_shift -= model.incident_shift()
        self.pay_programme(model, effects)
