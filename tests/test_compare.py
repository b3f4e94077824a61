"""Strategy comparison: common random numbers, interval coverage, expansion/acceleration, outputs, shipped scenarios."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulation.experiment.compare import ComparisonCancelled, run_comparison
from simulation.experiment.decomposition import decompose, discount_factor
from simulation.experiment.runs import RUN_KPIS
from simulation.experiment.stats import paired_difference, t_interval
from simulation.scenario import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]

SMALL = """\
name: small
horizon: 12
seed: 5
replications: 3
market: {n_consumers: 400, initial_awareness: 0.2}
network: {kind: small_world, mean_degree: 6}
purchase: {p: 0.3, q: 1.0}
strategies:
  - name: none
  - name: also_none
  - name: ads
    levers: [{kind: advertising, reach: 0.5, end: 6, impact: 1.0}]
"""


@pytest.fixture(scope="module")
def small_comparison():
    return run_comparison(parse_scenario(SMALL, "small.yaml"), replications=3, jobs=1)


# ---------------------------------------------------------------- common random numbers
def test_strategy_identical_to_baseline_differs_by_exactly_zero(small_comparison):
    same = small_comparison.summary[small_comparison.summary["strategy"] == "also_none"]
    defined = same[same["diff_n"] > 1]  # with a single pair the interval is (-inf, inf) by definition
    assert len(defined) > 10
    assert (defined["diff_mean"] == 0).all() and (defined["diff_low"] == 0).all() and (defined["diff_high"] == 0).all()
    parts = small_comparison.decomposition.set_index(["strategy", "measure"])
    for measure in (
        "expansion_customers",
        "acceleration_customers",
        "expansion_value",
        "acceleration_value",
        "npv_difference",
    ):
        assert parts.loc[("also_none", measure), "mean"] == 0


def test_replications_share_the_network_and_consumers_across_strategies(small_comparison):
    runs = small_comparison.runs.set_index(["strategy", "replication"])
    for r in range(3):
        assert runs.loc[("none", r), "seed"] == runs.loc[("ads", r), "seed"] == 5 + r
    # The campaign changes outcomes, and the paired interval is narrower than the unpaired one.
    row = small_comparison.summary.set_index(["strategy", "kpi"]).loc[("ads", "aware_share")]
    assert row["diff_mean"] > 0


def test_results_do_not_depend_on_the_number_of_workers(small_comparison):
    parallel = run_comparison(small_comparison.scenario, replications=3, jobs=2)
    pd.testing.assert_frame_equal(parallel.runs, small_comparison.runs)
    pd.testing.assert_frame_equal(parallel.timeseries, small_comparison.timeseries)
    pd.testing.assert_frame_equal(parallel.summary, small_comparison.summary)


# ---------------------------------------------------------------- intervals
@pytest.mark.parametrize("n", [5, 30])
def test_t_interval_covers_the_true_mean_95_percent_of_the_time(n):
    rng = np.random.default_rng(2024)
    trials = 4000
    samples = rng.normal(3.0, 2.0, size=(trials, n))
    covered = sum(low <= 3.0 <= high for _, low, high, _ in map(t_interval, samples))
    se = np.sqrt(0.95 * 0.05 / trials)
    assert abs(covered / trials - 0.95) < 3 * se


def test_paired_difference_covers_the_true_difference():
    rng = np.random.default_rng(7)
    trials, n = 4000, 10
    shared = rng.normal(0, 5, size=(trials, n))  # common noise, removed by pairing
    baseline = 10 + shared + rng.normal(0, 1, size=(trials, n))
    strategy = 12 + shared + rng.normal(0, 1, size=(trials, n))
    covered = sum(
        low <= 2.0 <= high for _, low, high, _ in (paired_difference(s, b) for s, b in zip(strategy, baseline))
    )
    assert abs(covered / trials - 0.95) < 3 * np.sqrt(0.95 * 0.05 / trials)


def test_interval_skips_undefined_runs_and_reports_n():
    mean, low, high, n = t_interval([1.0, np.nan, 3.0, 2.0])
    assert n == 3 and mean == 2.0 and low < 2.0 < high
    assert t_interval([np.nan, np.nan]).n == 0
    assert paired_difference([1.0, np.nan, 4.0], [0.0, 1.0, np.nan]).n == 1


def test_model_intervals_cover_a_known_mean():
    """No talk, everyone aware with a typical gate: each consumer buys at the Bass hazard p alone, so
    the adopters after H steps are Binomial(n, 1 - exp(-p H dt)). 30 groups of 10 replications give
    30 intervals; at 95% coverage, fewer than 24 covering has probability below 0.2%."""
    text = """\
