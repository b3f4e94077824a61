"""Conversation: who talks, and whose feed a message reaches.

Equations (docs/MODEL.md, "Conversation"):

    lambda_i = talk_rate * talkativeness_i * (a + (1 - a) |o_i|) * (1 + b [o_i < 0]) * boost_i * x_i
    messages of i in a step ~ Poisson(lambda_i dt)            (aware consumers only)

with a = ``neutral_talk``, b = ``negativity_bias`` and x_i the talk of i's role (``talk_by_role``):
x_i = 1 for past customers (they speak from experience) and x_i = r interest_i / 0.5 for others (they repeat
hearsay, out of interest), r = ``hearsay_talk_ratio`` (1/7: informed non-participants passed information about
a seventh as often as participants, Banerjee, Chandrasekhar, Duflo & Jackson 2013). A message carries the talker's opinion o_j as its
valence and reaches each tie independently with probability ``reach`` (a tie sees Binomial(c_j, reach)
of the talker's c_j messages); on a complete network (mean field) each message reaches ``contacts``
consumers drawn at random. Counting messages (rather than capping talk at one per step) keeps the
number of messages per year the same whatever the step length. An infinite ``talk_rate`` means exactly
one message per step (used by the reductions).
"""

from __future__ import annotations

import math

import numpy as np

from .. import kernels
from ..engine.kernel_inputs import Talkers, Talking
from ..state import CUSTOMER_CODE, ConsumerState, Role, TieState
from ..streams import hashed_uniforms
from .forms import choose
from .purchase import TYPICAL_INTEREST


def talk_by_role(customer, interest, hearsay_talk_ratio: float):
    """x_i = 1 for a past customer (experience), r interest_i / 0.5 for anyone else (hearsay), r =
    ``hearsay_talk_ratio``: who talks, by role. The kernels call it as it is (``_compiled.RULE_EQUATIONS``)."""
    return choose(customer, 1.0, hearsay_talk_ratio * interest / TYPICAL_INTEREST)


def speakers(consumers: ConsumerState, *, talk_window: int, step: int, neutral_talk: float) -> np.ndarray:
    """Who may talk this step: the aware (with no talk about neutral opinions, only those with an opinion);
    with a talk window, only customers within it after buying."""
    if talk_window > 0:
        # Independent-cascade reduction: only customers within `talk_window` steps of buying talk.
        since = step - consumers.purchase_step
        return np.flatnonzero((consumers.role == Role.CUSTOMER) & (since >= 1) & (since <= talk_window))
    if neutral_talk <= 0:
        return np.flatnonzero(consumers.aware & (consumers.opinion != 0))
    return np.flatnonzero(consumers.aware)


