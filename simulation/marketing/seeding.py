"""Seeding: give the product to k real consumers chosen by a targeting rule, once, at `start`.

``k`` counts consumers of the real market: the simulation seeds k / ``market.represents`` of its consumers
(each stands for ``represents`` real ones), a fraction rounded up with that probability so that the
expected number of real seeds is k at any simulated size (``simulated_seeds``).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field

from ..rules.awareness import make_aware
from ..state import Role, Source
from .base import Lever, LeverContext
from .targeting import choose_seeds


class Seeding(Lever):
    """Give the product to k real consumers chosen by a targeting rule (at `start`)."""

    kind: Literal["seeding"] = "seeding"
    k: int = Field(
        500,
        ge=1,
        description="number of real consumers seeded (the simulation seeds k / market.represents of its own)",
    )
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
        "k real consumers (k / market.represents simulated ones) get the product free (`targeting.choose_seeds`): random, hubs (degree), influencers "
        "(talkativeness), advocates (satisfied customers), greedy (CELF on the independent-cascade spread with `reach` "
        "as tie probability); every seed is asked to spread the word and talks `talk_boost` times more from then on"
    )
    cost_rule = "k x unit cost (or `cost_per_seed`)"
    channel = Source.SEEDING  # customers who first heard through it are attributed to it

    def acts_at(self, step: int) -> bool:
        return step == self.start

    def check(self, model, where: str) -> None:
        real = model.network.n * model.represents
        if self.targeting == "greedy" and self.k > real:
            raise ValueError(
                f"{where}: k = {self.k} is not allowed: greedy seeding needs k <= the market's "
                f"{real:,g} real consumers ({model.network.n:,} simulated x market.represents {model.represents:g})"
            )

    def act(self, ctx: LeverContext) -> None:
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
        real_cost = model.unit_cost if self.cost_per_seed is None else self.cost_per_seed  # one real seed
        wanted = simulated_seeds(self.k, model.represents, rng)
        seed_cost = real_cost * model.represents  # one simulated seed: `represents` real units
        planned = wanted * seed_cost  # the seeds drawn, so a fraction rounded down is no spending shortfall
        k = int(wanted * model.brand.affordable_share(planned))
        if k == 0:
            model.brand.pay(self.kind, 0.0, effects, planned=planned)
            return
        chosen = choose_seeds(model, self.targeting, k, rng)
        model.brand.pay(self.kind, chosen.size * seed_cost, effects, planned=planned)
        c = model.consumers
        customer = c.role[chosen] == Role.CUSTOMER
        c.talk_boost[chosen] *= self.talk_boost  # seeds (and seeded advocates) are asked to spread the word
        make_aware(c, chosen, Source.SEEDING)
        newcomers = chosen[~customer]
        c.first_source[newcomers] = Source.SEEDING  # their adoption is the campaign's
        ctx.give_product(newcomers)  # (non-customers only: enforced)


def simulated_seeds(real: int, represents: float, rng: np.random.Generator) -> int:
    """Simulated consumers standing for `real` real seeds: k_sim = floor(x) + [u < x - floor(x)] with
    x = real / represents and u uniform, so E[k_sim] x represents = real at any resolution (no draw when x is
    whole, so the stream is untouched)."""
    exact = round(real / represents, 9)  # 500 / 10 is whole, not 50 plus rounding noise
    whole = math.floor(exact)
    fraction = exact - whole
    return whole + int(fraction > 0 and rng.random() < fraction)
