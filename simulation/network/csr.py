"""Edge arrays to the CSR tie structure: the one place where ties are symmetrised, self-loops dropped,
duplicates merged and rows sorted, shared by every generator and by the edge-list loader."""

from __future__ import annotations

import numpy as np

from .. import kernels
from .graph import SocialNetwork


def network_from_edges(
    n: int,
    u: np.ndarray,
    v: np.ndarray,
    kind: str,
    *,
    directed: bool = False,
    trust: np.ndarray | None = None,
    community: np.ndarray | None = None,
    node_ids: np.ndarray | None = None,
    report: dict | None = None,
) -> SocialNetwork:
    """Turn edge endpoints into the CSR tie structure: symmetrise, drop self-loops, merge duplicate ties.

    An undirected edge (u, v) becomes the two ties u <- v and v <- u. A directed edge is a tie from
    speaker ``u`` to listener ``v`` (stored in row v). Duplicates are found by sorting the combined
    int64 key ``listener * n + speaker``, which also leaves each row's speakers sorted; for the markets of
    ``use_compiled``, by a counting sort in compiled loops with the same result (``_compiled_ties``). Duplicate
    ties carrying ``trust`` get the mean of their trust values. ``report`` receives the counts of
    self-loops dropped and duplicates merged (in edges for undirected networks, in ties for directed).
    """
    compiled = trust is None and use_compiled(n)
    # The compiled loops read int32 ends as they are (preferential attachment makes them); numpy needs int64 keys.
    as_ints = np.int32 if compiled and np.asarray(u).dtype == np.asarray(v).dtype == np.int32 else np.int64
    u = np.asarray(u, dtype=as_ints).ravel()
    v = np.asarray(v, dtype=as_ints).ravel()
    if u.shape != v.shape:
        raise ValueError(f"edge endpoint arrays differ in length: {u.size} sources vs {v.size} targets")
    if u.size and (min(u.min(), v.min()) < 0 or max(u.max(), v.max()) >= n):
        raise ValueError(f"edge endpoints must be node indices in [0, {n - 1}]")
    if trust is not None:
        trust = np.asarray(trust, dtype=np.float64).ravel()
        if trust.shape != u.shape:
            raise ValueError(f"trust has {trust.size} values for {u.size} edges")

    if compiled:
        indptr, indices, n_loops = _compiled_ties(n, u, v, directed)
        tie_trust, n_conflicts = None, 0
    else:
        indptr, indices, n_loops, tie_trust, n_conflicts = _ties(n, u, v, directed, trust)
    n_ties = indices.size
    n_edges = u.size - n_loops  # edges that are not self-loops
    n_dup_ties = (2 * n_edges if not directed else n_edges) - n_ties

    per_edge = 1 if directed else 2
    out = dict(report or {})
    out.update(
        input_edges=int(u.size),
        self_loops_dropped=n_loops,
        duplicates_merged=n_dup_ties // per_edge,
        edges=int(n_ties // per_edge),
        ties=int(n_ties),
        mean_degree=float(n_ties / n) if n else 0.0,
    )
    if trust is not None:
        out["conflicting_trust_merged"] = n_conflicts
    return SocialNetwork(
        n=int(n),
        indptr=indptr,
        indices=indices,
        kind=kind,
        directed=directed,
        initial_trust=tie_trust,
        community=community,
        node_ids=node_ids,
        report=out,
    )


def use_compiled(n: int) -> bool:
    """Whether a network of n consumers is built by the compiled loops of ``compiled``: when the engine's
    kernels would run a market of that size (``kernels.wanted``), so a small market never imports numba.
    Both forms give the same network."""
    return kernels.wanted(n)


def _ties(
    n: int, u: np.ndarray, v: np.ndarray, directed: bool, trust: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, int, np.ndarray | None, int]:
    """Ties of edges in numpy: (indptr, indices, self-loops dropped, trust per tie, ties whose copies' trust
    disagreed). Sorting the key ``listener * n + speaker`` sorts the rows and each row's speakers."""
    loops = u == v
    n_loops = int(np.count_nonzero(loops))
    if n_loops:
        keep = ~loops
        u, v = u[keep], v[keep]
        trust = trust[keep] if trust is not None else None
    if directed:
        listener, speaker = v, u
    else:
        listener, speaker = np.concatenate([u, v]), np.concatenate([v, u])
        trust = np.concatenate([trust, trust]) if trust is not None else None
    key = listener * n + speaker
    del listener, speaker
    if trust is None:
        key = sorted_unique(key)
        tie_trust, n_conflicts = None, 0
    else:
        key, tie_trust, n_conflicts = _merge_trust(key, trust)
    rows = key // n
    indices = (key - rows * n).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, indices, n_loops, tie_trust, n_conflicts


def _compiled_ties(n: int, u: np.ndarray, v: np.ndarray, directed: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """``_ties`` without trust by a counting sort in compiled loops: (indptr, indices, self-loops dropped).

    Ties are counted per listener, placed in their rows in edge order, then each row is sorted and its
    repeated speakers merged (``compiled.count_ties``, ``place_ties``, ``merge_rows``); the listeners are
    split into ``kernels.threads()`` ranges whose rows each thread alone writes. Same arrays as ``_ties``."""
    from .compiled import count_ties, merge_rows, place_ties

    ranges = kernels.spans(n, kernels.parts_for(u.size))
    start = np.zeros(n + 1, dtype=np.int64)
    kernels.run_parts(count_ties, [(u, v, directed, lo, hi, start) for lo, hi in ranges])
    np.cumsum(start, out=start)
    indices = np.empty(int(start[n]), dtype=np.int32)
    filled = start[:-1].copy()
    kernels.run_parts(place_ties, [(u, v, directed, lo, hi, filled, indices) for lo, hi in ranges])
    del filled
    kept = np.empty(n, dtype=np.int64)
    kernels.run_parts(merge_rows, [(start, indices, lo, hi, kept) for lo, hi in ranges])
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(kept, out=indptr[1:])
    if indptr[n] < indices.size:  # repeated ties were merged: close the gaps the parts left between them
        for lo, hi in ranges[1:]:
            indices[indptr[lo] : indptr[hi]] = indices[start[lo] : start[lo] + (indptr[hi] - indptr[lo])]
        indices = indices[: indptr[n]].copy()
    n_loops = int(np.count_nonzero(u == v))
    return indptr, indices, n_loops


def sorted_unique(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an int64 array (the tie or edge keys of a network).

    Sort-and-compare rather than ``np.unique``: numpy >= 2.3 deduplicates integers with a hash table
    that is ~15x slower than sorting at 10^7 keys, and the CSR needs sorted keys anyway.
    """
    keys = np.sort(keys)
    if keys.size < 2:
        return keys
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    return keys[first]


def _merge_trust(key: np.ndarray, trust: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Merge duplicate weighted ties: sorted distinct keys, mean trust per tie, ties whose copies disagreed."""
    order = np.argsort(key, kind="stable")
    key, trust = key[order], trust[order]
    if key.size == 0:
        return key, trust.astype(np.float32), 0
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
    copies = np.diff(np.append(starts, key.size))
    mean = np.add.reduceat(trust, starts) / copies
    spread = np.maximum.reduceat(trust, starts) - np.minimum.reduceat(trust, starts)
    return key[starts], mean.astype(np.float32), int(np.count_nonzero(spread > 0))
