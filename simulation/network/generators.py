"""Vectorised random-network generators that build a :class:`SocialNetwork` directly in CSR form.

Every generator draws all of its randomness from the ``rng`` it is given, so the same seed gives the
same network, and works on whole edge arrays at once (no per-node Python loops): a network of
10^6 consumers with mean degree 10 takes about a second. All of them hand their edge endpoints to
:func:`network_from_edges`, the one place where ties are symmetrised, self-loops dropped, duplicates
merged and rows sorted; what it dropped is counted in ``SocialNetwork.report``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np

from .csr import network_from_edges, sorted_unique, use_compiled
from .graph import SocialNetwork
from .settings import communities_problems, mean_degree_problem

# indices are int32 in SocialNetwork.
_MAX_NODES = 2**31 - 1
# Uniforms drawn at a time by the compiled generators (1 MB).
_CHUNK = 2**17


def _edges_from_keys(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Endpoints (u, v) of undirected edges encoded as ``u * n + v``."""
    u = keys // n
    return u, keys - u * n


def _sample_distinct_edges(
    draw: Callable[[np.ndarray], np.ndarray],
    target: np.ndarray,
    group_of: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Sample exactly ``target[g]`` distinct undirected edges in each edge group g (G(n, m)-style).

    ``draw(counts)`` returns iid uniform edge keys ``min * n + max`` (no self-loops), ``counts[g]``
    from group g. Repeated pairs are topped up by drawing exactly the missing number again, so the
    result is the first ``target`` distinct draws of an iid sequence: a uniformly random edge set of
    the requested size (Erdos & Renyi 1959). Converges quickly for sparse groups (density <= 1/2).
    """
    target = np.asarray(target, dtype=np.int64)
    keys = sorted_unique(draw(target))
    while True:
        missing = target - np.bincount(group_of(keys), minlength=target.size)
        if not missing.any():
            return keys
        extra = sorted_unique(draw(missing))
        if keys.size == 0:  # every first draw was a self-pair (tiny networks)
            keys = extra
            continue
        pos = np.searchsorted(keys, extra)
        is_new = (pos == keys.size) | (keys[np.minimum(pos, keys.size - 1)] != extra)
        keys = np.insert(keys, pos[is_new], extra[is_new])


def _uniform_pairs(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Keys ``min * n + max`` of the drawn node pairs, self-pairs removed (they are redrawn by the caller)."""
    keep = u != v
    u, v = u[keep], v[keep]
    return np.minimum(u, v) * n + np.maximum(u, v)


# ----------------------------------------------------------------------------------------------------
# Generators
# ----------------------------------------------------------------------------------------------------


def small_world(n: int, mean_degree: float, rewiring: float, rng: np.random.Generator) -> SocialNetwork:
    """Small-world network: Watts-Strogatz ring lattice with random rewiring (Watts & Strogatz 1998).

    Each consumer is tied to its ``mean_degree / 2`` nearest neighbours on each side of a ring; each
    lattice edge then keeps its near end and, with probability ``rewiring``, moves its far end to a
    uniformly random consumer. Rewired edges that land on a self-loop or an existing tie are dropped
    (counted in ``report``), so the mean degree is at most ``mean_degree``.
    """
    n = _check_n(n, "small_world")
    _check_rng(rng)
    degree = _check_even_degree(mean_degree, n, "small_world")
    rewiring = _check_unit(rewiring, "rewiring", "small_world")
    half = degree // 2
    near = np.repeat(np.arange(n, dtype=np.int64), half)
    far = near + np.tile(np.arange(1, half + 1, dtype=np.int64), n)
    far[far >= n] -= n  # close the ring
    rewired = rng.random(near.size) < rewiring
    n_rewired = int(np.count_nonzero(rewired))
    far[rewired] = rng.integers(0, n, size=n_rewired)
    report = dict(algorithm="Watts-Strogatz", mean_degree_target=degree, rewiring=rewiring, rewired_edges=n_rewired)
    return network_from_edges(n, near, far, "small_world", report=report)


def scale_free(
    n: int, mean_degree: int | float, rng: np.random.Generator, exponent: float | None = None
) -> SocialNetwork:
    """Scale-free network: Barabasi-Albert growth, or a configuration model with power-law degrees.

    With ``exponent=None``: preferential attachment (Barabasi & Albert 1999) with
    ``m = mean_degree / 2`` edges per new consumer, whose degree distribution has tail exponent ~3.
    With an ``exponent``: a configuration model (Molloy & Reed 1995) whose degrees follow the
    discrete power law P(k) ~ k^-exponent.
    """
    if exponent is None:
        return _barabasi_albert(n, mean_degree, rng)
    return _power_law_configuration(n, mean_degree, exponent, rng)


def _barabasi_albert(n: int, mean_degree: float, rng: np.random.Generator) -> SocialNetwork:
    """Preferential attachment (Barabasi & Albert 1999), vectorised with the edge-list trick of Batagelj & Brandes 2005.

    Edge slots 2e and 2e+1 hold the two ends of edge e. A new consumer t writes itself into the even
    slots of its m edges; each odd slot copies a uniformly random earlier slot, and since every
    consumer appears in the slot list once per tie, that picks an existing consumer with probability
    proportional to its degree. Copies are resolved for all edges at once by pointer jumping (in numpy)
    or in one pass in slot order (``compiled.attach_preferentially``, for big markets). The
    random slot is drawn from before t's own edges (not from all earlier slots as in the sequential
    original) so no self-loops arise; the rare repeated target among t's m picks is dropped as a
    duplicate (counted in ``report``). The network grows from a clique of m + 1 consumers.
    """
    n = _check_n(n, "scale_free")
    _check_rng(rng)
    m = _check_even_degree(mean_degree, n, "scale_free") // 2
    seed_size = m + 1
    seed_u, seed_v = np.triu_indices(seed_size, k=1)
    attachments = (n - seed_size) * m
    if use_compiled(n):
        near, far = _compiled_attachments(seed_u, seed_v, m, attachments, rng)
    else:
        near, far = _attach_preferentially(seed_u, seed_v, m, rng.random(attachments))
    report = dict(algorithm="Barabasi-Albert (Batagelj-Brandes)", m=m, seed_clique=seed_size, attachments=attachments)
    return network_from_edges(n, near, far, "scale_free", report=report)


def _attach_preferentially(
    seed_u: np.ndarray, seed_v: np.ndarray, m: int, uniforms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The (near, far) ends of every edge of ``_barabasi_albert``, seed clique first, from one uniform per
    attachment: newcomer t's i-th attachment copies slot ``floor(uniform * slots before t)``."""
    seed_size = m + 1
    n_seed_edges = seed_u.size
    newcomer = np.repeat(np.arange(seed_size, seed_size + uniforms.size // m, dtype=np.int64), m)
    n_edges = n_seed_edges + newcomer.size
    # slot[s] is the consumer in slot s where known (the odd slots of new edges are filled by copying).
    slot = np.empty(2 * n_edges, dtype=np.int64)
    slot[0 : 2 * n_seed_edges : 2] = seed_u
    slot[1 : 2 * n_seed_edges : 2] = seed_v
    slot[2 * n_seed_edges :: 2] = newcomer
    slots_before = 2 * (n_seed_edges + (newcomer - seed_size) * m)
    copied = (uniforms * slots_before).astype(np.int64)
    copied = _resolve_copies(copied, first_copy_slot=2 * n_seed_edges + 1)
    return slot[0::2], np.concatenate([seed_v, slot[copied]])


def _compiled_attachments(
    seed_u: np.ndarray, seed_v: np.ndarray, m: int, attachments: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``_attach_preferentially`` by ``compiled.attach_preferentially``, drawing the same uniforms in chunks
    (a Generator's ``random`` gives the same numbers in chunks as in one call) so they stay in the caches."""
    from .compiled import attach_preferentially

    ends = np.empty((2, seed_u.size + attachments), dtype=np.int32)
    ends[0, : seed_u.size], ends[1, : seed_u.size] = seed_u, seed_v
    for first in range(0, attachments, _CHUNK):
        attach_preferentially(ends, seed_u.size, m, rng.random(min(_CHUNK, attachments - first)), first)
    return ends[0], ends[1]


def _resolve_copies(copied: np.ndarray, first_copy_slot: int) -> np.ndarray:
    """Follow chains of copied slots to a slot whose consumer is known, by pointer jumping.

    ``copied[e]`` is the slot that copy slot ``first_copy_slot + 2 e`` copies; copy slots are the odd
    slots from ``first_copy_slot`` on. Each round replaces every unresolved reference with the
    reference it points to, which has itself already jumped, so chain lengths halve per round and
    only still-unresolved entries are touched.
    """

    def refers_to_copy(slot: np.ndarray) -> np.ndarray:
        return (slot >= first_copy_slot) & (slot % 2 == 1)

    pending = np.flatnonzero(refers_to_copy(copied))
    while pending.size:
        copied[pending] = copied[(copied[pending] - first_copy_slot) // 2]
        pending = pending[refers_to_copy(copied[pending])]
    return copied


def _power_law_configuration(n: int, mean_degree: float, exponent: float, rng: np.random.Generator) -> SocialNetwork:
    """Configuration model (Molloy & Reed 1995) with discrete power-law degrees P(k) ~ k^-exponent.

    Degrees are drawn from the power law on k_min..n-1 (see :func:`power_law_degree_pmf` for how
    k_min is set from ``mean_degree``); the stubs are then paired by a random permutation. Self-loops
    and multi-edges produced by the pairing are dropped (counted in ``report``), which lowers the
    degree of the largest hubs slightly.
    """
    n = _check_n(n, "scale_free")
    _check_rng(rng)
    exponent = _check_real(
        exponent,
        "exponent",
        "scale_free",
        low=2.0,
        low_open=True,
        allowed="(2, inf), so that the mean degree is finite",
    )
    mean_degree = _check_degree(mean_degree, n, "scale_free", exponent)
    k, pmf = power_law_degree_pmf(n, mean_degree, exponent)
    cdf = np.cumsum(pmf)
    draws = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    degree = k[np.minimum(draws, k.size - 1)]
    if degree.sum() % 2:
        # Stubs pair up only if their number is even: give one more stub to one random consumer.
        degree[rng.integers(0, n)] += 1
    stubs = rng.permutation(np.repeat(np.arange(n, dtype=np.int64), degree))
    report = dict(
        algorithm="configuration model (power law)",
        exponent=exponent,
        min_degree=int(k[0]),
        stub_mean_degree=float(degree.mean()),
        expected_mean_degree=float((k * pmf).sum()),
    )
    return network_from_edges(n, stubs[0::2], stubs[1::2], "scale_free", report=report)


def power_law_degree_pmf(n: int, mean_degree: float, exponent: float) -> tuple[np.ndarray, np.ndarray]:
    """Degree distribution P(k) ~ k^-exponent on k_min..n-1 whose mean equals ``mean_degree``.

    An integer minimum degree moves the mean in coarse steps (for exponent 2.5, k_min = 3 gives a
    mean of about 8, k_min = 4 about 11), so the lowest degree k_min carries only a fraction of its
    power-law weight, chosen to hit the mean exactly; above k_min the law is exact. Returns the
    degrees and their probabilities.
    """
    k = np.arange(1, n, dtype=np.float64)
    w = k**-exponent
    # Tail sums from each k upward: mean of the law truncated below at k is s1 / s0.
    s0 = np.cumsum(w[::-1])[::-1]
    s1 = np.cumsum((k * w)[::-1])[::-1]
    mean_from = s1 / s0
    if mean_degree < mean_from[0]:
        raise ValueError(
            f"scale_free: parameter 'mean_degree' = {mean_degree!r} is below {mean_from[0]:.3g}, the "
            f"smallest mean a power law with exponent {exponent} on 1..{n - 1} can have; "
            "raise mean_degree or the exponent"
        )
    # Largest a with mean(k >= a) <= target; the weight f of k = a is then solved from
    # (s1[a+1] + f a w_a) / (s0[a+1] + f w_a) = mean_degree.
    a = int(np.searchsorted(mean_from, mean_degree, side="right")) - 1
    if a + 1 >= k.size:
        fraction = 1.0
    else:
        fraction = (mean_degree * s0[a + 1] - s1[a + 1]) / (w[a] * (k[a] - mean_degree))
        fraction = float(np.clip(fraction, 0.0, 1.0))
    pmf = w[a:].copy()
    pmf[0] *= fraction
    pmf /= pmf.sum()
    return k[a:].astype(np.int64), pmf


def random_graph(n: int, mean_degree: float, rng: np.random.Generator) -> SocialNetwork:
    """Random network: Erdos-Renyi G(n, m) with m = round(n * mean_degree / 2) edges (Erdos & Renyi 1959).

    Node pairs are drawn uniformly; self-pairs and repeats are redrawn so exactly m distinct edges
    remain. Above density 1/2 the m edges are chosen as the complement of uniformly drawn non-edges.
    """
    n = _check_n(n, "random")
    _check_rng(rng)
    mean_degree = _check_degree(mean_degree, n, "random")
    all_pairs = n * (n - 1) // 2
    m = min(int(round(n * mean_degree / 2)), all_pairs)
    dense = m > all_pairs // 2
    chosen = _distinct_uniform_edges(n, all_pairs - m if dense else m, rng)
    if dense:
        # Few non-edges: every pair not among them is an edge (n is small here, so pairs fit in memory).
        iu, iv = np.triu_indices(n, k=1)
        pair_keys = iu.astype(np.int64) * n + iv
        chosen = pair_keys[~np.isin(pair_keys, chosen, assume_unique=True)]
    u, v = _edges_from_keys(chosen, n)
    report = dict(algorithm="Erdos-Renyi G(n, m)", m=m)
    return network_from_edges(n, u, v, "random", report=report)


def _distinct_uniform_edges(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Keys of m distinct uniformly random undirected edges on n nodes (G(n, m), Erdos & Renyi 1959)."""

    def draw(count: np.ndarray) -> np.ndarray:
        pairs = rng.integers(0, n, size=(2, int(count[0])))
        return _uniform_pairs(pairs[0], pairs[1], n)

    return _sample_distinct_edges(draw, np.array([m]), lambda keys: np.zeros(keys.size, dtype=np.int64))


def communities(
    n: int, mean_degree: float, n_communities: int, within_share: float, rng: np.random.Generator
) -> SocialNetwork:
    """Community network: stochastic block model with equal-size blocks (Holland, Laskey & Leinhardt 1983).

    Consumers are split into ``n_communities`` consecutive blocks of equal size (sizes differ by at
    most one). Every pair inside a block is tied with one probability and every pair across blocks
    with another, chosen so that a consumer expects ``mean_degree * within_share`` ties inside its
    community and the rest outside. The number of ties in each block (and across blocks) is drawn
    from its binomial distribution, then that many distinct pairs are sampled uniformly.
    Sets ``community`` (int32 label per consumer).
    """
    n = _check_n(n, "communities")
    _check_rng(rng)
    mean_degree = _check_degree(mean_degree, n, "communities")
    n_blocks = _check_int(n_communities, "n_communities", "communities", low=1, high=_MAX_NODES)
    within_share = _check_unit(within_share, "within_share", "communities")
    for problem in communities_problems(n, mean_degree, n_blocks, within_share):
        raise ValueError(f"communities: {problem}")
    size = np.full(n_blocks, n // n_blocks, dtype=np.int64)
    size[: n % n_blocks] += 1
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    community = np.repeat(np.arange(n_blocks, dtype=np.int32), size)

    within_degree = mean_degree * within_share
    between_degree = mean_degree - within_degree
    within_pairs = size * (size - 1) // 2
    between_pairs = int((n * n - (size**2).sum()) // 2)
    p_within = within_degree / (size - 1).clip(min=1)
    p_between = between_degree / (n - size.max()) if n_blocks > 1 else 0.0
    target = np.append(rng.binomial(within_pairs, p_within), rng.binomial(between_pairs, p_between))

    def draw(count: np.ndarray) -> np.ndarray:
        return _draw_block_pairs(count, size, start, community, rng)

    def group_of(keys: np.ndarray) -> np.ndarray:
        u, v = _edges_from_keys(keys, n)
        same = community[u] == community[v]
        return np.where(same, community[u], n_blocks).astype(np.int64)

    keys = _sample_distinct_edges(draw, target, group_of)
    u, v = _edges_from_keys(keys, n)
    report = dict(
        algorithm="stochastic block model",
        n_communities=n_blocks,
        within_share_target=within_share,
        within_edges=int(target[:-1].sum()),
        between_edges=int(target[-1]),
    )
    return network_from_edges(n, u, v, "communities", community=community, report=report)


def _draw_block_pairs(
    count: np.ndarray, size: np.ndarray, start: np.ndarray, community: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Uniform node pairs for the stochastic block model: ``count[b]`` inside block b, ``count[-1]`` across blocks."""
    n = community.size
    n_blocks = size.size
    block = np.repeat(np.arange(n_blocks), count[:n_blocks])
    u_in = start[block] + (rng.random(block.size) * size[block]).astype(np.int64)
    v_in = start[block] + (rng.random(block.size) * size[block]).astype(np.int64)
    # Across blocks: a uniform consumer, then a uniform consumer among those outside its block
    # (skip over its own block), which is uniform over cross-block pairs for equal-size blocks.
    u_out = rng.integers(0, n, size=int(count[-1]))
    own = community[u_out]
    v_out = (rng.random(u_out.size) * (n - size[own])).astype(np.int64)
    v_out += np.where(v_out >= start[own], size[own], 0)
    return np.concatenate([_uniform_pairs(u_in, v_in, n), _uniform_pairs(u_out, v_out, n)])


def complete(n: int) -> SocialNetwork:
    """Complete network: everyone hears everyone, handled by the engine in mean field (no ties stored)."""
    n = _check_n(n, "complete")
    return SocialNetwork(
        n=n,
        indptr=np.zeros(n + 1, dtype=np.int64),
        indices=np.empty(0, dtype=np.int32),
        kind="complete",
        report=dict(algorithm="complete (mean field)", mean_degree=float(n - 1)),
    )


# ----------------------------------------------------------------------------------------------------
# Parameter checks (each error names the parameter, the value and the allowed values)
# ----------------------------------------------------------------------------------------------------


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"parameter 'rng' = {rng!r} must be a numpy.random.Generator (e.g. numpy.random.default_rng(seed))"
        )


def _check_int(value: object, name: str, kind: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or not low <= int(value) <= high:
        raise ValueError(f"{kind}: parameter {name!r} = {value!r} must be an integer in [{low}, {high}]")
    return int(value)


def _check_n(n: object, kind: str) -> int:
    return _check_int(n, "n", kind, low=1, high=_MAX_NODES)


def _check_real(
    value: object, name: str, kind: str, low: float, low_open: bool, allowed: str, high: float = math.inf
) -> float:
    number = float(value) if isinstance(value, Real) and not isinstance(value, bool) else math.nan
    ok = math.isfinite(number) and (number > low if low_open else number >= low) and number <= high
    if not ok:
        raise ValueError(f"{kind}: parameter {name!r} = {value!r} is outside the allowed range {allowed}")
    return number


def _check_unit(value: object, name: str, kind: str) -> float:
    return _check_real(value, name, kind, low=0.0, low_open=False, high=1.0, allowed="[0, 1]")


def _check_degree(value: object, n: int, kind: str, exponent: float | None = None) -> float:
    """A finite mean degree that the kind allows for n consumers (see ``settings.mean_degree_problem``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
    ):
        raise ValueError(f"{kind}: parameter 'mean_degree' = {value!r} must be a finite number")
    problem = mean_degree_problem(kind, n, value, exponent)  # type: ignore[arg-type]  # repr of the value as given
    if problem is not None:
        raise ValueError(f"{kind}: {problem}")
    return float(value)


def _check_even_degree(value: object, n: int, kind: str) -> int:
    """The even whole mean degree of a ring lattice or of preferential attachment."""
    return int(_check_degree(value, n, kind))
