"""How a sub-step's messages reach their listeners: the three delivery paths, the buffers they reuse from one
sub-step to the next, and their split over the kernels' threads.

All three paths give the same deliveries, persuasion and memory (each tie's draw is its own hashed uniform,
``simulation.streams``; ``tests/test_engine_paths.py``):

* "messages": one record per (speaker, listener) pair seen (``Messages``), persuaded by ``rules`` in numpy or
  by ``kernels.hear_messages``;
* "sparse": the talkers' ties are drawn, sorted into the network's order and the listeners persuaded in that
  order (``kernels.deliver_to_listeners``, ``sort_deliveries``, ``hear_sorted``);
* "dense": every listener's row is visited once and messages are drawn on the way (``kernels.hear_dense``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import kernels
from ..marketing.base import Lever, MarketingEffects
from ..rules import conversation
from ..rules.rates import decay_factor
from ..step_records import Messages
from .kernel_inputs import Deliveries, Listening, Persuasion, Reach, SpeakerCredibility, Speech, SpokenTies

if TYPE_CHECKING:
    from ..model import WordOfMouthModel

# Deliver in aggregate when more than this share of all ties would see a message (see ``DeliveryPaths.choose``).
# Measured at 10^6 consumers, degree 10, two threads: the dense pass costs about 45 ms whatever the talk, the
# sparse path about 17 ms at 4% of ties seeing a message, 60 ms at 10% and 85 ms at 18%.
AGGREGATE_SHARE = 0.08


def delivery_buffers(size: int) -> tuple[np.ndarray, ...]:
    """Two sets of (keys, times seen, listeners) for ``kernels.deliver_to_listeners`` and ``sort_deliveries``."""
    return tuple(np.empty(size, dtype=dtype) for dtype in (np.int64, np.int64, np.int32) * 2)


def fading_by_age(model: WordOfMouthModel) -> np.ndarray:
    """memory ** age for ages 0 to tick + 1, looked up by age where recommendations and page reads fade: one
    pow per age and sub-step instead of one per consumer."""
    memory = decay_factor(model.settings.awareness_decay, model.dt)
    return memory ** np.arange(model.tick + 2, dtype=np.int32)


def listening_state(model: WordOfMouthModel) -> tuple[Listening, Persuasion]:
    """What the compiled hearing kernels read and update (the ties' trust and memory, the listeners' state)
    and the trust rules' settings, this sub-step."""
    c, t, prm = model.consumers, model.ties, model.settings
    assert t is not None
    state = Listening(
        t.trust,
        c.group_trust,
        t.same_community,
        t.recommendation,
        t.heard_step,
        t.last_valence,
        c.awareness,
        c.first_source,
        c.interest,
        c.opinion,
        c.openness,
        model.social_memory.recommendations,
    )
    rule = Persuasion(
        model.tick,
        fading_by_age(model),
        float(prm.confidence_bound),
        float(prm.beyond_bound_weight),
        float(prm.interest_gain),
        float(prm.persuasion),
    )
    return state, rule


