"""What every marketing lever shares: its schedule, the hooks through which it acts on the market, and
``MarketingEffects``, the record of what the brand's levers did in one step.

A lever is one module of this package: its settings (a pydantic model deriving from ``Lever``), what it
does when it acts, the engine hooks it uses and how it is paid. The engine knows no lever by name; it
calls the hooks of the levers acting at the current step and reads ``MarketingEffects``. Every hook takes
one ``LeverContext`` (the model, the step's effects, the lever's random stream, the step's record so far,
the lever's per-run state, and the engine's verbs for levers):

* ``act(ctx)``: the lever's action at a step it acts (brand messages, seeds, settings of the step's effects);
* ``on_messages(ctx)``: after this step's word of mouth (``ctx.messages``) is delivered and before it
  persuades anyone (e.g. answering negative reviews lowers their credibility);
* ``on_purchases(ctx)``: after this step's purchases (``ctx.purchases``; e.g. paying referral rewards);
* ``on_reviews(ctx)``: after this step's ratings (``ctx.reviews``) are posted on the product page;
* ``check(model, where)``: at model construction, refuse a lever the market cannot carry out;
* ``start_run(model)``: the lever's per-run state (``ctx.state``), made when a run starts: a lever's
  settings are frozen and shared by every run of a strategy.

Through ``MarketingEffects`` a lever sets the step's talk boost, speaker credibility, purchase hazard
factor, price, experienced quality, free units, extra messages and what buyers are asked or offered for a
review, and records its spend (``Brand.pay``)
and counters (step KPIs it declares in ``counters``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..state import CUSTOMER_CODE
from .trigger import When

if TYPE_CHECKING:
    from ..engine.record import StepRecord
    from ..model import WordOfMouthModel
    from ..step_records import Messages, Purchases, Reviews

HOOKS = ("act", "on_messages", "on_purchases", "on_reviews", "check")


class Lever(BaseModel):
    """Schedule shared by every lever. Steps count from 0; a lever acts at step t when
    ``start <= t < end`` (no end: until the horizon) and ``(t - start) % every == 0``; a continuous lever
    (one in force throughout its period, such as a price promotion) acts at every step of its period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    start: int = Field(0, ge=0, description="first step the lever acts (steps count from 0)")
    end: int | None = Field(None, ge=1, description="step at which it stops (exclusive); none = until the horizon")
    every: int = Field(1, ge=1, description="acts every this many steps")
    when: When | None = Field(
        None,
        description="trigger on observed metrics; the schedule then counts from the step it fires (see trigger.py)",
    )

    # Class-level description, read by the engine and by the lever table of docs/MODEL.md.
    continuous: ClassVar[bool] = False  # acts at every step of its period (``every`` ignored)
    summary: ClassVar[str] = ""  # what it does, one sentence
    cost_rule: ClassVar[str] = ""  # how it is paid
    counters: ClassVar[dict[str, str]] = {}  # step KPIs it adds (name -> label), summed over a run
    channel: ClassVar[int | None] = None  # the state.Source whose new customers the brand attributes to it

    @model_validator(mode="after")
    def _end_after_start(self):
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self

    def running(self, step: int) -> bool:
        """Within the lever's period, whatever its frequency."""
        return step >= self.start and (self.end is None or step < self.end)

    def acts_at(self, step: int) -> bool:
        """Whether the lever acts at `step` (its hooks are called only then)."""
        if not self.running(step):
            return False
        return self.continuous or (step - self.start) % self.every == 0

    # ---- hooks (the default does nothing)
    def check(self, model: WordOfMouthModel, where: str) -> None:
        """Raise ValueError (prefixed with `where`) if the lever cannot act in this market."""

    def start_run(self, model: WordOfMouthModel) -> Any:
        """The lever's state for one run (``ctx.state``; None: it keeps none)."""
        return None

    def act(self, ctx: LeverContext) -> None:
        """The lever's action at a step it acts."""

    def on_messages(self, ctx: LeverContext) -> None:
        """Called with the step's delivered word of mouth (``ctx.messages``), before it persuades anyone."""

    def on_purchases(self, ctx: LeverContext) -> None:
        """Called with the step's purchases (``ctx.purchases``)."""

    def on_reviews(self, ctx: LeverContext) -> None:
        """Called with the ratings posted on the product page this step (``ctx.reviews``)."""

    def conversions(self, model: WordOfMouthModel, purchases: Purchases) -> float | None:
        """Customers the brand attributes to this lever in the step's purchases (its tracked channel:
        first heard through it); None when it has no tracked channel (budget reallocation needs one)."""
        if self.channel is None:
            return None
        return float(np.count_nonzero(model.consumers.first_source[purchases.buyers] == self.channel))

    @classmethod
    def kind_name(cls) -> str:
        return cls.model_fields["kind"].default

    @classmethod
    def hooks_used(cls) -> list[str]:
        """The hooks this lever overrides (for the lever table)."""
        return [hook for hook in HOOKS if getattr(cls, hook) is not getattr(Lever, hook)]


class Programme(Lever):
    """A lever that runs as a programme from `start` on (a product change, a recall): a one-off `cost` at its
    first step and `cost_per_step` at every step it is in force. Subclasses set `cost`'s default."""

    cost: float = Field(0.0, ge=0, description="one-off cost at start")
    cost_per_step: float = Field(0.0, ge=0, description="running cost per step from start on")

    continuous = True
    cost_rule = "`cost` once at start + `cost_per_step`"

    def pay_programme(self, model: WordOfMouthModel, effects: MarketingEffects) -> None:
        """Pay the programme's costs at a step it acts: `cost` at its first step, `cost_per_step` at every one."""
        model.brand.pay(self.kind, self.cost_per_step + (self.cost if model.step_index == self.start else 0.0), effects)


