"""The engine reduces to three classic models (statistical tests, fixed seeds).

Same experiments as ``run.py validate`` (simulation/validation/), at smaller sizes: Bass (1969) on a
complete network, independent cascades (Kempe et al. 2003) on the Facebook network, and bounded
confidence (Deffuant et al. 2000).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.calibration.bass import bass_cumulative
from simulation.network.edgelist import load_edge_list
from simulation.validation import bass_reduction, cascade_reduction, deffuant


# ------------------------------------------------------------------ Bass
def test_discretisation_error_shrinks_with_the_step():
    """The recurrence the engine implies converges to the closed form as dt -> 0, to second order."""
    errors = {unit: bass_reduction.discretisation_error(0.03, 0.38, unit, 10) for unit in ("month", "week", "day")}
    assert errors["day"] < errors["week"] < errors["month"] < 0.003
    ratio = errors["month"] / errors["week"]
    assert 12.0 < ratio < 28.0  # second order in dt: a month is 4.35 weeks, 4.35^2 = 18.9
    assert errors["day"] < 1e-5


def test_engine_rule_meets_the_claimed_accuracy_over_the_whole_range():
    """Under 0.3 pp with weekly and 0.6 pp with monthly steps for p in [0.001, 0.05], q in [0.1, 1.0];
    holding the hazard through the step (first order) would not."""
    for unit, claimed in bass_reduction.ACCURACY.items():
        worst, p, q = bass_reduction.discretisation_bound(unit)
        assert worst <= claimed, (unit, worst, p, q)
    dt = bass_reduction.TIME_UNITS["week"]
    first_order, share = [], 0.0
    for _ in bass_reduction.step_times("week", 30):
        share += (1 - share) * -np.expm1(-(0.001 + 1.0 * share) * dt)
        first_order.append(share)
    t = bass_reduction.step_times("week", 30)
    assert np.max(np.abs(np.array(first_order) - bass_cumulative(t, 0.001, 1.0))) > bass_reduction.ACCURACY["week"]


def test_one_step_from_a_prepared_market_buys_with_the_midstep_probability():
    """The engine's per-step purchase probability is 1 - exp(-(p + q (1.5 F_k - 0.5 F_(k-1))) dt): a binomial
    test on one step of a large market whose adopter share rose from 10% to 20% over the last step."""
    from scipy import stats

    from simulation import WordOfMouthModel

    n, p, q = 200_000, 0.05, 1.0
    model = WordOfMouthModel(n_consumers=n, p=p, q=q, time_unit="month", seed=4, **bass_reduction.BASS_SETTINGS)
    c = model.consumers
    customers = np.arange(n // 5)
    c.role[customers] = 2
    c.opinion[customers] = 1.0
    model.tallies = type(model.tallies).count(c, None)
    model.social_memory.voice_before = 0.1 * n  # 10% of the market was talking at the previous step
    before = int(model.tallies.role_counts[2])
    model.step()
    bought = int(model.kpis["adopters"]) - before
    midstep = 1.5 * 0.2 - 0.5 * 0.1
    expected = -np.expm1(-(p + q * midstep) / 12)
    test = stats.binomtest(bought, n - before, expected)
    assert test.pvalue > 0.001, (bought / (n - before), expected)


@pytest.mark.parametrize("p, q, unit", [(0.03, 0.38, "month"), (0.01, 0.5, "month")])
def test_bass_curve_on_a_complete_network(p, q, unit):
    """Mean simulated adoption within sampling error of the engine's recurrence, which is within the claimed
    accuracy of Bass's closed form, at every step."""
    # 12 replications: the per-step check estimates its standard errors from them, and with 6 an early step's
    # can come out too small by chance.
    case = bass_reduction.compare_curve(p, q, n=20_000, unit=unit, years=10, replications=12, seed=101)
    assert case["agrees"], case["max_error_vs_discrete"]
    assert case["discretisation"] <= bass_reduction.ACCURACY[unit]
    assert case["max_error"] <= bass_reduction.ACCURACY[unit] + case["max_allowed_vs_discrete"]


def test_same_market_per_week_and_per_month_gives_the_same_curve():
    """Rates are per year: weekly and monthly steps give the same adoption curve up to discretisation."""
    month = bass_reduction.compare_curve(0.03, 0.38, n=20_000, unit="month", years=6, replications=4, seed=7)
    week = bass_reduction.compare_curve(0.03, 0.38, n=20_000, unit="week", years=6, replications=4, seed=7)
    assert week["agrees"] and month["agrees"]
    # At whole years the two curves differ by no more than both discretisation errors plus sampling error.
    yearly_month, yearly_week = month["mean"][11::12], np.interp(np.arange(1, 7), week["t"], week["mean"])
    tolerance = month["discretisation"] + week["discretisation"] + 4 * (month["max_se"] + week["max_se"])
    assert np.max(np.abs(yearly_month - yearly_week)) < tolerance
    assert np.max(np.abs(yearly_week - bass_cumulative(np.arange(1, 7), 0.03, 0.38))) < 0.01


