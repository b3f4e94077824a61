"""The compiled kernels' inputs, grouped by what they are (``simulation._compiled``).

A kernel takes a few of these named tuples instead of two dozen positional arguments; numba compiles them as
structures of arrays and scalars, and the kernel unpacks them into locals once, so its loops are unchanged.
They hold references, not copies: building one costs a tuple (done once per sub-step, where a buffer swap or a
sub-step's settings change what they refer to).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Talkers(NamedTuple):
    """The consumer state that decides who talks and how much (``rules.conversation.talk``)."""

    awareness: np.ndarray
    opinion: np.ndarray
    interest: np.ndarray
    talkativeness: np.ndarray
    talk_boost: np.ndarray
    role: np.ndarray
    purchase_step: np.ndarray
    boost: np.ndarray  # this step's lever talk boost per consumer (a placeholder when not ``has_boost``)


class Talking(NamedTuple):
    """The talk rule's settings in one sub-step (``rules.conversation.talk``)."""

    has_boost: bool
    talk_window: int
    step: int
    neutral_talk: float
    negativity_bias: float
    hearsay_talk_ratio: float  # talk of non-customers relative to customers' (rules.conversation.talk_by_role)
    rate_dt: float  # talk_rate x dt (0 when the rate is infinite)
    always: bool  # an infinite talk rate: every eligible consumer sends one message
    salt: np.uint64
    summing_rate: float  # expected counts above this are left to the caller's Poisson quantile


class SpeakerCredibility(NamedTuple):
    """A talker's credibility: experience or hearsay, times this sub-step's lever factor if any."""

    experience: float
    hearsay: float
    factor: np.ndarray  # per consumer (a placeholder when not ``has_factor``)
    has_factor: bool


class SpokenTies(NamedTuple):
    """The ties in speaker order (``state.TieState``): each talker's range, its ties and their listeners."""

    spoken_indptr: np.ndarray
    spoken_by: np.ndarray
    spoken_to: np.ndarray


class Deliveries(NamedTuple):
    """Where the sparse path's deliveries are written: key (tie + talker << 32), times seen, listener."""

    keys: np.ndarray
    seen: np.ndarray
    listeners: np.ndarray


class Listening(NamedTuple):
    """What hearing a message reads and updates: the ties' trust and memory, the listeners' state."""

    tie_trust: np.ndarray  # float32 per tie
    group_trust: np.ndarray  # float32 (n, 2): trust in the own community (0) and in others (1)
    same_community: np.ndarray  # bool per tie
    recommendation: np.ndarray  # float32 per tie: the standing recommendation last heard
    heard_step: np.ndarray  # int32 per tie: the sub-step it was heard
    last_valence: np.ndarray  # float32 per tie: the valence last heard
    awareness: np.ndarray
    first_source: np.ndarray
    interest: np.ndarray
    opinion: np.ndarray
    openness: np.ndarray
    recommendations: np.ndarray  # float64 per listener: the sum of its ties' standing recommendations


class Persuasion(NamedTuple):
    """The trust rules' settings for one sub-step."""

    step: int  # the sub-step (tick) recommendations are heard at
    fading: np.ndarray  # memory ** age, by age (memory: a recommendation's fading over one sub-step)
    confidence_bound: float
    beyond_bound_weight: float
    gain: float  # interest_gain
    persuasion: float


class Speech(NamedTuple):
    """What each talker's messages carry, by talker (the aggregated delivery paths)."""

    talking: np.ndarray  # int64: messages each talker sent (0: silent; dense path)
    said: np.ndarray  # valence of its messages
    credibility: np.ndarray  # with this sub-step's lever factors (persuasion)
    own_credibility: np.ndarray  # without them (attention)


class Reach(NamedTuple):
    """How a talker's messages reach each of its ties."""

    reach: float  # probability that one message is seen on a tie
    misses: np.ndarray  # (1 - reach) ** messages, by messages
    salt: np.uint64  # the sub-step's delivery salt (one hashed uniform per tie)


class PageReading(NamedTuple):
    """Discovery and reading of the product page in one sub-step (``engine.page.discover_and_read``)."""

    salt: np.uint64
    bound: float  # thinning bound: no consumer with a uniform above it discovers or reads
    discovery: float
    via_page_below: float
    visiting: float
    dt: float
    valence: float
    weight_per_openness: float
    signal: float
    tick: int
    confidence_bound: float
    beyond_bound_weight: float
    gain: float
    persuasion: float


class PurchaseHazard(NamedTuple):
    """The purchase hazard's settings in one sub-step (``engine.purchase.purchase``)."""

    salt: np.uint64
    bound: float  # thinning bound
    has_external: bool  # per-consumer external influence (else ``background`` for everyone)
    background: float
    tick: int
    opinion_sensitivity: float
    rejection_opinion: float
    p: float
    q: float
    review_influence: float
    price_factor: float
    dt: float


class Buyers(NamedTuple):
    """The consumer state the purchase hazard reads."""

    aware: np.ndarray
    role: np.ndarray
    opinion: np.ndarray
    interest: np.ndarray
    external: np.ndarray  # per-consumer external influence (a placeholder when not ``has_external``)
    recommendations: np.ndarray
    recommendations_before: np.ndarray
    ties_per_listener: np.ndarray
    page_signal: np.ndarray
    page_read_step: np.ndarray
    fading: np.ndarray


class PageReaders(NamedTuple):
    """The consumer state discovery and reading the page read and update."""

    role: np.ndarray
    awareness: np.ndarray
    first_source: np.ndarray
    interest: np.ndarray
    openness: np.ndarray
    opinion: np.ndarray
    page_signal: np.ndarray
    page_read_step: np.ndarray
