"""Columnar state of the consumers and of their ties.

One numpy array per attribute, indexed by consumer (or by tie, in the network's CSR order), so each
rule updates the whole market with a few vectorised operations. Mesa agents read and write through to
these arrays (see agents.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Role(IntEnum):
    PROSPECT = 0
    FOLLOWER = 1
    CUSTOMER = 2


# Role.CUSTOMER as a plain int, for the comparisons with the whole role array made every step: numpy compares
# an int8 array with an IntEnum member in int64 (casting the whole array first), with a plain int in int8.
CUSTOMER_CODE = int(Role.CUSTOMER)


class Source(IntEnum):
    """How a consumer first heard of the product (for attribution)."""

    UNAWARE = 0
    PRIOR = 1  # aware before the simulation started
    ADVERTISING = 2
    CONTENT = 3  # brand content, seen directly or re-shared by a customer
    PEER = 4
    SEEDING = 5
    REVIEWS = 6  # found the product through its page (search, recommendations)
    MEDIA = 7  # learned of it from background media (press, retail, search)


SOURCE_NAMES = {s: s.name.lower() for s in Source}

# The codes as plain ints, for the compiled kernels (numba reads them as constants) and for comparisons with
# whole int8 arrays (see CUSTOMER_CODE).
UNAWARE_CODE = int(Source.UNAWARE)
PEER_CODE = int(Source.PEER)
REVIEWS_CODE = int(Source.REVIEWS)
MEDIA_CODE = int(Source.MEDIA)

AWARE_THRESHOLD = 0.5  # awareness (recall) at or above which a consumer counts as aware


@dataclass(eq=False)
class ConsumerState:
    """Per-consumer arrays. Opinions and satisfaction in [-1, 1], interest and awareness in [0, 1]."""

    role: np.ndarray  # int8 Role
    awareness: np.ndarray  # float64 recall in [0, 1]
    opinion: np.ndarray  # float64 in [-1, 1]
    interest: np.ndarray  # float64 in [0, 1]
    talkativeness: np.ndarray  # float64 > 0, mean 1, heavy-tailed
    openness: np.ndarray  # float64 in [0, 1]
    follows_brand: np.ndarray  # bool
    satisfaction: np.ndarray  # float64, NaN before the first purchase
    purchase_step: np.ndarray  # int32, -1 before the first purchase
    first_source: np.ndarray  # int8 Source
    voice: np.ndarray  # float64: credibility-weighted positive valence of the consumer's last message
    claim_heard: np.ndarray  # float64: last quality claim heard from the brand, NaN if none
    talk_boost: np.ndarray  # float64 lasting multiplier on talk (seeded advocates)
    group_trust: np.ndarray  # float32 (n, 2): trust in members of the own community (0) and of others (1)
    page_signal: np.ndarray  # float64: review_trust x c(n) x max(V, 0) of the product page when last read
    page_read_step: np.ndarray  # int32: step the product page was last read (-1: never)
    purchases: np.ndarray  # int32: purchases so far (first and repeat)

    @property
    def n(self) -> int:
        return self.role.shape[0]

    @property
    def aware(self) -> np.ndarray:
        return self.awareness >= AWARE_THRESHOLD

    def aware_among(self, who: np.ndarray) -> np.ndarray:
        """Whether each of the consumers `who` is aware."""
        return self.awareness[who] >= AWARE_THRESHOLD


# What a tie remembers, packed into one 16-byte record per tie: the rules that touch a tie read and write
# all four together, so one tie costs one cache line instead of four (``TieState.memory``).
TIE_MEMORY = np.dtype([("trust", "<f4"), ("last_valence", "<f4"), ("recommendation", "<f4"), ("heard_step", "<i4")])


@dataclass(eq=False)
class TieState:
    """Per-tie arrays in the network's CSR order (tie e is listener ``listener[e]`` <- speaker ``indices[e]``).

    ``trust``, ``last_valence``, ``recommendation`` and ``heard_step`` are views of the fields of one packed
    array, ``memory`` (``TIE_MEMORY``)."""

    listener: np.ndarray  # int32
    speaker: np.ndarray  # int32 (the network's CSR indices)
    strong: np.ndarray  # bool
    trust: np.ndarray  # float32 in [0, 1]: trust of the listener in the speaker as a person
    same_community: np.ndarray  # bool: listener and speaker belong to the same community
    last_valence: np.ndarray  # float32: valence of the last message heard on the tie, NaN if none
    recommendation: np.ndarray  # float32: trust x credibility x positive valence of that message, when heard
    heard_step: np.ndarray  # int32: sub-step that message was heard (-1: never)
    spoken_by: (
        np.ndarray
    )  # int32 (int64 past 2^31 ties): tie indices ordered by speaker (delivering a talker's messages)
    spoken_indptr: np.ndarray  # int64: spoken_by[spoken_indptr[j]:spoken_indptr[j+1]] are j's ties
    spoken_to: np.ndarray | None = None  # int32: the listener of each tie of spoken_by, in the same order
    memory: np.ndarray | None = None  # the packed TIE_MEMORY records the four fields above view


def tie_memory(trust: np.ndarray) -> np.ndarray:
    """Packed tie records: the given trust, nothing heard yet."""
    memory = np.empty(trust.shape[0], dtype=TIE_MEMORY)
    memory["trust"] = trust
    memory["last_valence"] = np.nan
    memory["recommendation"] = 0.0
    memory["heard_step"] = -1
    return memory
