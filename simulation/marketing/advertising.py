"""Paid advertising: a share of a target audience sees an ad at each step the campaign acts."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from ..state import Role, Source
from .base import Lever, LeverContext
from .brand_messages import hear_brand

TARGETS = ("everyone", "prospects", "non_customers", "followers", "community")


class Advertising(Lever):
    """Paid advertising: a share of the target audience sees an ad each active step."""

    kind: Literal["advertising"] = "advertising"
    reach: float | None = Field(0.05, ge=0, le=1, description="share of the target audience reached per active step")
    budget: float | None = Field(
        None, ge=0, description="spend per active step; with cpm (and market.represents), sets the reach instead"
    )
    cpm: float = Field(10.0, gt=0, description="cost per thousand impressions")
    target: Literal["everyone", "prospects", "non_customers", "followers", "community"] = Field(
        "everyone", description="who the ads are shown to"
    )
    community: int | None = Field(None, ge=0, description="community targeted when target = community")
    claimed_quality: float = Field(0.8, ge=-1, le=1, description="quality the ads claim")
    impact: float = Field(0.2, ge=0, description="external influence of one ad, relative to background media")
    interest_gain: float = Field(0.005, ge=0, le=1, description="interest one ad adds at full brand trust")
    recall: float = Field(
        0.08, ge=0, le=1, description="awareness one ad adds (aware at 0.5: one ad may not be enough to remember)"
    )
    persuasiveness: float = Field(
        0.1, ge=0, le=1, description="weight of one ad on opinion, relative to a peer's message at equal trust"
    )

    summary = (
        "a share `reach` of the target (everyone, prospects, non-customers, followers, a community) sees an ad, "
        "or `budget` / `cpm` sets the impressions; each viewer hears the brand (`hear_brand`) with the claimed quality"
    )
    cost_rule = "impressions x cpm / 1000 (one simulated viewer = `represents` impressions)"
    channel = Source.ADVERTISING  # customers who first heard through it are attributed to it

    @model_validator(mode="after")
    def _community_given(self):
        if self.target == "community" and self.community is None:
            raise ValueError("target 'community' needs the field 'community' (the community's number)")
        return self

    def check(self, model, where: str) -> None:
        if self.target != "community":
            return
        communities = model.network.community
        if communities is None:
            raise ValueError(
                f"{where}: target 'community' needs a network with communities (network = 'communities'), "
                f"not {model.network.kind!r}"
            )
        if self.community is None:  # _community_given refuses this unless validation was bypassed
            raise ValueError(f"{where}: target 'community' needs the field 'community' (the community's number)")
        if self.community >= int(communities.max()) + 1:
            raise ValueError(
                f"{where}: target 'community': community = {self.community} does not exist; "
                f"allowed: 0 to {int(communities.max())}"
            )

    def audience(self, model) -> np.ndarray:
        """The consumers the campaign targets."""
        c = model.consumers
        if self.target == "everyone":
            return np.arange(c.n)
        if self.target == "prospects":
            return np.flatnonzero(c.role == Role.PROSPECT)
        if self.target == "non_customers":
            return np.flatnonzero(c.role != Role.CUSTOMER)
        if self.target == "followers":
            return np.flatnonzero(c.follows_brand)
        return np.flatnonzero(model.network.community == self.community)

    def act(self, ctx: LeverContext) -> None:
        """Ads reach a share of the audience (set directly, or by budget / CPM); at most one ad per
        consumer per step, paid per impression."""
        model, effects, rng = ctx.model, ctx.effects, ctx.rng
        audience = self.audience(model)
        if audience.size == 0:
            return
        cost_per_view = self.cpm / 1000.0 * model.represents  # one simulated consumer = `represents` impressions
        if self.budget is not None:
            planned_views = self.budget / cost_per_view
        elif self.reach is not None:
            planned_views = self.reach * audience.size
        else:
            raise ValueError("advertising lever: give 'reach' (share of the audience) or 'budget'; both are empty")
        views = planned_views * model.brand.affordable_share(planned_views * cost_per_view)
        share = min(1.0, views / audience.size)
        seen = audience[rng.random(audience.size) < share]
        # Planned: before the budget cap and saturation (at most one ad per consumer per step) cut it.
        model.brand.pay(self.kind, seen.size * cost_per_view, effects, planned=planned_views * cost_per_view)
        hear_brand(
            model,
            seen,
            self.claimed_quality,
            self.impact,
            self.interest_gain,
            self.persuasiveness,
            Source.ADVERTISING,
            effects,
            self.recall,
        )