name: known
horizon: 3
market: {n_consumers: 60, initial_awareness: 1.0, follower_share: 0, initial_interest: 0.5, initial_opinion: 0, opinion_spread: 0}
network: {kind: complete}
word_of_mouth: {talk_rate: 0}
awareness: {awareness_decay: 0, interest_decay: 0, follow_rate: 0}
purchase: {p: 5.0, q: 0}
strategies: [{name: none}]
"""
    scenario = parse_scenario(text, "known.yaml")
    adopters = run_comparison(scenario, replications=300).runs["adopters"].to_numpy()
    expected = 60 * (1 - np.exp(-5.0 * 3 * 7 / 365.25))
    assert abs(adopters.mean() - expected) < 3 * adopters.std(ddof=1) / np.sqrt(adopters.size)
    covered = sum(low <= expected <= high for _, low, high, _ in map(t_interval, adopters.reshape(30, 10)))
    assert covered >= 24


# ---------------------------------------------------------------- expansion and acceleration
def _run(customer, step, npv, free=None):
    free = np.zeros(len(customer), dtype=bool) if free is None else np.array(free, dtype=bool)
    return SimpleNamespace(customer=np.array(customer), purchase_step=np.array(step), kpis={"npv": npv}, free_seed=free)


def test_decomposition_on_a_constructed_example():
    # Consumers: 0 bought in both, 3 steps earlier with the strategy; 1 bought in both at the same step;
    # 2 bought only with the strategy (expansion); 3 only with the baseline (lost); 4 never; 5 customer before.
    strategy = _run([1, 1, 1, 0, 0, 1], [2, 4, 6, -1, -1, -1], npv=1000.0)
    baseline = _run([1, 1, 0, 1, 0, 1], [5, 4, -1, 3, -1, -1], npv=900.0)
    strategy.customer = strategy.customer.astype(bool)
    baseline.customer = baseline.customer.astype(bool)
    v, rate, unit = 30.0, 0.1, "week"

    def d(t):
        return float(discount_factor(t, rate, unit))

    parts = decompose(strategy, baseline, v, rate, unit)
    assert parts["customers_gained"] == 1 and parts["customers_lost"] == 1 and parts["expansion_customers"] == 0
    assert parts["acceleration_customers"] == 1 and parts["delayed_customers"] == 0
    assert parts["steps_forward"] == pytest.approx((3 + 0) / 2)
    assert parts["expansion_value"] == pytest.approx(v * (d(6) - d(3)))
    assert parts["acceleration_value"] == pytest.approx(v * (d(2) - d(5)))
    assert parts["npv_difference"] == 100.0
    assert parts["free_seed_value"] == 0 and parts["free_seeds"] == 0
    assert parts["other_value"] == pytest.approx(100.0 - v * (d(6) - d(3) + d(2) - d(5)))
    assert d(0) == pytest.approx(1.1 ** (-7 / 365.25))


def test_free_seeds_are_not_paying_customers():
    # Consumer 0 was seeded free but would have paid at step 4 under the baseline (a sale given away);
    # 1 was seeded free and would never have bought; 2 is a paying customer gained.
    strategy = _run([True, True, True], [0, 0, 3], npv=50.0, free=[True, True, False])
    baseline = _run([True, False, False], [4, -1, -1], npv=80.0)
    v, rate, unit = 30.0, 0.1, "week"
    parts = decompose(strategy, baseline, v, rate, unit)
    d = lambda t: float(discount_factor(t, rate, unit))  # noqa: E731
    assert parts["customers_gained"] == 1 and parts["free_seeds"] == 2 and parts["customers_lost"] == 0
    assert parts["expansion_value"] == pytest.approx(v * d(3))
    assert parts["free_seed_value"] == pytest.approx(-v * d(4))
    assert parts["acceleration_value"] == 0


FREE_SEEDS = """\
name: free_seeds
horizon: 12
seed: 3
market: {n_consumers: 500, initial_awareness: 0.1, represents: 40}
network: {kind: small_world, mean_degree: 6}
purchase: {p: 0.2, q: 0.8}
product: {price: 25, margin: 0.4}
strategies:
  - name: none
  - name: seeds
    levers: [{kind: seeding, k: 1000, targeting: hubs, cost_per_seed: 0}]  # real seeds: 25 simulated ones
