"""Tests of the network module: generators, the CSR builder, the edge-list and node-role loaders."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from simulation import kernels
from simulation.network import generators
from simulation.network.build import build_network
from simulation.network.csr import network_from_edges, use_compiled
from simulation.network.edgelist import ROLES, load_edge_list, load_node_roles
from simulation.network.generators import (
    communities,
    complete,
    power_law_degree_pmf,
    random_graph,
    scale_free,
    small_world,
)
from simulation.network.graph import SocialNetwork
from simulation.network.settings import KINDS

GENERATORS = {
    "small_world": lambda n, rng: small_world(n, 10, 0.2, rng),
    "scale_free": lambda n, rng: scale_free(n, 10, rng),
    "scale_free_power_law": lambda n, rng: scale_free(n, 10, rng, exponent=2.7),
    "random": lambda n, rng: random_graph(n, 10, rng),
    "communities": lambda n, rng: communities(n, 10, 8, 0.7, rng),
}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------------------------------
# Helpers: structural checks and network statistics computed independently of the generators
# ----------------------------------------------------------------------------------------------------


def assert_valid_csr(net: SocialNetwork) -> None:
    """CSR invariants of SocialNetwork: dtypes, row pointers, sorted distinct speakers, no self-ties."""
    assert net.indptr.dtype == np.int64 and net.indptr.shape == (net.n + 1,)
    assert net.indices.dtype == np.int32
    assert net.indptr[0] == 0 and net.indptr[-1] == net.indices.size
    assert np.all(np.diff(net.indptr) >= 0)
    if net.indices.size:
        assert net.indices.min() >= 0 and net.indices.max() < net.n
    listener = np.repeat(np.arange(net.n), np.diff(net.indptr))
    same_row = listener[1:] == listener[:-1]
    # Strictly increasing within a row = sorted and no duplicate ties.
    assert np.all(net.indices[1:][same_row] > net.indices[:-1][same_row])
    assert not np.any(listener == net.indices), "self-loop stored"
    if not net.directed:
        a = net.to_scipy()
        assert (a != a.T).nnz == 0, "undirected network is not symmetric"


def mean_clustering(net: SocialNetwork) -> float:
    """Average local clustering coefficient, triangles counted as diag(A^3) with scipy.sparse."""
    a = net.to_scipy().astype(np.float64)
    closed = np.asarray((a @ a).multiply(a).sum(axis=1)).ravel()  # 2 x triangles at each node
    k = net.degree.astype(np.float64)
    pairs = k * (k - 1)
    return float(np.mean(np.divide(closed, pairs, out=np.zeros_like(closed), where=pairs > 0)))


def tail_exponent(degree: np.ndarray, k_min: int) -> float:
    """Maximum-likelihood power-law exponent of the degrees >= k_min (Clauset, Shalizi & Newman 2009, eq. 3.7)."""
    k = degree[degree >= k_min].astype(np.float64)
    return 1.0 + k.size / np.log(k / (k_min - 0.5)).sum()


def within_share(net: SocialNetwork) -> float:
    listener = np.repeat(np.arange(net.n), net.degree)
    return float(np.mean(net.community[listener] == net.community[net.indices]))


# ----------------------------------------------------------------------------------------------------
# Properties shared by all generators
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_structure(name):
    net = GENERATORS[name](3000, rng(1))
    assert net.n == 3000
    assert net.kind == name.removesuffix("_power_law")
    assert not net.directed
    assert_valid_csr(net)
    assert net.report["ties"] == net.n_ties
    assert net.report["edges"] * 2 == net.n_ties


@pytest.mark.parametrize("name", GENERATORS)
def test_generator_determinism(name):
    first, again, other = (GENERATORS[name](2000, rng(seed)) for seed in (7, 7, 8))
    assert np.array_equal(first.indptr, again.indptr)
    assert np.array_equal(first.indices, again.indices)
    assert not (np.array_equal(first.indptr, other.indptr) and np.array_equal(first.indices, other.indices))


# ----------------------------------------------------------------------------------------------------
# Small world (Watts & Strogatz 1998)
# ----------------------------------------------------------------------------------------------------


def test_small_world_lattice_is_exact():
    net = small_world(500, 6, 0.0, rng())
    assert np.all(net.degree == 6)
    assert net.indices[net.indptr[0] : net.indptr[1]].tolist() == [1, 2, 3, 497, 498, 499]
    assert net.report["self_loops_dropped"] == net.report["duplicates_merged"] == 0


@pytest.mark.parametrize("rewiring", [0.1, 0.5, 1.0])
def test_small_world_mean_degree(rewiring):
    n, k = 5000, 10
    net = small_world(n, k, rewiring, rng(3))
    dropped = net.report["self_loops_dropped"] + net.report["duplicates_merged"]
    assert net.n_ties == n * k - 2 * dropped
    # A rewired end lands on its own node or one of ~k existing partners with probability ~(k+1)/n.
    expected_lost = rewiring * (n * k / 2) * (k + 1) / n
    assert dropped <= expected_lost + 5 * math.sqrt(expected_lost)
    assert net.report["rewired_edges"] == pytest.approx(rewiring * n * k / 2, abs=5 * math.sqrt(n * k / 2 * 0.25))


def test_small_world_clustering_drops_with_rewiring():
    k = 10
    lattice = 3 * (k - 2) / (4 * (k - 1))  # ring-lattice clustering, Watts & Strogatz 1998
    assert mean_clustering(small_world(1000, k, 0.0, rng())) == pytest.approx(lattice)
    # Each triangle survives when none of its 3 edges is rewired: C(p) ~ C(0) (1-p)^3 (Barrat & Weigt 2000).
    assert mean_clustering(small_world(2000, k, 0.1, rng())) == pytest.approx(lattice * 0.9**3, abs=0.03)
    assert mean_clustering(small_world(1000, k, 1.0, rng())) < 0.03  # random-graph level, ~k/n


# ----------------------------------------------------------------------------------------------------
# Scale free: Barabasi & Albert 1999 (Batagelj & Brandes 2005) and configuration model
# ----------------------------------------------------------------------------------------------------


def test_barabasi_albert_edge_count():
    n, m = 20000, 3
    net = scale_free(n, 2 * m, rng(2))
    made = m * (m + 1) // 2 + (n - m - 1) * m  # seed clique + m per newcomer
    assert net.report["edges"] + net.report["duplicates_merged"] == made
    assert net.report["self_loops_dropped"] == 0
    assert net.report["duplicates_merged"] < 0.01 * made
    # Every newcomer keeps at least one of its m ties; most keep all m.
    assert net.degree.min() >= 1
    assert np.mean(net.degree[m + 1 :] >= m) > 0.99


def test_barabasi_albert_heavy_tail():
    net = scale_free(20000, 6, rng(4))
    degree = net.degree
    assert degree.max() > 15 * degree.mean()
    assert 2.5 < tail_exponent(degree, 10) < 3.5  # BA theory: P(k) ~ k^-3
    # An Erdos-Renyi network of the same size and mean degree has a thin (Poisson) tail.
    assert random_graph(20000, 6, rng(4)).degree.max() < 4 * 6


def test_barabasi_albert_attaches_preferentially():
    # Early nodes (in the seed) gather far more ties than late ones: degree ~ m sqrt(n / t).
    degree = scale_free(20000, 4, rng(5)).degree
    assert degree[:10].mean() > 10 * degree[-1000:].mean()


def test_power_law_pmf_hits_the_mean_and_is_a_power_law():
    k, pmf = power_law_degree_pmf(10**5, 10.0, 2.5)
    assert pmf.sum() == pytest.approx(1.0)
    assert (k * pmf).sum() == pytest.approx(10.0, rel=1e-9)
    # Above the minimum degree, P(k) / P(2k) = 2^exponent.
    i = 5
    j = int(np.flatnonzero(k == 2 * k[i])[0])
    assert pmf[i] / pmf[j] == pytest.approx(2**2.5)


@pytest.mark.parametrize("exponent", [2.5, 3.5])
def test_configuration_model_degrees(exponent):
    n, target = 20000, 10.0
    net = scale_free(n, target, rng(6), exponent=exponent)
    stub_sum = net.report["stub_mean_degree"] * n
    dropped = net.report["self_loops_dropped"] + net.report["duplicates_merged"]
    assert net.n_ties == pytest.approx(stub_sum - 2 * dropped)
    assert tail_exponent(net.degree, 2 * net.report["min_degree"]) == pytest.approx(exponent, abs=0.3)
    if exponent > 3:  # finite variance: the stub mean is a proper sample mean
        sigma = net.degree.std() / math.sqrt(n)
        assert net.report["stub_mean_degree"] == pytest.approx(target, abs=5 * sigma)
        assert dropped < 0.01 * net.report["edges"]


# ----------------------------------------------------------------------------------------------------
# Random (Erdos-Renyi G(n, m)) and communities (stochastic block model)
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "mean_degree"), [(5000, 10), (3001, 7.3), (40, 30), (10, 9)])
def test_random_graph_has_exactly_m_edges(n, mean_degree):
    net = random_graph(n, mean_degree, rng(8))
    assert_valid_csr(net)
    assert net.report["edges"] == min(round(n * mean_degree / 2), n * (n - 1) // 2)


def test_random_graph_degrees_are_binomial():
    n, d = 20000, 10
    degree = random_graph(n, d, rng(9)).degree
    # Degrees of G(n, m) are ~Poisson(d) for large n: variance ~ d.
    assert degree.var() == pytest.approx(d, rel=0.1)


def test_communities_mean_degree_and_within_share():
    n, d, blocks, share = 8000, 10, 8, 0.8
    net = communities(n, d, blocks, share, rng(10))
    assert_valid_csr(net)
    assert net.community.dtype == np.int32
    assert np.array_equal(np.bincount(net.community), np.full(blocks, n // blocks))
    assert np.all(np.diff(net.community) >= 0)
    # Edge counts are sums of binomials: the mean degree has standard deviation ~sqrt(2 d / n).
    assert net.n_ties / n == pytest.approx(d, abs=5 * math.sqrt(2 * d / n))
    edges = net.report["edges"]
    assert within_share(net) == pytest.approx(share, abs=5 * math.sqrt(share * (1 - share) / edges))


def test_communities_unequal_blocks_and_extremes():
    net = communities(1003, 6, 10, 1.0, rng(11))
    assert sorted(set(np.bincount(net.community).tolist())) == [100, 101]
    assert within_share(net) == 1.0
    assert within_share(communities(2000, 6, 4, 0.0, rng(11))) == 0.0


# ----------------------------------------------------------------------------------------------------
# Complete network, shared CSR builder, dispatcher
# ----------------------------------------------------------------------------------------------------


def test_complete_is_mean_field():
    net = complete(50)
    assert net.kind == "complete" and net.is_complete
    assert net.indices.size == 0 and net.indices.dtype == np.int32
    assert np.array_equal(net.indptr, np.zeros(51, dtype=np.int64))
    assert np.all(net.degree == 49)
    with pytest.raises(ValueError):
        net.to_scipy()


def test_network_from_edges_counts_what_it_drops():
    u = np.array([0, 1, 2, 2, 3, 0])
    v = np.array([1, 0, 2, 3, 2, 3])
    net = network_from_edges(4, u, v, "random")
    assert_valid_csr(net)
    assert net.report["self_loops_dropped"] == 1  # (2, 2)
    assert net.report["duplicates_merged"] == 2  # (1, 0) repeats (0, 1); (3, 2) repeats (2, 3)
    assert net.report["edges"] == 3
    assert net.to_scipy().toarray().astype(int).tolist() == [[0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1], [1, 0, 1, 0]]


def test_network_from_edges_directed_and_trust():
    # Directed edge u -> v: v listens to u, so the tie sits in row v.
    net = network_from_edges(3, [0, 0, 2, 0], [1, 1, 1, 2], "edge_list", directed=True, trust=[0.2, 0.6, 0.5, 1.0])
    assert net.indptr.tolist() == [0, 0, 2, 3]
    assert net.indices.tolist() == [0, 2, 0]
    assert net.initial_trust.dtype == np.float32
    assert net.initial_trust.tolist() == pytest.approx([0.4, 0.5, 1.0])  # the repeated tie is averaged
    assert net.report["duplicates_merged"] == 1 and net.report["conflicting_trust_merged"] == 1


@pytest.mark.parametrize(
    ("kind", "generator", "params"),
    [
        ("small_world", small_world, dict(mean_degree=6, rewiring=0.1)),
        ("scale_free", scale_free, dict(mean_degree=6)),
        ("random", random_graph, dict(mean_degree=6)),
        ("communities", communities, dict(mean_degree=6, n_communities=4, within_share=0.9)),
    ],
)
def test_build_network_dispatches(kind, generator, params):
    built = build_network(kind, 1000, rng(12), **params)
    direct = generator(1000, rng=rng(12), **params)
    assert built.kind == kind
    assert np.array_equal(built.indices, direct.indices) and np.array_equal(built.indptr, direct.indptr)
    assert build_network("complete", 10, None).is_complete
    assert set(KINDS) == {"small_world", "scale_free", "random", "communities", "complete", "edge_list"}


@pytest.mark.parametrize(
    ("kind", "n", "params", "fragments"),
    [
        ("ring", 100, {}, ["'ring'", "small_world", "edge_list"]),
        ("random", 100, dict(mean_degree=100), ["mean_degree", "100", "(0, 99]"]),
        ("random", 100, dict(mean_degree=-1), ["mean_degree", "-1"]),
        ("small_world", 100, dict(mean_degree=6, rewiring=1.5), ["rewiring", "1.5", "[0, 1]"]),
        ("small_world", 100, dict(mean_degree=5, rewiring=0.1), ["mean_degree", "5", "even"]),
        ("small_world", 100, dict(mean_degree=6), ["missing", "rewiring"]),
        ("random", 100, dict(mean_degree=6, rewiring=0.1), ["unknown parameter", "rewiring", "mean_degree"]),
        ("scale_free", 100, dict(mean_degree=6, exponent=1.5), ["exponent", "1.5", "(2, inf)"]),
        ("scale_free", 100, dict(mean_degree=1.2, exponent=2.5), ["mean_degree", "1.2"]),
        (
            "communities",
            100,
            dict(mean_degree=6, n_communities=200, within_share=0.5),
            ["n_communities", "200", "[2, 14]", "at least 7 members"],
        ),
        ("communities", 100, dict(mean_degree=6, n_communities=4, within_share=-0.1), ["within_share", "-0.1"]),
        (
            "communities",
            100,
            dict(mean_degree=6, n_communities=1, within_share=0.5),
            ["within_share", "0.5", "n_communities = 1"],
        ),
        (
            "communities",
            100,
            dict(mean_degree=30, n_communities=10, within_share=0.9),
            ["mean_degree * within_share", "community"],
        ),
        ("random", 0, dict(mean_degree=2), ["'n'", "0"]),
        ("random", 100.5, dict(mean_degree=2), ["'n'", "100.5"]),
    ],
)
def test_build_network_rejects_bad_input(kind, n, params, fragments):
    with pytest.raises(ValueError) as error:
        build_network(kind, n, rng(), **params)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_generators_require_a_generator():
    with pytest.raises(ValueError, match="rng"):
        random_graph(100, 4, 42)


# ----------------------------------------------------------------------------------------------------
# Compiled builds (simulation.network.compiled): the same network as the numpy forms, arrays and report
# ----------------------------------------------------------------------------------------------------


def built(make, compiled: bool) -> SocialNetwork:
    """The network ``make()`` builds with the compiled loops on, or with the numpy forms only."""
    with kernels.using(compiled):
        return make()


def assert_same_network(first: SocialNetwork, second: SocialNetwork) -> None:
    assert np.array_equal(first.indptr, second.indptr) and first.indptr.dtype == second.indptr.dtype
    assert np.array_equal(first.indices, second.indices) and first.indices.dtype == second.indices.dtype
    assert first.report == second.report


@pytest.mark.parametrize("n", [300, 5000])
@pytest.mark.parametrize("name", GENERATORS)
def test_compiled_build_gives_the_same_network(name, n, monkeypatch):
    # Small chunks of uniforms, so preferential attachment crosses chunk boundaries.
    monkeypatch.setattr(generators, "_CHUNK", 1000)
    numpy_form = built(lambda: GENERATORS[name](n, rng(n)), compiled=False)
    compiled_form = built(lambda: GENERATORS[name](n, rng(n)), compiled=True)
    assert_valid_csr(compiled_form)
    assert_same_network(numpy_form, compiled_form)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("directed", [False, True])
def test_compiled_ties_with_loops_and_repeats(directed, dtype):
    draw = rng(11)
    u, v = draw.integers(0, 200, size=(2, 3000)).astype(dtype)  # ~15 self-loops, many repeated ties
    numpy_form = built(lambda: network_from_edges(200, u, v, "edge_list", directed=directed), compiled=False)
    compiled_form = built(lambda: network_from_edges(200, u, v, "edge_list", directed=directed), compiled=True)
    assert numpy_form.report["self_loops_dropped"] > 0 and numpy_form.report["duplicates_merged"] > 0
    assert_same_network(numpy_form, compiled_form)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_compiled_ties_split_over_threads_give_the_same_arrays(threads, directed):
    # Enough edges for `threads` parts (kernels.parts_for); repeated ties leave gaps between the parts' rows.
    u, v = rng(5).integers(0, 3000, size=(2, 120_000))
    previous = kernels.use_threads(threads)
    try:
        assert kernels.parts_for(u.size) == threads
        numpy_form = built(lambda: network_from_edges(3000, u, v, "random", directed=directed), compiled=False)
        compiled_form = built(lambda: network_from_edges(3000, u, v, "random", directed=directed), compiled=True)
        assert numpy_form.report["duplicates_merged"] > 0
        assert_same_network(numpy_form, compiled_form)
        numpy_form = built(lambda: scale_free(30_000, 8, rng(6)), compiled=False)
        assert_same_network(numpy_form, built(lambda: scale_free(30_000, 8, rng(6)), compiled=True))
    finally:
        kernels.use_threads(previous)


def test_compiled_build_only_for_markets_the_kernels_run():
    with kernels.using(False):
        assert not use_compiled(10**7)
    assert use_compiled(kernels.SMALLEST_MARKET) == kernels.enabled()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["scale_free", "small_world"])
def test_compiled_build_of_a_big_market_is_the_numpy_network(name):
    # 2 x 10^5 consumers: the size alone selects the compiled loops.
    assert use_compiled(200_000) == kernels.enabled()
    compiled_form = GENERATORS[name](200_000, rng(13))
    numpy_form = built(lambda: GENERATORS[name](200_000, rng(13)), compiled=False)
    assert_same_network(numpy_form, compiled_form)


# ----------------------------------------------------------------------------------------------------
# Edge-list loader
# ----------------------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_facebook_edge_list(facebook_edges):
    net = load_edge_list(facebook_edges)
    assert net.kind == "edge_list" and not net.directed
    assert net.n == 4039
    assert net.report["edges"] == 88234 and net.n_ties == 2 * 88234
    assert net.report["self_loops_dropped"] == 0 and net.report["duplicates_merged"] == 0
    assert np.array_equal(net.node_ids, np.arange(4039))
    assert_valid_csr(net)


def test_gzipped_edge_list_reads_like_the_plain_file(tmp_path, facebook_edges):
    plain = tmp_path / "ego-facebook.edges"
    plain.write_bytes(gzip.decompress(facebook_edges.read_bytes()))
    packed, unpacked = load_edge_list(facebook_edges), load_edge_list(plain)
    assert np.array_equal(packed.indptr, unpacked.indptr) and np.array_equal(packed.indices, unpacked.indices)
    assert np.array_equal(packed.node_ids, unpacked.node_ids)


def test_gzipped_edge_list_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.edges.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("# ties\n1 2\n2 3\n3 4 0.5 7\n")
    with pytest.raises(
        ValueError, match=r"bad\.edges\.gz, line 4: 4 fields; expected 2 like the first data line \(line 2\)"
    ):
        load_edge_list(path)


def test_edge_list_snap_comments_and_whitespace(tmp_path):
    text = "# Undirected graph\n# FromNodeId\tToNodeId\n10\t20\n\n20   30 # note\n#x\n30 10\n"
    path = write(tmp_path, "snap.txt", text)
    net = load_edge_list(path)
    assert net.node_ids.tolist() == [10, 20, 30]
    assert net.report["edges"] == 3 and net.report["header"] is None
    assert net.to_scipy().toarray().tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]


def test_edge_list_header_comma_and_weights(tmp_path):
    path = write(tmp_path, "trust.csv", "source, target, weight\n1, 2, 0.25\n2, 3, 1\n3, 1, 0\n")
    net = load_edge_list(path)
    assert net.report["header"] == ["source", "target", "weight"]
    assert net.report["delimiter"] == ","
    assert net.initial_trust.dtype == np.float32
    trust = sp.csr_matrix((net.initial_trust, net.indices, net.indptr)).toarray()
    assert trust.tolist() == [[0, 0.25, 0], [0.25, 0, 1], [0, 1, 0]]  # both directions get the weight
    assert np.count_nonzero(trust) == 4  # the weight-0 tie exists but has zero trust
    assert net.n_ties == 6


def test_edge_list_header_detected_by_id_kind_and_named_weight(tmp_path):
    by_kind = load_edge_list(write(tmp_path, "a.txt", "person_a person_b\n1 2\n2 3\n"))
    assert by_kind.report["header"] == ["person_a", "person_b"] and by_kind.n == 3
    named = load_edge_list(write(tmp_path, "b.csv", "from,to,when,trust\na,b,2020,0.5\n"), weight_column="trust")
    assert named.initial_trust.tolist() == [0.5, 0.5]
    ignored = load_edge_list(write(tmp_path, "c.txt", "1 2 1999\n2 3 2004\n"), weight_column=None)
    assert ignored.initial_trust is None and ignored.n == 3


def test_edge_list_string_ids(tmp_path):
    net = load_edge_list(write(tmp_path, "names.csv", 'carol,alice\n"bob smith",alice\n007,carol\n'))
    assert net.report["id_type"] == "str"
    assert net.node_ids.tolist() == ["007", "alice", "bob smith", "carol"]
    alice = 1
    assert net.node_ids[net.indices[net.indptr[alice] : net.indptr[alice + 1]]].tolist() == ["bob smith", "carol"]


def test_edge_list_directed(tmp_path):
    path = write(tmp_path, "follows.txt", "a b\nb c\na b\nc a\n")
    net = load_edge_list(path, directed=True)
    assert net.directed
    assert_valid_csr(net)
    a = net.to_scipy().toarray()  # a[listener, speaker]
    assert a.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert net.report["duplicates_merged"] == 1
    undirected = load_edge_list(path)
    assert undirected.report["edges"] == 3 and undirected.report["duplicates_merged"] == 1


def test_edge_list_reports_self_loops_and_duplicates(tmp_path):
    path = write(tmp_path, "messy.txt", "1 2 0.2\n2 1 0.6\n3 3 0.5\n2 3 0.1\n2 3 0.1\n")
    net = load_edge_list(path)
    assert net.report["self_loops_dropped"] == 1
    assert net.report["duplicates_merged"] == 2
    assert net.report["conflicting_trust_merged"] == 2  # the two directions of 1-2
    assert net.report["edges"] == 2 and net.n == 3
    assert net.initial_trust[0] == pytest.approx(0.4)  # tie 1 <- 2: mean of 0.2 and 0.6


@pytest.mark.parametrize(
    ("name", "text", "line", "fragments"),
    [
        ("extra.txt", "1 2\n3 4\n5 6 7\n", 3, ["3 fields", "expected 2", "(line 1)"]),
        ("short.txt", "# c\n1 2\n3\n", 3, ["1 field;", "expected 2"]),
        ("noid.csv", "1,2\n,5\n", 2, ["node id is empty"]),
        ("word.txt", "1 2 0.5\n\n3 4 high\n", 3, ["'high'", "not a number", "[0, 1]"]),
        ("range.txt", "1 2 0.5\n3 4 1.5\n", 2, ["'1.5'", "outside [0, 1]", "weight_column=None"]),
        ("noweight.txt", "1 2 0.5\n3 4\n", 2, ["2 fields", "expected 3"]),
        ("first.txt", "1 2 x\n3 4 0.2\n", 1, ["'x'", "not a number"]),
        # Mixed column counts: a weight must never be read as a node id, and the right line is blamed.
        ("ragged.txt", "1 2\n2 3 0.5\n3 4\n", 2, ["3 fields", "expected 2"]),
        ("ragged4.txt", "1 2\n2 3 4 5\n", 2, ["4 fields", "expected 2"]),
        ("ragged.csv", "# c\n1,2,0.5\n\n2,3\n3,4,0.1\n", 4, ["2 fields", "expected 3", "(line 2)"]),
    ],
)
def test_edge_list_malformed_lines(tmp_path, name, text, line, fragments):
    path = write(tmp_path, name, text)
    with pytest.raises(ValueError) as error:
        load_edge_list(path)
    message = str(error.value)
    assert name in message and f"line {line}" in message
    for fragment in fragments:
        assert fragment in message
    # Only the offending token is shown, never the whole line (the file may not be the user's to read).
    for bad_line in text.splitlines():
        assert len(bad_line.split()) < 2 or repr(bad_line) not in message


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("1 18446744073709551616\n2 3\n", ["1", "18446744073709551616", "2", "3"]),
        ("18446744073709551615 2\n2 3\n", ["18446744073709551615", "2", "3"]),
        ("1 2\n2 18446744073709551615\n", ["1", "18446744073709551615", "2"]),
        ("1 2\n2 99999999999999999999999\n", ["1", "2", "99999999999999999999999"]),
    ],
)
def test_ids_beyond_int64_are_kept_as_text_not_wrapped(tmp_path, text, ids):
    net = load_edge_list(write(tmp_path, "big.txt", text))
    assert [str(i) for i in net.node_ids] == ids  # no id wraps around to a negative number
    assert net.report["edges"] == len(text.splitlines())


def test_edge_list_encoding(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf1 2\n2 3\n")
    assert list(load_edge_list(bom).node_ids) == [1, 2, 3]  # the byte-order mark is not part of the first id
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"1 2\n2 \xff3\n")
    with pytest.raises(ValueError, match=r"latin\.txt: not UTF-8 text"):
        load_edge_list(latin)


def test_edge_list_empty_file(tmp_path):
    with pytest.raises(ValueError, match=r"empty\.txt.*no edges"):
        load_edge_list(write(tmp_path, "empty.txt", "# nothing here\n\n"))


def test_build_network_edge_list(tmp_path):
    path = write(tmp_path, "e.txt", "1 2\n2 3\n")
    assert build_network("edge_list", None, None, path=path).n == 3
    assert build_network("edge_list", 3, None, path=path, directed=True).directed
    # Told in the scenario's terms (the field to change and the value to give), not as a Python argument.
    with pytest.raises(
        ValueError, match=r"^market.n_consumers = 5 does not match the 3 consumers .* set market.n_consumers to 3$"
    ):
        build_network("edge_list", 5, None, path=path)
    with pytest.raises(ValueError, match="missing required parameter 'path'"):
        build_network("edge_list", None, None)


# ----------------------------------------------------------------------------------------------------
# Node roles
# ----------------------------------------------------------------------------------------------------


@pytest.fixture
def named_network(tmp_path) -> SocialNetwork:
    return load_edge_list(write(tmp_path, "people.txt", "alice bob\nbob carol\ncarol dave\n"))


def test_node_roles_aligned_to_consumers(tmp_path, named_network):
    text = "node,role,follows_brand\ncarol,customer,yes\n# vip\nbob, Follower ,\nalice,prospect,1\n"
    path = write(tmp_path, "roles.csv", text)
    roles = load_node_roles(path, named_network)
    assert roles.role.tolist() == ["prospect", "follower", "customer", "prospect"]  # alice, bob, carol, dave
    assert roles.follows_brand.tolist() == [True, True, True, False]
    plain = load_node_roles(write(tmp_path, "plain.csv", "node,role\nbob,follower\ndave,customer\n"), named_network)
    assert plain.follows_brand.tolist() == [False, True, False, False]  # default: followers follow the brand
    assert set(plain.role) <= set(ROLES)


def test_node_roles_on_generated_network(tmp_path):
    net = random_graph(10, 2, rng())
    roles = load_node_roles(write(tmp_path, "r.csv", "node,role\n9,customer\n0,follower\n"), net)
    assert roles.role[9] == "customer" and roles.role[0] == "follower" and roles.role.shape == (10,)


@pytest.mark.parametrize(
    ("text", "line", "fragments"),
    [
        ("node,role\nalice,customer\nzed,follower\n", 3, ["unknown node 'zed'"]),
        ("node,role\nalice,customer\nbob,vip\n", 3, ["unknown role 'vip'", "prospect, follower, customer"]),
        ("node,role\nalice,customer\nalice,follower\n", 3, ["'alice' is listed again", "line 2"]),
        ("node,role,follows_brand\nalice,customer,maybe\n", 2, ["'maybe'", "true/false"]),
        ("node,role\nalice,customer,extra\n", 2, ["3 fields", "expected 2"]),
    ],
)
def test_node_roles_errors(tmp_path, named_network, text, line, fragments):
    path = write(tmp_path, "bad_roles.csv", text)
    with pytest.raises(ValueError) as error:
        load_node_roles(path, named_network)
    message = str(error.value)
    assert "bad_roles.csv" in message and f"line {line}" in message
    for fragment in fragments:
        assert fragment in message


def test_node_roles_missing_column(tmp_path, named_network):
    with pytest.raises(
        ValueError, match=r"cols\.csv, line 1: the header has no column 'role'; expected the columns node, role"
    ):
        load_node_roles(write(tmp_path, "cols.csv", "node,kind\nalice,customer\n"), named_network)


def test_node_roles_unknown_generated_index(tmp_path):
    with pytest.raises(ValueError, match=r"line 2.*unknown node '10'.*0\.\.9"):
        load_node_roles(write(tmp_path, "r.csv", "node,role\n10,customer\n"), random_graph(10, 2, rng()))
