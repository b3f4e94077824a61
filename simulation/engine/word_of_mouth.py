"""The word-of-mouth rule steps: consumers talk, their messages are delivered, listeners are persuaded under
the trust rules and remember what each tie last recommended (the social influence S_i of the purchase hazard).

Equations: ``rules.conversation`` (talk, delivery, credibility), ``rules.trust`` (message weight, bounded
confidence, opinion shift), ``rules.awareness`` (recall, interest); docs/MODEL.md, "Submodels".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..marketing.base import MarketingEffects
from ..rules import conversation, trust
from ..rules.awareness import raise_interest, raise_recall
from ..rules.purchase import midstep_influence
from ..rules.rates import decay_factor
from ..state import Source
from ..step_records import Messages
from .record import StepRecord

if TYPE_CHECKING:
    from ..model import WordOfMouthModel


@dataclass(eq=False)
class SocialMemory:
    """The standing recommendations behind social influence S_i = recommendations heard / ties.

    The numerator is kept up to date incrementally, and its value at the previous sub-step's purchases kept for
    the mid-step estimate (two buffers swapped each sub-step: no copy)."""

    recommendations: np.ndarray  # per listener: sum over its ties of the fading recommendation last heard
    recommendations_before: np.ndarray  # the same at the previous sub-step's purchases
    ties_per_listener: np.ndarray  # k_i (at least 1)
    voice_before: float | None = None  # mean field: total voice at the previous sub-step's purchases

    @classmethod
    def empty(cls, indptr: np.ndarray) -> SocialMemory:
        n = indptr.shape[0] - 1
        ties = np.maximum(np.diff(indptr), 1).astype(np.float64)
        return cls(np.zeros(n), np.zeros(n), ties)


def deliver(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Who talks, how many messages each sends, and on which ties (or to whom) they are seen (rules.conversation:
    talk, deliver_on_network, credibility).

    On a network the messages are delivered one by one (per tie of each talker) when few talk, and in
    aggregate when many do and no lever needs the individual messages (``DeliveryPaths.choose``)."""
    c, prm = model.consumers, model.settings
    talkers, counts = conversation.talk(
        c,
        talk_window=prm.talk_window,
        step=model.step_index,
        talk_rate=prm.talk_rate,
        neutral_talk=prm.neutral_talk,
        negativity_bias=prm.negativity_bias,
        hearsay_talk_ratio=prm.hearsay_talk_ratio,
        dt=model.dt,
        boost=effects.talk_boost,
        salt=model.salt("talk"),
        compiled=model.compiled,
    )
    if effects.extra_messages.size:  # e.g. re-shared brand posts: one more message each
        extra = np.zeros(c.n, dtype=np.int64)
        extra[talkers] = counts
        np.add.at(extra, effects.extra_messages, 1)
        talkers = np.flatnonzero(extra)
        counts = extra[talkers]
    path = model.delivery_paths.choose(model, talkers, counts, effects)
    record.messages = (
        Messages(talkers=talkers, counts=counts, delivery=path)
        if path != "messages"
        else _messages_one_by_one(model, talkers, counts, effects)
    )


def _messages_one_by_one(model: WordOfMouthModel, talkers, counts, effects: MarketingEffects) -> Messages:
    """One record per (speaker, listener) pair that saw a message, with the listener's trust in the speaker."""
    c, prm = model.consumers, model.settings
    if model.ties is None:
        speakers, listeners = conversation.deliver_in_mean_field(
            talkers, counts, c.n, prm.contacts, prm.reach, model.stream("deliver")
        )
        seen = np.ones(speakers.shape[0])
        tie_trust = trust.effective_trust(prm.weak_tie_trust, c.group_trust[listeners, 0])
        ties = None
    else:
        ties, seen = conversation.deliver_on_network(
            talkers, counts, model.ties, prm.reach, model.salt("deliver"), model.compiled
        )
        speakers, listeners = model.ties.speaker[ties], model.ties.listener[ties]
        group = (~model.ties.same_community[ties]).astype(np.intp)
        tie_trust = trust.effective_trust(model.ties.trust[ties], c.group_trust[listeners, group])
    own_credibility = conversation.credibility(
        c,
        speakers,
        experience_credibility=prm.experience_credibility,
        hearsay_credibility=prm.hearsay_credibility,
    )
    # A copy even without lever factors: levers lower ``credibility`` in place (on_messages), not attention.
    credibility = (
        own_credibility.copy() if effects.credibility is None else own_credibility * effects.credibility[speakers]
    )
    return Messages(
        talkers=talkers,
        counts=counts,
        speakers=speakers,
        listeners=listeners,
        seen=seen,
        valence=c.opinion[speakers],
        credibility=credibility,
        tie_trust=tie_trust,
        own_credibility=own_credibility,
        ties=ties,
    )


def age_recommendations(model: WordOfMouthModel) -> None:
    """The standing recommendations fade over the sub-step; the values before are kept for the mid-step
    estimate of social influence (two buffers swapped: no copy)."""
    memory = decay_factor(model.settings.awareness_decay, model.dt)
    social = model.social_memory
    np.multiply(social.recommendations, memory, out=social.recommendations_before)
    social.recommendations, social.recommendations_before = social.recommendations_before, social.recommendations