@dataclass
class RunMemory:
    """What levers compute once per run and share (held by the run's ``Brand``)."""

    greedy_seeds: np.ndarray | None = None  # the best seeds found so far by greedy influence maximisation


@dataclass(eq=False)
class LeverContext:
    """What a lever's hook is given: the market, the step's effects, what the step recorded so far, the lever's
    per-run state, its own random stream (made on first use), and the engine's verbs for levers."""

    model: WordOfMouthModel
    effects: MarketingEffects
    record: StepRecord
    state: Any  # what the lever's start_run returned
    purpose: str  # the random stream's purpose (one per hook)
    index: int  # the lever's place in the strategy (tells its stream apart from other levers')

    @cached_property
    def rng(self) -> np.random.Generator:
        return self.model.stream(self.purpose, self.index)

    @property
    def messages(self) -> Messages:
        return self.record.messages

    @property
    def purchases(self) -> Purchases:
        return self.record.purchases

    @property
    def reviews(self) -> Reviews:
        return self.record.reviews

    def give_product(self, who: np.ndarray) -> None:
        """`who` receive the product free this step and become customers, paying nothing. Only non-customers
        can be given it (a customer's free unit would be neither a new customer nor a paid unit)."""
        customers = who[self.model.consumers.role[who] == CUSTOMER_CODE]
        if customers.size:
            raise ValueError(
                f"lever {self.index}: give_product was given {customers.size} consumers who are already customers "
                f"(e.g. consumer {int(customers[0])}); only non-customers can receive the product free"
            )
        self.effects.give_product(who)

    def ask_to_review(self, who: np.ndarray, uptake: float = 0.0) -> Reviews:
        """Ask the customers `who` for a rating now: each posts with its posting probability when asked
        (``rules.reviews``), and, if it would not, with probability `uptake` (an incentivised review). Returns
        the ratings posted (already on the product page)."""
        from ..engine.experience import ask_for_reviews

        return ask_for_reviews(self.model, who, uptake)


@dataclass
class MarketingEffects:
    """What the brand's levers did this step, read by the engine's rules.

    Arrays are allocated only when a lever first needs them in the step (most steps of most strategies
    need none), so a strategy without levers costs nothing.
    """

    n: int  # consumers in the market
    background: float  # external influence present without any campaign
    external: np.ndarray | None = None  # E_i once a brand message was seen this step (else background for all)
    talk_boost: np.ndarray | None = None  # this step's talk multiplier per consumer (None: 1)
    credibility: np.ndarray | None = None  # this step's credibility factor per speaker (None: 1)
    hazard_factor: float = 1.0  # multiplies every purchase hazard
    discount: float = 0.0  # share off the list price (the largest offered)
    quality_shift: float = 0.0  # added to the mean satisfaction of this step's buyers
    spread_factor: float = 1.0  # multiplies the spread of satisfaction
    review_ask: float = 0.0  # share of the under-reporting bias removed by asking every buyer for a review
    review_incentive: float = 0.0  # probability a buyer who would not review does so for an incentive
    free_units: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # given away (seeds)
    extra_messages: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # one more message each
    extra_sources: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))  # attributed to (Source)
    spend: dict[str, float] = field(default_factory=dict)  # paid this step, by lever kind
    planned: dict[str, float] = field(default_factory=dict)  # what the levers meant to spend, by kind
    counters: dict[str, float] = field(default_factory=dict)  # lever counters (step KPIs)

    def next_substep(self) -> None:
        """A step integrated in several sub-steps: the levers acted at its start, so their one-off effects
        (brand messages seen, units given, extra messages) belong to the first sub-step; their settings
        (talk boost, credibility, hazard factor, price, quality, review asks) hold through the step."""
        self.external = None
        self.free_units = np.empty(0, dtype=np.int64)
        self.extra_messages = np.empty(0, dtype=np.int64)
        self.extra_sources = np.empty(0, dtype=np.int8)

    def external_influence(self) -> np.ndarray:
        """E_i for every consumer (allocated on the first brand message of the step)."""
        if self.external is None:
            self.external = np.full(self.n, self.background)
        return self.external

    def boost_talk(self, who: np.ndarray, factor: float) -> None:
        """Consumers `who` talk `factor` times more this step."""
        if self.talk_boost is None:
            self.talk_boost = np.ones(self.n)
        self.talk_boost[who] *= factor

    def discount_credibility(self, who: np.ndarray, factor: float) -> None:
        """Messages spoken by `who` this step carry `factor` of their usual credibility."""
        if self.credibility is None:
            self.credibility = np.ones(self.n)
        self.credibility[who] *= factor

    def offer_discount(self, discount: float) -> None:
        """A price discount this step (overlapping promotions: the largest applies)."""
        self.discount = max(self.discount, discount)

    def give_product(self, who: np.ndarray) -> None:
        """`who` receive the product free this step (they become customers, paying nothing)."""
        self.free_units = np.unique(np.concatenate([self.free_units, who]))

    def add_messages(self, who: np.ndarray, source: int) -> None:
        """`who` each send one more message this step (e.g. a re-shared brand post); consumers who first
        hear of the product from them this step count it as coming from `source` (a ``state.Source``)."""
        self.extra_messages = np.concatenate([self.extra_messages, who])
        self.extra_sources = np.concatenate([self.extra_sources, np.full(who.size, source, dtype=np.int8)])

    def count(self, counter: str, amount: float) -> None:
        self.counters[counter] = self.counters.get(counter, 0.0) + amount

    def record_spend(self, kind: str, planned: float, paid: float) -> None:
        self.planned[kind] = self.planned.get(kind, 0.0) + planned
        self.spend[kind] = self.spend.get(kind, 0.0) + paid
