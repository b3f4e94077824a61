"""Compiled loops (numba) for building big networks: the CSR tie structure by counting sort, and
preferential attachment resolved in one pass.

Each is the loop form of a numpy function of ``csr`` or ``generators`` (named in its docstring) and gives
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


@_jit
def ties_from_edges(n, u, v, directed):
    """``csr._ties`` without trust: the ties of edges (u, v) as (indptr, indices, ties kept, self-loops
    dropped).

    A counting sort in place of the numpy form's sort of ``listener * n + speaker`` keys: ties are counted
    per listener, scattered into their rows, then each row is sorted and its repeated speakers merged,
    compacting the rows in place (a row never moves right). Same arrays as the numpy form: rows sorted, no
    duplicates, no self-loops. ``indices`` may be longer than the ties kept (the caller trims it).
    """
    n_edges = u.size
    start = np.zeros(n + 1, dtype=np.int64)
    loops = 0
    for e in range(n_edges):
        if e + LOOK_AHEAD < n_edges:
            prefetch(start, v[e + LOOK_AHEAD] + 1)
            prefetch(start, u[e + LOOK_AHEAD] + 1)
        a, b = u[e], v[e]
        if a == b:
            loops += 1
            continue
        start[b + 1] += 1  # tie b <- a: listener b hears speaker a
        if not directed:
            start[a + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    filled = start[:-1].copy()
    indices = np.empty(start[n], dtype=np.int32)
    for e in range(n_edges):
        if e + LOOK_AHEAD < n_edges:
            prefetch(filled, v[e + LOOK_AHEAD])
            prefetch(filled, u[e + LOOK_AHEAD])
        if e + LOOK_AHEAD // 2 < n_edges:
            prefetch(indices, filled[v[e + LOOK_AHEAD // 2]])
            prefetch(indices, filled[u[e + LOOK_AHEAD // 2]])
        a, b = u[e], v[e]
        if a == b:
            continue
        indices[filled[b]] = a
        filled[b] += 1
        if not directed:
            indices[filled[a]] = b
            filled[a] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    kept = 0
    for i in range(n):
        first, stop = start[i], start[i + 1]
        sort_row(indices, first, stop)
        last = -1
        for k in range(first, stop):
            speaker = indices[k]
            if speaker != last:
                indices[kept] = speaker
                kept += 1
                last = speaker
        indptr[i + 1] = kept
    return indptr, indices, kept, loops


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
