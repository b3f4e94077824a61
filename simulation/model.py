"""WordOfMouthModel: one product's market, its consumers, their social network and the brand.

Each step (docs/MODEL.md, "Process overview and scheduling") the brand's levers act, then every sub-step runs
the rule steps of ``engine.schedule.SCHEDULE`` in order: consumers talk and listen under the trust rules
(deliver, then persuade, then remember), recall and interest fade, consumers discover the product and read its
page, aware non-customers buy with the purchase hazard, buyers experience the product, rate it and learn whom
to trust, prospects start following; then the step's KPIs are recorded (``recorder``). This module only sets
the market up and orders the steps: each rule's equation is a function of ``simulation.rules``, each rule step a
function of ``simulation.engine``, each lever a module of ``simulation.marketing`` acting through the hooks
``Brand`` calls; the Mesa agents are views onto the columnar state.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass

import mesa
import numpy as np

from . import kernels, streams
from .agents import ROLE_CLASSES, Brand, Consumer
from .engine import page, word_of_mouth
from .engine.delivery import DeliveryPaths
from .engine.experience import post_reviews
from .engine.record import StepRecord
from .engine.schedule import SCHEDULE
from .engine.word_of_mouth import SocialMemory
from .kpis import STEP_KPIS
from .marketing.base import MarketingEffects
from .marketing.strategy import Strategy
from .network.build import build_market_network
from .network.graph import SocialNetwork
from .parameter_values import ParameterValues
from .parameters import MAX_SEED, PARAMETERS, TIME_UNITS, parameter_values, validate_parameters
from .population import create_ties, population_for
from .product_page import ProductPage
from .recorder import Tallies, measure_kpis
from .resources import check_model_memory
from .state import Role

# Longest sub-step (years) the rules are integrated over: a step of a quarter or a year is simulated as
# several sub-steps of at most this length, so every time unit describes the same market (docs/MODEL.md,
# "Scales").
LONGEST_SUBSTEP = 1 / 12


def substeps_per_step(step_years: float) -> int:
    """Sub-steps of at most ``LONGEST_SUBSTEP`` in a step of `step_years` (1 for a day, week or month)."""
    return max(1, math.ceil(step_years / LONGEST_SUBSTEP - 1e-9))


@dataclass(frozen=True)
class Incident:
    """A period of bad (or good) experiences: satisfaction shifts by `quality_shift` while it lasts."""

    start: int
    end: int
    quality_shift: float


class WordOfMouthModel(mesa.Model):
    """Word of mouth in one product's market. Parameters: see ``simulation.parameters.PARAMETERS``.

    Args:
        strategy: the brand's marketing strategy (a ``Strategy`` or a dict of its fields); none = no marketing.
        incidents: periods of shifted experience quality, e.g. ``[{"start": 10, "end": 14, "quality_shift": -1}]``.
        seed: one integer fixing every random draw, the network included.
        social_network: a prebuilt ``SocialNetwork`` to use instead of building one (its size must match).
        settings: checked parameters (``Scenario.parameter_values()``), used as given; ``**params`` beside them
            replace some and are checked with the rest.
        initial_roles: optional ``(roles, follows_brand)`` arrays (e.g. from a node file).
        record_messages: keep the last step's messages (speaker, listener, valence) for display.
        **params: market, network, trust, purchase and product parameters (plain keyword arguments).
    """

    def __init__(
        self,
        *,
        strategy: Strategy | dict | None = None,
        incidents=(),
        seed: int | None = None,
        social_network: SocialNetwork | None = None,
        initial_roles=None,
        record_messages: bool = False,
        settings: ParameterValues | None = None,
        **params,
    ):
        # Validated once: ``settings`` (typed, frozen) is what the engine reads; ``params``, the same values as a
        # dict, serves code that looks them up by name (network builders, the front end). Settings given (a
        # scenario's, already checked) are taken as they are; keyword parameters are checked here.
        if settings is not None and not params:
            self.params = settings.as_dict()
            self.settings = settings
        else:
            given = {**settings.as_dict(), **params} if settings is not None else params
            self.params = validate_parameters(given, network_given=social_network is not None)
            self.settings = parameter_values(self.params)
        if seed is None:
            entropy = np.random.SeedSequence().entropy
            assert isinstance(entropy, int)  # a fresh SeedSequence draws one integer
            seed = entropy % (2**63)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"parameter 'seed' = {seed!r} is not allowed: expected a whole number in [0, 2^63 - 1]")
        self.seed = int(seed)
        super().__init__(rng=self.seed)
        prm = self.params  # (the dict: the set-up functions below look values up by name)
        self.step_years = TIME_UNITS[self.settings.time_unit]
        self.substeps = substeps_per_step(self.step_years)
        self.dt = self.step_years / self.substeps  # years of one sub-step: every rule integrates over it
        self.tick = 0  # the sub-step being simulated, counting from 0 (= step_index with one sub-step per step)
        self.delivery = "auto"  # "auto", "messages", "sparse" or "dense" (see engine.delivery.DeliveryPaths.choose)
        self.strategy = strategy if isinstance(strategy, Strategy) else Strategy.model_validate(strategy or {})
        self.incidents = [i if isinstance(i, Incident) else Incident(**i) for i in incidents]
        self.record_messages = record_messages
        self.step_index = 0  # the step being (or about to be) simulated, counting from 0

        check_model_memory(prm, self.strategy, social_network)  # refuse what cannot fit before allocating
        if social_network is None:
            social_network = build_market_network(self.seed, self.params)
        self.network = social_network
        if self.network.n != self.settings.n_consumers:
            raise ValueError(
                f"parameter 'n_consumers' = {self.settings.n_consumers} does not match the network's "
                f"{self.network.n} consumers"
            )
        self.consumers, self.taste = population_for(prm, self.network.n, self.seed, initial_roles)
        salt = streams.mix64(np.array([self.seed, streams.STREAM_IDS["ties"]]))[0]
        self.compiled = kernels.wanted(self.network.n)  # compiled kernels (same numbers as the numpy forms)
        self.ties = None if self.network.is_complete else create_ties(prm, self.network, salt, self.compiled)
        self.social_memory = SocialMemory.empty(self.network.indptr)  # standing recommendations behind S_i
        self.delivery_paths = DeliveryPaths()  # the choice of delivery path and its reusable buffers
        self.rule_steps = SCHEDULE  # the rule steps of a sub-step, in order (engine.schedule)
        self.unit_fails = self.fixed_stream("defects").random(self.network.n) < self.settings.defect_rate
        self.page = ProductPage(self.settings.represents)
        self._post_initial_reviews()
        self.tallies = Tallies.count(self.consumers, self.ties)
        self.brand = Brand(self, self.strategy, self.settings.brand_trust)
        self.brand.check_strategy()
        self.consumer_agents: list[Consumer] | None = None  # created on first look (see agents_by_type)
        self.last_messages: dict | None = None  # with record_messages: the last step's messages
        self.step_revenue = 0.0
        self.kpis: dict = {}
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in STEP_KPIS})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        moved = sorted(set(vars(cls)) & _MOVED_RULE_METHODS)
        if moved:  # overriding them would silently change nothing
            raise TypeError(
                f"{cls.__name__} overrides {', '.join(moved)}: the rule steps live in simulation.engine; replace "
                "one in model.rule_steps (engine.schedule) instead"
            )

    # ------------------------------------------------------------------ set-up
    def stream(self, purpose: str, index: int = 0) -> np.random.Generator:
        """The random stream for one purpose at the current step (``simulation.streams``)."""
        return streams.step_stream(self.seed, purpose, self.step_index, index)

    def fixed_stream(self, purpose: str) -> np.random.Generator:
        """The random stream for one purpose that does not depend on the step (set-up, precomputation)."""
        return streams.fixed_stream(self.seed, purpose)

    def _create_agents(self) -> None:
        if self.consumer_agents is None:
            classes = [ROLE_CLASSES[r] for r in Role]
            self.consumer_agents = [classes[r](self, i) for i, r in enumerate(self.consumers.role.tolist())]

    # Mesa agents are views; creating a million of them costs seconds that a batch run never needs.
    # They are made the first time anyone looks at the agents, and kept in their role's class after.
    @property
    def agents(self):
        self._create_agents()
        return super().agents

    @property
    def agents_by_type(self):
        self._create_agents()
        return super().agents_by_type

    @property
    def agent_types(self):
        self._create_agents()
        return super().agent_types

    # ------------------------------------------------------------------ helpers
    @property
    def represents(self) -> float:
        """Real consumers each simulated consumer stands for (scales revenue and per-consumer costs)."""
        return self.settings.represents

    @property
    def unit_cost(self) -> float:
        return self.settings.price * (1.0 - self.settings.margin)

    def trust_between(self, listener: int, speaker: int) -> float:
        """Trust of `listener` in `speaker`; weak-tie trust in mean field; NaN if there is no tie."""
        if self.ties is None:
            return float(self.settings.weak_tie_trust)
        net = self.network
        row = net.indices[net.indptr[listener] : net.indptr[listener + 1]]
        pos = np.searchsorted(row, speaker)
        if pos < row.size and row[pos] == speaker:
            return float(self.ties.trust[net.indptr[listener] + pos])
        return float("nan")

    def _post_initial_reviews(self) -> None:
        """Past customers at the start have posted as buyers do (in one batch: no page to herd on yet)."""
        c = self.consumers
        customers = np.flatnonzero(c.role == Role.CUSTOMER)
        if customers.size:
            uniforms = self.fixed_stream("reviews").random(c.n)[customers]
            post_reviews(self, customers, c.satisfaction[customers], uniforms, asked=0.0, uptake=0.0, average=None)

    def incident_shift(self) -> float:
        """Sum of the quality shifts of the incidents under way at this step (0 outside incidents)."""
        return sum(i.quality_shift for i in self.incidents if i.start <= self.step_index < i.end)

    def current_quality(self, effects: MarketingEffects) -> tuple[float, float]:
        """Mean and spread of satisfaction this step: product quality, levers and incidents."""
        quality = self.settings.quality + effects.quality_shift + self.incident_shift()
        return quality, self.settings.quality_spread * effects.spread_factor

    def change_roles(self, who: np.ndarray, role: Role) -> None:
        """Move consumers to another role class so ``agents_by_type`` tells the funnel."""
        self.tallies.change_roles(self.consumers, who, role)
        self.consumers.role[who] = role
        if self.consumer_agents is None:
            return
        cls = ROLE_CLASSES[role]
        for index in who.tolist():
            agent = self.consumer_agents[index]
            uid = agent.unique_id
            self.deregister_agent(agent)
            agent.__class__ = cls
            self.register_agent(agent)
            agent.unique_id = uid  # the same consumer keeps its id

    # ------------------------------------------------------------------ dynamics
    def step(self) -> None:
        """One step of the market (see the module docstring for the order), integrated in ``substeps``."""
        self.step_index = self.steps - 1
        prm = self.settings
        effects = self.brand.step()
        records = []
        for substep in range(self.substeps):
            self.tick = self.step_index * self.substeps + substep
            if substep:
                effects.next_substep()
            records.append(self._advance(effects))
        record = StepRecord.combine(records)
        self.step_revenue = (
            (record.purchases.paid_units + record.repeat) * prm.price * (1.0 - effects.discount) * self.represents
        )
        self.kpis = measure_kpis(self, record, effects)
        self.datacollector.collect(self)

    def _advance(self, effects: MarketingEffects) -> StepRecord:
        """Every rule step once, in the schedule's order, over one sub-step of length ``dt``."""
        record = StepRecord()
        for rule_step in self.rule_steps:
            rule_step(self, effects, record)
        return record

    def salt(self, purpose: str) -> np.uint64:
        """The salt of this sub-step's hashed uniforms for one purpose (``streams.hashed_uniforms``)."""
        return streams.step_salt(self.seed, purpose, self.tick)

    def social_influence(self, who: np.ndarray | None = None, *, midstep: bool = False) -> np.ndarray:
        """S_i, the social influence of the purchase hazard (``engine.word_of_mouth.social_influence``)."""
        return word_of_mouth.social_influence(self, who, midstep=midstep)

    def page_influence(self, who: np.ndarray) -> np.ndarray:
        """R_i, the page signal of i's last read, fading (``engine.page.page_influence``)."""
        return page.page_influence(self, who)

    @property
    def mean_tie_trust(self) -> float:
        """Mean trust over ties (weak-tie trust in mean field, where no ties are stored)."""
        if self.ties is None or self.ties.trust.size == 0:
            return float(self.settings.weak_tie_trust)
        return self.tallies.tie_trust_total / self.ties.trust.size

    # ------------------------------------------------------------------ running
    def run(self, steps: int) -> WordOfMouthModel:
        """Run `steps` more steps; returns the model (for chaining)."""
        if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
            raise ValueError(f"parameter 'steps' = {steps!r} is not allowed: expected a whole number >= 0")
        for _ in range(int(steps)):
            self.step()
        return self

    def timeseries(self):
        """The KPIs of every step so far as a pandas DataFrame (one row per step)."""
        frame = self.datacollector.get_model_vars_dataframe()
        return frame.reset_index(drop=True)


# The methods the rule steps were before they moved to simulation.engine (see __init_subclass__).
_MOVED_RULE_METHODS = {
    "_deliver", "_persuade", "_remember", "_discover_and_read", "_purchase", "_experience", "_review", "_post",
    "_learn_trust", "_follow", "_repeat_purchases", "_hear_messages", "_hear_in_aggregate", "_delivery_path",
}  # fmt: skip


def _reporter(name: str):
    return lambda model: model.kpis[name]


# Expose the parameters as plain keyword arguments with defaults (for help(), IDEs and Mesa's UI).
_signature = inspect.signature(WordOfMouthModel.__init__)
WordOfMouthModel.__init__.__signature__ = _signature.replace(  # type: ignore[attr-defined]  # read by inspect
    parameters=[p for p in _signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=prm.default) for name, prm in PARAMETERS.items()]
)
