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
from dataclasses import dataclass

import mesa
import numpy as np

from . import streams
from .agents import ROLE_CLASSES, Brand, Consumer
from .kpis import STEP_KPIS
from .marketing.base import MarketingEffects
from .marketing.strategy import Strategy
from .network.build import build_market_network
from .network.graph import SocialNetwork
from .parameters import MAX_SEED, PARAMETERS, TIME_UNITS, validate_parameters
from .population import create_population, create_ties
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
from .state import Role, Source
from .step_records import Messages, Purchases, Reviews


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
            seed = int(np.random.SeedSequence().entropy % (2**63))
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= MAX_SEED:
            raise ValueError(f"parameter 'seed' = {seed!r} is not allowed: expected a whole number in [0, 2^63 - 1]")
        self.seed = int(seed)
        super().__init__(rng=self.seed)
        prm = self.params
        self.dt = TIME_UNITS[prm["time_unit"]]
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
        self.consumers, self.taste = create_population(
            prm, self.network.n, self.fixed_stream("population"), initial_roles
        )
        salt = streams.mix64(np.array([self.seed, streams.STREAM_IDS["ties"]]))[0]
        self.ties = None if self.network.is_complete else create_ties(prm, self.network, salt)
        # Social influence S_i = recommendations heard / ties: the numerator is kept up to date
        # incrementally, and its value at the previous step's purchases kept for the mid-step estimate.
        self._recommendations = np.zeros(self.network.n)
        self._recommendations_before = np.zeros(self.network.n)
        self._voice_before: float | None = None  # mean field: total voice at the previous step's purchases
        self._ties_per_listener = np.maximum(np.diff(self.network.indptr), 1).astype(np.float64)
        self._unit_fails = self.fixed_stream("defects").random(self.network.n) < prm["defect_rate"]
        self.page = ProductPage()
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
            self._post(customers, c.satisfaction[customers], uniforms, asked=0.0, uptake=0.0, praise=None)

    def current_quality(self, effects: MarketingEffects) -> tuple[float, float]:
        """Mean and spread of satisfaction this step: product quality, levers and incidents."""
        shift = sum(i.quality_shift for i in self.incidents if i.start <= self.step_index < i.end)
        quality = self.params["quality"] + effects.quality_shift + shift
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
        """One step of the market (see the module docstring for the order)."""
        self.step_index = self.steps - 1
        prm = self.params
        effects = self.brand.step()
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
        np.copyto(self._recommendations_before, self._recommendations)
        self._voice_before = float(self.consumers.voice.sum())
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
        )
        if self.record_messages:
            self.last_messages = {
                "speaker": messages.speakers,
                "listener": messages.listeners,
                "valence": messages.valence,
            }
        self.datacollector.collect(self)

    def _deliver(self, effects: MarketingEffects) -> Messages:
        """Who talks, how many messages each sends, and on which ties (or to whom) they are seen."""
        c, prm = self.consumers, self.params
        who = conversation.speakers(
            c, talk_window=prm["talk_window"], step=self.step_index, neutral_talk=prm["neutral_talk"]
        )
        who, expected = conversation.messages_per_step(
            c,
            who,
            talk_rate=prm["talk_rate"],
            neutral_talk=prm["neutral_talk"],
            negativity_bias=prm["negativity_bias"],
            dt=self.dt,
            boost=effects.talk_boost,
        )
        counts = conversation.draw_message_counts(expected, self.stream("talk").random(c.n, dtype=np.float32)[who])
        if effects.extra_messages.size:  # e.g. re-shared brand posts: one more message each
            extra = np.zeros(c.n, dtype=np.int64)
            extra[who] = counts
            np.add.at(extra, effects.extra_messages, 1)
            who = np.flatnonzero(extra)
            counts = extra[who]
        talking = counts > 0
        talkers, counts = who[talking], counts[talking]
        if self.ties is None:
            rng = self.stream("deliver")
            speakers, listeners = conversation.deliver_in_mean_field(
                talkers, counts, c.n, prm["contacts"], prm["reach"], rng
            )
            seen = np.ones(speakers.shape[0])
            tie_trust = trust.effective_trust(prm["weak_tie_trust"], c.group_trust[listeners, 0])
            ties = None
        else:
            salt = streams.step_salt(self.seed, "deliver", self.step_index)
            ties, seen = conversation.deliver_on_network(
                talkers, counts, self.ties, prm["reach"], lambda tie: streams.hashed_uniforms(salt, tie)
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
        credibility = (
            own_credibility if effects.credibility is None else own_credibility * effects.credibility[speakers]
        )
        return Messages(
            talkers=talkers,
            speakers=speakers,
            listeners=listeners,
            seen=seen,
            valence=c.opinion[speakers],
            credibility=credibility,
            tie_trust=tie_trust,
            attention=seen * tie_trust * own_credibility,
            ties=ties,
        )

    def _persuade(self, messages: Messages, effects: MarketingEffects) -> None:
        """Listeners become aware, and update interest and opinion under the trust rules."""
        c, prm = self.consumers, self.params
        listeners, valence = messages.listeners, messages.valence
        recall = messages.attention  # a mention is remembered in proportion to the trust in its speaker
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

    def _remember(self, messages: Messages, effects: MarketingEffects) -> None:
        """What each listener last heard on each tie: the standing recommendation behind social influence.

        Its memory fades like awareness, so recommendations heard often weigh more than one long ago.
        """
        c, prm = self.consumers, self.params
        memory = np.exp(-prm["awareness_decay"] * self.dt)
        recommendation = messages.tie_trust * messages.credibility * np.maximum(messages.valence, 0.0)
        if messages.ties is not None:
            t, ties = self.ties, messages.ties
            before = t.recommendation[ties]  # 0 where nothing was heard yet
            if memory < 1.0:
                self._recommendations *= memory
                before = before * memory ** (self.step_index - t.heard_step[ties])
            self._recommendations += np.bincount(messages.listeners, weights=recommendation - before, minlength=c.n)
            t.recommendation[ties] = recommendation
            t.heard_step[ties] = self.step_index
            t.last_valence[ties] = messages.valence
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
        who = slice(None) if who is None else who
        if self.ties is None:
            trust_in_anyone = self.params["weak_tie_trust"] * c.group_trust[who, 0]
            voice = (c.voice.sum() - c.voice[who]) / max(1, c.n - 1)
            if midstep and self._voice_before is not None:
                voice = midstep_influence(voice, (self._voice_before - c.voice[who]) / max(1, c.n - 1))
            return trust_in_anyone * voice
        now = self._recommendations[who] / self._ties_per_listener[who]
        if not midstep:
            return now
        return midstep_influence(now, self._recommendations_before[who] / self._ties_per_listener[who])

    def _discover_and_read(self) -> int:
        """Unaware consumers learn of the product from media (rate ``media_awareness_rate``) or from its page
        (rate ``page_discovery_rate`` x c(n)); aware non-customers read the page (rate ``page_visit_rate`` x
        interest / 0.5), and so do those who found the product through it.

        A read moves interest and opinion toward the page's perceived valence V with weight
        review_trust x c(n) x openness (``rules.reviews``), and leaves the page signal R_i that enters the
        purchase hazard. Returns the number of readers.
        """
        c, prm, page = self.consumers, self.params, self.page
        n_reviews = page.count
        volume = reviews.volume_weight(n_reviews, prm["review_volume_half"], prm["review_volume_exponent"])
        media, finding = prm["media_awareness_rate"], prm["page_discovery_rate"] * volume
        visiting = prm["page_visit_rate"] if n_reviews else 0.0
        if media <= 0 and finding <= 0 and visiting <= 0:
            return 0
        uniforms = self.stream("page").random(c.n, dtype=np.float32)
        discover = float(per_step_probability(media + finding, self.dt))
        # Thinning: interest <= 1, so no consumer above this bound discovers or reads.
        bound = max(discover, float(per_step_probability(visiting / TYPICAL_INTEREST, self.dt)))
        who = np.flatnonzero(uniforms < bound)
        who = who[c.role[who] != Role.CUSTOMER]
        u, aware = uniforms[who], c.aware[who]
        found = ~aware & (u < discover)
        via_page = found & (u < discover * finding / max(media + finding, 1e-300))
        make_aware(c, who[found & ~via_page], Source.MEDIA)
        visit = per_step_probability(visiting * c.interest[who] / TYPICAL_INTEREST, self.dt)
        readers = who[(aware & (u < visit)) | via_page]
        if readers.size == 0:
            return 0
        make_aware(c, readers, Source.REVIEWS)
        valence = reviews.perceived_valence(page.weights_by_star(prm["incentive_discount"]), prm["review_negativity"])
        weight = prm["review_trust"] * volume * c.openness[readers]
        gap = valence - c.opinion[readers]
        weight = trust.bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
        raise_interest(c, readers, weight * valence, prm["interest_gain"])
        trust.shift_opinions(c.opinion, readers, gap, weight, prm["persuasion"])
        c.page_signal[readers] = prm["review_trust"] * volume * max(valence, 0.0)
        c.page_read_step[readers] = self.step_index
        return int(readers.size)

    def page_influence(self, who: np.ndarray) -> np.ndarray:
        """R_i: the page signal of i's last read, fading like the memory of recommendations."""
        c = self.consumers
        since = self.step_index - c.page_read_step[who]
        memory = decay_factor(self.params["awareness_decay"], self.dt)
        return np.where(c.page_read_step[who] >= 0, c.page_signal[who] * memory ** np.maximum(since, 0), 0.0)

    def _purchase(self, effects: MarketingEffects, messages: Messages, aware: np.ndarray) -> Purchases:
        """Aware non-customers buy with the purchase hazard; free units and adoption on recommendation join."""
        c, prm = self.consumers, self.params
        uniforms = self.stream("purchase").random(c.n, dtype=np.float32)  # one per consumer: common random numbers
        price_factor = (1.0 + prm["price_elasticity"] * effects.discount) * effects.hazard_factor
        # Thinning: S <= 1 (its mid-step estimate <= 1.5), R <= 1, E <= its maximum and the gate <= 2 (1 + kappa),
        # so no consumer whose uniform exceeds the resulting bound can buy; evaluating the hazard for the
        # rest gives the same buyers.
        most_external = effects.background if effects.external is None else float(effects.external.max())
        most_social = 1.5 * prm["q"] + prm["review_influence"]
        bound = purchase_probability(
            purchase_hazard(
                2.0 * (1.0 + prm["opinion_sensitivity"]), prm["p"], most_external, most_social, 1.0, price_factor
            ),
            self.dt,
        )
        who = np.flatnonzero(uniforms < bound)
        who = who[aware[who] & (c.role[who] != Role.CUSTOMER)]
        gate = purchase_gate(c.opinion[who], c.interest[who], prm["opinion_sensitivity"], prm["rejection_opinion"])
        external = effects.background if effects.external is None else effects.external[who]
        social = prm["q"] * self.social_influence(who, midstep=True) + prm["review_influence"] * self.page_influence(
            who
        )
        hazard = purchase_hazard(gate, prm["p"], external, 1.0, social, price_factor)
        bought = uniforms[who] < purchase_probability(hazard, self.dt)
        external = np.broadcast_to(external, social.shape)
        buying = np.zeros(c.n, dtype=bool)
        buying[who[bought]] = True
        if prm["adopt_on_recommendation"]:  # independent cascade: a customer's recommendation is adoption
            from_customer = (c.role[messages.speakers] == Role.CUSTOMER) & (messages.valence > 0)
            buying[messages.listeners[from_customer]] = True
        buying[effects.free_units] = True
        buying &= c.role != Role.CUSTOMER
        return Purchases(
            buyers=np.flatnonzero(buying),
            free=effects.free_units,
            external_part=prm["p"] * external[bought],
            social_part=social[bought],
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
        uniforms = self.stream("reviews").random(self.consumers.n, dtype=np.float32)[buyers]
        return self._post(
            buyers, satisfaction, uniforms, effects.review_ask, effects.review_incentive, self.page.praise
        )

    def _post(self, buyers, satisfaction, uniforms, asked: float, uptake: float, praise: float | None) -> Reviews:
        """Post the ratings of the buyers whose uniform falls under their posting probability.

        A buyer posts spontaneously when u < P; offered an incentive, one who would not have posts with
        probability `uptake` (P <= u < P + (1 - P) uptake), and its review is flagged incentivised."""
        prm = self.params
        spontaneous = reviews.posting_probability(
            satisfaction,
            prm["review_propensity"],
            prm["review_extremity"],
            asked,
            self.page.negative_share,
            prm["herding_correction"],
        )
        posts = uniforms < spontaneous + (1.0 - spontaneous) * uptake
        incentivised = posts & (uniforms >= spontaneous)
        expressed = reviews.expressed_satisfaction(satisfaction[posts], praise, prm["herding"])
        stars = reviews.rating_stars(expressed, prm["rating_bias"])
        self.page.post(stars, incentivised[posts])
        return Reviews(posters=buyers[posts], stars=stars, incentivised=incentivised[posts])

    def _learn_trust(self, buyers: np.ndarray, satisfaction: np.ndarray) -> None:
        """Ties whose last message matched the experience gain trust, misleading ones lose it; so does the brand."""
        c, prm = self.consumers, self.params
        if self.ties is not None:
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
            self.tallies.tie_trust_total += float(after.sum(dtype=np.float64) - before.sum(dtype=np.float64))
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
        if self.params["follow_rate"] <= 0:
            return
        uniforms = self.stream("follow").random(c.n, dtype=np.float32)
        who = np.flatnonzero(aware & ~c.follows_brand)
        rate = self.params["follow_rate"]
        who = who[uniforms[who] < follow_probability(1.0, rate, self.dt)]  # thinning: interest <= 1
        new = who[uniforms[who] < follow_probability(c.interest[who], rate, self.dt)]
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
            (c.role == Role.CUSTOMER)
            & (c.satisfaction > self.params["churn_satisfaction"])
            & (c.purchase_step < self.step_index)
        )
        prob = np.where(loyal, per_step_probability(rate, self.dt), 0.0)
        again = np.flatnonzero(self.stream("repeat").random(c.n) < prob)
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
WordOfMouthModel.__init__.__signature__ = _signature.replace(
    parameters=[p for p in _signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=prm.default) for name, prm in PARAMETERS.items()]
)
