"""WordOfMouthModel: one product's market, its consumers, their social network and the brand.

Each step (docs/MODEL.md, "Process overview and scheduling") the brand acts, consumers talk and
listen under the trust rules, recall and interest fade, aware non-customers buy with the purchase
hazard, buyers experience the product and learn whom to trust, prospects start following, and the
step's KPIs are recorded. Every rule is a vectorised function of ``simulation.rules``; the Mesa
agents are views onto the columnar state.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import mesa
import numpy as np
import scipy.sparse as sp

from .agents import ROLE_CLASSES, Brand, Consumer
from .marketing.actions import MarketingEffects
from .marketing.levers import Strategy
from .network.graph import SocialNetwork
from .parameters import MAX_SEED, PARAMETERS, TIME_UNITS, validate_parameters
from .recorder import KPI_NAMES, measure_kpis
from .resources import check_model_memory
from .rules import conversation, trust
from .rules.awareness import fade, follow_probability, make_aware, raise_interest
from .rules.experience import draw_satisfaction, opinion_after_experience
from .rules.purchase import purchase_gate, purchase_hazard, purchase_probability, social_share
from .rules.rates import per_step_probability
from .state import ConsumerState, Role, Source, TieState

# Independent random streams: a purpose's draws at a step never depend on other purposes, so two
# strategies run with the same seed share the network, the consumers and every unaffected draw
# (common random numbers).
_STREAMS = {
    name: i
    for i, name in enumerate(
        [
            "network",
            "population",
            "ties",
            "talk",
            "deliver",
            "purchase",
            "follow",
            "marketing",
            "response",
            "repeat",
            "greedy",
        ]
    )
}


@dataclass(frozen=True)
class Incident:
    """A period of bad (or good) experiences: satisfaction shifts by `quality_shift` while it lasts."""

    start: int
    end: int
    quality_shift: float


def _mix64(keys: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a well-mixed 64-bit hash, for symmetric per-pair draws."""
    z = keys.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


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
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
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
        self.network = social_network if social_network is not None else build_market_network(self.seed, self.params)
        if self.network.n != prm["n_consumers"]:
            raise ValueError(
                f"parameter 'n_consumers' = {prm['n_consumers']} does not match the network's {self.network.n} consumers"
            )
        self._check_strategy_fits_market()
        self.consumers = self._create_population(initial_roles)
        self.ties = None if self.network.is_complete else self._create_ties()
        # Tallies the KPIs need every step, kept up to date as they change instead of recounted.
        self.role_counts = np.bincount(self.consumers.role, minlength=len(Role))
        customers = self.consumers.role == Role.CUSTOMER
        self.customers_by_source = np.bincount(self.consumers.first_source[customers], minlength=len(Source))
        self.tie_trust_total = 0.0 if self.ties is None else float(self.ties.trust.sum(dtype=np.float64))
        # Social influence S_i = recommendations / trust placed in all ties: numerator kept up to date
        # incrementally; the denominator only changes for buyers, who no longer need S.
        self._recommendations = np.zeros(self.network.n)
        if self.ties is not None:
            self._trust_total = np.bincount(self.ties.listener, weights=self.ties.trust, minlength=self.network.n)
        self.base_talk_boost = np.ones(self.network.n)
        self.brand = Brand(self, self.strategy, prm["brand_trust"])
        self._greedy = None
        self.consumer_agents: list[Consumer] | None = None  # created on first look (see agents_by_type)
        self.last_messages = None
        self.kpis: dict = {}
        self._ever_followed = int(self.consumers.follows_brand.sum())
        self.datacollector = mesa.DataCollector(model_reporters={name: _reporter(name) for name in KPI_NAMES})

    # ------------------------------------------------------------------ set-up
    def stream(self, purpose: str, index: int = 0) -> np.random.Generator:
        """The random stream for one purpose at the current step (see _STREAMS)."""
        return np.random.default_rng([self.seed, _STREAMS[purpose], self.step_index, index])

    def _check_strategy_fits_market(self) -> None:
        """Levers that need something of the market (communities to target) fail here, not mid-run."""
        communities = self.network.community
        for index, lever in enumerate(self.strategy.levers):
            if getattr(lever, "target", None) != "community":
                continue
            where = f"strategy {self.strategy.name!r}, lever {index} ({lever.kind}): target 'community'"
            if communities is None:
                raise ValueError(
                    f"{where} needs a network with communities (network = 'communities'), not {self.network.kind!r}"
                )
            if lever.community >= int(communities.max()) + 1:
                raise ValueError(
                    f"{where}: community = {lever.community} does not exist; allowed: 0 to {int(communities.max())}"
                )

    def _create_population(self, initial_roles) -> ConsumerState:
        prm, n = self.params, self.network.n
        rng = np.random.default_rng([self.seed, _STREAMS["population"]])
        sigma = prm["talkativeness_dispersion"]
        talkativeness = rng.lognormal(-0.5 * sigma**2, sigma, n)  # mean 1, heavy right tail
        openness = _beta_with_mean(rng, prm["openness"], prm["openness_dispersion"], n)
        opinion = np.clip(prm["initial_opinion"] + prm["opinion_spread"] * rng.uniform(-1, 1, n), -1, 1)
        self.taste = rng.standard_normal(n)  # a consumer's draw of experience: same in every strategy
        draw_role, draw_follow, draw_aware = rng.random(n), rng.random(n), rng.random(n)
        if initial_roles is not None:
            role, follows = (np.asarray(a) for a in initial_roles)
            role = role.astype(np.int8)
            follows = follows.astype(bool) | (role == Role.FOLLOWER)
        else:
            role = np.full(n, Role.PROSPECT, dtype=np.int8)
            customer = draw_role < prm["customer_share"]
            role[customer] = Role.CUSTOMER
            follows = draw_follow < prm["follower_share"]
            role[follows & ~customer] = Role.FOLLOWER
        customer = role == Role.CUSTOMER
        aware = customer | follows | (draw_aware < prm["initial_awareness"])
        satisfaction = np.where(customer, draw_satisfaction(self.taste, prm["quality"], prm["quality_spread"]), np.nan)
        opinion = np.where(customer, opinion_after_experience(opinion, satisfaction, prm["experience_weight"]), opinion)
        interest = np.where(follows, prm["follower_interest"], prm["initial_interest"])
        return ConsumerState(
            role=role,
            awareness=aware.astype(np.float64),
            opinion=opinion,
            interest=interest,
            talkativeness=talkativeness,
            openness=openness,
            follows_brand=follows,
            satisfaction=satisfaction,
            purchase_step=np.full(n, -1, dtype=np.int32),
            first_source=np.where(aware, Source.PRIOR, Source.UNAWARE).astype(np.int8),
            voice=np.zeros(n),
            claim_heard=np.full(n, np.nan),
            talk_boost=np.ones(n),
            incentivised=np.zeros(n, dtype=bool),
            purchases=customer.astype(np.int32),
        )

    def _create_ties(self) -> TieState:
        prm, net = self.params, self.network
        listener = np.repeat(np.arange(net.n, dtype=np.int32), np.diff(net.indptr))
        speaker = net.indices
        # Tie strength is a property of the pair, the same in both directions: hash the unordered pair.
        low = np.minimum(listener, speaker).astype(np.uint64)
        high = np.maximum(listener, speaker).astype(np.uint64)
        key = low * np.uint64(net.n) + high + _mix64(np.array([self.seed, _STREAMS["ties"]]))[0]
        uniform = (_mix64(key) >> np.uint64(11)).astype(np.float64) / float(2**53)
        strong = uniform < prm["strong_tie_share"]
        if net.initial_trust is not None:
            trust_init = net.initial_trust.astype(np.float32)
        else:
            trust_init = np.where(strong, prm["strong_tie_trust"], prm["weak_tie_trust"]).astype(np.float32)
        # Ties ordered by speaker: the transpose of the CSR, carrying each tie's index as data.
        by_speaker = sp.csr_matrix(
            (np.arange(net.n_ties, dtype=np.int64), net.indices, net.indptr), shape=(net.n, net.n)
        ).T.tocsr()
        return TieState(
            listener=listener,
            speaker=speaker,
            strong=strong,
            trust=trust_init,
            last_valence=np.full(net.n_ties, np.nan, dtype=np.float32),
            recommendation=np.zeros(net.n_ties),
            heard_step=np.full(net.n_ties, -1, dtype=np.int32),
            spoken_by=by_speaker.data,
            spoken_indptr=by_speaker.indptr.astype(np.int64),
        )

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
        if self.network.is_complete:
            return float(self.params["weak_tie_trust"])
        net = self.network
        row = net.indices[net.indptr[listener] : net.indptr[listener + 1]]
        pos = np.searchsorted(row, speaker)
        if pos < row.size and row[pos] == speaker:
            return float(self.ties.trust[net.indptr[listener] + pos])
        return float("nan")

    def greedy_seeds(self, k: int) -> np.ndarray:
        """CELF seeds for the model's network (computed once, reused by later seeding levers)."""
        if self._greedy is None or len(self._greedy) < k:
            if self.network.is_complete:
                rng = np.random.default_rng([self.seed, _STREAMS["greedy"]])
                self._greedy = rng.choice(self.network.n, size=k, replace=False)
            else:
                from .influence.cascade import greedy_seeds

                rng = np.random.default_rng([self.seed, _STREAMS["greedy"]])
                seeds = greedy_seeds(self.network, k, max(self.params["reach"], 1e-6), samples=100, rng=rng).seeds
                self._greedy = np.asarray(seeds, dtype=np.int64)
        return self._greedy

    def current_quality(self, effects: MarketingEffects) -> tuple[float, float]:
        """Mean and spread of satisfaction this step: product quality, improvements and incidents."""
        shift = sum(i.quality_shift for i in self.incidents if i.start <= self.step_index < i.end)
        quality = self.params["quality"] + effects.quality_shift + shift
        return quality, self.params["quality_spread"] * effects.spread_factor

    def _change_roles(self, who: np.ndarray, role: Role) -> None:
        """Move consumers to another role class so ``agents_by_type`` tells the funnel."""
        self.role_counts -= np.bincount(self.consumers.role[who], minlength=len(Role))
        self.role_counts[role] += who.size
        if role == Role.CUSTOMER:
            self.customers_by_source += np.bincount(self.consumers.first_source[who], minlength=len(Source))
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
        effects = self.brand.step()
        messages = self._converse(effects)
        prm = self.params
        fade(
            self.consumers,
            awareness_decay=prm["awareness_decay"],
            interest_decay=prm["interest_decay"],
            interest_baseline=prm["initial_interest"],
            dt=self.dt,
        )
        aware = self.consumers.aware
        buyers, referred = self._purchase(effects, messages, aware)
        self._experience(buyers, effects)
        self._follow(aware)
        repeat = self._repeat_purchases()
        self._account(buyers, effects, referred, repeat)
        self.kpis = measure_kpis(self, buyers, messages, effects, repeat, aware)
        self.datacollector.collect(self)

    def _converse(self, effects: MarketingEffects) -> dict:
        """Talkers speak; each message reaches ties; listeners update awareness, interest and opinion."""
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
        )
        counts = conversation.draw_message_counts(expected, self.stream("talk").random(c.n, dtype=np.float32)[who])
        if effects.reshares.size:  # re-sharing a brand post is a message too
            extra = np.zeros(c.n, dtype=np.int64)
            extra[who] = counts
            extra[effects.reshares] += 1
            who = np.flatnonzero(extra)
            counts = extra[who]
        talking = counts > 0
        talkers, counts = who[talking], counts[talking]
        rng = self.stream("deliver")
        if self.ties is None:
            speakers, listeners = conversation.deliver_in_mean_field(
                talkers, counts, c.n, prm["contacts"], prm["reach"], rng
            )
            seen = np.ones(speakers.shape[0])
            tie_trust = np.full(speakers.shape[0], prm["weak_tie_trust"])
            ties = None
        else:
            ties, seen = conversation.deliver_on_network(talkers, counts, self.ties, prm["reach"], rng)
            speakers, listeners = self.ties.speaker[ties], self.ties.listener[ties]
            tie_trust = self.ties.trust[ties].astype(np.float64)
        credibility = dict(
            experience_credibility=prm["experience_credibility"],
            hearsay_credibility=prm["hearsay_credibility"],
            incentive_discount=prm["incentive_discount"],
        )
        valence = c.opinion[speakers]
        speaker_cred = conversation.credibility(c, speakers, **credibility)
        negative = valence < 0
        answered = np.zeros(valence.shape[0], dtype=bool)
        if effects.response_share > 0:
            answered = negative & (self.stream("response").random(valence.shape[0]) < effects.response_share)
            speaker_cred = np.where(answered, speaker_cred * (1 - effects.response_softening), speaker_cred)
            effects.add_spend(
                "review_response", self.brand.pay(seen[answered].sum() * effects.response_cost * self.represents)
            )

        # Who heard: awareness and attribution (re-shared brand posts count as brand content).
        if effects.reshares.size:
            resharer = np.zeros(c.n, dtype=bool)
            resharer[effects.reshares] = True
            make_aware(c, listeners[resharer[speakers]], Source.CONTENT)
        make_aware(c, listeners, Source.PEER)

        # Trust rules: weight, bounded confidence, opinion shift, interest.
        # A message seen several times on a tie this step weighs that many times.
        weight = seen * trust.message_weight(tie_trust, speaker_cred, c.openness[listeners])
        gap = valence - c.opinion[listeners]
        weight = trust.bounded_confidence(weight, gap, prm["confidence_bound"], prm["beyond_bound_weight"])
        raise_interest(c, listeners, weight * valence, prm["interest_gain"])
        trust.shift_opinions(c.opinion, listeners, gap, weight, prm["persuasion"])

        # What each listener last heard on each tie: the standing recommendation behind social influence.
        # Its memory fades like awareness, so recommendations heard often weigh more than one long ago.
        memory = np.exp(-prm["awareness_decay"] * self.dt)
        recommendation = tie_trust * speaker_cred * np.maximum(valence, 0.0)
        if ties is not None:
            t = self.ties
            before = t.recommendation[ties]  # 0 where nothing was heard yet
            if memory < 1.0:
                self._recommendations *= memory
                before = before * memory ** (self.step_index - t.heard_step[ties])
            self._recommendations += np.bincount(listeners, weights=recommendation - before, minlength=c.n)
            t.recommendation[ties] = recommendation
            t.heard_step[ties] = self.step_index
            t.last_valence[ties] = valence
        if memory < 1.0:
            c.voice *= memory
        c.voice[talkers] = conversation.credibility(c, talkers, **credibility) * np.maximum(c.opinion[talkers], 0.0)

        adopt_now = np.empty(0, dtype=np.int64)
        if prm["adopt_on_recommendation"]:
            from_customer = (c.role[speakers] == Role.CUSTOMER) & (valence > 0)
            adopt_now = listeners[from_customer]
        if self.record_messages:
            self.last_messages = {"speaker": speakers, "listener": listeners, "valence": valence}
        return {
            "talkers": talkers.size,
            "positive": int(seen[valence > 0].sum()),
            "negative": int(seen[negative].sum()),
            "answered": int(seen[answered].sum()),
            "adopt_now": adopt_now,
        }

    def social_influence(self, who: np.ndarray | None = None) -> np.ndarray:
        """S_i = sum_j trust_ij cred_j v+_ij m_ij / sum_j trust_ij: the trust-weighted share of i's ties
        recommending the product (v+: positive valence of the last message heard from j, m: its fading memory).

        In mean field every consumer hears everyone alike, so S = mean voice of the others.
        """
        c = self.consumers
        who = slice(None) if who is None else who
        if self.ties is None:
            return (c.voice.sum() - c.voice[who]) / max(1, c.n - 1)
        return self._recommendations[who] / np.maximum(self._trust_total[who], 1e-12)

    def _purchase(self, effects: MarketingEffects, messages: dict, aware: np.ndarray):
        """Aware non-customers buy with the purchase hazard; returns (buyers, expected referred purchases)."""
        c, prm = self.consumers, self.params
        uniforms = self.stream("purchase").random(c.n, dtype=np.float32)  # one per consumer: common random numbers
        price_factor = 1.0 + prm["price_elasticity"] * effects.discount
        # Thinning: S <= 1, E <= its maximum and the gate <= 2 (1 + kappa), so no consumer whose uniform
        # exceeds the resulting bound can buy; evaluating the hazard for the rest gives the same buyers.
        most_external = effects.background if effects.external is None else float(effects.external.max())
        bound = purchase_probability(
            purchase_hazard(
                2.0 * (1.0 + prm["opinion_sensitivity"]), prm["p"], most_external, prm["q"], 1.0, price_factor
            ),
            self.dt,
        )
        who = np.flatnonzero(uniforms < bound)
        who = who[aware[who] & (c.role[who] != Role.CUSTOMER)]
        gate = purchase_gate(c.opinion[who], c.interest[who], prm["opinion_sensitivity"], prm["rejection_opinion"])
        external = effects.background if effects.external is None else effects.external[who]
        social = self.social_influence(who)
        hazard = purchase_hazard(gate, prm["p"], external, prm["q"], social, price_factor)
        bought = uniforms[who] < purchase_probability(hazard, self.dt)
        # Referral rewards are paid for the expected share of each purchase due to peers.
        external = np.broadcast_to(external, social.shape)
        referred = float(social_share(prm["p"] * external[bought], prm["q"] * social[bought]).sum())
        buying = np.zeros(c.n, dtype=bool)
        buying[who[bought]] = True
        buying[messages["adopt_now"]] = True
        buying[effects.seeds] = True  # seeds get the product free
        buying &= c.role != Role.CUSTOMER
        return np.flatnonzero(buying), referred

    def _experience(self, buyers: np.ndarray, effects: MarketingEffects) -> None:
        """Buyers experience the product, revise their opinion and their trust in what they were told."""
        if buyers.size == 0:
            return
        c, prm = self.consumers, self.params
        quality, spread = self.current_quality(effects)
        satisfaction = draw_satisfaction(self.taste[buyers], quality, spread)
        c.satisfaction[buyers] = satisfaction
        c.purchase_step[buyers] = self.step_index
        c.purchases[buyers] += 1
        c.opinion[buyers] = opinion_after_experience(c.opinion[buyers], satisfaction, prm["experience_weight"])
        c.awareness[buyers] = 1.0
        self._learn_trust(buyers, satisfaction)
        self._change_roles(buyers, Role.CUSTOMER)

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
            self.tie_trust_total += float(after.sum(dtype=np.float64) - before.sum(dtype=np.float64))
        claims = c.claim_heard[buyers]
        told = ~np.isnan(claims)
        if told.any():
            accuracy = float(trust.source_accuracy(claims[told], satisfaction[told]).mean())
            rate = per_step_probability(prm["brand_trust_learning"], self.dt)
            self.brand.trust = float(trust.learn_trust(self.brand.trust, accuracy, float(rate)))

    def _follow(self, aware: np.ndarray) -> None:
        """Aware consumers start following the brand; prospects who do become followers."""
        c = self.consumers
        if self.params["follow_rate"] <= 0:
            return
        uniforms = self.stream("follow").random(c.n, dtype=np.float32)
        who = np.flatnonzero(aware & ~c.follows_brand)
        who = who[uniforms[who] < follow_probability(1.0, self.params["follow_rate"], self.dt)]  # interest <= 1
        new = who[uniforms[who] < follow_probability(c.interest[who], self.params["follow_rate"], self.dt)]
        c.follows_brand[new] = True
        self._ever_followed += new.size
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

    def _account(self, buyers, effects: MarketingEffects, referred: float, repeat: int) -> None:
        prm = self.params
        paid_units = buyers.size - effects.seeds.size + repeat
        self.step_revenue = paid_units * prm["price"] * (1.0 - effects.discount) * self.represents
        if effects.referral_reward > 0:
            effects.add_spend("referral", self.brand.pay(referred * effects.referral_reward * self.represents))

    # ------------------------------------------------------------------ running
    def run(self, steps: int) -> WordOfMouthModel:
        """Run `steps` more steps; returns the model (for chaining)."""
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
            raise ValueError(f"parameter 'steps' = {steps!r} is not allowed: expected a whole number >= 0")
        for _ in range(int(steps)):
            self.step()
        return self

    def timeseries(self):
        """The KPIs of every step so far as a pandas DataFrame (one row per step)."""
        frame = self.datacollector.get_model_vars_dataframe()
        return frame.reset_index(drop=True)


