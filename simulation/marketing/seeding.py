"""Seeding: give the product to k consumers chosen by a targeting rule, once, at `start`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..rules.awareness import make_aware
from ..state import Role, Source
from .base import Lever, LeverContext
from .targeting import choose_seeds


class Seeding(Lever):
    """Give the product to k consumers chosen by a targeting rule (at `start`)."""

    kind: Literal["seeding"] = "seeding"
    k: int = Field(50, ge=1, description="number of consumers seeded")
    targeting: Literal["random", "hubs", "influencers", "advocates", "greedy"] = Field(
        "random", description="how the seeds are chosen"
    )
    cost_per_seed: float | None = Field(
        None,
        ge=0,
        description="cost of one real seed; none = the product's unit cost (a simulated seed stands for "
        "market.represents real ones)",
    )
    talk_boost: float = Field(
        2.0, ge=1, description="lasting talk multiplier of the seeds: they are asked to spread the word"
    )
    end: int | None = Field(None, ge=1, description="ignored: seeding acts once, at start")

    summary = (
        "k consumers get the product free (`targeting.choose_seeds`): random, hubs (degree), influencers "
        "(talkativeness), advocates (satisfied customers), greedy (CELF on the independent-cascade spread with `reach` "
        "as tie probability); every seed is asked to spread the word and talks `talk_boost` times more from then on"
    )
    cost_rule = "k x unit cost (or `cost_per_seed`)"
    channel = Source.SEEDING  # customers who first heard through it are attributed to it

    def acts_at(self, step: int) -> bool:
        return step == self.start

    def check(self, model, where: str) -> None:
        if self.targeting == "greedy" and self.k > model.network.n:
            raise ValueError(
                f"{where}: k = {self.k} is not allowed: greedy seeding needs k <= the market's "
                f"{model.network.n:,} consumers"
            )

    def act(self, ctx: LeverContext) -> None:
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
        unit_cost = (model.unit_cost if self.cost_per_seed is None else self.cost_per_seed) * model.represents
        k = int(self.k * model.brand.affordable_share(self.k * unit_cost))
        if k == 0:
            model.brand.pay(self.kind, 0.0, effects, planned=self.k * unit_cost)
            return
        chosen = choose_seeds(model, self.targeting, k, rng)
        model.brand.pay(self.kind, chosen.size * unit_cost, effects, planned=self.k * unit_cost)
        c = model.consumers
        customer = c.role[chosen] == Role.CUSTOMER
        c.talk_boost[chosen] *= self.talk_boost  # seeds (and seeded advocates) are asked to spread the word
        make_aware(c, chosen, Source.SEEDING)
        newcomers = chosen[~customer]
        c.first_source[newcomers] = Source.SEEDING  # their adoption is the campaign's
        ctx.give_product(newcomers)  # (non-customers only: enforced)
