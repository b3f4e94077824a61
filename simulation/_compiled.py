"""The compiled kernels of ``simulation.kernels`` (imported only when numba is there and they are used).

Each is the loop form of a rule of ``simulation.rules`` (named in its docstring). The rules' equations are not
written here: the kernels call the rules' own functions (``RULE_EQUATIONS``), compiled inline one consumer or
tie at a time, with the scalar forms of ``rules.forms``; so both forms compute the same values and draw the
same outcomes."""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, overload, register_jitable

from .rules import forms
from .rules.awareness import page_visit_probability, raised_interest, recalled
from .rules.conversation import talk_by_role
from .rules.purchase import midstep_influence, purchase_gate, purchase_hazard, purchase_probability
from .rules.rates import per_step_probability
from .rules.trust import bounded_confidence, learn_trust, message_weight, shifted_opinion, source_accuracy
from .state import AWARE_THRESHOLD, CUSTOMER_CODE, MEDIA_CODE, PEER_CODE, REVIEWS_CODE, UNAWARE_CODE

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
# Helpers are inlined into the kernels that call them: a call passing arrays would count references to
# each of them every time, which costs more than the helper's work.
_inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
S30, S27, S31, S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
SCALE = 1.0 / 2.0**53
# Below this tie probability, live edges are found by geometric skips rather than a draw per edge
# (influence.cascade.live_edges uses the same rule).
SKIP_BELOW = 0.1
# How many deliveries ahead the sorted passes ask for the memory they will need (measured: 8 to 32 all halve
# hear_sorted at 10^6 consumers; 4 is too close to hide a miss).
LOOK_AHEAD = 16
# The same for the dense pass, in ties ahead (12: 115 ms, 24: 91 ms, 48 and 96: 82 ms for 10^7 ties).
DENSE_LOOK_AHEAD = 48


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into its caches (LLVM's prefetch; a hint, never a fault).
    For loops whose next addresses are known but whose loads would wait behind a mispredicted branch."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        data = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, array_type, data, [args[1]], wraparound=False)
        byte_pointer = ir.IntType(8).as_pointer()
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, int32, int32, int32]), "llvm.prefetch.p0i8"
        )
        # (read, keep in every cache level, data)
        builder.call(function, [builder.bitcast(pointer, byte_pointer), int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return numba.types.void(array, index), codegen


prefetch: Any = _prefetch  # called as prefetch(array, index) in kernels (numba supplies the typing context)


def _scalars(*arguments) -> bool:
    return all(isinstance(a, types.Number | types.Boolean) for a in arguments)


# The scalar forms of rules.forms: the values numpy's forms give, one consumer or tie at a time.
@overload(forms.choose, inline="always")
def _choose(condition, if_true, if_false):
    if _scalars(condition, if_true, if_false):
        return lambda condition, if_true, if_false: if_true if condition else if_false


@overload(forms.clamp, inline="always")
def _clamp(value, low, high):
    if _scalars(value, low, high):
        return lambda value, low, high: min(high, max(low, value))


@overload(forms.at_least, inline="always")
def _at_least(value, low):
    if _scalars(value, low):
        return lambda value, low: max(low, value)


@overload(forms.at_most, inline="always")
def _at_most(value, high):
    if _scalars(value, high):
        return lambda value, high: min(high, value)


# The rules' equations the kernels call (each compiled inline where it is called).
RULE_EQUATIONS = (
    per_step_probability,
    bounded_confidence,
    message_weight,
    shifted_opinion,
    source_accuracy,
    learn_trust,
    recalled,
    raised_interest,
    page_visit_probability,
    purchase_gate,
    purchase_hazard,
    purchase_probability,
    midstep_influence,
    talk_by_role,
)
for _equation in RULE_EQUATIONS:
    register_jitable(inline="always")(_equation)


@_inline
def uniform(salt, index):
    """streams.hashed_uniforms for one index."""
    z = np.uint64(index) * GOLDEN + salt
    z = (z ^ (z >> S30)) * M1
    z = (z ^ (z >> S27)) * M2
    z = z ^ (z >> S31)
    return float(z >> S11) * SCALE


@_inline
def poisson_by_inversion(expected, u):
    """rules.conversation.draw_message_counts for one consumer (expected finite, u > 1 - expected)."""
    term = math.exp(-expected)
    cdf = term
    k = 0
    limit = expected + 40.0 * math.sqrt(expected) + 40.0
    while u > cdf and k < limit:
        k += 1
        term *= expected / k
        cdf += term
    return k


@_inline
def binomial_by_inversion(trials, p, none, u):
    """rules.conversation.binomial_by_inversion for one tie (same operations, same order); ``none`` is
    (1 - p) ** trials, from ``powers`` (computed by numpy, so both forms use the same value)."""
    if not u < 1.0 - none:
        return 0
    if trials <= 1:
        return 1
    n = float(trials)
    pmf = none
    tail = 1.0 - pmf
    odds = p / (1.0 - p)
    k = 1
    seen = 1
    while True:
        pmf *= (n - k + 1) / k * odds
        tail -= pmf
        k += 1
        if tail > u and k <= n:
            seen = k
        else:
            return seen


@_inline
def power(table, exponent):
    """base ** exponent from a table of base ** 0, 1, ... computed by numpy (so both forms use the same
    values); the table covers every exponent asked for (the last entry stands for any beyond it)."""
    return table[min(exponent, table.shape[0] - 1)]


@_jit
def talk(talkers, rule, start, stop):
    """rules.conversation.talk: (talkers, messages, expected, uniforms) of this step among consumers start to
    stop - 1, one pass; ``talkers`` and ``rule``: the ``Talkers`` state and ``Talking`` settings
    (``engine.kernel_inputs``). A talker expecting more than ``summing_rate`` messages gets the count -1, its
    expected count and uniform listed in order, for the caller's Poisson quantile
    (rules.conversation.draw_message_counts)."""
    awareness, opinion, interest, talkativeness, talk_boost, role, purchase_step, boost = talkers
    (
        has_boost,
        talk_window,
        step,
        neutral_talk,
        negativity_bias,
        hearsay_talk_ratio,
        rate_dt,
        always,
        salt,
        summing_rate,
    ) = rule
    n = stop - start
    who = np.empty(n, dtype=np.int64)
    counts = np.empty(n, dtype=np.int64)
    large_expected = np.empty(n)
    large_u = np.empty(n)
    m = 0
    large = 0
    for i in range(start, stop):
        customer = role[i] == CUSTOMER_CODE
        if talk_window > 0:
            since = step - purchase_step[i]
            eligible = customer & (since >= 1) & (since <= talk_window)
        else:
            eligible = not (awareness[i] < AWARE_THRESHOLD)
        o = opinion[i]
        strength = neutral_talk + (1.0 - neutral_talk) * abs(o)
        relative = talkativeness[i] * strength * talk_boost[i]
        if has_boost:
            relative *= boost[i]
        # Factors of 1.0 (exact) and one test at the end instead of a branch per condition: branches on the
        # consumers' data are mispredicted at random and cost more than computing the rate for everyone.
        relative *= (1.0 + negativity_bias) if o < 0 else 1.0
        relative *= talk_by_role(customer, interest[i], hearsay_talk_ratio)
        eligible = eligible & (relative > 0) & ((neutral_talk > 0) | (strength > 0))
        if always:
            if not eligible:
                continue
            k = 1
        else:
            expected = relative * rate_dt
            u = uniform(salt, i)
            if not (eligible & (u > 1.0 - expected)):  # exp(-x) >= 1 - x: no message for sure
                continue
            if expected > summing_rate:
                large_expected[large] = expected
                large_u[large] = u
                large += 1
                k = -1
            else:
                k = poisson_by_inversion(expected, u)
                if k == 0:
                    continue
        who[m] = i
        counts[m] = k
        m += 1
    return who[:m].copy(), counts[:m].copy(), large_expected[:large].copy(), large_u[:large].copy()


@_jit
def deliver(talkers, messages, spoken_indptr, spoken_by, reach, misses, salt):
    """rules.conversation.deliver_on_network: (ties, times seen), each tie's draw hashed from its index."""
    total = 0
    for k in range(talkers.shape[0]):
        j = talkers[k]
        total += spoken_indptr[j + 1] - spoken_indptr[j]
    ties = np.empty(total, dtype=np.int64)
    seen = np.empty(total, dtype=np.int64)
    m = 0
    for k in range(talkers.shape[0]):
        j = talkers[k]
        sent = messages[k]
        none = power(misses, sent)
        for position in range(spoken_indptr[j], spoken_indptr[j + 1]):
            tie = spoken_by[position]
            if reach >= 1.0:
                times = sent
            else:
                # binomial_by_inversion's first test as a value, and every tie written (kept if seen): branches
                # on the random draws would be mispredicted tie after tie.
                u = uniform(salt, tie)
                times = int(u < 1.0 - none)
                if times and sent > 1:
                    times = binomial_by_inversion(sent, reach, none, u)
            ties[m] = tie
            seen[m] = times
            m += times > 0
    return ties[:m].copy(), seen[:m].copy()


# Deliveries of the aggregated path carry their talker in the high half of the tie's key (ties < 2^32).
TIE_BITS = np.int64(32)
TIE_MASK = np.int64(0xFFFFFFFF)


@_jit
def speak(talkers, opinion, role, rule, speech):
    """What each talker's messages carry, by talker (the aggregated paths): its opinion as valence, and
    rules.conversation.credibility (``rule``: ``SpeakerCredibility``) without (own) and with this step's lever
    factors, in one pass, written into ``speech`` (``Speech``; its ``talking`` is not touched)."""
    experience_credibility, hearsay_credibility, factor, has_factor = rule
    said, credibility, own_credibility = speech.said, speech.credibility, speech.own_credibility
    last = talkers.shape[0] - 1
    for k in range(talkers.shape[0]):
        ahead = talkers[min(k + LOOK_AHEAD, last)]  # (scattered talkers: overlap their misses)
        prefetch(opinion, ahead)
        prefetch(role, ahead)
        prefetch(said, ahead)
        prefetch(credibility, ahead)
        prefetch(own_credibility, ahead)
        j = talkers[k]
        said[j] = opinion[j]
        own = experience_credibility if role[j] == CUSTOMER_CODE else hearsay_credibility
        own_credibility[j] = own
        credibility[j] = own * factor[j] if has_factor else own


@_jit
def deliver_to_listeners(talkers, messages, ties, delivery, out):
    """``deliver``'s deliveries (the same draws; ``ties``: ``SpokenTies``, ``delivery``: ``Reach``) written into
    the caller's ``Deliveries`` (keys, times seen, listeners), with key = tie + (talker << 32): the talker and
    listener are known here, in speaker order, where looking them up per tie later (after sorting by tie) costs
    two cache misses per delivery. Returns how many were written, or minus the room needed if the arrays are too
    short (the caller keeps them between steps)."""
    spoken_indptr, spoken_by, spoken_to = ties
    reach, misses, salt = delivery
    keys, seen, listeners = out
    total = 0
    for k in range(talkers.shape[0]):
        j = talkers[k]
        total += spoken_indptr[j + 1] - spoken_indptr[j]
    if total > keys.shape[0]:
        return -total
    m = 0
    last = talkers.shape[0] - 1
    for k in range(talkers.shape[0]):
        # Each talker's ties are a short loop whose exit is mispredicted, discarding the loads issued past it:
        # fetching later talkers' ranges and ties ahead halves the pass (14.7 -> 6.7-8 ms at 10^6, one thread).
        prefetch(spoken_indptr, talkers[min(k + 16, last)])
        ahead = spoken_indptr[talkers[min(k + 8, last)]]
        prefetch(spoken_by, ahead)
        prefetch(spoken_to, ahead)
        j = talkers[k]
        sent = messages[k]
        none = power(misses, sent)
        talker = np.int64(j) << TIE_BITS
        for position in range(spoken_indptr[j], spoken_indptr[j + 1]):
            tie = spoken_by[position]
            if reach >= 1.0:
                times = sent
            else:  # as in deliver: no branch on the draw but the rare second one
                u = uniform(salt, tie)
                times = int(u < 1.0 - none)
                if times and sent > 1:
                    times = binomial_by_inversion(sent, reach, none, u)
            keys[m] = talker + tie
            seen[m] = times
            listeners[m] = spoken_to[position]
            m += times > 0
    return m


@_inline
def hear(
    i,
    tie,
    times,
    valence,
    credibility,
    own_credibility,
    tie_trust,
    group_trust,
    same_community,
    openness_i,
    opinion_i,
    confidence_bound,
    beyond_bound_weight,
):
    """One message seen `times` on a tie (rules.trust): (weight, weight x gap, weight x valence, recommendation,
    recall). Recall (attention) uses the speaker's own credibility: levers change persuasion, not attention."""
    group = 0 if same_community[tie] else 1
    trust = np.float64(tie_trust[tie]) * group_trust[i, group]
    weight = times * message_weight(trust, credibility, openness_i)
    gap = valence - opinion_i
    weight = bounded_confidence(weight, gap, confidence_bound, beyond_bound_weight)
    recall = times * trust * own_credibility
    return weight, weight * gap, weight * valence, trust * credibility * max(valence, 0.0), recall


@_inline
def remember(tie, value, valence, recommendation, heard_step, last_valence, step, fading):
    """The tie's standing recommendation replaced (engine.word_of_mouth.remember): new minus the faded old
    one. Branch-free (``fading`` is all ones when nothing fades): a branch here costs more than the work."""
    before = recommendation[tie] * power(fading, step - heard_step[tie])
    stored = np.float32(value)  # ties keep float32: the sums move by what is stored
    heard_step[tie] = step
    recommendation[tie] = stored
    last_valence[tie] = valence
    return np.float64(stored) - before


@_inline
def settle(weights, pull, push, recall, awareness_i, first_source_i, interest_i, opinion_i, gain, persuasion):
    """What a listener heard this step, applied (rules.awareness.raise_recall, raise_interest,
    rules.trust.shift_opinions): its new (awareness, first source, interest, opinion). Scalars in and out:
    an inlined helper taking the state arrays costs four times the pass (reference counting per call)."""
    awareness_i = recalled(awareness_i, recall)
    if first_source_i == UNAWARE_CODE and awareness_i >= AWARE_THRESHOLD:
        first_source_i = PEER_CODE
    interest_i = raised_interest(interest_i, push, gain)
    opinion_i = shifted_opinion(opinion_i, pull, weights, persuasion)
    return awareness_i, first_source_i, interest_i, opinion_i


@_jit
def hear_messages(ties, listeners, seen, valence, credibility, own_credibility, state, rule, scratch, touched):
    """Persuade and remember for a list of peer messages (the per-message path); ``state`` and ``rule``: the
    ``Listening`` state and ``Persuasion`` settings (``engine.kernel_inputs``). ``scratch`` is an (n, 5) zero
    array of per-listener sums and ``touched`` an (n,) zero int8 array; both are left zeroed."""
    tie_trust, group_trust, same_community, recommendation, heard_step, last_valence = state[:6]
    awareness, first_source, interest, opinion, openness, recommendations = state[6:]
    step, fading, confidence_bound, beyond_bound_weight, gain, persuasion = rule
    order = np.empty(ties.shape[0], dtype=np.int64)
    m = 0
    for k in range(ties.shape[0]):
        i = listeners[k]
        tie = ties[k]
        if touched[i] == 0:
            touched[i] = 1
            order[m] = i
            m += 1
        weight, pull, push, value, recall = hear(
            i,
            tie,
            seen[k],
            valence[k],
            credibility[k],
            own_credibility[k],
            tie_trust,
            group_trust,
            same_community,
            openness[i],
            opinion[i],
            confidence_bound,
            beyond_bound_weight,
        )
        scratch[i, 0] += weight
        scratch[i, 1] += pull
        scratch[i, 2] += push
        scratch[i, 3] += remember(tie, value, valence[k], recommendation, heard_step, last_valence, step, fading)
        scratch[i, 4] += recall
    for position in range(m):
        i = order[position]
        awareness[i], first_source[i], interest[i], opinion[i] = settle(
            scratch[i, 0],
            scratch[i, 1],
            scratch[i, 2],
            scratch[i, 4],
            awareness[i],
            first_source[i],
            interest[i],
            opinion[i],
            gain,
            persuasion,
        )
        recommendations[i] += scratch[i, 3]
        scratch[i, 0] = 0.0
        scratch[i, 1] = 0.0
        scratch[i, 2] = 0.0
        scratch[i, 3] = 0.0
        scratch[i, 4] = 0.0
        touched[i] = 0


@_jit
def sort_by_tie(ties, times, n_ties):
    """(ties, times) sorted by tie index -- the network's order, listener by listener -- with a least
    significant digit radix sort of 11-bit digits: linear in the deliveries, whatever their order."""
    m = ties.shape[0]
    bits = 1
    while (1 << bits) < n_ties:
        bits += 1
    source_ties, source_times = ties.copy(), times.copy()
    target_ties, target_times = np.empty_like(ties), np.empty_like(times)
    shift = 0
    while shift < bits:
        counts = np.zeros(2049, dtype=np.int64)
        for k in range(m):
            counts[((source_ties[k] >> shift) & 2047) + 1] += 1
        for d in range(2048):
            counts[d + 1] += counts[d]
        for k in range(m):
            digit = (source_ties[k] >> shift) & 2047
            target_ties[counts[digit]] = source_ties[k]
            target_times[counts[digit]] = source_times[k]
            counts[digit] += 1
        source_ties, target_ties = target_ties, source_ties
        source_times, target_times = target_times, source_times
        shift += 11
    return source_ties, source_times


@_jit
def sort_deliveries(m, keys, times, listeners, other_keys, other_times, other_listeners, n_ties):
    """``sort_by_tie`` for the first m deliveries of ``deliver_to_listeners`` (sorted on their key's tie, the
    low half), carrying the times seen and the listeners along; the ``other_`` arrays (as long) are the
    scratch space. Digits of up to 12 bits, as few passes as that allows (two up to 2^24 ties, a third
    fewer than 11-bit digits at 10^6 consumers). Returns the sorted (keys, times, listeners): views of
    either set."""
    bits = 1
    while (1 << bits) < n_ties:
        bits += 1
    passes = (bits + 11) // 12
    width = (bits + passes - 1) // passes
    mask = (1 << width) - 1
    source_keys, source_times, source_listeners = keys, times, listeners
    target_keys, target_times, target_listeners = other_keys, other_times, other_listeners
    counts = np.empty(mask + 2, dtype=np.int64)
    shift = 0
    while shift < bits:
        counts[:] = 0
        for k in range(m):
            counts[(((source_keys[k] & TIE_MASK) >> shift) & mask) + 1] += 1
        for d in range(mask + 1):
            counts[d + 1] += counts[d]
        for k in range(m):
            digit = ((source_keys[k] & TIE_MASK) >> shift) & mask
            target_keys[counts[digit]] = source_keys[k]
            target_times[counts[digit]] = source_times[k]
            target_listeners[counts[digit]] = source_listeners[k]
            counts[digit] += 1
        source_keys, target_keys = target_keys, source_keys
        source_times, target_times = target_times, source_times
        source_listeners, target_listeners = target_listeners, source_listeners
        shift += width
    return source_keys[:m], source_times[:m], source_listeners[:m]


@_jit
def digit_histogram(keys, start, stop, shift, mask, counts):
    """One pass of ``sort_deliveries`` split over threads, first half: how many of the deliveries start to
    stop - 1 have each digit (of the key's tie, ``mask`` wide at ``shift``), added to ``counts``."""
    for k in range(start, stop):
        counts[((keys[k] & TIE_MASK) >> shift) & mask] += 1


@_jit
def scatter_by_digit(
    keys, times, listeners, start, stop, shift, mask, offsets, target_keys, target_times, target_listeners
):
    """Second half: the deliveries start to stop - 1 moved to their place, ``offsets[d]`` being where this part's
    first delivery of digit d goes (the parts before it, and the smaller digits, come first: a stable sort)."""
    for k in range(start, stop):
        digit = ((keys[k] & TIE_MASK) >> shift) & mask
        position = offsets[digit]
        target_keys[position] = keys[k]
        target_times[position] = times[k]
        target_listeners[position] = listeners[k]
        offsets[digit] = position + 1


@_inline
def hear_tie(i, tie, j, times, speech, state, rule, openness_i, opinion_i):
    """One tie's messages heard and remembered: (weight, weight x gap, weight x valence, recommendation added,
    recall); ``speech``, ``state`` and ``rule``: the kernel's ``Speech``, ``Listening`` and ``Persuasion``."""
    # Fields read by name, not unpacked into locals: unpacked locals named as the caller's gave wrong numbers
    # once inlined (numba 0.68's inliner), caught by the golden check.
    valence = speech.said[j]
    credibility, own_credibility = speech.credibility[j], speech.own_credibility[j]
    weight, pull, push, value, recall = hear(
        i,
        tie,
        times,
        valence,
        credibility,
        own_credibility,
        state.tie_trust,
        state.group_trust,
        state.same_community,
        openness_i,
        opinion_i,
        rule.confidence_bound,
        rule.beyond_bound_weight,
    )
    added = remember(
        tie, value, valence, state.recommendation, state.heard_step, state.last_valence, rule.step, rule.fading
    )
    return weight, pull, push, added, recall


@_jit
def hear_dense(indptr, indices, speech, delivery, state, rule, first, last):
    """Deliver, persuade and remember in one pass over the rows of listeners ``first`` to ``last - 1``, in the
    network's order (so every array is read in order): ``talking[j]`` messages of talker j (0: silent) are
    drawn on each of its ties on the way (rules.conversation.deliver_on_network, with ``delivery``'s reach);
    ``said[j]`` and ``credibility[j]`` are their valence and credibility (``speech``). ``state`` and ``rule``:
    the ``Listening`` state and ``Persuasion`` settings (``engine.kernel_inputs``). A listener's pass writes
    only its own state and its own ties, so ranges of listeners can run on separate threads. Returns (positive,
    negative) messages seen."""
    talking, said, credibility, own_credibility = speech
    reach, misses, salt = delivery
    awareness, first_source, interest, opinion, openness, recommendations = state[6:]
    gain, persuasion = rule[4:]
    positive = 0
    negative = 0
    final = indices.shape[0] - 1
    for i in range(first, last):
        heard = False
        weights = 0.0
        pulls = 0.0
        pushes = 0.0
        added = 0.0
        recalled = 0.0
        # Read once per listener: the stores to the ties below could alias them for the compiler, which would
        # then load them again for every tie (10% of the pass).
        openness_i, opinion_i = openness[i], opinion[i]
        for tie in range(indptr[i], indptr[i + 1]):
            # The talkers a few rows ahead are known: loading their state now overlaps the misses on the
            # ties that leave the neighbourhood (measured: 200 -> 82 ms for 10^7 ties on one thread).
            talker_ahead = indices[min(tie + DENSE_LOOK_AHEAD, final)]
            prefetch(talking, talker_ahead)
            prefetch(said, talker_ahead)
            prefetch(credibility, talker_ahead)
            prefetch(own_credibility, talker_ahead)
            j = indices[tie]
            sent = talking[j]
            if sent == 0:
                continue
            times = sent
            if reach < 1.0:
                times = binomial_by_inversion(sent, reach, power(misses, sent), uniform(salt, tie))
                if times == 0:
                    continue
            positive += times * (said[j] > 0)
            negative += times * (said[j] < 0)
            weight, pull, push, add, recall = hear_tie(i, tie, j, times, speech, state, rule, openness_i, opinion_i)
            weights += weight
            pulls += pull
            pushes += push
            added += add
            recalled += recall
            heard = True
        if heard:
            awareness[i], first_source[i], interest[i], opinion[i] = settle(
                weights,
                pulls,
                pushes,
                recalled,
                awareness[i],
                first_source[i],
                interest[i],
                opinion[i],
                gain,
                persuasion,
            )
            recommendations[i] += added
    return positive, negative


@_jit
def learn_tie_trust(
    buyers, satisfaction, indptr, last_valence, trust, same_community, group_trust, learning, community_learning
):
    """engine.experience.learn_trust for ties, buyer by buyer (each buyer's ties are its own row): every tie
    that told the buyer something moves its trust toward that message's accuracy (rules.trust.source_accuracy,
    learn_trust); with ``community_learning`` > 0, the buyer's trust in its own community (group 0) and in
    others (1) moves toward the mean accuracy of what each group's ties told it (rules.trust.community_accuracy).
    Returns the change in the sum of tie trust."""
    change = 0.0
    last = buyers.shape[0] - 1
    for b in range(buyers.shape[0]):
        # Buyers are scattered over the market: ask for the rows of later buyers now (as deliver_to_listeners).
        prefetch(indptr, buyers[min(b + 16, last)])
        row_ahead = indptr[buyers[min(b + 8, last)]]
        prefetch(last_valence, row_ahead)
        prefetch(same_community, row_ahead)
        i = buyers[b]
        s = satisfaction[b]
        told_own, told_others, heard_own, heard_others = 0.0, 0.0, 0, 0  # (scalars: no allocation per buyer)
        for tie in range(indptr[i], indptr[i + 1]):
            valence = last_valence[tie]
            if np.isnan(valence):
                continue
            accuracy = source_accuracy(np.float64(valence), s)
            before = np.float64(trust[tie])
            after = np.float32(learn_trust(before, accuracy, learning))
            trust[tie] = after
            change += np.float64(after) - before
            if same_community[tie]:
                told_own += accuracy
                heard_own += 1
            else:
                told_others += accuracy
                heard_others += 1
        if community_learning > 0.0 and heard_own > 0:
            before = np.float64(group_trust[i, 0])
            group_trust[i, 0] = np.float32(learn_trust(before, told_own / heard_own, community_learning))
        if community_learning > 0.0 and heard_others > 0:
            before = np.float64(group_trust[i, 1])
            group_trust[i, 1] = np.float32(learn_trust(before, told_others / heard_others, community_learning))
    return change


@_jit
def hear_sorted(keys, times, listeners, speech, state, rule):
    """Persuade and remember the deliveries of ``deliver_to_listeners`` (``keys``, ``times`` seen,
    ``listeners``), sorted by tie so that each listener's come together and every array is read in order;
    ``speech``, ``state`` and ``rule`` as in ``hear_dense``. Returns (positive, negative) messages."""
    _, said, credibility, own_credibility = speech
    same_community, recommendation = state[2:4]
    awareness, first_source, interest, opinion, openness, recommendations = state[6:]
    gain, persuasion = rule[4:]
    positive = 0
    negative = 0
    k = 0
    m = keys.shape[0]
    while k < m:
        i = listeners[k]
        # The deliveries are sorted, so the addresses a few listeners ahead are known: loading them now
        # overlaps the cache misses (one per array and listener) that otherwise come one after another.
        ahead = min(k + LOOK_AHEAD, m - 1)
        tie_ahead, listener_ahead, talker_ahead = (
            keys[ahead] & TIE_MASK,
            np.int64(listeners[ahead]),
            keys[ahead] >> TIE_BITS,
        )
        prefetch(recommendation, tie_ahead)
        prefetch(same_community, tie_ahead)
        prefetch(awareness, listener_ahead)
        prefetch(interest, listener_ahead)
        prefetch(opinion, listener_ahead)
        prefetch(openness, listener_ahead)
        prefetch(recommendations, listener_ahead)
        prefetch(first_source, listener_ahead)
        prefetch(said, talker_ahead)
        prefetch(credibility, talker_ahead)
        prefetch(own_credibility, talker_ahead)
        weights = 0.0
        pulls = 0.0
        pushes = 0.0
        added = 0.0
        recalled = 0.0
        openness_i, opinion_i = openness[i], opinion[i]  # (once per listener, as in hear_dense)
        while k < m and listeners[k] == i:
            tie = keys[k] & TIE_MASK
            j = keys[k] >> TIE_BITS
            seen = times[k]
            positive += seen * (said[j] > 0)
            negative += seen * (said[j] < 0)
            weight, pull, push, add, recall = hear_tie(i, tie, j, seen, speech, state, rule, openness_i, opinion_i)
            weights += weight
            pulls += pull
            pushes += push
            added += add
            recalled += recall
            k += 1
        awareness[i], first_source[i], interest[i], opinion[i] = settle(
            weights, pulls, pushes, recalled, awareness[i], first_source[i], interest[i], opinion[i], gain, persuasion
        )
        recommendations[i] += added
    return positive, negative


@_jit
def discover_and_read(readers_state, settings, start, stop):
    """engine.page.discover_and_read (``PageReaders`` state, ``PageReading`` settings) for consumers start to stop - 1, in one pass with the thinning
    (``thin``: non-customers whose hashed uniform u is below ``bound``): the unaware with u < ``discovery``
    learn of the product, through its page when u < ``via_page_below`` and from media otherwise
    (rules.awareness.make_aware); the aware read the page with probability 1 - exp(-visiting x interest / 0.5
    x dt), and so do those who found it through the page. A read: rules.awareness.make_aware (source: reviews),
    the weight review_trust x c(n) x openness under rules.trust.bounded_confidence, rules.awareness.raise_interest
    and rules.trust.shift_opinions, and the page signal. A consumer's pass touches only its own state, so
    ranges run on separate threads. Returns the number of readers."""
    role, awareness, first_source, interest, openness, opinion, page_signal, page_read_step = readers_state
    salt, bound, discovery, via_page_below, visiting, dt, valence, weight_per_openness, signal = settings[:9]
    tick, confidence_bound, beyond_bound_weight, gain, persuasion = settings[9:]
    readers = 0
    for i in range(start, stop):
        u = uniform(salt, i)  # hashed first: a test on role[i] alone would be mispredicted at random
        if not (u < bound and role[i] != CUSTOMER_CODE):
            continue
        aware = awareness[i] >= AWARE_THRESHOLD
        found = (not aware) and u < discovery
        via_page = found and u < via_page_below
        if found and not via_page:
            awareness[i] = 1.0
            if first_source[i] == UNAWARE_CODE:
                first_source[i] = MEDIA_CODE
        if not (via_page or (aware and u < page_visit_probability(visiting, interest[i], dt))):
            continue
        readers += 1
        awareness[i] = 1.0
        if first_source[i] == UNAWARE_CODE:
            first_source[i] = REVIEWS_CODE
        weight = weight_per_openness * openness[i]
        gap = valence - opinion[i]
        weight = bounded_confidence(weight, gap, confidence_bound, beyond_bound_weight)
        interest[i] = raised_interest(interest[i], weight * valence, gain)
        opinion[i] = shifted_opinion(opinion[i], weight * gap, weight, persuasion)
        page_signal[i] = signal
        page_read_step[i] = tick
    return readers


@_jit
def purchase_pass(state, settings, start, stop):
    """engine.purchase.purchase's decisions (``Buyers`` state, ``PurchaseHazard`` settings) for consumers start to stop - 1, in one pass with the thinning
    (``thin``: aware non-customers whose hashed uniform u is below ``bound``): rules.purchase.purchase_gate,
    the mid-step social influence (engine.word_of_mouth.social_influence, rules.purchase.midstep_influence), the
    page signal (page_influence), purchase_hazard and purchase_probability; buys if u is below it. Returns
    (buyers, their q S + r R)."""
    aware, role, opinion, interest, external, recommendations, recommendations_before = state[:7]
    ties_per_listener, page_signal, page_read_step, fading = state[7:]
    salt, bound, has_external, background, tick, opinion_sensitivity, rejection_opinion = settings[:7]
    p, q, review_influence, price_factor, dt = settings[7:]
    buyers = np.empty(stop - start, dtype=np.int64)
    social = np.empty(stop - start)
    m = 0
    for i in range(start, stop):
        if i % 8 == 0:  # few and scattered candidates: stream their state in ahead of the unpredictable test
            ahead = min(i + 512, stop - 1)
            prefetch(opinion, ahead)
            prefetch(interest, ahead)
            prefetch(recommendations, ahead)
            prefetch(recommendations_before, ahead)
            prefetch(ties_per_listener, ahead)
            prefetch(page_signal, ahead)
            prefetch(page_read_step, ahead)
        u = uniform(salt, i)
        if not (u < bound and aware[i] and role[i] != CUSTOMER_CODE):
            continue
        gate = purchase_gate(opinion[i], interest[i], opinion_sensitivity, rejection_opinion)
        ties = ties_per_listener[i]
        influence = midstep_influence(recommendations[i] / ties, recommendations_before[i] / ties)
        read = page_read_step[i]
        page = page_signal[i] * fading[max(tick - read, 0)] if read >= 0 else 0.0
        pull = q * influence + review_influence * page
        hazard = purchase_hazard(gate, p, external[i] if has_external else background, 1.0, pull, price_factor)
        if u < purchase_probability(hazard, dt):
            buyers[m] = i
            social[m] = pull
            m += 1
    return buyers[:m].copy(), social[:m].copy()


@_jit
def aware_opinions(aware, opinion):
    """recorder.aware_opinions in one pass: (aware consumers, sum of their opinions, how many of them hold a
    negative one); the sum in four interleaved lanes, as the numpy form adds them."""
    count = 0
    lanes = np.zeros(4)
    negative = 0
    for i in range(aware.shape[0]):
        if aware[i]:
            o = opinion[i]
            lanes[count & 3] += o
            count += 1
            negative += o < 0.0
    return count, (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]), negative


@_jit
def thin(candidate, bound, salt, start, stop):
    """Consumers start to stop - 1 with candidate[i] whose hashed uniform is below `bound`, and their uniforms."""
    n = stop - start
    who = np.empty(n, dtype=np.int64)
    u = np.empty(n)
    m = 0
    for i in range(start, stop):
        draw = uniform(salt, i)  # hashed first: a test on candidate[i] alone would be mispredicted at random
        if draw < bound and candidate[i]:
            who[m] = i
            u[m] = draw
            m += 1
    return who[:m].copy(), u[:m].copy()


@_jit
def hashed_uniforms(salt, indices):
    """streams.hashed_uniforms: one call instead of a dozen numpy passes (a step's buyers are a handful)."""
    u = np.empty(indices.shape[0])
    for k in range(indices.shape[0]):
        u[k] = uniform(salt, indices[k])
    return u


@_inline
def _root(parent, i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@_jit
def live_edge_components(n, u, v, p, salt, samples):
    """influence.cascade.LiveEdgeSamples (undirected): in sample r each edge lives when its hashed uniform
    (index r x edges + edge) is below p; returns (component label per sample and consumer, sizes of every
    sample's components, concatenated, and each sample's first component id)."""
    m = u.shape[0]
    labels = np.empty((samples, n), dtype=np.int32)
    parent = np.empty(n, dtype=np.int64)
    label_of = np.empty(n, dtype=np.int64)
    sizes = np.empty(samples * n, dtype=np.int64)
    offsets = np.empty(samples, dtype=np.int64)
    total = 0
    for r in range(samples):
        for i in range(n):
            parent[i] = i
            label_of[i] = -1
        if p < SKIP_BELOW:  # live edges found by geometric skips: a draw per live edge
            e = -1
            k = 0
            log_miss = math.log1p(-p)
            while p > 0.0:
                e += 1 + int(math.log(1.0 - uniform(salt, (r << 32) + k)) / log_miss)
                k += 1
                if e >= m:
                    break
                a = _root(parent, u[e])
                b = _root(parent, v[e])
                if a != b:
                    parent[max(a, b)] = min(a, b)
        else:  # a draw per edge
            base = r * m
            for e in range(m):
                if uniform(salt, base + e) < p:
                    a = _root(parent, u[e])
                    b = _root(parent, v[e])
                    if a != b:
                        parent[max(a, b)] = min(a, b)
        offsets[r] = total
        count = 0
        for i in range(n):
            root = _root(parent, i)
            if label_of[root] < 0:
                label_of[root] = count
                sizes[total + count] = 0
                count += 1
            labels[r, i] = label_of[root]
            sizes[total + label_of[root]] += 1
        total += count
    return labels, sizes[:total].copy(), offsets


@_jit
def cascade_spreads(indptr, listeners, seeds, p, runs, salt):
    """influence.cascade.simulate_independent_cascade, `runs` times: breadth first from the seeds, each
    newly active consumer trying each of its ties once with probability p. Below ``SKIP_BELOW`` its
    successful ties are found by geometric skips (the gap to the next success is floor(log(1 - u) /
    log(1 - p)) for a hashed uniform u: a draw per success); otherwise each tie gets its own hashed
    uniform (index run x ties + tie). Returns the final spreads."""
    n = indptr.shape[0] - 1
    m = listeners.shape[0]
    active = np.zeros(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    spreads = np.empty(runs, dtype=np.int64)
    skips = 0.0 < p < SKIP_BELOW
    log_miss = math.log1p(-p) if skips else 0.0
    for r in range(runs):
        mark = r + 1
        head = 0
        tail = 0
        for s in seeds:
            if active[s] != mark:
                active[s] = mark
                queue[tail] = s
                tail += 1
        if skips:
            while head < tail:
                j = queue[head]
                head += 1
                start, degree = indptr[j], indptr[j + 1] - indptr[j]
                base = ((r * n + j) << 20) + 1  # distinct draws for every (run, speaker, success)
                position = -1
                k = 0
                while True:
                    position += 1 + int(math.log(1.0 - uniform(salt, base + k)) / log_miss)
                    k += 1
                    if position >= degree:
                        break
                    i = listeners[start + position]
                    if active[i] != mark:
                        active[i] = mark
                        queue[tail] = i
                        tail += 1
        else:
            base = r * m
            while head < tail:
                j = queue[head]
                head += 1
                for tie in range(indptr[j], indptr[j + 1]):
                    i = listeners[tie]
                    if active[i] != mark and uniform(salt, base + tie) < p:
                        active[i] = mark
                        queue[tail] = i
                        tail += 1
        spreads[r] = tail
    return spreads


@_jit
def ties_by_speaker(indices, n, order):
    """population.create_ties: the tie indices ordered by speaker into ``order`` (stable: as scipy's
    transpose orders them), and where each speaker's ties start (a counting sort)."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    for tie in range(indices.shape[0]):
        indptr[indices[tie] + 1] += 1
    for j in range(n):
        indptr[j + 1] += indptr[j]
    position = indptr[:-1].copy()
    for tie in range(indices.shape[0]):
        j = indices[tie]
        order[position[j]] = tie
        position[j] += 1
    return indptr


@_jit
def strong_ties(indptr, indices, salt, share):
    """population.create_ties: whether each tie is strong, a hash of its unordered pair below `share`
    (the same both ways)."""
    n = indptr.shape[0] - 1
    strong = np.empty(indices.shape[0], dtype=np.bool_)
    for i in range(n):
        for tie in range(indptr[i], indptr[i + 1]):
            j = indices[tie]
            low = np.uint64(min(i, j))
            high = np.uint64(max(i, j))
            z = low * np.uint64(n) + high + salt
            z = (z ^ (z >> S30)) * M1
            z = (z ^ (z >> S27)) * M2
            z = z ^ (z >> S31)
            strong[tie] = float(z >> S11) * SCALE < share
    return strong


@_jit
def fill_tie_memory(trust, last_valence, recommendation, heard_step, strong, strong_trust, weak_trust):
    """state.tie_memory for trust by strength, record by record (the four views share one array)."""
    for tie in range(strong.shape[0]):
        trust[tie] = strong_trust if strong[tie] else weak_trust
        last_valence[tie] = np.nan
        recommendation[tie] = 0.0
        heard_step[tie] = -1
