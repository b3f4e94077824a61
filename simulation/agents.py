"""Mesa agents of the market: consumers in three roles, and the brand.

Consumers are thin Mesa agents over the model's columnar arrays (``model.consumers``): reading or
setting ``agent.opinion`` reads or writes ``model.consumers.opinion[agent.index]``, so the vectorised
rules and the agent view never disagree. A consumer's class is its role in the funnel -- ``Prospect``,
``Follower`` or ``PastCustomer`` -- and changes when the role does, so ``model.agents_by_type`` always
tells the funnel.
"""

from __future__ import annotations

import mesa
import numpy as np

from .engine.record import StepRecord
from .marketing.base import Lever, LeverContext, MarketingEffects, RunMemory
from .marketing.listening import Listening
from .state import SOURCE_NAMES, Role, Source


def _column(name: str, doc: str, cast=float):
    def get(self):
        return cast(getattr(self.model.consumers, name)[self.index])

    def set_(self, value):
        getattr(self.model.consumers, name)[self.index] = value

    return property(get, set_, doc=doc)


class Consumer(mesa.Agent):
    """A consumer of the market; its state lives in ``model.consumers`` at row ``index``."""

    role: Role

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    awareness = _column("awareness", "recall of the product in [0, 1] (aware at >= 0.5)")
    opinion = _column("opinion", "opinion of the product in [-1, 1]")
    interest = _column("interest", "purchase interest in [0, 1]")
    talkativeness = _column("talkativeness", "relative propensity to talk (mean 1, heavy-tailed)")
    openness = _column("openness", "openness to persuasion in [0, 1]")
    follows_brand = _column("follows_brand", "follows the brand's channels", bool)
    satisfaction = _column("satisfaction", "experienced satisfaction in [-1, 1] (NaN before buying)")
    purchase_step = _column("purchase_step", "step of the first purchase (-1 before)", int)

    @property
    def first_source(self) -> str:
        """How the consumer first heard of the product: prior, advertising, content, peer, seeding, or unaware."""
        return SOURCE_NAMES[Source(int(self.model.consumers.first_source[self.index]))]

    @property
    def ties(self) -> np.ndarray:
        """Indices of the consumers this one listens to."""
        net = self.model.network
        return net.indices[net.indptr[self.index] : net.indptr[self.index + 1]]

    def __repr__(self):
        return f"{type(self).__name__}(index={self.index}, opinion={self.opinion:+.2f})"


class Prospect(Consumer):
    """Has not bought and does not follow the brand."""

    role = Role.PROSPECT


class Follower(Consumer):
    """Follows the brand's channels and sees its content; has not bought."""

    role = Role.FOLLOWER


class PastCustomer(Consumer):
    """Has bought and experienced the product; speaks from experience (and may follow too)."""

    role = Role.CUSTOMER


ROLE_CLASSES: dict[Role, type[Consumer]] = {
    Role.PROSPECT: Prospect,
    Role.FOLLOWER: Follower,
    Role.CUSTOMER: PastCustomer,
}


class Brand(mesa.Agent):
    """The brand: carries out the marketing strategy through its levers' hooks, pays for them within the
    strategy's budget, and holds the trust consumers place in its messages."""

    def __init__(self, model, strategy, trust: float):
        super().__init__(model)
        self.strategy = strategy
        self.trust = trust
        self.spend = 0.0  # total so far
        self.spend_by_kind: dict[str, float] = {}  # totals so far, by lever kind
        self.planned_by_kind: dict[str, float] = {}
        self.acting: list[tuple[int, Lever]] = []  # (index in the strategy, lever) acting at this step
        self.listening = Listening(strategy)  # observations, triggers, budget split, event log
        # Each lever's per-run state (Lever.start_run), by its place in the strategy; and what levers share
        # within a run (e.g. greedy seeds, ``marketing.targeting``).
        self.lever_states: list = [lever.start_run(model) for lever in strategy.levers]
        self.run_memory = RunMemory()
        self._lever: int | None = None  # the lever whose hook is running (its allowance caps what it pays)

    @property
    def events(self) -> list[dict]:
        """When each trigger fired or stopped and how the budget moved (``marketing.listening``)."""
        return self.listening.events

    @property
    def budget_left(self) -> float:
        """What the lever paying now may still spend: the strategy's budget left, within its allowance."""
        allowance = self.listening.allowance_left(self._lever)
        if self.strategy.budget is None:
            return allowance
        return max(0.0, min(self.strategy.budget - self.spend, allowance))

    def affordable_share(self, cost: float) -> float:
        """Share of a planned action the remaining budget pays for (1 when there is no budget cap)."""
        if cost <= 0:
            return 1.0
        return min(1.0, self.budget_left / cost)

    def pay(self, kind: str, amount: float, effects: MarketingEffects, planned: float | None = None) -> float:
        """Spend up to `amount` on a lever of this kind within the budget; returns what was spent.

        ``planned`` is what the lever meant to spend (default: `amount`), so reports can tell when budget
        caps or saturation kept it from spending its plan.
        """
        paid = min(amount, self.budget_left)
        planned = amount if planned is None else planned
        self.spend += paid
        self.spend_by_kind[kind] = self.spend_by_kind.get(kind, 0.0) + paid
        self.planned_by_kind[kind] = self.planned_by_kind.get(kind, 0.0) + planned
        self.listening.paid(self._lever, self.model.step_index, paid)
        effects.record_spend(kind, planned, paid)
        return paid

    def check_strategy(self) -> None:
        """Levers that cannot act in this market fail when the model is built, not mid-run."""
        for index, lever in enumerate(self.strategy.levers):
            lever.check(self.model, f"strategy {self.strategy.name!r}, lever {index} ({lever.kind})")

    def step(self) -> MarketingEffects:
        """Every lever acting at this step acts; returns what they did (read by the market's rules)."""
        model = self.model
        effects = MarketingEffects(n=model.consumers.n, background=model.settings.background_media)
        self.listening.observe(model, effects)  # triggers fire or stop; the budget may be split again
        self.acting = [(i, lever) for i, lever in self.listening.schedule() if lever.acts_at(model.step_index)]
        self._call("act", effects, StepRecord(), "marketing")
        return effects

    def _call(self, hook: str, effects: MarketingEffects, record: StepRecord, purpose: str) -> None:
        """One hook of every acting lever, each with its context (``marketing.base.LeverContext``)."""
        for index, lever in self.acting:
            self._lever = index
            getattr(lever, hook)(LeverContext(self.model, effects, record, self.lever_states[index], purpose, index))
        self._lever = None

    def on_messages(self, record: StepRecord, effects: MarketingEffects) -> None:
        """The acting levers see this step's word of mouth before it persuades anyone."""
        self._call("on_messages", effects, record, "lever_messages")

    def on_purchases(self, record: StepRecord, effects: MarketingEffects) -> None:
        """The acting levers see this step's purchases; listening counts the customers each channel won."""
        self._call("on_purchases", effects, record, "lever_purchases")
        self.listening.purchases(self.model, record.purchases)

    def on_reviews(self, record: StepRecord, effects: MarketingEffects) -> None:
        """The acting levers see this step's ratings."""
        self._call("on_reviews", effects, record, "lever_reviews")
