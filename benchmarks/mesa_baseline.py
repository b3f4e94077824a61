"""Network Bass diffusion written the way Mesa's own examples write models: the per-agent baseline.

One ``mesa.Agent`` per consumer; every step the agents, in random order
(``model.agents.shuffle_do("step")``), look at their neighbours and a non-adopter adopts with
probability

    P(adopt in a step) = 1 - exp(-(p + q * A_i / k_i) * dt),

the exact probability of at least one event of a Poisson process with the Bass hazard
p + q * (adopted share of i's neighbours) over a step of length dt (Bass 1969, with the population
share replaced by the neighbourhood share as in network versions of the model, e.g.
Goldenberg, Libai & Muller 2001). A_i is the number of adopters among the k_i consumers i listens to.

Updating is asynchronous, as in Mesa's examples (virus_on_network): an agent sees adoptions made
earlier in the same step. A synchronous engine differs from this by O(dt^2) per step, so compare
the two at small dt.

This is the reference for benchmarks, so it is kept idiomatic rather than tuned: plain Python
agents, attribute lookups on neighbour agents, a DataCollector.
"""

from __future__ import annotations

import math

import mesa

from simulation.network.graph import SocialNetwork


class Consumer(mesa.Agent):
    """A consumer who adopts under external (p) and word-of-mouth (q) influence."""

    def __init__(self, model: MesaBaselineModel):
        super().__init__(model)
        self.adopted = False
        # Filled in once every consumer exists: the agents this consumer listens to.
        self.neighbours: list[Consumer] = []

    def adopted_share(self) -> float:
        """Share of this consumer's neighbours who have adopted (A_i / k_i)."""
        if self.model.mean_field:
            # Complete mixing: everyone else is a neighbour, so the model's count suffices.
            return self.model.adopters / (self.model.n - 1) if self.model.n > 1 else 0.0
        if not self.neighbours:
            return 0.0
        return sum(neighbour.adopted for neighbour in self.neighbours) / len(self.neighbours)

    def step(self) -> None:
        if self.adopted:
            return
        model = self.model
        hazard = model.p + model.q * self.adopted_share()
        if self.random.random() < 1.0 - math.exp(-hazard * model.dt):
            self.adopted = True
            model.adopters += 1


class MesaBaselineModel(mesa.Model):
    """Bass diffusion on a social network, one Mesa agent per consumer.

    Args:
        n: number of consumers (must equal ``network.n`` when a network is given).
        p: coefficient of innovation (per unit of time).
        q: coefficient of imitation (per unit of time).
        dt: length of a step as a fraction of the time unit of p and q.
        network: the SocialNetwork; consumer i's neighbours are the speakers in its CSR row.
            ``None`` or a complete network means complete mixing (the original Bass model).
        rng: seed or numpy Generator, passed to ``mesa.Model``.
    """

    def __init__(
        self,
        n: int = 1000,
        p: float = 0.03,
        q: float = 0.38,
        dt: float = 0.1,
        network: SocialNetwork | None = None,
        rng=None,
    ):
        super().__init__(rng=rng)
        if network is not None and network.n != n:
            raise ValueError(f"n = {n} but the network has {network.n} consumers")
        if p < 0 or q < 0 or dt <= 0:
            raise ValueError(f"need p >= 0, q >= 0 and dt > 0, got p={p}, q={q}, dt={dt}")
        self.n = n
        self.p = p
        self.q = q
        self.dt = dt
        self.mean_field = network is None or network.is_complete
        self.adopters = 0

        consumers = [Consumer(self) for _ in range(n)]
        if not self.mean_field:
            for i, consumer in enumerate(consumers):
                row = network.indices[network.indptr[i] : network.indptr[i + 1]]
                consumer.neighbours = [consumers[j] for j in row]

        self.datacollector = mesa.DataCollector(model_reporters={"Adopters": "adopters"})
        self.running = True
        self.datacollector.collect(self)

    def step(self) -> None:
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)
        self.running = self.adopters < self.n
