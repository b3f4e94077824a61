"""Message counts: Poisson by inversion of one uniform per consumer, exact and bounded for every rate."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import stats

from simulation import WordOfMouthModel
from simulation.rules.conversation import MAX_MESSAGES, draw_message_counts


@pytest.mark.parametrize("rate", [0.05, 3.0, 9.99, 10.01, 37.5, 800.0, 2.5e4, 1e6, 3e9])
def test_counts_are_the_poisson_quantile_of_each_uniform(rate):
    # scipy's quantile function (inverse incomplete gamma) is an independent implementation of the
    # same definition: the smallest k with P(X <= k) >= u.
    uniforms = np.random.default_rng(5).random(2000)
    counts = draw_message_counts(np.full(uniforms.size, rate), uniforms)
    expected = stats.poisson.ppf(uniforms, rate)
    assert np.array_equal(counts, expected.astype(np.int64))


@pytest.mark.parametrize("rate", [2.0, 800.0, 1e6])
def test_counts_follow_the_poisson_distribution(rate):
    # Against numpy's Poisson generator (another independent implementation): same mean and
    # variance within 5 standard errors over 40,000 draws each.
    n = 40_000
    counts = draw_message_counts(np.full(n, rate), np.random.default_rng(1).random(n))
    reference = np.random.default_rng(2).poisson(rate, n)
    se_mean = np.sqrt(2 * rate / n)
    assert abs(counts.mean() - reference.mean()) < 5 * se_mean
    se_var = rate * np.sqrt(2 * (2 + 1 / rate) / (n - 1))  # var of the sample variance, both samples
    assert abs(counts.var() - reference.var()) < 5 * se_var


def test_counts_rise_with_the_uniform_so_strategies_share_their_draws():
    uniforms = np.sort(np.random.default_rng(3).random(5000))
    for rate in (0.3, 12.0, 5e3):
        assert (np.diff(draw_message_counts(np.full(uniforms.size, rate), uniforms)) >= 0).all()


def test_every_rate_ends_quickly_including_extreme_ones():
    rates = np.array([0.0, 1e-300, 700.0, 800.0, 1e12, 1e300, np.inf, 745.2, 5e4])
    uniforms = np.array([0.0, 0.999999, 0.5, 0.9999999, 0.5, 0.3, 0.7, 1.0, 0.0])
    # A hang guard, not a speed claim: before the fix rate 800 never ended (exp(-800) underflows to 0).
    with ThreadPoolExecutor(1) as pool:
        counts = pool.submit(draw_message_counts, np.repeat(rates, 1000), np.repeat(uniforms, 1000)).result(timeout=300)
    per_rate = counts.reshape(len(rates), 1000)[:, 0]
    assert per_rate[0] == 0 and per_rate[1] == 0
    assert 600 < per_rate[2] < 800 and per_rate[3] > 800
    assert per_rate[4] == per_rate[5] == MAX_MESSAGES  # beyond the cap: capped, never overflowing int64
    assert per_rate[6] == 1  # an infinite talk rate: exactly one message
    assert per_rate[8] == 0  # u = 0: no messages, whatever the rate
    assert (counts >= 0).all()


@pytest.mark.parametrize(
    "settings",
    [
        {"time_unit": "year", "talk_rate": 365.0, "awareness_decay": 0.0, "initial_awareness": 0.5},
        # (talk rate 12 a year: a boost of 10^6 stays within the messages a step may hold, resources.check_talk)
        {"strategy": {"levers": [{"kind": "referral", "talk_boost": 1e6}]}, "customer_share": 0.2, "talk_rate": 12.0},
    ],
)
def test_models_with_many_messages_per_step_run(settings):
    model = WordOfMouthModel(n_consumers=2000, seed=3, **settings).run(4)
    frame = model.timeseries()
    assert (frame["positive_messages"] + frame["negative_messages"]).max() > 1000
    assert (frame[["positive_messages", "negative_messages", "adopters"]] >= 0).all().all()
    assert model.tallies.role_counts.sum() == 2000
