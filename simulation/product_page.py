"""The product page: one per market, where buyers post star ratings and reviews that anyone can read.

It keeps counts, not review texts: per star (1..5) and incentive flag, how many reviews were posted,
how many are still unanswered, and the summed weight left to answered ones (an answer removes a share
``softening`` of a negative review's weight with every reader). The rules that use it are in
``simulation.rules.reviews``.

Each simulated review stands for ``represents`` real ones (``market.represents``): what readers see is the
real market's page, so its volume is ``real_count`` (simulated count x represents) and the results do not
depend on how many consumers simulate the market.
"""

from __future__ import annotations

import numpy as np

from .rules.reviews import NEGATIVE_STARS, STARS


class ProductPage:
    """Star ratings posted so far (see the module docstring)."""

    def __init__(self, represents: float = 1.0) -> None:
        self.represents = float(represents)  # real reviews per simulated one
        shape = (5, 2)  # star 1..5 x incentivised (no, yes)
        self.posted = np.zeros(shape, dtype=np.int64)
        self.unanswered = np.zeros(shape, dtype=np.int64)
        self.answered_weight = np.zeros(shape)  # sum over answered reviews of (1 - softening)
        self.unseen_negative = np.zeros(shape, dtype=np.int64)  # negative reviews the brand has not considered
        # Totals of ``posted`` kept by ``post`` (the only writer): the rules and KPIs read them several times a step.
        self._histogram = np.zeros(5, dtype=np.int64)
        self._count = 0

    @property
    def count(self) -> int:
        return self._count

    @property
    def real_count(self) -> float:
        """Reviews on the real market's page: the simulated count x ``represents`` (the volume readers weigh)."""
        return self._count * self.represents

    @property
    def histogram(self) -> np.ndarray:
        """Reviews per star, 1..5."""
        return self._histogram.copy()

    @property
    def negative_share(self) -> float:
        """Share of the reviews that are negative (1 or 2 stars); 0 before the first review."""
        n = self.count
        return 0.0 if n == 0 else float(self.posted[:NEGATIVE_STARS].sum() / n)

    @property
    def average(self) -> float | None:
        """The displayed average rating (stars), None before the first review."""
        n = self.count
        return None if n == 0 else float((self._histogram * STARS).sum() / n)

    def post(self, stars: np.ndarray, incentivised: np.ndarray) -> None:
        """Add ratings (stars 1..5, each flagged incentivised or not)."""
        if stars.size == 0:
            return
        cell = (stars.astype(np.int64) - 1) * 2 + incentivised.astype(np.int64)
        added = np.bincount(cell, minlength=10).reshape(5, 2)
        self.posted += added
        self._histogram = self.posted.sum(axis=1)
        self._count = int(self.posted.sum())
        self.unanswered += added
        self.unseen_negative[:NEGATIVE_STARS] += added[:NEGATIVE_STARS]

    def answer_negative(self, share: float, softening: float, rng: np.random.Generator) -> int:
        """The brand reads the negative reviews posted since it last looked and answers each with
        probability `share`; returns the number of answers."""
        pending = self.unseen_negative
        self.unseen_negative = np.zeros_like(pending)
        answered = rng.binomial(pending, share)
        self.unanswered -= answered
        self.answered_weight += answered * (1.0 - softening)
        return int(answered.sum())

    def weights_by_star(self, incentive_discount: float) -> np.ndarray:
        """Summed reader weight of the reviews of each star: answered ones softened, incentivised discounted."""
        weight = self.unanswered + self.answered_weight
        return weight[:, 0] + incentive_discount * weight[:, 1]