"""


def test_decomposition_explains_the_npv_difference_in_real_money():
    """Free seeding costs nothing and there are no discounts or repeat purchases: first purchases are the
    only money that differs, so expansion + acceleration + free seeds must be the whole NPV difference
    (this fails when the parts ignore market.represents: they would be 1/40 of it)."""
    comparison = run_comparison(parse_scenario(FREE_SEEDS, "free_seeds.yaml"), replications=3, jobs=1)
    parts = comparison.decomposition_runs
    parts = parts[parts["strategy"] == "seeds"]
    explained = parts["expansion_value"] + parts["acceleration_value"] + parts["free_seed_value"]
    assert parts["npv_difference"].abs().max() > 100  # the seeds changed the money
    np.testing.assert_allclose(explained, parts["npv_difference"], rtol=1e-9)
    np.testing.assert_allclose(parts["other_value"], 0, atol=1e-6 * parts["npv_difference"].abs().max())
    assert (parts["free_seeds"] == 25).all()


# ---------------------------------------------------------------- outputs, progress, cancel
def test_outputs_are_written_and_readable(small_comparison, tmp_path):
    paths = small_comparison.write(tmp_path / "out")
    summary = pd.read_csv(paths["summary.csv"])
    assert set(summary["kpi"]) == set(RUN_KPIS)
    assert len(summary) == 3 * len(RUN_KPIS)
    assert {"mean", "ci_low", "ci_high", "diff_mean", "diff_low", "diff_high", "n"} <= set(summary.columns)
    series = pd.read_parquet(paths["timeseries.parquet"])
    assert len(series) == 3 * 3 * 12 and {"strategy", "replication", "adopters"} <= set(series.columns)
    again = load_scenario(paths["scenario.yaml"])
    assert again.model_kwargs("ads", 2) == small_comparison.scenario.model_kwargs("ads", 2)
    assert {"average_rating", "review_count", "ratings_1", "ratings_5"} <= set(series.columns)
    assert {"average_rating", "review_count"} <= set(summary["kpi"])
    html = paths["report.html"].read_text()
    assert html.count("data:image/png;base64,") >= 6
    assert "Product page" in html and "average rating on the product page at the horizon" in html
    assert "http://" not in html and "https://" not in html
    assert "run.py compare" in html and "seeds 5..7" in html
    table = small_comparison.kpi_table()
    assert list(table.index) == ["none", "also_none", "ads"] and list(table.columns) == list(RUN_KPIS)
    assert table.loc["none", "adopters"].count("[") == 1


def test_progress_is_reported_and_cancel_stops():
    scenario = parse_scenario(SMALL, "small.yaml")
    calls = []
    run_comparison(scenario, replications=2, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(ComparisonCancelled):
        run_comparison(scenario, replications=2, cancel=cancel)
    with pytest.raises(ComparisonCancelled):
        run_comparison(scenario, replications=4, jobs=2, cancel=cancel)


# ---------------------------------------------------------------- shipped scenarios
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_runs(path, tmp_path):
    scenario = load_scenario(path)
    small = ["horizon=6"]
    if scenario.network.kind != "edge_list":  # a real network fixes the number of consumers
        small.append("market.n_consumers=1000")
    scenario = load_scenario(path, small)
    comparison = run_comparison(scenario, replications=2)
    assert set(comparison.runs["strategy"]) == {s.name for s in scenario.strategies}
    assert comparison.runs["adopters"].notna().all()
    assert (tmp_path / "out").exists() is False
    comparison.write(tmp_path / "out")
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000


def test_report_leaves_out_kpis_undefined_in_every_run():
    """Nobody reaches 10% of the market in 3 weeks: the time-to rows are left out and said once."""
    from simulation.experiment.report import render_report

    text = SMALL.replace("horizon: 12", "horizon: 3").replace("{p: 0.3, q: 1.0}", "{p: 0.01, q: 0}")
    comparison = run_comparison(parse_scenario(text, "slow.yaml"), replications=2, jobs=1)
    assert (comparison.summary[comparison.summary["kpi"] == "time_to_50pct"]["n"] == 0).all()
    report = render_report(comparison)
    column = comparison.column("time_to_50pct")
    assert f"{column}: half of the market never bought within the horizon" in report
    assert f"<th>{column}" not in report and report.count(column) == 1
