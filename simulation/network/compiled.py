"""Compiled loops (numba) for building big networks: the CSR tie structure by a counting sort, and
preferential attachment resolved in one pass.

They are the loop forms of ``csr._ties`` without trust (``count_ties``, ``place_ties``, ``merge_rows``, run
by ``csr._compiled_ties``) and of ``generators._attach_preferentially`` (``attach_preferentially``), and give
the same arrays from the same input, so a network is the same whichever form built it (tested in
``tests/test_network.py``). numba is imported only when this module is, which ``csr.use_compiled`` allows
for markets the engine's kernels would run: a small market does not pay numba's start-up. Loops are
compiled once per machine and cached on disk (``cache=True``).

The loops are bound by memory latency (each edge reads or writes a random row), so each asks for the
memory it will need ``LOOK_AHEAD`` edges ahead (the engine's ``prefetch``).
"""

from __future__ import annotations

import numba
import numpy as np

from .._compiled import prefetch

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
# Rows up to this long are sorted by insertion: a third of the time numba's quicksort takes on them (measured
# at 10^6 consumers, mean degree 10).
SHORT_ROW = 64
LOOK_AHEAD = 16


# ``csr._compiled_ties`` runs the three passes below over consumers lo..hi - 1 in each of ``kernels.threads()``
# threads: each reads every edge but counts, places and sorts only the ties of its own listeners, so the parts
# touch disjoint rows and the arrays do not depend on the number of threads.


@_jit
def count_ties(u, v, directed, lo, hi, start):
    """Ties of each listener in lo..hi - 1, into ``start[listener + 1]`` (an undirected edge (a, b) is the
    ties b <- a and a <- b; a directed one the tie b <- a; self-loops are no ties)."""
    n_edges = u.size
    for e in range(n_edges):
        if e + LOOK_AHEAD < n_edges:
            prefetch(start, v[e + LOOK_AHEAD] + 1)
            if not directed:
                prefetch(start, u[e + LOOK_AHEAD] + 1)
        a, b = u[e], v[e]
        if a == b:
            continue
        if lo <= b < hi:
            start[b + 1] += 1  # tie b <- a: listener b hears speaker a
        if not directed and lo <= a < hi:
            start[a + 1] += 1


@_jit
def place_ties(u, v, directed, lo, hi, filled, indices):
    """Write each tie of a listener in lo..hi - 1 at ``filled[listener]`` (then moved on), in edge order."""
    n_edges = u.size
    for e in range(n_edges):
        if e + LOOK_AHEAD < n_edges:
            prefetch(filled, v[e + LOOK_AHEAD])
            if not directed:
                prefetch(filled, u[e + LOOK_AHEAD])
        a, b = u[e], v[e]
        if a == b:
            continue
        if lo <= b < hi:
            indices[filled[b]] = a
            filled[b] += 1
        if not directed and lo <= a < hi:
            indices[filled[a]] = b
            filled[a] += 1


@_jit
def merge_rows(start, indices, lo, hi, kept):
    """Sort each row of listeners lo..hi - 1 and drop its repeated speakers, moving the rows left to the
    start of the part (``start[lo]``); ``kept[i]`` receives row i's distinct speakers."""
    write = start[lo]
    for i in range(lo, hi):
        first, stop = start[i], start[i + 1]
        sort_row(indices, first, stop)
        last = -1
        row_start = write
        for k in range(first, stop):
            speaker = indices[k]
            if speaker != last:
                indices[write] = speaker
                write += 1
                last = speaker
        kept[i] = write - row_start


@_jit
def sort_row(indices, first, stop):
    """Sort ``indices[first:stop]`` in place: by insertion up to ``SHORT_ROW`` entries (most rows, often
    nearly sorted already, since edges arrive in order), numba's quicksort above."""
    if stop - first > SHORT_ROW:
        indices[first:stop].sort()
        return
    for k in range(first + 1, stop):
        speaker = indices[k]
        j = k - 1
        while j >= first and indices[j] > speaker:
            indices[j + 1] = indices[j]
            j -= 1
        indices[j + 1] = speaker


@_jit
def attach_preferentially(ends, n_seed_edges, m, uniforms, first):
    """``generators._attach_preferentially`` for attachments ``first`` to ``first + uniforms.size - 1``:
    fills their edges' columns of ``ends`` (row 0 the newcomer, row 1 the consumer it ties to).

    Attachment i of newcomer t copies the consumer in slot ``floor(uniform * slots before t)`` (slot s is
    ``ends[s % 2, s // 2]``); those slots are all filled when t arrives, so one pass in slot order resolves
    every copy, where the numpy form follows chains of copies by pointer jumping. Same draws, same edges.
    """
    seed_size = m + 1
    count = uniforms.size
    copied = np.empty(count, dtype=np.int64)
    for k in range(count):
        i = first + k
        newcomer = seed_size + i // m
        copied[k] = np.int64(uniforms[k] * (2 * (n_seed_edges + (newcomer - seed_size) * m)))
    for k in range(count):
        if k + LOOK_AHEAD < count:
            ahead = copied[k + LOOK_AHEAD]
            prefetch(ends[ahead % 2], ahead // 2)
        i = first + k
        ends[0, n_seed_edges + i] = seed_size + i // m
        ends[1, n_seed_edges + i] = ends[copied[k] % 2, copied[k] // 2]
