"""What happened in one step, passed from one rule to the next and to the levers' hooks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Messages:
    """This step's word of mouth as seen: one entry per (speaker, listener) pair that saw at least one
    of the speaker's messages (``seen`` times).

    Delivered in aggregate (``engine.word_of_mouth.deliver``), the record holds only the talkers and the
    counts of positive and negative messages seen: the individual messages are never materialised
    (the speakers and the rest are None). Levers that read messages always get them one by one."""

    talkers: np.ndarray  # consumers who talked this step
    counts: np.ndarray  # messages each of them sent
    speakers: np.ndarray | None = None
    listeners: np.ndarray | None = None
    seen: np.ndarray | None = None  # times the listener saw the speaker's messages
    valence: np.ndarray | None = None  # the speaker's opinion, carried by the message
    credibility: np.ndarray | None = None  # the speaker's credibility; levers may lower it (``Lever.on_messages``)
    tie_trust: np.ndarray | None = None  # the listener's trust in the speaker
    own_credibility: np.ndarray | None = None  # the speaker's credibility before levers: what the listener's
    #                                            attention (recall) uses, so levers change persuasion only
    ties: np.ndarray | None = None  # tie indices (None in mean field)
    positive_count: int | None = None  # set when delivered in aggregate
    negative_count: int | None = None
    remembered: bool = False  # the per-tie memory was already updated (compiled paths)
    delivery: str = "messages"  # "messages", "sparse" or "dense" (engine.delivery.DeliveryPaths.choose)

    @property
    def size(self) -> int:
        return 0 if self.speakers is None else self.speakers.shape[0]

    @property
    def positive(self) -> int:
        if self.positive_count is not None:
            return self.positive_count
        if self.seen is None or self.valence is None:
            return 0
        return int(self.seen[self.valence > 0].sum())

    @property
    def negative(self) -> int:
        if self.negative_count is not None:
            return self.negative_count
        if self.seen is None or self.valence is None:
            return 0
        return int(self.seen[self.valence < 0].sum())


@dataclass
class Reviews:
    """This step's ratings posted on the product page."""

    posters: np.ndarray  # consumers who posted
    stars: np.ndarray  # their ratings, 1..5
    incentivised: np.ndarray  # bool: posted for an incentive (readers discount them)


@dataclass
class Purchases:
    """This step's first purchases."""

    buyers: np.ndarray  # every consumer who became a customer this step
    free: np.ndarray  # those among them who got the product free (seeds)
    external_part: np.ndarray  # p E_i of each consumer who bought through the purchase hazard
    social_part: np.ndarray  # q S_i of the same consumers

    @property
    def paid_units(self) -> int:
        return int(self.buyers.size - self.free.size)
