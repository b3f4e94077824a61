"""Fit of the rating rule (who posts, herding) to published shares of posted stars.

    python -m simulation.calibration.ratings [--out docs/fits/ratings.json]

The rule (``simulation.rules.reviews``) has five free parameters: ``review_propensity``,
``review_extremity`` (gamma), ``review_reference`` (r), ``review_notable`` (w) and ``herding`` (h). They are
fitted on the default scenario's market (its quality, spread, defect rate and herding correction, 4.6 first
purchases a step for 52 steps) to

* the shares of posted ratings in large Amazon corpora (``BANDS``: 1 star 7-12%, 2 stars 4-7%, 3 stars
  6-10%, 4 stars 14-20%, 5 stars 55-65%), each aimed at its band's middle with its half-width as tolerance;
* the reviews posted per first purchase the default scenario's page was calibrated with (``VOLUME``:
  0.098 measured at commit 69e3c79 over 20 replications, tolerance 0.01), so the page's weight and every
  figure calibrated on it keep their meaning;
* herding: the relative rise in the share of 5-star ratings among those posted in the first quarter when the
  page starts with a planted 5-star rating (``HERDING``: +32%, Muchnik, Aral & Taylor 2013, after a planted
  positive vote; tolerance 0.1). The shares alone leave herding free (the loss is flat in h).

The pages are simulated with the rule's own functions: RUNS pages, each fed step by step by its buyers
(fixed draws: Poisson counts, experiences from ``draw_satisfaction`` with failed units, posting uniforms,
the same at every evaluation), each step's raters seeing their page's average and negative share. The loss
over the pooled shares and the posts per buyer is

    L = sum_k ((share_k - mid_k) / half_k)^2 + ((volume - 0.098) / 0.01)^2 + ((lift - 0.32) / 0.1)^2,

minimised by differential evolution (seeded: deterministic; the loss is a staircase, as posts are discrete).
The result goes to docs/fits/ratings.json and the parameter table takes its values (a test keeps them
equal); ``validation.ratings`` then checks the full model's posted shares against the same bands.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.optimize import differential_evolution

from ..rules.experience import draw_satisfaction
from ..rules.reviews import NEGATIVE_STARS, STARS, expressed_satisfaction, posting_probability, rating_stars

BANDS = {1: (0.07, 0.12), 2: (0.04, 0.07), 3: (0.06, 0.10), 4: (0.14, 0.20), 5: (0.55, 0.65)}
BANDS_SOURCE = (
    "shares of posted star ratings in large Amazon review corpora (issue 20; Schoenmueller, Netzer & Stahl 2020)"
)
VOLUME = (0.098, 0.01)  # reviews per first purchase on the default scenario before this fit, and its tolerance
FITTED = ("review_propensity", "review_extremity", "review_reference", "review_notable", "herding")
BOUNDS = ((0.05, 1.0), (0.5, 6.0), (-0.5, 0.8), (0.2, 1.5), (0.0, 1.0))
RUNS, STEPS, BUYERS_PER_STEP = 300, 52, 4.6  # the default scenario's year: 4.6 first purchases a step on average
MAXITER, POPSIZE = 40, 10
HERDING = (0.32, 0.1)  # Muchnik et al. (2013): +32% positive votes after a planted positive one; tolerance
HERDING_STEPS = 13  # the later raters: those of the first quarter (weeks)
SEED = 20261208


def market(quality=0.4, spread=0.3, defect_rate=0.03, defect_satisfaction=-0.9, runs=RUNS, steps=STEPS,
           buyers_per_step=BUYERS_PER_STEP, seed=SEED):  # fmt: skip
    """The fixed draws of the fit: per run and step a Poisson number of buyers, each with a satisfaction from
    the experience rule (failed units at `defect_satisfaction`) and a uniform for its posting decision."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(buyers_per_step, size=(steps, runs))
    total = int(counts.sum())
    satisfaction = draw_satisfaction(rng.standard_normal(total), quality, spread)
    satisfaction[rng.random(total) < defect_rate] = defect_satisfaction
    run = np.concatenate([np.repeat(np.arange(runs), row) for row in counts])
    step = np.repeat(np.arange(steps), counts.sum(axis=1))
    return {"satisfaction": satisfaction, "uniform": rng.random(total), "run": run, "step": step, "runs": runs}


