"""Referral rewards: customers talk more, but their messages carry an incentive that listeners discount."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..rules.purchase import social_share
from ..state import Role
from .base import Lever, LeverContext


class Referral(Lever):
    """A reward per successful referral: customers talk more, but their messages are incentivised."""

    kind: Literal["referral"] = "referral"
    reward: float = Field(10.0, ge=0, description="reward paid per referred purchase")
    talk_boost: float = Field(2.0, ge=1, description="talk multiplier of customers while the programme runs")

    continuous = True
    summary = (
        "while it runs, customers talk `talk_boost` times more and their messages carry `incentive_discount` "
        "of their credibility (listeners discount incentivised word of mouth)"
    )
    cost_rule = "reward x expected referred purchases (q S / (p E + q S) summed over buyers)"

    def act(self, ctx: LeverContext) -> None:
        model, effects = ctx.model, ctx.effects
        customers = model.consumers.role == Role.CUSTOMER
        effects.boost_talk(customers, self.talk_boost)
        effects.discount_credibility(customers, model.params["incentive_discount"])

    def on_purchases(self, ctx: LeverContext) -> None:
        """Rewards are paid for the expected share of each purchase due to peers."""
        model, purchases, effects = ctx.model, ctx.purchases, ctx.effects
        if self.reward <= 0:
            return
        referred = self.conversions(model, purchases)
        model.brand.pay(self.kind, referred * self.reward * model.represents, effects)

    def conversions(self, model, purchases) -> float:
        """Referred purchases (the referral codes the brand sees): the peers' share q S / (p E + q S) of each purchase."""
        return float(social_share(purchases.external_part, purchases.social_part).sum())
