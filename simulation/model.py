"""WordOfMouthModel: one product's market, its consumers, their social network and the brand.

Each step (docs/MODEL.md, "Process overview and scheduling") the brand's levers act, consumers talk and
listen under the trust rules (deliver, then persuade, then remember), recall and interest fade, aware
non-customers buy with the purchase hazard, buyers experience the product and learn whom to trust,
prospects start following, and the step's KPIs are recorded. Every rule is a vectorised function of
``simulation.rules``; every lever is a module of ``simulation.marketing`` that acts through the hooks
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
from .kpis import STEP_KPIS
from .marketing.base import Lever, MarketingEffects
from .marketing.strategy import Strategy
from .network.build import build_market_network
from .network.graph import SocialNetwork
from .parameters import MAX_SEED, PARAMETERS, TIME_UNITS, validate_parameters
from .population import create_ties, population_for
from .product_page import ProductPage
from .recorder import Tallies, measure_kpis
from .resources import check_model_memory
from .rules import conversation, reviews, trust
from .rules.awareness import fade, follow_probability, make_aware, raise_interest, raise_recall
from .rules.experience import draw_satisfaction, opinion_after_experience
from .rules.purchase import (
    TYPICAL_INTEREST,
    midstep_influence,
    purchase_gate,
    purchase_hazard,
    purchase_probability,
)
from .rules.rates import decay_factor, per_step_probability
from .state import CUSTOMER_CODE, Role, Source
from .step_records import Messages, Purchases, Reviews

# Longest sub-step (years) the rules are integrated over: a step of a quarter or a year is simulated as
# several sub-steps of at most this length, so every time unit describes the same market (docs/MODEL.md,
# "Scales").
LONGEST_SUBSTEP = 1 / 12
# Deliver in aggregate when more than this share of all ties would see a message (see _delivery_path). Measured
# at 10^6 consumers, degree 10, two threads: the dense pass costs about 45 ms whatever the talk, the sparse
# path about 17 ms at 4% of ties seeing a message, 60 ms at 10% and 85 ms at 18%.
AGGREGATE_SHARE = 0.08


def substeps_per_step(step_years: float) -> int:
    """Sub-steps of at most ``LONGEST_SUBSTEP`` in a step of `step_years` (1 for a day, week or month)."""
    return max(1, math.ceil(step_years / LONGEST_SUBSTEP - 1e-9))


@dataclass
class _Substep:
    messages: Messages
    purchases: Purchases
    reviews: Reviews
    readers: int
    repeat: int
    aware: np.ndarray


def _combine(records: list[_Substep]) -> tuple:
    """One step's records from its sub-steps' (flows summed, states at the end)."""
    if len(records) == 1:
        r = records[0]
        return r.messages, r.purchases, r.reviews, r.readers, r.repeat, r.aware
    concat = np.concatenate
    messages = Messages(
        talkers=np.unique(concat([r.messages.talkers for r in records])),
        counts=np.empty(0, dtype=np.int64),
        positive_count=sum(r.messages.positive for r in records),
        negative_count=sum(r.messages.negative for r in records),
    )
    purchases = Purchases(
        buyers=concat([r.purchases.buyers for r in records]),
        free=concat([r.purchases.free for r in records]),
        external_part=concat([r.purchases.external_part for r in records]),
        social_part=concat([r.purchases.social_part for r in records]),
    )
    reviews = Reviews(
        posters=concat([r.reviews.posters for r in records]),
        stars=concat([r.reviews.stars for r in records]),
        incentivised=concat([r.reviews.incentivised for r in records]),
    )
    readers = sum(r.readers for r in records)
    repeat = sum(r.repeat for r in records)
    return messages, purchases, reviews, readers, repeat, records[-1].aware


def _delivery_buffers(size: int) -> tuple[np.ndarray, ...]:
    """Two sets of (keys, times seen, listeners) for ``kernels.deliver_to_listeners`` and ``sort_deliveries``."""
    return tuple(np.empty(size, dtype=dtype) for dtype in (np.int64, np.int64, np.int32) * 2)


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
        **params,
    ):
        self.params = validate_parameters(params, network_given=social_network is not None)
        if seed is None:
            entropy = np.random.SeedSequence().entropy
            assert isinstance(entropy, int)  # a fresh SeedSequence draws one integer
            seed = entropy % (2**63)
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"parameter 'seed' = {seed!r} is not allowed: expected a whole number in [0, 2^63 - 1]")
        self.seed = int(seed)
        super().__init__(rng=self.seed)
        prm = self.params
        self.step_years = TIME_UNITS[prm["time_unit"]]
        self.substeps = substeps_per_step(self.step_years)
        self.dt = self.step_years / self.substeps  # years of one sub-step: every rule integrates over it
        self.tick = 0  # the sub-step being simulated, counting from 0 (= step_index with one sub-step per step)
        self.delivery = "auto"  # "auto", "messages", "sparse" or "dense" (see _delivery_path)
        self.strategy = strategy if isinstance(strategy, Strategy) else Strategy.model_validate(strategy or {})
        self.incidents = [i if isinstance(i, Incident) else Incident(**i) for i in incidents]
        self.record_messages = record_messages
        self.step_index = 0  # the step being (or about to be) simulated, counting from 0

        check_model_memory(prm, self.strategy, social_network)  # refuse what cannot fit before allocating
        if social_network is None:
            social_network = build_market_network(self.seed, self.params)
        self.network = social_network
        if self.network.n != prm["n_consumers"]:
            raise ValueError(
                f"parameter 'n_consumers' = {prm['n_consumers']} does not match the network's "
                f"{self.network.n} consumers"
            )
        self.consumers, self.taste = population_for(prm, self.network.n, self.seed, initial_roles)
        salt = streams.mix64(np.array([self.seed, streams.STREAM_IDS["ties"]]))[0]
        self.compiled = kernels.wanted(self.network.n)  # compiled kernels (same numbers as the numpy forms)
        self.ties = None if self.network.is_complete else create_ties(prm, self.network, salt, self.compiled)
        # Social influence S_i = recommendations heard / ties: the numerator is kept up to date
        # incrementally, and its value at the previous step's purchases kept for the mid-step estimate.
        self._recommendations = np.zeros(self.network.n)
        self._recommendations_before = np.zeros(self.network.n)
        self._voice_before: float | None = None  # mean field: total voice at the previous step's purchases
        self._ties_per_listener = np.maximum(np.diff(self.network.indptr), 1).astype(np.float64)
        self._scratch: tuple | None = None  # per-listener sums of the compiled per-message path
        self._talking: tuple | None = None  # per-consumer messages, valence and credibility of the aggregated path
        self._deliveries = _delivery_buffers(0)  # the sparse path's deliveries and sorting space, reused
        self._spoken: tuple = (None, None)  # this sub-step's talkers and the ties each speaks on
        self._unit_fails = self.fixed_stream("defects").random(self.network.n) < prm["defect_rate"]
        self.page = ProductPage(prm["represents"])
        self._post_initial_reviews()
        self.tallies = Tallies.count(self.consumers, self.ties)
        self.brand = Brand(self, self.strategy, prm["brand_trust"])
        self.lever_cache: dict = {}  # what levers compute once per run (e.g. greedy seeds)
        self.brand.check_strategy()
        self.consumer_agents: list[Consumer] | None = None  # created on first look (see agents_by_type)
        self.last_messages: dict | None = None  # with record_messages: the last step's messages
        self.step_revenue = 0.0
        self.kpis: dict = {}
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in STEP_KPIS})

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
        return self.params["represents"]

    @property
    def unit_cost(self) -> float:
        return self.params["price"] * (1.0 - self.params["margin"])

    def trust_between(self, listener: int, speaker: int) -> float:
        """Trust of `listener` in `speaker`; weak-tie trust in mean field; NaN if there is no tie."""
        if self.ties is None:
            return float(self.params["weak_tie_trust"])
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
            self._post(customers, c.satisfaction[customers], uniforms, asked=0.0, uptake=0.0, average=None)

    def incident_shift(self) -> float:
        """Sum of the quality shifts of the incidents under way at this step (0 outside incidents)."""
        return sum(i.quality_shift for i in self.incidents if i.start <= self.step_index < i.end)

    def current_quality(self, effects: MarketingEffects) -> tuple[float, float]:
        """Mean and spread of satisfaction this step: product quality, levers and incidents."""
        quality = self.params["quality"] + effects.quality_shift + self.incident_shift()
        return quality, self.params["quality_spread"] * effects.spread_factor

    def _change_roles(self, who: np.ndarray, role: Role) -> None:
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
        prm = self.params
        effects = self.brand.step()
        records = []
        for substep in range(self.substeps):
            self.tick = self.step_index * self.substeps + substep
            if substep:
                effects.next_substep()
            records.append(self._advance(effects))
        messages, purchases, reviews, readers, repeat, aware = _combine(records)
        self.step_revenue = (purchases.paid_units + repeat) * prm["price"] * (1.0 - effects.discount) * self.represents
        self.kpis = measure_kpis(
            self.step_index,
            self.consumers,
            self.tallies,
            aware,
            purchases,
            messages,
            effects,
            repeat,
            page=self.page,
            reviews=reviews,
            readers=readers,
            revenue=self.step_revenue,
            margin=prm["margin"],
            brand_trust=self.brand.trust,
            mean_tie_trust=self.mean_tie_trust,
            compiled=self.compiled,
        )
        self.datacollector.collect(self)

    def _advance(self, effects: MarketingEffects) -> _Substep:
        """Every rule once, over one sub-step of length ``dt``."""
        prm = self.params
        messages = self._deliver(effects)
        self.brand.on_messages(messages, effects)
        self._persuade(messages, effects)
        self._remember(messages, effects)
        fade(
            self.consumers,
            awareness_decay=prm["awareness_decay"],
            interest_decay=prm["interest_decay"],
            interest_baseline=prm["initial_interest"],
            dt=self.dt,
        )
        readers = self._discover_and_read()
        aware = self.consumers.aware
        purchases = self._purchase(effects, messages, aware)
        self.brand.on_purchases(purchases, effects)
        satisfaction = self._experience(purchases.buyers, effects)
        reviews = self._review(purchases.buyers, satisfaction, effects)
        self.brand.on_reviews(reviews, effects)
        self._follow(aware)
        repeat = self._repeat_purchases()
        if self.ties is None:
            self._voice_before = float(self.consumers.voice.sum())
        if self.record_messages:
            self.last_messages = {
                "speaker": messages.speakers,
                "listener": messages.listeners,
                "valence": messages.valence,
            }
        return _Substep(messages, purchases, reviews, readers, repeat, aware)

    def salt(self, purpose: str) -> np.uint64:
        """The salt of this sub-step's hashed uniforms for one purpose (``streams.hashed_uniforms``)."""
        return streams.step_salt(self.seed, purpose, self.tick)

    def _deliver(self, effects: MarketingEffects) -> Messages:
        """Who talks, how many messages each sends, and on which ties (or to whom) they are seen.

        On a network the messages are delivered one by one (per tie of each talker) when few talk, and in
        aggregate (one pass over every listener's ties, ``kernels.hear_aggregated``) when many do and no
        lever needs the individual messages; either way each tie's draw is its own hashed uniform, so both
        give the same deliveries (``tests/test_engine_paths.py``)."""
        c, prm = self.consumers, self.params
        talkers, counts = conversation.talk(
            c,
            talk_window=prm["talk_window"],
            step=self.step_index,
            talk_rate=prm["talk_rate"],
            neutral_talk=prm["neutral_talk"],
            negativity_bias=prm["negativity_bias"],
            dt=self.dt,
            boost=effects.talk_boost,
            salt=self.salt("talk"),
            compiled=self.compiled,
        )
        if effects.extra_messages.size:  # e.g. re-shared brand posts: one more message each
            extra = np.zeros(c.n, dtype=np.int64)
            extra[talkers] = counts
            np.add.at(extra, effects.extra_messages, 1)
            talkers = np.flatnonzero(extra)
            counts = extra[talkers]
        path = self._delivery_path(talkers, counts, effects)
        if path != "messages":
            return Messages(talkers=talkers, counts=counts, delivery=path)
        if self.ties is None:
            speakers, listeners = conversation.deliver_in_mean_field(
                talkers, counts, c.n, prm["contacts"], prm["reach"], self.stream("deliver")
            )
            seen = np.ones(speakers.shape[0])
            tie_trust = trust.effective_trust(prm["weak_tie_trust"], c.group_trust[listeners, 0])
            ties = None
        else:
            ties, seen = conversation.deliver_on_network(
                talkers, counts, self.ties, prm["reach"], self.salt("deliver"), self.compiled
            )
            speakers, listeners = self.ties.speaker[ties], self.ties.listener[ties]
            group = (~self.ties.same_community[ties]).astype(np.intp)
            tie_trust = trust.effective_trust(self.ties.trust[ties], c.group_trust[listeners, group])
        own_credibility = conversation.credibility(
            c,
            speakers,
            experience_credibility=prm["experience_credibility"],
            hearsay_credibility=prm["hearsay_credibility"],
        )
        # A copy even without lever factors: levers lower ``credibility`` in place (on_messages), not attention.
        credibility = (
            own_credibility.copy() if effects.credibility is None else own_credibility * effects.credibility[speakers]
        )
        return Messages(
            talkers=talkers,
            counts=counts,
            speakers=speakers,
            listeners=listeners,
            seen=seen,
            valence=c.opinion[speakers],
            credibility=credibility,
            tie_trust=tie_trust,
            own_credibility=own_credibility,
            ties=ties,
        )

    def _delivery_path(self, talkers: np.ndarray, counts: np.ndarray, effects: MarketingEffects) -> str:
        """How this sub-step's messages are delivered (all three give the same deliveries):

        * "messages": one record per (speaker, listener) pair seen (``Messages``), when something needs
          them -- levers that read messages, recorded messages, adoption on recommendation, re-shared posts
          to attribute --, in mean field, or without the kernels;
        * "sparse": the talkers' ties are drawn, sorted into the network's order and the listeners
          persuaded in that order (``kernels.deliver_to_listeners``, ``sort_deliveries``, ``hear_sorted``);
        * "dense": every listener's row is visited once and messages are drawn on the way, when more than
          ``AGGREGATE_SHARE`` of all ties would see a message (the sparse path's cost grows with the
          deliveries, the dense pass's with the ties; a tie spoken to c times sees a message with
          probability 1 - (1 - reach)^c).

        ``self.delivery`` ("auto" by default) forces one of them where it is allowed."""
        if self.ties is None or self.delivery == "messages" or not self.compiled:
            return "messages"
        if (
            self.record_messages
            or self.params["adopt_on_recommendation"]
            or effects.extra_messages.size
            or any(type(lever).on_messages is not Lever.on_messages for _, lever in self.brand.acting)
        ):
            return "messages"
        if self.delivery in ("sparse", "dense"):
            return self.delivery
        assert self.ties is not None
        spoken = self.ties.spoken_indptr
        self._spoken = (talkers, spoken[talkers + 1] - spoken[talkers])  # each talker's ties (_deliver_sparse)
        misses = conversation.miss_table(self.params["reach"], counts.max(initial=1))  # (as the passes draw them)
        # (a product and a sum, not ``@``: a BLAS call would wake BLAS's own threads, which then spin on the
        # cores the kernels' threads need)
        deliveries = float((self._spoken[1] * (1.0 - misses[counts])).sum())
        many = deliveries > AGGREGATE_SHARE * self.network.n_ties
        return "dense" if many else "sparse"

    def _age_recommendations(self) -> None:
        """The standing recommendations fade over the sub-step; the values before are kept for the mid-step
        estimate of social influence (two buffers swapped: no copy)."""
        memory = decay_factor(self.params["awareness_decay"], self.dt)
        np.multiply(self._recommendations, memory, out=self._recommendations_before)
        self._recommendations, self._recommendations_before = self._recommendations_before, self._recommendations

    def _persuade(self, messages: Messages, effects: MarketingEffects) -> None:
        """Listeners become aware, and update interest and opinion under the trust rules."""
        c, prm = self.consumers, self.params
        if self.ties is not None:
            self._age_recommendations()
        if messages.delivery != "messages":  # deliver, persuade and remember without materialising messages
            self._hear_in_aggregate(messages, effects)
            return
        if self.ties is not None and self.compiled and not effects.extra_messages.size:
            # (extra messages are attributed to their own source when they make a consumer aware: numpy path)
            self._hear_messages(messages)
            return
        listeners, valence = messages.listeners, messages.valence
        assert listeners is not None and valence is not None and messages.seen is not None
        assert messages.own_credibility is not None and messages.tie_trust is not None
        # A mention is remembered in proportion to the trust in its speaker (rules.awareness.raise_recall).
        recall = messages.seen * messages.tie_trust * messages.own_credibility
        peer = np.ones(listeners.shape[0], dtype=bool)
        if effects.extra_messages.size:  # first heard from an extra message: attributed to its source
            source = np.full(c.n, -1, dtype=np.int8)
            source[effects.extra_messages] = effects.extra_sources
            from_extra = source[messages.speakers]
            peer = from_extra < 0
            for code in np.unique(effects.extra_sources):
                mine = from_extra == code
                raise_recall(c, listeners[mine], recall[mine], Source(int(code)))
        raise_recall(c, listeners[peer], recall[peer], Source.PEER)
        # A message seen several times on a tie this step weighs that many times.
        weight = messages.seen * trust.message_weight(messages.tie_trust, messages.credibility, c.openness[listeners])
        gap = valence - c.opinion[listeners]
        weight = trust.bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
        raise_interest(c, listeners, weight * valence, prm["interest_gain"])
        trust.shift_opinions(c.opinion, listeners, gap, weight, prm["persuasion"])

    def _rule_settings(self) -> tuple:
        prm = self.params
        memory = decay_factor(prm["awareness_decay"], self.dt)
        return (
            self.tick,
            memory,
            self._fading_by_age(),
            float(prm["confidence_bound"]),
            float(prm["beyond_bound_weight"]),
            float(prm["interest_gain"]),
            float(prm["persuasion"]),
        )

    def _listening_state(self) -> tuple:
        """What the compiled hearing kernels read and update, in their argument order: the ties' trust and
        memory, the listeners' state, and the rule settings (``_rule_settings``)."""
        c, t = self.consumers, self.ties
        assert t is not None
        return (
            t.trust,
            c.group_trust,
            t.same_community,
            t.recommendation,
            t.heard_step,
            t.last_valence,
            c.awareness,
            c.first_source,
            c.interest,
            c.opinion,
            c.openness,
            self._recommendations,
            *self._rule_settings(),
        )

    def _hear_messages(self, messages: Messages) -> None:
        """The trust rules of ``_persuade`` and ``_remember`` for delivered peer messages, in one compiled pass."""
        c = self.consumers
        if self._scratch is None:
            self._scratch = (np.zeros((c.n, 5)), np.zeros(c.n, dtype=np.int8))
        kernels.compiled().hear_messages(
            messages.ties,
            messages.listeners,
            messages.seen,
            messages.valence,
            messages.credibility,
            messages.own_credibility,
            *self._listening_state(),
            *self._scratch,
        )
        messages.remembered = True

    def _hear_in_aggregate(self, messages: Messages, effects: MarketingEffects) -> None:
        """Deliver, persuade and remember without materialising message records, in the network's order
        (``kernels.hear_dense``, or ``kernels.deliver_to_listeners`` + ``sort_deliveries`` + ``hear_sorted``; see
        ``_delivery_path``)."""
        c, prm, t = self.consumers, self.params, self.ties
        assert t is not None
        if self._talking is None:
            self._talking = (
                np.zeros(c.n, dtype=np.int64),  # messages each talker sent (dense path)
                np.zeros(c.n),  # valence of each talker's messages
                np.zeros(c.n),  # credibility of each talker (with this step's lever factors: persuasion)
                np.zeros(c.n),  # its own credibility (without them: attention)
            )
        talking, said, credibility, own_credibility = self._talking
        talkers = messages.talkers
        compiled, reach = kernels.compiled(), float(prm["reach"])
        factor = effects.credibility
        compiled.speak(  # (conversation.credibility by talker, in one pass)
            talkers, c.opinion, c.role, float(prm["experience_credibility"]), float(prm["hearsay_credibility"]),
            np.ones(1) if factor is None else factor, factor is not None, said, credibility, own_credibility,
        )  # fmt: skip
        misses = conversation.miss_table(reach, messages.counts.max(initial=1))
        salt = self.salt("deliver")
        state = self._listening_state()
        net = self.network
        if messages.delivery == "dense":
            talking[talkers] = messages.counts
            # Split at listener boundaries with about as many ties in each part: each part's listeners, and
            # their ties, are its own.
            parts = kernels.parts_for(net.n_ties)
            rows = [0] + [int(np.searchsorted(net.indptr, net.n_ties * p // parts)) for p in range(1, parts)] + [c.n]
            heard = kernels.run_parts(
                compiled.hear_dense,
                [
                    (net.indptr, net.indices, talking, said, credibility, own_credibility, reach, misses, salt)
                    + state
                    + (a, b)
                    for a, b in zip(rows, rows[1:])
                ],
            )
            positive, negative = sum(h[0] for h in heard), sum(h[1] for h in heard)
            talking[talkers] = 0
        else:
            assert t.spoken_to is not None and net.n_ties <= compiled.TIE_MASK  # (2^32 ties would need 64 GB)
            m = self._deliver_sparse(talkers, messages.counts, reach, misses, salt)
            keys, seen, listeners = kernels.sort_deliveries(m, self._deliveries, net.n_ties)
            # Split at listener boundaries: each part's listeners, and their ties, are its own.
            parts = kernels.parts_for(m)
            cuts = [0] + [int(np.searchsorted(listeners, listeners[m * p // parts])) for p in range(1, parts)] + [m]
            heard = kernels.run_parts(
                compiled.hear_sorted,
                [
                    (keys[a:b], seen[a:b], listeners[a:b], said, credibility, own_credibility, *state)
                    for a, b in zip(cuts, cuts[1:])
                ],
            )
            positive, negative = sum(h[0] for h in heard), sum(h[1] for h in heard)
        messages.positive_count, messages.negative_count = int(positive), int(negative)
        messages.remembered = True

    def _deliver_sparse(self, talkers, counts, reach: float, misses: np.ndarray, salt: np.uint64) -> int:
        """``kernels.deliver_to_listeners`` into ``self._deliveries``, the talkers split over threads (each part
        written where its ties start, then moved up behind the previous part); returns the deliveries."""
        t, compiled = self.ties, kernels.compiled()
        assert t is not None and t.spoken_to is not None
        spoken = (
            self._spoken[1] if self._spoken[0] is talkers else t.spoken_indptr[talkers + 1] - t.spoken_indptr[talkers]
        )
        starts = np.concatenate(([0], np.cumsum(spoken)))
        if starts[-1] > self._deliveries[0].shape[0]:  # a quarter more room than needed: rare reallocations
            self._deliveries = _delivery_buffers(int(starts[-1]) + int(starts[-1]) // 4)
        parts = kernels.parts_for(int(starts[-1]))
        ranges = kernels.spans(talkers.shape[0], parts)
        calls = [
            (talkers[a:b], counts[a:b], t.spoken_indptr, t.spoken_by, t.spoken_to, reach, misses, salt)
            + tuple(buffer[starts[a] :] for buffer in self._deliveries[:3])
            for a, b in ranges
        ]
        written = kernels.run_parts(compiled.deliver_to_listeners, calls)
        assert min(written) >= 0  # (each part had room)
        m = written[0]
        for (a, _), count in zip(ranges[1:], written[1:]):
            for buffer in self._deliveries[:3]:
                buffer[m : m + count] = buffer[starts[a] : starts[a] + count]  # (overlapping: numpy copies safely)
            m += count
        return m

    def _remember(self, messages: Messages, effects: MarketingEffects) -> None:
        """What each listener last heard on each tie: the standing recommendation behind social influence.

        Its memory fades like awareness, so recommendations heard often weigh more than one long ago.
        """
        c, prm = self.consumers, self.params
        memory = decay_factor(prm["awareness_decay"], self.dt)
        if messages.ties is not None and not messages.remembered:
            t, ties = self.ties, messages.ties
            assert t is not None and messages.tie_trust is not None and messages.credibility is not None
            assert messages.valence is not None and messages.listeners is not None
            recommendation = messages.tie_trust * messages.credibility * np.maximum(messages.valence, 0.0)
            before = t.recommendation[ties]  # 0 where nothing was heard yet
            if memory < 1.0:
                before = before * memory ** (self.tick - t.heard_step[ties])
            stored = recommendation.astype(np.float32)  # ties keep float32: the sums move by what is stored
            self._recommendations += np.bincount(
                messages.listeners, weights=stored.astype(np.float64) - before, minlength=c.n
            )
            t.recommendation[ties] = stored
            t.heard_step[ties] = self.tick
            t.last_valence[ties] = messages.valence
        if self.ties is not None:
            return
        if memory < 1.0:
            c.voice *= memory
        talkers = messages.talkers
        c.voice[talkers] = conversation.credibility(
            c,
            talkers,
            experience_credibility=prm["experience_credibility"],
            hearsay_credibility=prm["hearsay_credibility"],
            factor=effects.credibility,
        ) * np.maximum(c.opinion[talkers], 0.0)

    def social_influence(self, who: np.ndarray | None = None, *, midstep: bool = False) -> np.ndarray:
        """S_i = sum_j trust_ij cred_j v+_ij m_ij / k_i: the recommendations i's k_i ties hold, each weighted
        by how much i trusts the speaker (v+: positive valence of the last message heard from j, m: its
        fading memory). Trust counts absolutely: a consumer who trusts nobody is not moved by peers.

        In mean field every consumer hears everyone alike, so S = trust x mean voice of the others.
        With ``midstep``, S is estimated at the middle of the step from its last two values
        (``rules.purchase.midstep_influence``), so the hazard is integrated over the step to second order.
        """
        c = self.consumers
        rows: slice | np.ndarray = slice(None) if who is None else who
        if self.ties is None:
            trust_in_anyone = self.params["weak_tie_trust"] * c.group_trust[rows, 0]
            voice = (c.voice.sum() - c.voice[rows]) / max(1, c.n - 1)
            if midstep and self._voice_before is not None:
                voice = midstep_influence(voice, (self._voice_before - c.voice[rows]) / max(1, c.n - 1))
            return trust_in_anyone * voice
        ties = self._ties_per_listener[rows]  # (gathered once for both estimates)
        now = self._recommendations[rows] / ties
        if not midstep:
            return now
        return midstep_influence(now, self._recommendations_before[rows] / ties)

    def _discover_and_read(self) -> int:
        """Unaware consumers learn of the product from media (rate ``media_awareness_rate``) or from its page
        (rate ``page_discovery_rate`` x c(n)); aware non-customers read the page (rate ``page_visit_rate`` x
        interest / 0.5), and so do those who found the product through it.

        A read moves interest and opinion toward the page's perceived valence V with weight
        review_trust x c(n) x openness (``rules.reviews``), and leaves the page signal R_i that enters the
        purchase hazard. Returns the number of readers.
        """
        c, prm, page = self.consumers, self.params, self.page
        n_reviews = page.real_count  # real-market reviews: the same page at any simulated size
        volume = reviews.volume_weight(n_reviews, prm["review_volume_half"], prm["review_volume_exponent"])
        media, finding = prm["media_awareness_rate"], prm["page_discovery_rate"] * volume
        visiting = prm["page_visit_rate"] if n_reviews else 0.0
        if media <= 0 and finding <= 0 and visiting <= 0:
            return 0
        discover = float(per_step_probability(media + finding, self.dt))
        # Thinning: interest <= 1, so no consumer above this bound discovers or reads.
        bound = max(discover, float(per_step_probability(visiting / TYPICAL_INTEREST, self.dt)))
        via_page_below = discover * finding / max(media + finding, 1e-300)
        valence = reviews.perceived_valence(page.weights_by_star(prm["incentive_discount"]), prm["review_negativity"])
        weight_per_openness, signal = prm["review_trust"] * volume, prm["review_trust"] * volume * max(valence, 0.0)
        if self.compiled:  # the numpy lines below in one pass over the market, with the thinning
            settings = (
                self.salt("page"), bound, c.role, c.awareness, c.first_source, c.interest, discover, via_page_below,
                float(visiting), self.dt, float(valence), float(weight_per_openness), float(signal), self.tick,
                float(prm["confidence_bound"]), float(prm["beyond_bound_weight"]), float(prm["interest_gain"]),
                float(prm["persuasion"]), c.openness, c.opinion, c.page_signal, c.page_read_step,
            )  # fmt: skip
            return sum(kernels.over_consumers(kernels.compiled().discover_and_read, c.n, settings))
        who, u = streams.thinned(c.role != CUSTOMER_CODE, bound, self.salt("page"), False)
        aware = c.aware_among(who)
        found = ~aware & (u < discover)
        via_page = found & (u < via_page_below)
        make_aware(c, who[found & ~via_page], Source.MEDIA)
        visit = per_step_probability(visiting * c.interest[who] / TYPICAL_INTEREST, self.dt)
        readers = who[(aware & (u < visit)) | via_page]
        if readers.size == 0:
            return 0
        make_aware(c, readers, Source.REVIEWS)
        weight = weight_per_openness * c.openness[readers]
        gap = valence - c.opinion[readers]
        weight = trust.bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
        raise_interest(c, readers, weight * valence, prm["interest_gain"], unique=True)
        trust.shift_opinions(c.opinion, readers, gap, weight, prm["persuasion"], unique=True)
        c.page_signal[readers] = signal
        c.page_read_step[readers] = self.tick
        return int(readers.size)

    def page_influence(self, who: np.ndarray) -> np.ndarray:
        """R_i: the page signal of i's last read, fading like the memory of recommendations."""
        c = self.consumers
        read = c.page_read_step[who]
        return np.where(read >= 0, c.page_signal[who] * self._fading_by_age()[np.maximum(self.tick - read, 0)], 0.0)

    def _fading_by_age(self) -> np.ndarray:
        """memory ** age for ages 0 to tick + 1, looked up by age where recommendations and page reads fade: one
        pow per age and sub-step instead of one per consumer."""
        memory = decay_factor(self.params["awareness_decay"], self.dt)
        return memory ** np.arange(self.tick + 2, dtype=np.int32)

    def _purchase(self, effects: MarketingEffects, messages: Messages, aware: np.ndarray) -> Purchases:
        """Aware non-customers buy with the purchase hazard; free units and adoption on recommendation join."""
        c, prm = self.consumers, self.params
        price_factor = (1.0 + prm["price_elasticity"] * effects.discount) * effects.hazard_factor
        # Thinning: S <= 1 (its mid-step estimate <= 1.5), R <= 1, E <= its maximum and the gate <= 2 (1 + kappa),
        # so no consumer whose uniform exceeds the resulting bound can buy; evaluating the hazard for the
        # rest gives the same buyers. Each consumer's uniform is its own hash (common random numbers).
        most_external = effects.background if effects.external is None else float(effects.external.max())
        most_social = 1.5 * prm["q"] + prm["review_influence"]
        bound = purchase_probability(
            purchase_hazard(
                2.0 * (1.0 + prm["opinion_sensitivity"]), prm["p"], most_external, most_social, 1.0, price_factor
            ),
            self.dt,
        )
        if self.ties is not None and self.compiled:  # the numpy lines below in one pass, with the thinning
            settings = (
                self.salt("purchase"), float(bound), aware, c.role, c.opinion, c.interest,
                np.ones(1) if effects.external is None else effects.external, effects.external is not None,
                float(effects.background), self._recommendations, self._recommendations_before,
                self._ties_per_listener, c.page_signal, c.page_read_step, self._fading_by_age(), self.tick,
                float(prm["opinion_sensitivity"]), float(prm["rejection_opinion"]), float(prm["p"]), float(prm["q"]),
                float(prm["review_influence"]), float(price_factor), float(self.dt),
            )  # fmt: skip
            found = kernels.over_consumers(kernels.compiled().purchase_pass, c.n, settings)
            buyers, social = found[0] if len(found) == 1 else (np.concatenate([f[k] for f in found]) for k in (0, 1))
            bought_external = (
                np.full(buyers.size, effects.background) if effects.external is None else effects.external[buyers]
            )
        else:
            who, u = streams.thinned(
                aware & (c.role != CUSTOMER_CODE), float(bound), self.salt("purchase"), self.compiled
            )
            gate = purchase_gate(c.opinion[who], c.interest[who], prm["opinion_sensitivity"], prm["rejection_opinion"])
            external = effects.background if effects.external is None else effects.external[who]
            social = prm["q"] * self.social_influence(who, midstep=True) + prm[
                "review_influence"
            ] * self.page_influence(who)
            hazard = purchase_hazard(gate, prm["p"], external, 1.0, social, price_factor)
            bought = u < purchase_probability(hazard, self.dt)
            # (np.full rather than np.broadcast_to for the background alone: the same values, a tenth of the time)
            bought_external = (
                external[bought] if isinstance(external, np.ndarray) else np.full(np.count_nonzero(bought), external)
            )
            buyers, social = who[bought], social[bought]
        if prm["adopt_on_recommendation"] or effects.free_units.size:
            buying = np.zeros(c.n, dtype=bool)
            buying[buyers] = True
            if prm["adopt_on_recommendation"]:  # independent cascade: a customer's recommendation is adoption
                assert messages.speakers is not None and messages.valence is not None and messages.listeners is not None
                from_customer = (c.role[messages.speakers] == Role.CUSTOMER) & (messages.valence > 0)
                buying[messages.listeners[from_customer]] = True
            buying[effects.free_units] = True
            buying &= c.role != Role.CUSTOMER
            buyers = np.flatnonzero(buying)
        return Purchases(
            buyers=buyers,
            free=effects.free_units,
            external_part=prm["p"] * bought_external,
            social_part=social,
        )

    def _experience(self, buyers: np.ndarray, effects: MarketingEffects) -> np.ndarray:
        """Buyers experience the product, revise their opinion and their trust in what they were told;
        returns their satisfaction."""
        if buyers.size == 0:
            return np.empty(0)
        c, prm = self.consumers, self.params
        quality, spread = self.current_quality(effects)
        satisfaction = draw_satisfaction(self.taste[buyers], quality, spread)
        satisfaction[self._unit_fails[buyers]] = prm["defect_satisfaction"]  # a failed unit, whatever the quality
        c.satisfaction[buyers] = satisfaction
        c.purchase_step[buyers] = self.step_index
        c.purchases[buyers] += 1
        c.opinion[buyers] = opinion_after_experience(c.opinion[buyers], satisfaction, prm["experience_weight"])
        c.awareness[buyers] = 1.0
        self._learn_trust(buyers, satisfaction)
        self._change_roles(buyers, Role.CUSTOMER)
        return satisfaction

    def _review(self, buyers: np.ndarray, satisfaction: np.ndarray, effects: MarketingEffects) -> Reviews:
        """Buyers post ratings on the product page (``rules.reviews``); those offered an incentive post more."""
        uniforms = streams.hashed_uniforms(self.salt("reviews"), buyers, self.compiled)
        return self._post(
            buyers, satisfaction, uniforms, effects.review_ask, effects.review_incentive, self.page.average
        )

    def _post(self, buyers, satisfaction, uniforms, asked: float, uptake: float, average: float | None) -> Reviews:
        """Post the ratings of the buyers whose uniform falls under their posting probability.

        A buyer posts spontaneously when u < P; offered an incentive, one who would not have posts with
        probability `uptake` (P <= u < P + (1 - P) uptake), and its review is flagged incentivised."""
        prm = self.params
        spontaneous = reviews.posting_probability(
            satisfaction,
            prm["review_propensity"],
            prm["review_extremity"],
            prm["review_reference"],
            asked,
            self.page.negative_share,
            prm["herding_correction"],
            prm["review_notable"],
        )
        posts = uniforms < spontaneous + (1.0 - spontaneous) * uptake
        incentivised = posts & (uniforms >= spontaneous)
        expressed = reviews.expressed_satisfaction(satisfaction[posts], average, prm["herding"])
        stars = reviews.rating_stars(expressed, prm["rating_bias"])
        self.page.post(stars, incentivised[posts])
        return Reviews(posters=buyers[posts], stars=stars, incentivised=incentivised[posts])

    def _learn_trust(self, buyers: np.ndarray, satisfaction: np.ndarray) -> None:
        """Ties whose last message matched the experience gain trust, misleading ones lose it; so does the brand."""
        c, prm = self.consumers, self.params
        if self.ties is not None and self.compiled:  # the lines below, buyer by buyer (the same numbers)
            self.tallies.tie_trust_total += kernels.compiled().learn_tie_trust(
                buyers, satisfaction, self.network.indptr, self.ties.last_valence, self.ties.trust,
                self.ties.same_community, c.group_trust, float(prm["trust_learning"]),
                float(prm["community_trust_learning"]),
            )  # fmt: skip
        elif self.ties is not None:
            starts, ends = self.network.indptr[buyers], self.network.indptr[buyers + 1]
            counts = ends - starts
            ties = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            heard = ~np.isnan(self.ties.last_valence[ties])
            ties = ties[heard]
            experienced = np.repeat(satisfaction, counts)[heard]
            accuracy = trust.source_accuracy(self.ties.last_valence[ties], experienced)
            before = self.ties.trust[ties]
            after = trust.learn_trust(before, accuracy, prm["trust_learning"]).astype(np.float32)
            self.ties.trust[ties] = after
            if after.size:  # changes added one after another, as the compiled pass adds them (the same sum)
                change = np.add.accumulate(after.astype(np.float64) - before.astype(np.float64))[-1]
                self.tallies.tie_trust_total += float(change)
            if prm["community_trust_learning"] > 0:
                listener = self.ties.listener[ties]
                group = (~self.ties.same_community[ties]).astype(np.intp)
                (rows, cols), told = trust.community_accuracy(listener, group, accuracy)
                learned = trust.learn_trust(c.group_trust[rows, cols], told, prm["community_trust_learning"])
                c.group_trust[rows, cols] = learned.astype(np.float32)
        claims = c.claim_heard[buyers]
        told = ~np.isnan(claims)
        if told.any():
            accuracy = float(trust.source_accuracy(claims[told], satisfaction[told]).mean())
            rate = per_step_probability(prm["brand_trust_learning"], self.dt)
            self.brand.trust = float(trust.learn_trust(self.brand.trust, accuracy, float(rate)))

    @property
    def mean_tie_trust(self) -> float:
        """Mean trust over ties (weak-tie trust in mean field, where no ties are stored)."""
        if self.ties is None or self.ties.trust.size == 0:
            return float(self.params["weak_tie_trust"])
        return self.tallies.tie_trust_total / self.ties.trust.size

    def _follow(self, aware: np.ndarray) -> None:
        """Aware consumers start following the brand; prospects who do become followers."""
        c = self.consumers
        rate = self.params["follow_rate"]
        if rate <= 0:
            return
        # Thinning: interest <= 1 bounds the probability.
        who, u = streams.thinned(
            aware & ~c.follows_brand,
            float(per_step_probability(rate, self.dt)),  # follow_probability at interest 1
            self.salt("follow"),
            self.compiled,
        )
        new = who[u < follow_probability(c.interest[who], rate, self.dt)]
        c.follows_brand[new] = True
        self.tallies.ever_followed += new.size
        self._change_roles(new[c.role[new] == Role.PROSPECT], Role.FOLLOWER)

    def _repeat_purchases(self) -> int:
        """Satisfied customers buy again at the repeat rate; dissatisfied ones have churned."""
        rate = self.params["repeat_rate"]
        if rate <= 0:
            return 0
        c = self.consumers
        loyal = (
            (c.role == CUSTOMER_CODE)
            & (c.satisfaction > self.params["churn_satisfaction"])
            & (c.purchase_step < self.step_index)
        )
        again, _ = streams.thinned(
            loyal, float(per_step_probability(rate, self.dt)), self.salt("repeat"), self.compiled
        )
        c.purchases[again] += 1
        return int(again.size)

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


def _reporter(name: str):
    return lambda model: model.kpis[name]


# Expose the parameters as plain keyword arguments with defaults (for help(), IDEs and Mesa's UI).
_signature = inspect.signature(WordOfMouthModel.__init__)
WordOfMouthModel.__init__.__signature__ = _signature.replace(  # type: ignore[attr-defined]  # read by inspect
    parameters=[p for p in _signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=prm.default) for name, prm in PARAMETERS.items()]
)
