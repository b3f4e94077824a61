"""Independent cascades and greedy seeding (influence maximisation).

The independent cascade (IC) model of Kempe, Kleinberg & Tardos (2003), "Maximizing the Spread of
Influence through a Social Network", KDD '03: the seeds are active at the start; every newly
activated consumer gets exactly one chance to activate each inactive consumer who listens to them,
succeeding with probability ``probability``; the cascade stops when a round activates nobody.

Kempe et al. show that the final active set has the same distribution as the set reachable from
the seeds in a *live-edge* graph that keeps each tie independently with the same probability. For an
undirected network the reachable set is the union of the connected components of the seeds, so a
batch of live-edge samples, each reduced to a component label per consumer, turns the spread of any
seed set -- and the marginal gain of every consumer at once -- into array lookups. The spread is a
monotone submodular function of the seed set, so greedy seeding gets within 1 - 1/e of the optimum,
and the lazy-forward (CELF) trick of Leskovec et al. (2007), "Cost-effective Outbreak Detection in
Networks", KDD '07, evaluates only the few gains that can still change the choice.

Direction: in ``SocialNetwork`` a tie i <- j means listener i hears speaker j, so influence flows
from j to i, i.e. along the *transpose* of the stored adjacency matrix.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from simulation import kernels
from simulation.network.graph import SocialNetwork
from simulation.streams import hashed_uniforms

__all__ = [
    "simulate_independent_cascade",
    "cascade_spread_samples",
    "LiveEdgeSamples",
    "GreedySeeding",
    "greedy_seeds",
    "top_degree_seeds",
    "random_seeds",
]


def _salt(rng: np.random.Generator) -> np.uint64:
    """A salt for hashed coins (``streams.hashed_uniforms``) drawn from the caller's generator."""
    return np.uint64(rng.integers(0, 2**63, dtype=np.uint64))


SKIP_BELOW = 0.1  # as kernels.live_edge_components


def live_edges(m: int, probability: float, salt: np.uint64, sample: int) -> np.ndarray:
    """Which of m edges live in live-edge sample `sample`: each independently with the probability, from
    hashed uniforms -- below ``SKIP_BELOW`` by geometric skips (the gap to the next live edge is
    floor(log(1 - u) / log(1 - p))), otherwise one uniform per edge (index sample x m + edge)."""
    live = np.zeros(m, dtype=bool)
    if probability <= 0 or m == 0:
        return live
    if probability >= SKIP_BELOW:
        return hashed_uniforms(salt, sample * m + np.arange(m)) < probability
    log_miss, position, drawn = np.log1p(-probability), -1, 0
    while position < m:
        batch = max(64, int(1.2 * (m - position) * probability) + 64)
        u = hashed_uniforms(salt, (sample << 32) + drawn + np.arange(batch))
        steps = 1 + (np.log(1.0 - u) / log_miss).astype(np.int64)
        positions = position + np.cumsum(steps)
        live[positions[positions < m]] = True
        position, drawn = int(positions[-1]), drawn + batch
    return live


def _as_rng(rng) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_network(network: SocialNetwork) -> None:
    if network.is_complete:
        raise ValueError("independent cascades need stored ties; a complete (mean-field) network has none")


def _check_probability(probability: float) -> float:
    probability = float(probability)
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"the activation probability must be in [0, 1], got {probability}")
    return probability


def _check_seeds(network: SocialNetwork, seeds) -> np.ndarray:
    if isinstance(seeds, (set, frozenset)):
        seeds = sorted(seeds)
    seeds = np.unique(np.atleast_1d(np.asarray(seeds, dtype=np.int64)))
    if seeds.size and (seeds[0] < 0 or seeds[-1] >= network.n):
        bad = seeds[(seeds < 0) | (seeds >= network.n)]
        raise ValueError(f"seeds {bad.tolist()} are not consumers of this network (0..{network.n - 1})")
    return seeds


