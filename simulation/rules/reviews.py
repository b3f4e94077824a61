"""The product page: public ratings and reviews that buyers post and that prospects and followers read.

Equations (docs/MODEL.md, "Reviews and ratings"):

    d_i = min(1, |s_i - r| / w)                 (how far the experience is from one that leaves nothing to say)
    P(a buyer posts) = propensity * (a + (1 - a) d_i^gamma) * (1 + k N [s_i > 0.2])
                                                    (only buyers post; under-reporting bias; the crowd corrects)
    s'_i = s_i + h (1 - |s_i|) (A - s_i)  if A > s_i > -0.2 (not negative), else s_i    (herding toward the average)
    stars_i = clip(ceil(2.5 (s'_i + 1) + bias), 1, 5)
    valence of a review v = (stars - 3) / 2;   weight w = lambda^[stars <= 2] x answered x incentive
    perceived valence V = sum w v / sum w;      volume weight c(n) = n^k / (n^k + n_half^k)
    a read: weight omega_i = review_trust x c(n) x openness_i; opinion and interest move toward V as for
    a message of that weight; the page signal R_i = review_trust x c(n) x max(V, 0) enters the hazard

with s the buyer's satisfaction, r = ``review_reference`` the experience a buyer has nothing to say about
(brag-and-moan: buyers post about experiences far from it, on either side; Hu, Pavlou & Zhang 2009; Anderson
1998), w = ``review_notable`` the distance from r beyond which every experience is as worth telling, gamma = ``review_extremity``, A the displayed average rating mapped to the satisfaction scale
(``stars_to_satisfaction``), a the share of the under-reporting bias removed by asking every buyer for a
review, N the share of negative reviews on the page, lambda = ``review_negativity`` (a negative review
weighs more: Chevalier & Mayzlin 2006). The J-shape of posted ratings comes from who posts (only buyers;
mostly those far from r), not from the spread of experiences. Herding is asymmetric as Muchnik, Aral &
Taylor (2013) measured: raters whose experience was not negative (3 stars or more) conform to a displayed
average above it (h = ``herding``), a negative experience is not talked up, and an average below the
experience does not make raters harsher; negative reviews are corrected instead: they
bring satisfied buyers to post (k = ``herding_correction``). Raters with an extreme experience are not
swayed (the factor 1 - |s|). ``review_propensity``, ``review_extremity``, ``review_reference``,
``review_notable`` and ``herding`` are fitted to published rating shares by ``simulation.calibration.ratings``.
"""

from __future__ import annotations

import numpy as np

STARS = np.arange(1, 6)
NEGATIVE_STARS = 2  # ratings of 1 or 2 stars are negative reviews
PRAISE = 0.2  # satisfaction above which a rating is praise (4-5 stars)
STAR_WIDTH = 0.4  # one star on the satisfaction scale: five bands over [-1, 1]


def stars_to_satisfaction(stars):
    """The satisfaction at the centre of a star rating's band: 1 -> -0.8, 3 -> 0, 5 -> 0.8."""
    return (np.asarray(stars, dtype=np.float64) - 3.0) * STAR_WIDTH


def posting_probability(
    satisfaction,
    propensity: float,
    extremity: float,
    reference: float = 0.0,
    asked: float = 0.0,
    negative_share: float = 0.0,
    correction: float = 0.0,
    notable: float = 1.0,
):
    """P(a buyer posts a rating): grows with how far the experience is from the `reference` one that leaves a
    buyer nothing to say, d = min(1, |s - r| / notable) (every experience at least `notable` away is worth
    telling alike), as d^extremity; asking every buyer removes a share `asked` of that under-reporting bias;
    buyers satisfied enough to praise it (4-5 stars) post more when the page shows negative reviews (they
    correct the record)."""
    distance = np.minimum(1.0, np.abs(np.asarray(satisfaction, dtype=np.float64) - reference) / notable)
    base = propensity * (asked + (1.0 - asked) * distance**extremity)
    return np.minimum(1.0, base * np.where(satisfaction > PRAISE, 1.0 + correction * negative_share, 1.0))


def expressed_satisfaction(satisfaction, average, herding: float):
    """A rater's satisfaction as it rates: a rater whose experience was not negative (3 stars or more) is pulled
    toward the displayed average rating (stars) when that is above its experience, s + h (1 - |s|) (A - s);
    a negative experience (1-2 stars), an average below the experience, or none yet leaves it as it is."""
    if average is None:
        return satisfaction
    shown = stars_to_satisfaction(average)  # a number, or one per rater (NaN: no page yet, no pull)
    pull = herding * (1.0 - np.abs(satisfaction)) * (shown - satisfaction)
    return np.where((shown > satisfaction) & (satisfaction > -STAR_WIDTH / 2), satisfaction + pull, satisfaction)


def rating_stars(expressed, bias: float = 0.0) -> np.ndarray:
    """Stars (1..5) from an expressed satisfaction in [-1, 1]: five bands of width 0.4, plus a bias in stars."""
    return np.clip(np.ceil(2.5 * (np.asarray(expressed) + 1.0) + bias), 1, 5).astype(np.int8)


def volume_weight(reviews: float, half: float, exponent: float = 1.0) -> float:
    """c(n) = n^k / (n^k + n_half^k): how much a page with n reviews counts. Volume builds credibility; with
    k > 1 a handful of reviews is not yet evidence (k = ``review_volume_exponent``)."""
    if reviews <= 0:
        return 0.0
    return 1.0 / (1.0 + (half / reviews) ** exponent)


def perceived_valence(weights_by_star: np.ndarray, negativity: float) -> float:
    """V = sum w v / sum w over reviews, negative reviews weighted `negativity` times more (nan if none).

    `weights_by_star[k]` is the summed weight of the (k+1)-star reviews (answered and incentivised ones
    already discounted)."""
    weights = np.asarray(weights_by_star, dtype=np.float64) * np.where(STARS <= NEGATIVE_STARS, negativity, 1.0)
    total = weights.sum()
    if total <= 0:
        return float("nan")
    return float((weights * (STARS - 3.0) / 2.0).sum() / total)
