"""The social network the consumers sit on, as a compressed sparse row (CSR) structure.

Row ``i`` lists the consumers whose messages consumer ``i`` can see (ties ``i <- j``), so one
message-delivery step is a gather over ``indices`` and a ``np.bincount`` over receivers. Undirected
networks store both directions. A ``complete`` network stores no ties at all: the engine treats it in
mean field (random mixing) instead of materialising N^2 ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True, eq=False)
class SocialNetwork:
    """Ties ``i <- j`` in CSR form (rows = listeners, columns = speakers).

    Attributes:
        n: number of consumers (nodes 0..n-1).
        indptr: int64 array of length n+1; ties of listener i are ``indices[indptr[i]:indptr[i+1]]``.
        indices: int32 array, the speaker of each tie, sorted within each row, no self-loops, no duplicates.
        kind: generator name ("small_world", "scale_free", "random", "communities", "complete", "edge_list").
        directed: False when every tie i <- j has its reverse j <- i.
        initial_trust: optional float32 per tie (e.g. an edge-list weight column), in [0, 1].
        community: optional int32 community label per node.
        node_ids: optional original node ids (edge-list files), index = consumer.
        report: what building the network found and did (self-loops dropped, duplicates merged, ...).
    """

    n: int
    indptr: np.ndarray
    indices: np.ndarray
    kind: str
    directed: bool = False
    initial_trust: np.ndarray | None = None
    community: np.ndarray | None = None
    node_ids: np.ndarray | None = None
    report: dict = field(default_factory=dict)

    @property
    def is_complete(self) -> bool:
        """Complete (mean-field) network: no ties are stored."""
        return self.kind == "complete"

    @property
    def n_ties(self) -> int:
        """Number of directed ties i <- j stored (twice the undirected edge count)."""
        return int(self.indices.shape[0])

    @property
    def degree(self) -> np.ndarray:
        """Number of speakers each consumer listens to (for a complete network: n - 1)."""
        if self.is_complete:
            return np.full(self.n, self.n - 1, dtype=np.int64)
        return np.diff(self.indptr)

    def to_scipy(self) -> sp.csr_matrix:
        """The adjacency matrix A with A[i, j] = 1 for a tie i <- j (not for complete networks)."""
        if self.is_complete:
            raise ValueError("a complete (mean-field) network has no stored ties")
        data = np.ones(self.n_ties, dtype=np.float32)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.n, self.n))