def test_the_bass_check_detects_a_wrong_curve():
    """Power: the same comparison rejects a market whose q is 20% off."""
    t = bass_reduction.step_times("month", 10)
    curves = bass_reduction.simulate_curves(0.03, 0.38, 20_000, "month", 10, 4, seed=3)
    wrong = bass_cumulative(t, 0.03, 0.38 * 1.2)
    mean, se = curves.mean(axis=0), curves.std(axis=0, ddof=1) / 2
    allowed = bass_reduction.discretisation_error(0.03, 0.38, "month", 10) + 6 * se
    assert np.any(np.abs(mean - wrong) > allowed)


def test_the_step_check_detects_an_engine_off_the_rule():
    """Power of the path check: an engine whose q is 10% above the rule's drifts far beyond its allowance, while
    the engine at the rule's q stays within it (same runs' size, 8 replications)."""
    from scipy import stats

    z = float(stats.t.ppf(1 - bass_reduction.ALPHA / 2, 7))
    for engine_q, off in ((0.38, False), (0.38 * 1.1, True)):
        curves = bass_reduction.simulate_curves(0.03, engine_q, 20_000, "month", 10, 8, seed=5)
        residuals = bass_reduction.path_residuals(curves, 0.03, 0.38, "month")
        drift, se = residuals.mean(axis=0), residuals.std(axis=0, ddof=1) / np.sqrt(8)
        assert bool(np.any(np.abs(drift) > z * se + 1 / 20_000)) == off


@pytest.mark.slow
def test_bass_at_100k_consumers_meta_analysis_means():
    """N = 100,000 at p = 0.03, q = 0.38 (Sultan, Farley & Lehmann 1990), monthly steps, 10 years."""
    case = bass_reduction.compare_curve(0.03, 0.38, n=100_000, unit="month", years=10, replications=3, seed=11)
    assert case["agrees"]
    assert case["max_error"] < case["discretisation"] + 0.005


# ------------------------------------------------------------------ independent cascades
@pytest.fixture(scope="module")
def facebook(facebook_edges):
    return load_edge_list(facebook_edges)


def test_cascade_spread_matches_ndlib(facebook):
    """Same seed set, same tie probability: the engine's spreads and NDlib's IndependentCascadesModel's."""
    seeds = (0, 500, 1000, 2000, 3000)
    case = cascade_reduction.compare_spreads(facebook, seeds, 0.01, runs=150, seed=5)
    assert case["ks_pvalue"] > 0.01 and case["mw_pvalue"] > 0.01, case
    se = np.hypot(case["se_simulator"], case["se_reference"])
    assert abs(case["mean_simulator"] - case["mean_reference"]) < 4 * se


def test_cascade_comparison_has_power(facebook):
    """The two-sample test tells apart cascades whose tie probability differs by half."""
    seeds = (0, 500, 1000, 2000, 3000)
    simulated = cascade_reduction.model_spread_samples(facebook, seeds, 0.01, runs=150, seed=5)
    other = cascade_reduction.ndlib_spread_samples(facebook, seeds, 0.015, 150, seed=9)
    assert stats.ks_2samp(simulated, other).pvalue < 0.01


def test_a_cascade_without_seeds_spreading_is_only_the_seeds(facebook):
    assert cascade_reduction.model_spread(facebook, [0, 1], 0.0, seed=1) == 2


# ------------------------------------------------------------------ bounded confidence
def test_count_clusters_ignores_stragglers_and_splits_at_gaps():
    opinions = np.concatenate(
        [np.full(480, -0.5), np.full(500, 0.4) + np.linspace(0, 0.01, 500), [0.9] * 5, [-0.9] * 15]
    )
    assert deffuant.count_clusters(opinions) == 2  # 5 and 15 of 1000 are below the 2% of a major cluster


def test_bounded_confidence_gives_about_one_over_two_epsilon_clusters():
    check = deffuant.deffuant_check((0.3, 0.2, 0.1), n=1000, replications=4, seed=3, max_steps=2000)
    assert check.agrees, check.table
    means = check.table.set_index("epsilon")["mean_clusters"]
    assert means[0.3] == 1 and means[0.2] == 2  # consensus, then polarisation
    assert means[0.1] > means[0.2]