def messages_per_step(
    consumers: ConsumerState,
    who: np.ndarray,
    *,
    talk_rate: float,
    neutral_talk: float,
    negativity_bias: float,
    dt: float,
    boost: np.ndarray | None = None,
    hearsay_talk_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(talkers, lambda_i dt): the consumers of `who` with something to say, and their expected messages
    this step (inf = always exactly one). ``boost`` is this step's extra talk multiplier per consumer (from
    marketing levers), on top of each consumer's lasting ``talk_boost``. Consumers whose rate is 0 are
    dropped early: in a market of neutral consumers (neutral_talk = 0) only those with an opinion are
    worth computing for."""
    opinion = consumers.opinion[who]
    strength = neutral_talk + (1.0 - neutral_talk) * np.abs(opinion)
    if neutral_talk <= 0:  # neutral consumers have nothing to say
        voiced = strength > 0
        who, opinion, strength = who[voiced], opinion[voiced], strength[voiced]
    role = consumers.role[who]
    relative = consumers.talkativeness[who] * strength * consumers.talk_boost[who]
    if boost is not None:
        relative *= boost[who]
    relative *= np.where(opinion < 0, 1.0 + negativity_bias, 1.0)
    relative *= talk_by_role(role == Role.CUSTOMER, consumers.interest[who], hearsay_talk_ratio)
    if np.isinf(talk_rate):
        return who, np.where(relative > 0, np.inf, 0.0)
    return who, relative * (talk_rate * dt)


# Largest message count one consumer sends in a step: 2^32 keeps every tally of seen messages
# (at most 2^31 ties) inside int64. It binds only for rates beyond 4e9 messages per step.
MAX_MESSAGES = 2**32
# Up to this rate the cumulative sum is the cheapest inversion (a handful of vector passes) and
# exp(-rate) is far from underflow; above it the Poisson quantile function is used.
_SUMMING_RATE = 10.0


def draw_message_counts(expected: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Messages sent: Poisson(expected) by inversion of one uniform per consumer; one where the rate is infinite.

    Inversion (rather than a Poisson generator) ties each consumer's count to its own uniform draw, so
    strategies run with the same seed share these draws (common random numbers). The count is the
    smallest k with P(X <= k) >= u, exact for every finite rate (capped at MAX_MESSAGES), in a bounded
    number of vector operations: summing the probabilities for small rates; for large ones a normal
    guess checked and corrected against the distribution function (bisection where it stays off).
    """
    expected = np.asarray(expected, dtype=np.float64)
    uniforms = np.asarray(uniforms, dtype=np.float64)
    counts = np.zeros(expected.shape[0], dtype=np.int64)
    counts[np.isinf(expected)] = 1
    large = np.flatnonzero(np.isfinite(expected) & (expected > _SUMMING_RATE))
    if large.size:
        counts[large] = _poisson_quantile(uniforms[large], expected[large])
    small = np.flatnonzero(expected <= _SUMMING_RATE)
    rate = expected[small]
    term = np.exp(-rate)
    cdf = term.copy()
    pending = np.flatnonzero(uniforms[small] > cdf)
    # P(X > 80) < 1e-30 for rate <= 10: the sum reaches any u < 1 long before; u = 1 stops at the bound.
    for k in range(1, 81):
        if not pending.size:
            break
        counts[small[pending]] = k
        term[pending] *= rate[pending] / k
        cdf[pending] += term[pending]
        pending = pending[uniforms[small[pending]] > cdf[pending]]
    return counts


