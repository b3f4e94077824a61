"""What happened in one step, passed from one rule to the next and to the levers' hooks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Messages:
    """This step's word of mouth as seen: one entry per (speaker, listener) pair that saw at least one
    of the speaker's messages (``seen`` times)."""

    talkers: np.ndarray  # consumers who talked this step
    speakers: np.ndarray
    listeners: np.ndarray
    seen: np.ndarray  # times the listener saw the speaker's messages (float64)
    valence: np.ndarray  # the speaker's opinion, carried by the message
    credibility: np.ndarray  # the speaker's credibility; levers may lower it (``Lever.on_messages``)
    tie_trust: np.ndarray  # the listener's trust in the speaker
    attention: np.ndarray  # how much of the product the listener remembers: seen x trust x the speaker's own
    #                        credibility (levers that lower credibility change persuasion, not attention)
    ties: np.ndarray | None  # tie indices (None in mean field)

    @property
    def size(self) -> int:
        return self.speakers.shape[0]

    @property
    def positive(self) -> int:
        return int(self.seen[self.valence > 0].sum())

    @property
    def negative(self) -> int:
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