def build_market_network(seed: int, params: dict) -> SocialNetwork:
    """The social network a model with these (validated) parameters and seed builds.

    It has its own random stream, so comparisons and sweeps can build it once and pass it to every
    model of the same seed (``social_network=``) without changing a number.
    """
    from .network.generators import build_network

    rng = np.random.default_rng([seed, _STREAMS["network"]])
    kind = params["network"]
    options = {
        "small_world": {"mean_degree": params["mean_degree"], "rewiring": params["rewiring"]},
        "scale_free": {"mean_degree": params["mean_degree"], "exponent": params["degree_exponent"]},
        "random": {"mean_degree": params["mean_degree"]},
        "communities": {
            "mean_degree": params["mean_degree"],
            "n_communities": params["n_communities"],
            "within_share": params["within_share"],
        },
        "complete": {},
        "edge_list": {"path": params["edge_list"], "directed": params["edge_list_directed"]},
    }[kind]
    return build_network(kind, params["n_consumers"], rng, **options)


def _reporter(name: str):
    return lambda model: model.kpis[name]


def _beta_with_mean(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    """Beta draws with the given mean and standard deviation (constant when sd = 0 or mean at a bound)."""
    if sd <= 0 or mean <= 0 or mean >= 1:
        return np.full(n, mean)
    concentration = max(mean * (1 - mean) / sd**2 - 1, 1e-3)
    return rng.beta(mean * concentration, (1 - mean) * concentration, n)


# Expose the parameters as plain keyword arguments with defaults (for help(), IDEs and Mesa's UI).
_signature = inspect.signature(WordOfMouthModel.__init__)
WordOfMouthModel.__init__.__signature__ = _signature.replace(
    parameters=[p for p in _signature.parameters.values() if p.kind != inspect.Parameter.VAR_KEYWORD]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=prm.default) for name, prm in PARAMETERS.items()]
)