def _influence_lists(network: SocialNetwork) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, indices) whose row j lists the consumers who listen to j.

    For undirected networks this is the stored structure itself; for directed ones the transpose.
    """
    if not network.directed:
        return network.indptr, network.indices
    listeners_of = network.to_scipy().T.tocsr()
    listeners_of.sort_indices()
    return listeners_of.indptr, listeners_of.indices


# --------------------------------------------------------------------------------------------------
# Reference Monte Carlo
# --------------------------------------------------------------------------------------------------


def simulate_independent_cascade(
    network: SocialNetwork, seeds, probability: float, rng=None, return_active: bool = False
):
    """One independent cascade from ``seeds`` (Kempe, Kleinberg & Tardos 2003).

    A plain breadth-first reference: each consumer taken off the queue makes one attempt, with
    success probability ``probability``, on each of its listeners; successful attempts on inactive
    listeners activate them and put them on the queue. Because every consumer is dequeued once,
    every tie is tried at most once, as the model requires.

    Args:
        network: the social network (influence flows speaker j -> listener i for a tie i <- j).
        seeds: initially active consumers.
        probability: activation probability per tie, in [0, 1].
        rng: numpy Generator or seed.
        return_active: also return the set of activated consumers.

    Returns:
        The number of active consumers at the end (seeds included), or (number, set) when
        ``return_active``.
    """
    _check_network(network)
    probability = _check_probability(probability)
    rng = _as_rng(rng)
    indptr, listeners = _influence_lists(network)
    seeds = _check_seeds(network, seeds)

    active = np.zeros(network.n, dtype=bool)
    active[seeds] = True
    queue = deque(seeds.tolist())
    while queue:
        speaker = queue.popleft()
        audience = listeners[indptr[speaker] : indptr[speaker + 1]]
        # One coin per tie; coins for already-active listeners are drawn and ignored.
        convinced = audience[rng.random(audience.size) < probability]
        for listener in convinced.tolist():
            if not active[listener]:
                active[listener] = True
                queue.append(listener)

    spread = int(active.sum())
    if return_active:
        return spread, set(np.flatnonzero(active).tolist())
    return spread


def cascade_spread_samples(network: SocialNetwork, seeds, probability: float, runs: int, rng=None) -> np.ndarray:
    """Final spreads of ``runs`` independent cascades from the same seeds (int64 array).

    With the compiled kernels (``simulation.kernels``) the cascades run in ``kernels.cascade_spreads``,
    each tie's coin a hashed uniform; without them, ``simulate_independent_cascade`` one by one. Both
    draw from the same distribution (``tests/test_engine_paths.py`` compares them with a KS test)."""
    rng = _as_rng(rng)
    if kernels.enabled():
        _check_network(network)
        indptr, listeners = _influence_lists(network)
        return kernels.compiled().cascade_spreads(
            indptr.astype(np.int64),
            listeners,
            _check_seeds(network, seeds),
            _check_probability(probability),
            int(runs),
            _salt(rng),
        )
    return np.array(
        [simulate_independent_cascade(network, seeds, probability, rng) for _ in range(int(runs))],
        dtype=np.int64,
    )


# --------------------------------------------------------------------------------------------------
# Live-edge samples
# --------------------------------------------------------------------------------------------------


class LiveEdgeSamples:
    """R live-edge samples of a network for fast spread and marginal-gain estimates.

    Each sample keeps every tie independently with probability ``probability`` (Kempe et al. 2003,
    Claim 2.3: the IC spread from S has the distribution of the number of consumers reachable from S
    in such a sample).

    Undirected networks: an undirected edge is kept or dropped as a whole, and each sample is
    reduced to a component label per consumer with ``connected_components``, so the spread of S in
    sample r is the total size of the distinct components of S. Memory is R x n int32 labels.

    Directed networks: each sample keeps its live arcs (speaker -> listener) and spreads are
    reachability counts by breadth-first search (``breadth_first_order``), one search per seed
    per sample, so they cost far more than the undirected lookups.
    """

    def __init__(self, network: SocialNetwork, probability: float, samples: int = 200, rng=None):
        _check_network(network)
        self.network = network
        self.probability = _check_probability(probability)
        self.samples = int(samples)
        if self.samples < 1:
            raise ValueError(f"need at least one live-edge sample, got {samples}")
        self.n = network.n
        self.directed = bool(network.directed)
        rng = _as_rng(rng)
        if self.directed:
            self._init_directed(rng)
        else:
            self._init_undirected(rng)

    # -- construction ------------------------------------------------------------------------------

    def _init_undirected(self, rng: np.random.Generator) -> None:
        adjacency = self.network.to_scipy()
        # Each undirected edge once, so its two stored directions live or die together
        # (symmetrised first, in case a network flagged undirected stores only one direction).
        adjacency = sp.triu(adjacency.maximum(adjacency.T), k=1).tocoo()
        u, v = adjacency.row.astype(np.int32), adjacency.col.astype(np.int32)
        # Edge e lives in sample r when its hashed uniform (index r x edges + e) is below the probability:
        # the compiled union-find and the scipy path below draw the same samples.
        salt = _salt(rng)
        if kernels.enabled():
            labels, component_size, offsets = kernels.compiled().live_edge_components(
                self.n, u, v, self.probability, salt, self.samples
            )
            total = component_size.size
        else:
            labels = np.empty((self.samples, self.n), dtype=np.int32)
            sizes, offsets = [], np.empty(self.samples, dtype=np.int64)
            total = 0
            for r in range(self.samples):
                live = live_edges(u.size, self.probability, salt, r)
                graph = sp.csr_matrix(
                    (np.ones(int(live.sum()), dtype=np.int8), (u[live], v[live])), shape=(self.n, self.n)
                )
                count, component = connected_components(graph, directed=False)
                labels[r] = component
                sizes.append(np.bincount(component, minlength=count))
                offsets[r] = total
                total += count
            component_size = np.concatenate(sizes)
        # Component ids made global across samples: one flat array serves every lookup.
        self._offsets = offsets
        # int32 ids halve the memory of the R x n table whenever the total number of components allows.
        id_type = np.int32 if total < np.iinfo(np.int32).max else np.int64
        self._component = labels.astype(id_type) + offsets.astype(id_type)[:, None]
        self._component_size = component_size.astype(np.int64)

    def _init_directed(self, rng: np.random.Generator) -> None:
        influence = self.network.to_scipy().T.tocsr()  # row j: listeners of speaker j
        influence.sort_indices()
        speaker = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(influence.indptr))
        self._live_graphs = []
        for _ in range(self.samples):
            live = rng.random(influence.nnz) < self.probability
            graph = sp.csr_matrix(
                (np.ones(int(live.sum()), dtype=np.int8), (speaker[live], influence.indices[live])),
                shape=(self.n, self.n),
            )
            self._live_graphs.append(graph)

    # -- evaluation --------------------------------------------------------------------------------

    def _reached(self, sample: int, start: int) -> np.ndarray:
        return breadth_first_order(self._live_graphs[sample], start, directed=True, return_predecessors=False)

    def covered(self, seeds) -> np.ndarray:
        """Coverage state of a seed set, the input of ``marginal_gains``.

        Undirected: a boolean flag per global component (is it reached by a seed?).
        Directed: an R x n boolean array of reached consumers.
        """
        seeds = _check_seeds(self.network, seeds)
        if not self.directed:
            flags = np.zeros(self._component_size.size, dtype=bool)
            flags[self._component[:, seeds].ravel()] = True
            return flags
        reached = np.zeros((self.samples, self.n), dtype=bool)
        for r in range(self.samples):
            for seed in seeds:
                if not reached[r, seed]:
                    reached[r, self._reached(r, int(seed))] = True
        return reached

    def add_seed(self, covered: np.ndarray, seed: int) -> None:
        """Update a coverage state in place after adding ``seed``."""
        if not self.directed:
            covered[self._component[:, seed]] = True
            return
        seed = int(seed)
        for r in range(self.samples):
            if not covered[r, seed]:
                covered[r, self._reached(r, seed)] = True

    def spread_samples(self, seeds) -> np.ndarray:
        """Spread of ``seeds`` in each live-edge sample (int64 array of length R)."""
        covered = self.covered(seeds)
        if not self.directed:
            # Per sample: total size of the distinct components its seeds touch.
            touched = np.flatnonzero(covered)
            owner = np.searchsorted(self._offsets, touched, side="right") - 1
            return np.bincount(owner, weights=self._component_size[touched], minlength=self.samples).astype(np.int64)
        return covered.sum(axis=1).astype(np.int64)

    def spread(self, seeds) -> float:
        """Estimated expected spread sigma(S): the mean over samples."""
        return float(self.spread_samples(seeds).mean())

    def marginal_gains(self, covered: np.ndarray, nodes=None) -> np.ndarray:
        """Estimated marginal gains sigma(S + v) - sigma(S) for ``nodes`` (default: everyone).

        ``covered`` is the state returned by ``covered(S)``. For undirected networks the gain of v
        in a sample is the size of v's component unless a seed already reached it, so all n gains
        are one gather over the R x n label array.
        """
        nodes = np.arange(self.n) if nodes is None else np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        if not self.directed:
            component = self._component[:, nodes]
            gain = np.where(covered[component], 0, self._component_size[component])
            return gain.sum(axis=0) / self.samples
        gains = np.empty(nodes.size)
        for position, node in enumerate(nodes.tolist()):
            total = 0
            for r in range(self.samples):
                # If a seed already reaches v, it also reaches everything v reaches: gain 0.
                if not covered[r, node]:
                    total += int(np.count_nonzero(~covered[r, self._reached(r, node)]))
            gains[position] = total / self.samples
        return gains


# --------------------------------------------------------------------------------------------------
# Seeding strategies
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GreedySeeding:
    """Result of ``greedy_seeds``.

    Attributes:
        seeds: the chosen consumers, in the order greedy picked them.
        spread: estimated expected spread sigma(seeds[:i+1]) after each pick (on the samples used
            for the choice, hence optimistic; re-evaluate on fresh samples to compare strategies).
        gain_evaluations: single-consumer gain recomputations CELF needed after the first round
            (plain greedy would need about k * n).
    """

    seeds: list[int]
    spread: np.ndarray
    gain_evaluations: int


def greedy_seeds(
    network: SocialNetwork,
    k: int,
    probability: float,
    samples: int = 200,
    rng=None,
    live_edges: LiveEdgeSamples | None = None,
) -> GreedySeeding:
    """Greedy influence maximisation with CELF lazy evaluation (Kempe et al. 2003; Leskovec et al. 2007).

    Greedy adds, k times, the consumer with the largest marginal gain sigma(S + v) - sigma(S), which
    for a monotone submodular sigma is within 1 - 1/e of the best k-set. Submodularity means a gain
    computed against an earlier, smaller S is an upper bound on the current one, so CELF keeps the
    gains in a max-heap tagged with the round they were computed in and only recomputes the top
    entry until the top is fresh. On a fixed set of live-edge samples the estimated sigma is itself
    a coverage function, so CELF returns exactly what plain greedy would on those samples.

    Args:
        network: the social network.
        k: number of seeds (1..n).
        probability: IC activation probability per tie.
        samples: number of live-edge samples R (ignored when ``live_edges`` is given).
        rng: numpy Generator or seed for the samples.
        live_edges: precomputed samples to reuse (must match ``network`` and ``probability``).

    Ties between equal gains go to the lower consumer index.
    """
    _check_network(network)
    k = int(k)
    if not 1 <= k <= network.n:
        raise ValueError(f"k must be between 1 and the number of consumers ({network.n}), got {k}")
    if live_edges is None:
        live_edges = LiveEdgeSamples(network, probability, samples, rng)
    elif live_edges.network is not network or live_edges.probability != float(probability):
        raise ValueError("live_edges were drawn for a different network or probability")

    covered = live_edges.covered([])
    first_gains = live_edges.marginal_gains(covered)
    # Heap entries: (-gain, consumer, size of S when the gain was computed).
    heap = [(-gain, node, 0) for node, gain in enumerate(first_gains.tolist())]
    heapq.heapify(heap)

    seeds: list[int] = []
    spreads: list[float] = []
    current = 0.0
    evaluations = 0
    while len(seeds) < k:
        negative_gain, node, computed_at = heapq.heappop(heap)
        if computed_at == len(seeds):
            seeds.append(node)
            current += -negative_gain
            spreads.append(current)
            live_edges.add_seed(covered, node)
            continue
        gain = float(live_edges.marginal_gains(covered, [node])[0])
        evaluations += 1
        heapq.heappush(heap, (-gain, node, len(seeds)))
    return GreedySeeding(seeds=seeds, spread=np.array(spreads), gain_evaluations=evaluations)


def top_degree_seeds(network: SocialNetwork, k: int) -> list[int]:
    """The k consumers with the most listeners (ties to the lower index): the usual heuristic.

    For undirected networks this is the degree; for directed ones the out-degree of influence,
    i.e. how many consumers listen to the speaker.
    """
    k = int(k)
    if not 1 <= k <= network.n:
        raise ValueError(f"k must be between 1 and the number of consumers ({network.n}), got {k}")
    if network.is_complete:
        audience = np.full(network.n, network.n - 1)
    else:
        audience = np.bincount(network.indices, minlength=network.n)
    # Stable sort on -audience keeps equal degrees in index order.
    return np.argsort(-audience, kind="stable")[:k].tolist()


def random_seeds(network: SocialNetwork, k: int, rng=None) -> list[int]:
    """k distinct consumers drawn uniformly at random: the baseline every strategy must beat."""
    k = int(k)
    if not 1 <= k <= network.n:
        raise ValueError(f"k must be between 1 and the number of consumers ({network.n}), got {k}")
    return _as_rng(rng).choice(network.n, size=k, replace=False).tolist()
