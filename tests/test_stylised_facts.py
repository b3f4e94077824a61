"""Stylised facts: every published magnitude agrees on the shipped default scenario, at the size the
validation report uses, and every check fails when the model's behaviour is wrong in that respect."""

from __future__ import annotations

import pytest

from simulation.scenario import load_scenario
from simulation.validation import stylised_facts as sf
from simulation.validation.suite import DEFAULT_SCENARIO, SIZES


@pytest.fixture(scope="module")
def default():
    return load_scenario(DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def advertising(default):
    return sf.advertising_elasticity(default, SIZES["full"]["facts"])


# Known misses since issue 20's rule changes (the ratings rule, talk by role, learned trust, the followers' feed;
# measured on the merged rules, 8 Dec 2026, 60 replications): not tuned away by hand (docs/fits/page-influence.md:
# the fitted page values do not bring them back either; the joint refit of every target is still to run).
# Strict: a change that brings a check back into its range makes these fail until the mark is removed.
ADVERTISING_MISS = (
    "issue 20 rules: short-term advertising elasticity 0.039 [0.028, 0.051], the interval's lower end "
    "0.002 below the required 0.03 (long-term 0.042 [0.034, 0.050] inside)"
)
REVIEWS_MISS = (
    "issue 20 rules: review volume elasticity 0.095 [0.057, 0.133], lower end 0.022 below the required "
    "0.079 (0.236 / 3); valence 0.273 [0.171, 0.375] inside (>= 0.139, 0.417 / 3)"
)


# ---------------------------------------------------------------- agreement at the report's size
@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=ADVERTISING_MISS)
def test_advertising_elasticity(advertising):
    assert advertising.agrees, advertising.simulated


@pytest.mark.slow
def test_word_of_mouth_elasticity(default, advertising):
    wom = sf.word_of_mouth_elasticity(default, SIZES["full"]["facts"], advertising)
    assert wom.agrees, wom.simulated


@pytest.mark.slow
@pytest.mark.parametrize(
    "fact",
    [
        "trust_matters",
        pytest.param("review_elasticities", marks=pytest.mark.xfail(strict=True, reason=REVIEWS_MISS)),
        "rating_distribution",
        "herding",
        "seeding_ratio",
        "bad_news_first_year",
    ],
)
def test_fact_agrees_on_the_default_scenario(default, fact):
    check = getattr(sf, fact)(default, SIZES["full"]["facts"])
    assert check.agrees, check.simulated


# ---------------------------------------------------------------- power: each check can fail
def test_advertising_check_fails_for_ads_that_sell_far_too_much(default):
    """Ads as the issue found them (one ad enough to know and want the product): elasticity above 0.35."""
    strong = load_scenario(
        DEFAULT_SCENARIO,
        [
            "market.n_consumers=4000",
            "strategies.advertising.levers.0.recall=1",
            "strategies.advertising.levers.0.interest_gain=0.3",
            "strategies.advertising.levers.0.impact=3",
            "strategies.advertising.levers.0.persuasiveness=1",
        ],
    )
    check = sf.advertising_elasticity(strong, 12)
    assert not check.agrees and check.table["elasticity"].max() > sf.ADVERTISING["range"][1], check.simulated


def test_trust_check_fails_when_trust_only_sets_relative_weights(default):
    """Without trust in attention and with peers a small channel, halving trust changes little."""
    weak = load_scenario(
        DEFAULT_SCENARIO,
        [
            "market.n_consumers=4000",
            "purchase.q=0",
            "awareness.interest_gain=0",
            "word_of_mouth.persuasion=0",
            "market.initial_awareness=1",
            "awareness.media_awareness_rate=50",
        ],
    )
    check = sf.trust_matters(weak, 12)
    assert not check.agrees, check.simulated


def test_rating_check_fails_without_under_reporting_bias(default):
    """Every buyer equally likely to post, no herding: ratings follow the experience, not a J."""
    flat = load_scenario(
        DEFAULT_SCENARIO,
        [
            "market.n_consumers=4000",
            "reviews.review_extremity=0",
            "reviews.herding=0",
            "reviews.herding_correction=0",
            "product.defect_rate=0.01",
        ],
    )
    check = sf.rating_distribution(flat, 6)
    assert not check.agrees, check.simulated


def test_rating_check_fails_without_herding_alone(default):
    """Posting as selective as fitted, no herding: moderate raters keep their 3 stars, more than 1 star."""
    check = sf.rating_distribution(
        load_scenario(DEFAULT_SCENARIO, ["reviews.herding=0", "reviews.herding_correction=0"]), 12
    )
    assert not check.agrees, check.simulated
    posted = check.data["posted"]
    assert posted[2] > posted[0]  # not J-shaped: 3 stars above 1 star


def test_herding_check_fails_without_herding_or_correction(default):
    none = load_scenario(
        DEFAULT_SCENARIO, ["market.n_consumers=4000", "reviews.herding=0", "reviews.herding_correction=0"]
    )
    check = sf.herding(none, 12)
    assert not check.agrees, check.simulated


def test_seeding_check_fails_on_a_network_without_hubs(default):
    flat = load_scenario(
        DEFAULT_SCENARIO, ["market.n_consumers=4000", "network.kind=small_world", "network.rewiring=0"]
    )
    check = sf.seeding_ratio(flat, 12)
    assert not check.agrees, check.simulated


def test_review_check_fails_when_nobody_reads_the_page(default):
    blind = load_scenario(
        DEFAULT_SCENARIO,
        ["market.n_consumers=4000", "reviews.page_visit_rate=0", "reviews.page_discovery_rate=0"],
    )
    check = sf.review_elasticities(blind, 6)
    assert not check.agrees, check.simulated


def test_bad_news_check_fails_when_nobody_listens(default):
    deaf = load_scenario(
        DEFAULT_SCENARIO,
        ["market.n_consumers=3000", "word_of_mouth.talk_rate=0", "reviews.review_propensity=0"],
    )
    check = sf.bad_news_first_year(deaf, 6)
    assert not check.agrees, check.simulated