def listener_spans_by_ties(indptr: np.ndarray, n: int, n_ties: int, parts: int) -> list[tuple[int, int]]:
    """Consumers 0 to n - 1 cut at listener boundaries into `parts` ranges with about as many ties each: each
    part's listeners, and their ties, are its own."""
    rows = [0] + [int(np.searchsorted(indptr, n_ties * p // parts)) for p in range(1, parts)] + [n]
    return list(zip(rows, rows[1:]))


def delivery_spans_by_listener(listeners: np.ndarray, m: int, parts: int) -> list[tuple[int, int]]:
    """The first m deliveries (sorted by listener) cut into `parts` ranges at listener boundaries."""
    cuts = [0] + [int(np.searchsorted(listeners, listeners[m * p // parts])) for p in range(1, parts)] + [m]
    return list(zip(cuts, cuts[1:]))


class DeliveryPaths:
    """The choice of a sub-step's delivery path and the buffers the compiled paths reuse."""

    def __init__(self) -> None:
        self.scratch: tuple | None = None  # per-listener sums of the compiled per-message path
        self.talking: tuple | None = None  # per-consumer messages, valence and credibility of the aggregated path
        self.deliveries = delivery_buffers(0)  # the sparse path's deliveries and sorting space, reused
        self.spoken: tuple = (None, None)  # this sub-step's talkers and the ties each speaks on
        self.misses: tuple = (None, None)  # this sub-step's message counts and their miss table

    def choose(
        self, model: WordOfMouthModel, talkers: np.ndarray, counts: np.ndarray, effects: MarketingEffects
    ) -> str:
        """How this sub-step's messages are delivered (all three give the same deliveries):

        * "messages" when something needs them one by one -- levers that read messages, recorded messages,
          adoption on recommendation, re-shared posts to attribute --, in mean field, or without the kernels;
        * "dense" when more than ``AGGREGATE_SHARE`` of all ties would see a message (the sparse path's cost
          grows with the deliveries, the dense pass's with the ties; a tie spoken to c times sees a message
          with probability 1 - (1 - reach)^c); "sparse" otherwise.

        ``model.delivery`` ("auto" by default) forces one of them where it is allowed."""
        if model.ties is None or model.delivery == "messages" or not model.compiled:
            return "messages"
        if (
            model.record_messages
            or model.settings.adopt_on_recommendation
            or effects.extra_messages.size
            or any(type(lever).on_messages is not Lever.on_messages for _, lever in model.brand.acting)
        ):
            return "messages"
        misses = self.miss_table(model, counts)
        if model.delivery in ("sparse", "dense"):
            return model.delivery
        spoken = model.ties.spoken_indptr
        self.spoken = (talkers, spoken[talkers + 1] - spoken[talkers])  # each talker's ties (deliver_sparse)
        # (a product and a sum, not ``@``: a BLAS call would wake BLAS's own threads, which then spin on the
        # cores the kernels' threads need)
        deliveries = float((self.spoken[1] * (1.0 - misses[np.minimum(counts, misses.size - 1)])).sum())
        many = deliveries > AGGREGATE_SHARE * model.network.n_ties
        return "dense" if many else "sparse"

    def miss_table(self, model: WordOfMouthModel, counts: np.ndarray) -> np.ndarray:
        """``conversation.miss_table`` for this sub-step's message counts, computed once (by ``choose``) and
        read again by the pass that draws the deliveries with it."""
        if self.misses[0] is not counts:
            self.misses = (counts, conversation.miss_table(model.settings.reach, counts.max(initial=1)))
        return self.misses[1]

    def hear_messages(self, model: WordOfMouthModel, messages: Messages) -> None:
        """The trust rules of persuasion and memory for delivered peer messages, in one compiled pass."""
        n = model.consumers.n
        if self.scratch is None:
            self.scratch = (np.zeros((n, 5)), np.zeros(n, dtype=np.int8))
        kernels.compiled().hear_messages(
            messages.ties,
            messages.listeners,
            messages.seen,
            messages.valence,
            messages.credibility,
            messages.own_credibility,
            *listening_state(model),
            *self.scratch,
        )
        messages.remembered = True

    def hear_in_aggregate(self, model: WordOfMouthModel, messages: Messages, effects: MarketingEffects) -> None:
        """Deliver, persuade and remember without materialising message records, in the network's order
        (the "dense" or "sparse" path; see ``choose``)."""
        c, prm = model.consumers, model.settings
        if self.talking is None:
            self.talking = (
                np.zeros(c.n, dtype=np.int64),  # messages each talker sent (dense path)
                np.zeros(c.n),  # valence of each talker's messages
                np.zeros(c.n),  # credibility of each talker (with this step's lever factors: persuasion)
                np.zeros(c.n),  # its own credibility (without them: attention)
            )
        factor = effects.credibility
        speaker = SpeakerCredibility(
            float(prm.experience_credibility),
            float(prm.hearsay_credibility),
            np.ones(1) if factor is None else factor,
            factor is not None,
        )
        # (conversation.credibility by talker, in one pass)
        kernels.compiled().speak(messages.talkers, c.opinion, c.role, speaker, Speech(*self.talking))
        delivery = Reach(float(prm.reach), self.miss_table(model, messages.counts), model.salt("deliver"))
        hear = self._hear_dense if messages.delivery == "dense" else self._hear_sparse
        heard = hear(model, messages, delivery, *listening_state(model))
        messages.positive_count = int(sum(h[0] for h in heard))
        messages.negative_count = int(sum(h[1] for h in heard))
        messages.remembered = True

    def _hear_dense(self, model: WordOfMouthModel, messages: Messages, delivery: Reach, state, rule) -> list:
        """``kernels.hear_dense`` over every listener's row, split over threads by listener."""
        net = model.network
        assert self.talking is not None
        speech = Speech(*self.talking)
        speech.talking[messages.talkers] = messages.counts
        spans = listener_spans_by_ties(net.indptr, model.consumers.n, net.n_ties, kernels.parts_for(net.n_ties))
        heard = kernels.run_parts(
            kernels.compiled().hear_dense,
            [(net.indptr, net.indices, speech, delivery, state, rule, *span) for span in spans],
        )
        speech.talking[messages.talkers] = 0
        return heard

    def _hear_sparse(self, model: WordOfMouthModel, messages: Messages, delivery: Reach, state, rule) -> list:
        """The talkers' deliveries drawn, sorted by tie and heard listener by listener, split over threads."""
        net, compiled = model.network, kernels.compiled()
        assert model.ties is not None and model.ties.spoken_to is not None and self.talking is not None
        assert net.n_ties <= compiled.TIE_MASK  # (2^32 ties would need 64 GB)
        speech = Speech(*self.talking)
        m = self._deliver_sparse(model, messages.talkers, messages.counts, delivery)
        keys, seen, listeners = kernels.sort_deliveries(m, self.deliveries, net.n_ties)
        return kernels.run_parts(
            compiled.hear_sorted,
            [
                (keys[a:b], seen[a:b], listeners[a:b], speech, state, rule)
                for a, b in delivery_spans_by_listener(listeners, m, kernels.parts_for(m))
            ],
        )

    def _deliver_sparse(self, model: WordOfMouthModel, talkers, counts, delivery: Reach) -> int:
        """``kernels.deliver_to_listeners`` into ``self.deliveries``, the talkers split over threads (each part
        written where its ties start, then moved up behind the previous part); returns the deliveries."""
        t = model.ties
        assert t is not None and t.spoken_to is not None
        spoken = (
            self.spoken[1] if self.spoken[0] is talkers else t.spoken_indptr[talkers + 1] - t.spoken_indptr[talkers]
        )
        starts = np.concatenate(([0], np.cumsum(spoken)))
        if starts[-1] > self.deliveries[0].shape[0]:  # a quarter more room than needed: rare reallocations
            self.deliveries = delivery_buffers(int(starts[-1]) + int(starts[-1]) // 4)
        ranges = kernels.spans(talkers.shape[0], kernels.parts_for(int(starts[-1])))
        ties = SpokenTies(t.spoken_indptr, t.spoken_by, t.spoken_to)
        calls = [
            (
                talkers[a:b],
                counts[a:b],
                ties,
                delivery,
                Deliveries(*(buffer[starts[a] :] for buffer in self.deliveries[:3])),
            )
            for a, b in ranges
        ]
        written = kernels.run_parts(kernels.compiled().deliver_to_listeners, calls)
        assert min(written) >= 0  # (each part had room)
        m = written[0]
        for (a, _), count in zip(ranges[1:], written[1:]):
            for buffer in self.deliveries[:3]:
                buffer[m : m + count] = buffer[starts[a] : starts[a] + count]  # (overlapping: numpy copies safely)
            m += count
        return m