def simulated_pages(values, draws, correction=2.5, asked=0.0, planted=None, until=None):
    """Every run's page (posts per star) after its buyers posted step by step with the rule, and posts per
    buyer: each step's buyers see their own run's page as the step starts (its average and negative share).
    `planted`: a rating of that many stars on every page before the first step; `until`: stop after that
    many steps."""
    propensity, extremity, reference, notable, herding = values
    runs = draws["runs"]
    pages = np.zeros((runs, 5))
    if planted is not None:
        pages[:, planted - 1] = 1.0
    steps = int(draws["step"].max()) + 1 if until is None else until
    for t in range(steps):
        now = draws["step"] == t
        run, s, u = draws["run"][now], draws["satisfaction"][now], draws["uniform"][now]
        count = pages.sum(axis=1)
        shown = count > 0
        average = np.where(shown, (pages * STARS).sum(axis=1) / np.maximum(count, 1), np.nan)
        negative = np.where(shown, pages[:, :NEGATIVE_STARS].sum(axis=1) / np.maximum(count, 1), 0.0)
        p = posting_probability(s, propensity, extremity, reference, asked, negative[run], correction, notable)
        posts = u < p
        stars = rating_stars(expressed_satisfaction(s[posts], average[run[posts]], herding))
        np.add.at(pages, (run[posts], stars - 1), 1)
    if planted is not None:
        pages[:, planted - 1] -= 1.0
    buyers = int((draws["step"] < steps).sum())
    return pages, pages.sum() / max(buyers, 1)


def herding_lift(values, draws, **page_settings) -> float:
    """Relative rise in the share of 5-star ratings among those posted in the first HERDING_STEPS steps when
    the page starts with one 5-star rating (the plant left out) against an empty page: Muchnik, Aral & Taylor
    (2013)'s +32% in the probability of a positive vote after a planted positive one."""
    shares = []
    for planted in (None, 5):
        pages, _ = simulated_pages(values, draws, planted=planted, until=HERDING_STEPS, **page_settings)
        total = pages.sum(axis=0)
        shares.append(total[4] / max(total.sum(), 1.0))
    return float(shares[1] / shares[0] - 1.0) if shares[0] > 0 else 0.0  # no 5 stars at all: nothing to lift


def loss(values, draws, **page_settings) -> float:
    pages, volume = simulated_pages(values, draws, **page_settings)
    shares = pages.sum(axis=0) / pages.sum()
    mids = np.array([(lo + hi) / 2 for lo, hi in BANDS.values()])
    halves = np.array([(hi - lo) / 2 for lo, hi in BANDS.values()])
    lift = herding_lift(values, draws, **page_settings)
    return float(
        (((shares - mids) / halves) ** 2).sum()
        + ((volume - VOLUME[0]) / VOLUME[1]) ** 2
        + ((lift - HERDING[0]) / HERDING[1]) ** 2
    )


def in_bands(shares) -> bool:
    return all(lo <= shares[k - 1] <= hi for k, (lo, hi) in BANDS.items())


def fit(**page_settings) -> dict:
    """Differential evolution (seeded, so deterministic) over the five parameters within BOUNDS."""
    draws = market()
    result = differential_evolution(
        loss, BOUNDS, args=(draws,), seed=SEED, maxiter=MAXITER, popsize=POPSIZE, tol=1e-6, polish=False
    )
    pages, volume = simulated_pages(result.x, draws, **page_settings)
    shares = pages.sum(axis=0) / pages.sum()
    return {
        "fitted": {name: round(float(v), 4) for name, v in zip(FITTED, result.x, strict=True)},
        "shares": {str(k): round(float(x), 4) for k, x in zip(STARS, shares, strict=True)},
        "in_bands": in_bands(shares),
        "reviews_per_buyer": round(float(volume), 4),
        "herding_lift": round(herding_lift(result.x, draws, **page_settings), 4),
        "loss": round(float(result.fun), 4),
        "evaluations": int(result.nfev),
        "targets": {
            "bands": {str(k): v for k, v in BANDS.items()},
            "bands_source": BANDS_SOURCE,
            "reviews_per_buyer": VOLUME,
        },  # fmt: skip
        "settings": {
            "seed": SEED,
            "runs": RUNS,
            "steps": STEPS,
            "buyers_per_step": BUYERS_PER_STEP,
            "bounds": dict(zip(FITTED, BOUNDS, strict=True)),
            "maxiter": MAXITER,
            "popsize": POPSIZE,
            "market": "default scenario: quality 0.4, spread 0.3, defect rate 0.03 at satisfaction -0.9, "
            "herding correction 2.5",
        },  # fmt: skip
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "docs" / "fits" / "ratings.json"))
    args = parser.parse_args(argv)
    result = fit()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
