"""Followers as a group of their own: the feed rule (customers' re-shares as passive broadcast word of mouth)
evaluated by its equation, and the two validation checks at a small size with their ablations."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.marketing.content import Feed, read_reshares
from simulation.scenario.loader import load_scenario
from simulation.validation.followers import feed_check, reshares_check
from simulation.validation.suite import DEFAULT_SCENARIO

# The default scenario's real market (100,000 consumers) simulated by 4,000: small enough for a test.
SMALL = ["market.n_consumers=4000", "market.represents=25"]
REPLICATIONS = 10


def _market():
    model = WordOfMouthModel(
        seed=3, n_consumers=600, represents=4.0, customer_share=0.1, network="communities", n_communities=3
    )
    c = model.consumers
    resharers = np.flatnonzero(c.role == 2)[::4][:5]  # spread over the communities
    c.opinion[resharers] = [0.9, 0.7, 0.8, 0.6, 0.5]
    readers = np.flatnonzero(c.role != 2)[::6][:80]
    c.opinion[readers] = np.linspace(-0.5, 0.6, readers.size)
    return model, readers, resharers


def test_reshares_in_the_feed_follow_their_equation():
    """interest, opinion and the feed's recommendation k_i F_i in S, from the docstring's equations."""
    model, readers, resharers = _market()
    c, prm, social = model.consumers, model.params, model.social_memory
    interest, opinion = c.interest[readers].copy(), c.opinion[readers].copy()
    numerator = social.recommendations[readers].copy()
    v = c.opinion[resharers].mean()
    proof = min(1.0, resharers.size * 4.0 / 40.0)  # 20 real re-shares against 40: half the proof
    community = model.network.community
    share_own = np.array([np.mean(community[resharers] == community[i]) for i in readers])
    groups = c.group_trust[readers].astype(float)
    tau = prm["weak_tie_trust"] * (share_own * groups[:, 0] + (1 - share_own) * groups[:, 1])
    vouched = tau * proof * prm["experience_credibility"]
    w = vouched * c.openness[readers]
    gap = v - opinion
    w = np.where(np.abs(gap) <= prm["confidence_bound"], w, w * prm["beyond_bound_weight"])

    read_reshares(model, Feed.empty(c.n), readers, resharers, social_proof=40.0)

    np.testing.assert_allclose(c.interest[readers], np.clip(interest + prm["interest_gain"] * w * v, 0, 1))
    expected = np.clip(opinion + prm["persuasion"] * w * gap / np.maximum(w, 1.0), -1, 1)
    np.testing.assert_allclose(c.opinion[readers], expected)
    k = social.ties_per_listener[readers]
    np.testing.assert_allclose(social.recommendations[readers] - numerator, k * vouched * max(v, 0.0))
    assert np.ptp(share_own) > 0  # the readers' communities differ in how many re-sharers they hold


def test_the_feed_replaces_its_last_recommendation_and_fades():
    """A second read at the same step replaces the first (no pile-up); one aged k steps counts memory^k."""
    model, readers, resharers = _market()
    social, feed = model.social_memory, Feed.empty(model.consumers.n)
    start = social.recommendations[readers].copy()
    read_reshares(model, feed, readers, resharers, social_proof=40.0)
    once = social.recommendations[readers].copy()
    read_reshares(model, feed, readers, resharers, social_proof=40.0)
    np.testing.assert_allclose(social.recommendations[readers], once, rtol=1e-12)
    # Three steps later the first read has faded to memory^3 of itself: the new read adds F - F m^3 per tie.
    memory = np.exp(-model.params["awareness_decay"] * model.dt)
    model.step_index += 3
    stored = feed.recommendation[readers].copy()
    read_reshares(model, feed, readers, resharers, social_proof=40.0)
    k = social.ties_per_listener[readers]
    added = social.recommendations[readers] - once
    np.testing.assert_allclose(added, k * (feed.recommendation[readers] - stored * memory**3), atol=1e-12)
    assert (once > start).any()


def test_without_reshares_the_feed_reads_nothing():
    model, readers, _ = _market()
    before = model.consumers.opinion.copy(), model.social_memory.recommendations.copy()
    read_reshares(model, Feed.empty(model.consumers.n), readers, np.empty(0, dtype=np.int64), social_proof=40.0)
    np.testing.assert_array_equal(model.consumers.opinion, before[0])
    np.testing.assert_array_equal(model.social_memory.recommendations, before[1])


@pytest.mark.slow
def test_reshares_convert_followers_and_lead_referrals_and_not_without_them():
    """Paired seeds: re-shares add converted followers (interval above 0) and more than the referral
    programme; with re-shares off the check disagrees."""
    scenario = load_scenario(DEFAULT_SCENARIO, SMALL)
    check = reshares_check(scenario, REPLICATIONS)
    assert check.agrees, check.simulated
    ablated = reshares_check(scenario, REPLICATIONS, reshares=False)
    assert not ablated.agrees, ablated.simulated


@pytest.mark.slow
def test_followers_convert_more_than_aware_prospects_only_with_their_feed():
    scenario = load_scenario(DEFAULT_SCENARIO, SMALL)
    check = feed_check(scenario, REPLICATIONS)
    assert check.agrees, check.simulated
    ablated = feed_check(scenario, REPLICATIONS, feed=False)
    assert not ablated.agrees, ablated.simulated
    gap = ablated.table.set_index("group").loc["gap (percentage points)"]
    assert gap["low"] <= 0 <= gap["high"]