def _poisson_quantile(uniforms: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """Smallest k with P(Poisson(rate) <= k) >= u, capped at MAX_MESSAGES (vectorised, bounded).

    A Cornish-Fisher guess is corrected one step at a time against the distribution function
    (``scipy.special.pdtr``); the few guesses still off after four corrections are settled by bisection.
    """
    from scipy import special

    mu = np.minimum(rate, 2.0 * MAX_MESSAGES)  # any larger rate gives the cap
    z = np.clip(special.ndtri(uniforms), -9.0, 9.0)  # u = 0 or 1: the guess is corrected below
    k = np.maximum(np.floor(mu + np.sqrt(mu) * z + (z * z - 1.0) / 6.0 + 0.5), 0.0)

    def off(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Of the consumers idx: whose k is too small, and whose k - 1 would do."""
        small = special.pdtr(k[idx], mu[idx]) < uniforms[idx]
        large = (k[idx] > 0) & (special.pdtr(k[idx] - 1.0, mu[idx]) >= uniforms[idx])
        return small, large

    pending = np.arange(k.size)
    for _ in range(4):
        small, large = off(pending)
        pending = pending[small | large]
        if not pending.size:
            break
        k[pending] += small[small | large].astype(np.float64) - large[small | large]
    if pending.size:
        small, large = off(pending)
        pending = pending[small | large]
    if pending.size:
        u, m = uniforms[pending], mu[pending]
        spread = 40.0 * np.sqrt(m) + 40.0
        low, high = np.maximum(m - spread, -1.0), m + spread  # P(X <= low) < u <= P(X <= high)
        active = high - low > 1
        while active.any():  # at most log2(80 sqrt(rate) + 80) passes
            middle = np.floor((low + high) / 2)
            below = special.pdtr(middle, m) < u
            low = np.where(active & below, middle, low)
            high = np.where(active & ~below, middle, high)
            active = high - low > 1
        k[pending] = high
    k[uniforms <= 0] = 0  # P(X <= 0) >= 0: the bisection's bracket assumes u > 0
    return np.minimum(k, MAX_MESSAGES).astype(np.int64)


def talk(
    consumers: ConsumerState,
    *,
    talk_window: int,
    step: int,
    talk_rate: float,
    neutral_talk: float,
    negativity_bias: float,
    dt: float,
    boost: np.ndarray | None,
    salt: np.uint64,
    compiled: bool | None = None,
    hearsay_talk_ratio: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(talkers, messages sent): ``speakers``, their ``messages_per_step`` and ``draw_message_counts`` with
    each consumer's hashed uniform (``streams.hashed_uniforms(salt, i)``), keeping those who send one or more.

    Only consumers whose uniform exceeds 1 - lambda_i dt can send a message (exp(-x) >= 1 - x), so the
    inversion runs for those few. With kernels (``simulation.kernels``; ``compiled``, default: if enabled) it
    is one pass over the market without temporaries, leaving the few rates above ``_SUMMING_RATE`` to
    ``_poisson_quantile`` (per consumer, as ``draw_message_counts`` does); the numpy form below draws the
    same counts.
    """
    if kernels.enabled() if compiled is None else compiled:
        has_boost = boost is not None
        talkers = Talkers(
            consumers.awareness,
            consumers.opinion,
            consumers.interest,
            consumers.talkativeness,
            consumers.talk_boost,
            consumers.role,
            consumers.purchase_step,
            np.ones(1) if boost is None else boost,
        )
        rule = Talking(
            has_boost,
            int(talk_window),
            int(step),
            float(neutral_talk),
            float(negativity_bias),
            float(hearsay_talk_ratio),
            float(talk_rate * dt) if np.isfinite(talk_rate) else 0.0,
            bool(np.isinf(talk_rate)),
            salt,
            _SUMMING_RATE,
        )
        found = kernels.over_consumers(kernels.compiled().talk, consumers.n, (talkers, rule))
        who, counts, expected, uniforms = (
            found[0] if len(found) == 1 else tuple(np.concatenate([f[k] for f in found]) for k in range(4))
        )
        if expected.size:  # the kernel sums Poisson terms up to _SUMMING_RATE; larger rates take the quantile
            pending = counts < 0
            counts[pending] = _poisson_quantile(uniforms, expected)
            keep = counts > 0
            who, counts = who[keep], counts[keep]
        return who, counts
    who = speakers(consumers, talk_window=talk_window, step=step, neutral_talk=neutral_talk)
    who, expected = messages_per_step(
        consumers,
        who,
        talk_rate=talk_rate,
        neutral_talk=neutral_talk,
        negativity_bias=negativity_bias,
        dt=dt,
        boost=boost,
        hearsay_talk_ratio=hearsay_talk_ratio,
    )
    if np.isinf(talk_rate):
        keep = expected > 0
        return who[keep], np.ones(int(keep.sum()), dtype=np.int64)
    uniforms = hashed_uniforms(salt, who)
    maybe = uniforms > 1.0 - expected
    who = who[maybe]
    counts = draw_message_counts(expected[maybe], uniforms[maybe])
    keep = counts > 0
    return who[keep], counts[keep]


def credibility(
    consumers: ConsumerState,
    who: np.ndarray,
    *,
    experience_credibility: float,
    hearsay_credibility: float,
    factor: np.ndarray | None = None,
) -> np.ndarray:
    """Credibility of the consumers `who` as speakers: experience beats hearsay; ``factor`` is this step's
    credibility factor per consumer from marketing levers (an incentive costs credibility)."""
    base = np.where(consumers.role[who] == CUSTOMER_CODE, experience_credibility, hearsay_credibility)
    return base if factor is None else base * factor[who]


def ties_spoken_by(talkers: np.ndarray, ties: TieState) -> tuple[np.ndarray, np.ndarray]:
    """(tie indices, ties per talker): every tie on which one of `talkers` speaks (CSR ranges, vectorised)."""
    starts = ties.spoken_indptr[talkers]
    counts = ties.spoken_indptr[talkers + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), counts
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return ties.spoken_by[offsets + np.arange(total)], counts


def deliver_on_network(
    talkers: np.ndarray,
    messages: np.ndarray,
    ties: TieState,
    reach: float,
    salt: np.uint64,
    compiled: bool | None = None,
):
    """(ties, times seen): ties on which the talkers' messages were seen this step, and how many of them.

    `messages[k]` is the number of messages talker `talkers[k]` sent; each tie sees Binomial(messages, reach),
    drawn by inversion of the tie's own uniform (``streams.hashed_uniforms(salt, tie)``), so whether a tie
    sees a message does not depend on who else talks (common random numbers across strategies). Ties come
    grouped by talker, in the order of `talkers`. ``compiled``: use the kernel (default: if enabled).
    """
    if kernels.enabled() if compiled is None else compiled:
        return kernels.compiled().deliver(
            talkers,
            messages.astype(np.int64),
            ties.spoken_indptr,
            ties.spoken_by,
            float(reach),
            miss_table(reach, messages.max(initial=1)),
            salt,
        )
    candidate, per_talker = ties_spoken_by(talkers, ties)
    sent = np.repeat(messages, per_talker)
    if reach >= 1.0:
        seen = sent
    else:
        seen = binomial_by_inversion(sent, reach, hashed_uniforms(salt, candidate))
    keep = seen > 0
    return candidate[keep], seen[keep]


# Longest miss table: a market's tables are bounded by its consumers' messages, which the resource
# check bounds (resources.MAX_MESSAGES_PER_STEP); a longer one means a rate beyond that check.
MAX_MISS_TABLE = 2**24


def miss_table(p: float, most: int) -> np.ndarray:
    """(1 - p) ** k for k = 0..most, as ``binomial_by_inversion`` computes it (the kernels look it up; an
    exponent beyond the table reads its last entry). The table stops where (1 - p) ** k underflows to 0
    (k > 746 / -ln(1 - p)) or stays 1 (1 - p rounds to 1): every later entry equals the last, so the
    values looked up are unchanged and a reach of 1 needs two entries whatever the message counts."""
    last = max(int(most), 1)
    miss = 1.0 - p  # (the float numpy raises to each power)
    if miss <= 0.0 or miss == 1.0:
        last = 1
    else:
        last = min(last, int(746.0 / -math.log(miss)) + 2)
    if last > MAX_MISS_TABLE:
        raise ValueError(
            f"{last:,} messages from one consumer in a step (reach {p:g}): more than the {MAX_MISS_TABLE:,} "
            "simulated; lower the talk rate"
        )
    return (1.0 - p) ** np.arange(last + 1, dtype=np.int64)


def binomial_by_inversion(trials: np.ndarray, p: float, uniforms: np.ndarray) -> np.ndarray:
    """Binomial(trials, p) draws, one uniform each: #{k >= 1 : P(X >= k) > u}, so a larger p or more
    trials never gives fewer successes for the same uniform. Loops at most max(trials) times."""
    seen = (uniforms < 1.0 - (1.0 - p) ** trials).astype(np.int64)  # at least one success
    several = np.flatnonzero(seen & (trials > 1))
    if several.size == 0:
        return seen
    n, u = trials[several].astype(np.float64), uniforms[several]
    pmf = (1.0 - p) ** n  # P(X = 0)
    tail = 1.0 - pmf  # P(X >= 1)
    odds = p / (1.0 - p)
    k = 1
    active = np.arange(several.size)
    while active.size:
        pmf[active] *= (n[active] - k + 1) / k * odds  # P(X = k)
        tail[active] -= pmf[active]  # P(X >= k + 1)
        k += 1
        active = active[(tail[active] > u[active]) & (k <= n[active])]
        seen[several[active]] = k
    return seen


def deliver_in_mean_field(
    talkers: np.ndarray, counts: np.ndarray, n: int, contacts: int, reach: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(speakers, listeners) of the messages seen in a randomly mixing (complete) market.

    `counts[k]` is the number of messages talker `talkers[k]` sent; each reaches `contacts` others.
    """
    speakers = np.repeat(talkers, contacts * counts)
    # A uniform draw over the n - 1 others: shift draws at or above the speaker's own index.
    listeners = rng.integers(0, n - 1, size=speakers.shape[0])
    listeners = listeners + (listeners >= speakers)
    if reach < 1.0:
        seen = rng.random(speakers.shape[0]) < reach
        speakers, listeners = speakers[seen], listeners[seen]
    return speakers, listeners