def persuade(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Listeners become aware, and update interest and opinion under the trust rules (rules.trust:
    message_weight, bounded_confidence, shifted_opinion; rules.awareness: recalled, raised_interest)."""
    messages = record.messages
    if model.ties is not None:
        age_recommendations(model)
    if messages.delivery != "messages":  # deliver, persuade and remember without materialising messages
        model.delivery_paths.hear_in_aggregate(model, messages, effects)
        return
    if model.ties is not None and model.compiled and not effects.extra_messages.size:
        # (extra messages are attributed to their own source when they make a consumer aware: numpy path)
        model.delivery_paths.hear_messages(model, messages)
        return
    c, prm = model.consumers, model.settings
    listeners, valence = messages.listeners, messages.valence
    assert listeners is not None and valence is not None and messages.seen is not None
    assert messages.own_credibility is not None and messages.tie_trust is not None
    # A mention is remembered in proportion to the trust in its speaker (rules.awareness.raise_recall).
    recall = messages.seen * messages.tie_trust * messages.own_credibility
    peer = np.ones(listeners.shape[0], dtype=bool)
    if effects.extra_messages.size:  # first heard from an extra message: attributed to its source
        source = np.full(c.n, -1, dtype=np.int8)
        source[effects.extra_messages] = effects.extra_sources
        from_extra = source[messages.speakers]
        peer = from_extra < 0
        for code in np.unique(effects.extra_sources):
            mine = from_extra == code
            raise_recall(c, listeners[mine], recall[mine], Source(int(code)))
    raise_recall(c, listeners[peer], recall[peer], Source.PEER)
    # A message seen several times on a tie this step weighs that many times.
    weight = messages.seen * trust.message_weight(messages.tie_trust, messages.credibility, c.openness[listeners])
    gap = valence - c.opinion[listeners]
    weight = trust.bounded_confidence(weight, gap, prm.confidence_bound, prm.beyond_bound_weight)
    raise_interest(c, listeners, weight * valence, prm.interest_gain)
    trust.shift_opinions(c.opinion, listeners, gap, weight, prm.persuasion)


def remember(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """What each listener last heard on each tie: the standing recommendation behind social influence
    (trust x credibility x positive valence). Its memory fades like awareness, so recommendations heard often
    weigh more than one long ago. In mean field, each talker's voice (credibility x positive opinion)."""
    c, prm, messages = model.consumers, model.settings, record.messages
    memory = decay_factor(prm.awareness_decay, model.dt)
    if messages.ties is not None and not messages.remembered:
        t, ties = model.ties, messages.ties
        assert t is not None and messages.tie_trust is not None and messages.credibility is not None
        assert messages.valence is not None and messages.listeners is not None
        recommendation = messages.tie_trust * messages.credibility * np.maximum(messages.valence, 0.0)
        before = t.recommendation[ties]  # 0 where nothing was heard yet
        if memory < 1.0:
            before = before * memory ** (model.tick - t.heard_step[ties])
        stored = recommendation.astype(np.float32)  # ties keep float32: the sums move by what is stored
        model.social_memory.recommendations += np.bincount(
            messages.listeners, weights=stored.astype(np.float64) - before, minlength=c.n
        )
        t.recommendation[ties] = stored
        t.heard_step[ties] = model.tick
        t.last_valence[ties] = messages.valence
    if model.ties is not None:
        return
    if memory < 1.0:
        c.voice *= memory
    talkers = messages.talkers
    c.voice[talkers] = conversation.credibility(
        c,
        talkers,
        experience_credibility=prm.experience_credibility,
        hearsay_credibility=prm.hearsay_credibility,
        factor=effects.credibility,
    ) * np.maximum(c.opinion[talkers], 0.0)


def keep_voice(model: WordOfMouthModel, effects: MarketingEffects, record: StepRecord) -> None:
    """Mean field: the total voice at this sub-step's purchases, for the next sub-step's mid-step estimate."""
    if model.ties is None:
        model.social_memory.voice_before = float(model.consumers.voice.sum())


def social_influence(model: WordOfMouthModel, who: np.ndarray | None = None, *, midstep: bool = False) -> np.ndarray:
    """S_i = sum_j trust_ij cred_j v+_ij m_ij / k_i: the recommendations i's k_i ties hold, each weighted by how
    much i trusts the speaker (v+: positive valence of the last message heard from j, m: its fading memory).
    Trust counts absolutely: a consumer who trusts nobody is not moved by peers.

    In mean field every consumer hears everyone alike, so S = trust x mean voice of the others. With
    ``midstep``, S is estimated at the middle of the step from its last two values
    (``rules.purchase.midstep_influence``), so the hazard is integrated over the step to second order."""
    c, social = model.consumers, model.social_memory
    rows: slice | np.ndarray = slice(None) if who is None else who
    if model.ties is None:
        trust_in_anyone = model.settings.weak_tie_trust * c.group_trust[rows, 0]
        voice = (c.voice.sum() - c.voice[rows]) / max(1, c.n - 1)
        if midstep and social.voice_before is not None:
            voice = midstep_influence(voice, (social.voice_before - c.voice[rows]) / max(1, c.n - 1))
        return trust_in_anyone * voice
    ties = social.ties_per_listener[rows]  # (gathered once for both estimates)
    now = social.recommendations[rows] / ties
    if not midstep:
        return now
    return midstep_influence(now, social.recommendations_before[rows] / ties)
