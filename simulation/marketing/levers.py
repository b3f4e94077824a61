"""Marketing levers as validated settings (pydantic), each with its schedule and costs.

A lever only describes *what* the brand does; ``simulation.marketing.actions`` holds the one function
per lever that carries it out on the market. Steps count from 0; a lever is active at step t when
``start <= t < end`` (no end: until the horizon) and ``(t - start) % every == 0``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Lever(_Settings):
    """Schedule shared by every lever."""

    start: int = Field(0, ge=0, description="first step the lever acts (steps count from 0)")
    end: int | None = Field(None, ge=1, description="step at which it stops (exclusive); none = until the horizon")
    every: int = Field(1, ge=1, description="acts every this many steps")

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    def active(self, step: int) -> bool:
        if step < self.start or (self.end is not None and step >= self.end):
            return False
        return (step - self.start) % self.every == 0

    def running(self, step: int) -> bool:
        """Within the lever's period, whatever its frequency (for levers that act continuously)."""
        return step >= self.start and (self.end is None or step < self.end)


class Advertising(Lever):
    """Paid advertising: a share of the target audience sees an ad each active step."""

    kind: Literal["advertising"] = "advertising"
    reach: float | None = Field(0.05, ge=0, le=1, description="share of the target audience reached per active step")
    budget: float | None = Field(
        None, ge=0, description="spend per active step; with cpm (and market.represents), sets the reach instead"
    )
    cpm: float = Field(10.0, gt=0, description="cost per thousand impressions")
    target: Literal["everyone", "prospects", "non_customers", "followers", "community"] = "everyone"
    community: int | None = Field(None, ge=0, description="community targeted when target = community")
    claimed_quality: float = Field(0.8, ge=-1, le=1, description="quality the ads claim")
    impact: float = Field(1.0, ge=0, description="external influence of one ad, relative to background media")
    interest_gain: float = Field(0.1, ge=0, le=1, description="interest one ad adds at full brand trust")

    @model_validator(mode="after")
    def _community_given(self):
        if self.target == "community" and self.community is None:
            raise ValueError("target 'community' needs the field 'community' (the community's number)")
        return self


class BrandContent(Lever):
    """The brand's own posts: followers who engage see them; satisfied customers re-share them."""

    kind: Literal["content"] = "content"
    engagement: float = Field(0.3, ge=0, le=1, description="probability a follower sees and engages with a post")
    reshare: float = Field(
        0.2, ge=0, le=1, description="probability an engaged customer who likes the product re-shares it"
    )
    claimed_quality: float = Field(0.7, ge=-1, le=1)
    impact: float = Field(1.0, ge=0)
    interest_gain: float = Field(0.15, ge=0, le=1)
    cost_per_post: float = Field(500.0, ge=0)


class Seeding(Lever):
    """Give the product to k consumers chosen by a targeting rule (at `start`)."""

    kind: Literal["seeding"] = "seeding"
    k: int = Field(50, ge=1, description="number of consumers seeded")
    targeting: Literal["random", "hubs", "influencers", "advocates", "greedy"] = "random"
    cost_per_seed: float | None = Field(
        None,
        ge=0,
        description="cost of one real seed; none = the product's unit cost (a simulated seed stands for market.represents real ones)",
    )
    advocate_boost: float = Field(2.0, ge=1, description="talk multiplier of seeded advocates (already customers)")
    end: int | None = Field(None, ge=1)

    def active(self, step: int) -> bool:
        return step == self.start


class Referral(Lever):
    """A reward per successful referral: customers talk more, but their messages are incentivised."""

    kind: Literal["referral"] = "referral"
    reward: float = Field(10.0, ge=0, description="reward paid per referred purchase")
    talk_boost: float = Field(2.0, ge=1, description="talk multiplier of customers while the programme runs")


class ReviewResponse(Lever):
    """Answering negative reviews, which softens their effect on readers."""

    kind: Literal["review_response"] = "review_response"
    share: float = Field(0.5, ge=0, le=1, description="share of negative messages the brand answers")
    softening: float = Field(0.5, ge=0, le=1, description="share of an answered message's weight removed")
    cost_per_response: float = Field(2.0, ge=0)


class QualityImprovement(Lever):
    """Improve the product experience from `start` on: shift the mean, narrow the spread."""

    kind: Literal["quality"] = "quality"
    shift: float = Field(0.2, ge=-2, le=2, description="added to the mean satisfaction")
    spread_factor: float = Field(0.8, ge=0, le=1, description="multiplies the spread of satisfaction")
    cost: float = Field(50_000.0, ge=0, description="one-off cost at start")
    cost_per_step: float = Field(0.0, ge=0)


class PricePromotion(Lever):
    """A price discount while the promotion runs."""

    kind: Literal["price_promotion"] = "price_promotion"
    discount: float = Field(0.2, ge=0, lt=1, description="share off the list price")


AnyLever = Annotated[
    Advertising | BrandContent | Seeding | Referral | ReviewResponse | QualityImprovement | PricePromotion,
    Field(discriminator="kind"),
]

LEVER_KINDS = {cls.model_fields["kind"].default: cls for cls in AnyLever.__origin__.__args__}


class Strategy(_Settings):
    """A named marketing strategy: the levers it pulls (none = do nothing)."""

    name: str = "baseline"
    description: str = ""
    budget: float | None = Field(None, ge=0, description="cap on total spend; levers stop spending when it is used up")
    levers: list[AnyLever] = Field(default_factory=list)
