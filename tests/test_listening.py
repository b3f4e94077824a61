"""Listening strategies: triggers on observed metrics, the listening model (lag, sampling noise, cost),
Thompson-sampling budget reallocation, the event log in every output, and a listening strategy beating
its fixed-schedule twin in a crisis whose timing the brand does not know."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import integrate, stats

from simulation import WordOfMouthModel
from simulation.experiment.compare import run_comparison
from simulation.experiment.events import budget_summary, trigger_summary
from simulation.marketing.listening import read_metrics
from simulation.marketing.reallocation import thompson_shares
from simulation.marketing.trigger import ConditionState, TriggerState, When
from simulation.scenario.loader import ScenarioError, parse_scenario

SMALL = {"n_consumers": 1500, "seed": 3}

# A product whose faulty batch (from week 5, until fixed) turns buyers against it. The brand plans to fix
# it in week 20 (the fixed-schedule twin), or fixes it when the share of negative talk it reads in a
# sample of 1,000 posts has been above 1.2% twice in a row (the listening strategy).
CRISIS = """
name: crisis_test
time_unit: week
horizon: 40
seed: 5
replications: 20
baseline: fixed_fix
market: {n_consumers: 3000, customer_share: 0.05, follower_share: 0.05, initial_awareness: 0.3, initial_opinion: 0.3}
network: {kind: small_world, mean_degree: 10, rewiring: 0.1}
word_of_mouth: {negativity_bias: 1.0}
purchase: {p: 0.08, q: 1.0}
product:
  quality: 0.5
  quality_spread: 0.3
  price: 100
  margin: 0.4
  incidents: [{start: 5, end: 40, quality_shift: -1.5}]
strategies:
  - name: fixed_fix
    description: fix the product in week 20, as planned
    levers: [{kind: quality, start: 20, shift: 1.5, spread_factor: 1, cost: 2000}]
  - name: listening_fix
    description: fix the product when negative talk has been above 1.2% for two readings
    listening: {lag: 1, sample: 1000}
    levers:
      - kind: quality
        shift: 1.5
        spread_factor: 1
        cost: 2000
        when: {metric: negative_share, above: 0.012, for_steps: 2}
"""


def events(model) -> pd.DataFrame:
    return pd.DataFrame(model.brand.events)


# ---------------------------------------------------------------- conditions and triggers
def test_condition_needs_the_threshold_for_consecutive_readings():
    state = ConditionState(When(metric="negative_share", above=0.2, for_steps=3))
    readings = [0.3, 0.3, 0.1, 0.3, 0.3, 0.3, 0.25, float("nan"), 0.4]
    held = [state.update({"negative_share": r}) for r in readings]
    assert held == [False, False, False, False, False, True, True, False, False]
    assert not ConditionState(When(metric="mean_opinion", below=0.0)).update(None)  # no reading yet


def test_all_and_any_combine_their_parts_streaks():
    both = When(
        all=[{"metric": "mean_opinion", "below": 0.1}, {"metric": "negative_share", "above": 0.2, "for_steps": 2}]
    )
    either = When(
        any=[{"metric": "mean_opinion", "below": 0.1}, {"metric": "negative_share", "above": 0.2, "for_steps": 2}]
    )
    a, b = ConditionState(both), ConditionState(either)
    readings = [
        {"mean_opinion": 0.0, "negative_share": 0.3},
        {"mean_opinion": 0.0, "negative_share": 0.3},
        {"mean_opinion": 0.5, "negative_share": 0.3},
        {"mean_opinion": 0.5, "negative_share": 0.1},
    ]
    assert [a.update(r) for r in readings] == [False, True, False, False]
    assert [b.update(r) for r in readings] == [True, True, True, False]


def test_trigger_fires_stops_with_until_and_can_fire_again():
    when = When(metric="negative_share", above=0.2, until={"metric": "negative_share", "below": 0.1, "for_steps": 2})
    state = TriggerState(when)
    series = [0.1, 0.3, 0.3, 0.05, 0.3, 0.05, 0.05, 0.15, 0.3]
    changes = [state.update(step, {"negative_share": v}) for step, v in enumerate(series)]
    assert changes == [None, "fired", None, None, None, None, "stopped", None, "fired"]
    assert state.fired_at == 8


def test_bad_triggers_are_refused_with_file_line_and_allowed_values():
    text = """
strategies:
  - name: base
  - name: listen
    levers:
      - kind: review_response
        when:
          metric: average_ratin
          below: 3.8
  - name: listen2
    levers:
      - kind: review_response
        when:
          any:
            - {metric: mean_opinion, below: 0.1, above: 0.3}
            - {metric: negative_share, abov: 0.3}
          until: "__import__('os').system('echo hacked')"
  - name: split
    reallocate: {every: 4}
    levers: [{kind: review_response}]
"""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "listen.yaml")
    problems = caught.value.problems
    assert problems[0].startswith(
        "listen.yaml:8: strategies.listen.levers.0.when.metric = 'average_ratin': unknown metric"
    )
    assert "did you mean 'average_rating'?" in problems[0] and "negative_share" in problems[0]
    assert problems[1].startswith(
        "listen.yaml:15: strategies.listen2.levers.0.when.any.0: metric 'mean_opinion' needs exactly one"
    )
    assert problems[2].startswith(
        "listen.yaml:16: strategies.listen2.levers.0.when.any.1.abov: unknown key; did you mean 'above'?"
    )
    assert problems[3].startswith(
        "listen.yaml:17: strategies.listen2.levers.0.when.until = "
    )  # a string is data, not code
    assert "reallocate needs a budget" in problems[4] and "not levers 0 (review_response)" in problems[4]


# ---------------------------------------------------------------- the listening model
def test_a_trigger_fires_one_lag_after_the_exact_reading_meets_it():
    """With exact readings (sample: none), the lever fires at step s + 1 + lag, s the first step whose
    KPI meets the threshold -- read off the same market without the lever (common random numbers)."""
    baseline = WordOfMouthModel(**SMALL).run(25).timeseries()
    threshold = float(baseline["adopters"].iloc[9])
    first = int(np.flatnonzero(baseline["adopters"].to_numpy() > threshold)[0])
    for lag in (0, 2):
        strategy = {
            "listening": {"lag": lag, "sample": None},
            "levers": [{"kind": "seeding", "k": 30, "when": {"metric": "adopters", "above": threshold}}],
        }
        model = WordOfMouthModel(**SMALL, strategy=strategy).run(25)
        fired = events(model)
        assert fired["event"].tolist() == ["fired"] and fired["step"].iloc[0] == first + 1 + lag
        seeded = model.timeseries()["adopters_seeding"].to_numpy()
        assert seeded[first + lag] == 0 and seeded[first + 1 + lag] == 30  # its schedule counts from the firing step
        # Until it fires, the market is the baseline's, step for step.
        pd.testing.assert_frame_equal(model.timeseries().iloc[: first + 1 + lag], baseline.iloc[: first + 1 + lag])


def test_triggered_schedule_counts_from_the_firing_step():
    strategy = {
        "listening": {"lag": 0, "sample": None},
        "levers": [
            {"kind": "review_response", "start": 1, "end": 4, "when": {"metric": "adopters", "above": -1}},
        ],
    }
    model = WordOfMouthModel(**SMALL, negativity_bias=2.0, initial_opinion=-0.2, strategy=strategy).run(10)
    assert events(model)["step"].tolist() == [1]  # the first reading (of step 0) is taken at step 1
    answered = model.timeseries()["answered_posts"].to_numpy()
    assert (answered[[0, 1, 5, 6, 7, 8, 9]] == 0).all() and (answered[2:5] > 0).all()  # steps 1 + 1 .. 1 + 4


def test_sampled_sentiment_has_the_spread_of_a_sample_of_the_real_market():
    """`sample` real posts without replacement: the hypergeometric spread of the real aware consumers
    (simulated x represents), whatever the resolution; with replacement it would be about 9% wider."""
    model = WordOfMouthModel(n_consumers=400, represents=10, seed=2, initial_awareness=0.8, opinion_spread=0.6)
    model.run(1)
    aware = model.consumers.aware
    true_share = float(np.count_nonzero(aware & (model.consumers.opinion < 0)) / aware.sum())
    assert true_share == pytest.approx(model.kpis["negative_share"])
    n, draws, real = 500, 4000, int(aware.sum()) * 10
    rng = np.random.default_rng(0)
    readings = np.array(
        [read_metrics(model, ["negative_share", "adopters"], n, rng)["negative_share"] for _ in range(draws)]
    )
    sd = math.sqrt(true_share * (1 - true_share) / n * (real - n) / (real - 1))  # finite real population
    assert abs(readings.mean() - true_share) < 4 * sd / math.sqrt(draws)
    assert readings.std() == pytest.approx(sd, rel=0.05)  # ~ +/- 2.2% of sd at 4,000 draws: a 5% error fails
    exact = read_metrics(model, ["negative_share", "adopters"], None, rng)
    assert exact == {"negative_share": model.kpis["negative_share"], "adopters": 10 * model.kpis["adopters"]}
    assert read_metrics(model, ["adopters"], n, rng) == {"adopters": 10 * model.kpis["adopters"]}  # read exactly
    # A sample as large as the real market reads every post: the exact figure.
    assert read_metrics(model, ["negative_share"], real, rng) == {"negative_share": model.kpis["negative_share"]}


def test_listening_costs_its_price_and_uses_its_own_random_streams():
    baseline = WordOfMouthModel(**SMALL).run(12).timeseries()
    never = {
        "listening": {"lag": 1, "sample": 200, "cost_per_step": 25},
        "levers": [{"kind": "advertising", "when": {"metric": "mean_opinion", "below": -5}}],
    }
    model = WordOfMouthModel(**SMALL, strategy=never).run(12)
    frame = model.timeseries()
    assert (frame["spend"] == 25).all() and model.brand.spend_by_kind == {"listening": 25 * 12}
    assert events(model).empty
    # Listening drew from its own stream: every market figure is the baseline's.
    market = [c for c in frame.columns if c not in ("spend", "planned_spend", "profit")]
    pd.testing.assert_frame_equal(frame[market], baseline[market])


# ---------------------------------------------------------------- budget reallocation
def _prob_first_is_best(a1, b1, a2, b2) -> float:
    """P(X1 > X2) for X_i ~ Gamma(shape a_i, rate b_i), by quadrature (independent of the sampler)."""
    value, _ = integrate.quad(
        lambda x: stats.gamma.pdf(x, a1, scale=1 / b1) * stats.gamma.cdf(x, a2, scale=1 / b2), 0, np.inf
    )
    return value


def test_thompson_shares_match_the_posterior_probability_of_being_best():
    conversions, spend = np.array([12.0, 5.0]), np.array([1000.0, 600.0])
    prior = 1.0
    pooled = (conversions.sum() + prior) / spend.sum()
    exact = _prob_first_is_best(prior + 12, prior / pooled + 1000, prior + 5, prior / pooled + 600)
    draws = 20_000
    shares, best = thompson_shares(conversions, spend, 0.1, prior, draws, np.random.default_rng(1))
    assert abs(best[0] - exact) < 4 * math.sqrt(exact * (1 - exact) / draws)
    assert shares == pytest.approx(0.1 + 0.8 * best)
    assert shares.sum() == pytest.approx(1.0)
    even, _ = thompson_shares(np.zeros(3), np.zeros(3), 0.05, 1.0, 100, np.random.default_rng(1))
    assert even == pytest.approx(np.full(3, 1 / 3))  # no spend yet: an even split


def test_budget_moves_to_the_lever_that_wins_more_customers_per_unit_spent():
    """Ads to everyone win customers cheaply; posts cost 500 each and reach a few followers: after a few
    splits the ads get nearly all the budget above the other lever's floor."""
    strategy = {
        "budget": 20_000,
        "reallocate": {"every": 5, "floor": 0.1},
        "levers": [
            {"kind": "advertising", "reach": 0.5, "cpm": 20, "impact": 3},
            {"kind": "content", "cost_per_post": 500, "engagement": 0.05},
        ],
    }
    model = WordOfMouthModel(n_consumers=3000, seed=4, strategy=strategy).run(30)
    moves = events(model)
    moves = moves[moves["event"] == "budget"]
    assert sorted(set(moves["step"])) == [0, 5, 10, 15, 20, 25]
    first, last = moves[moves["step"] == 0], moves[moves["step"] == 25]
    assert first["value"].tolist() == pytest.approx([0.5, 0.5])
    assert last["value"].iloc[0] > 0.85 and last["value"].iloc[1] == pytest.approx(1 - last["value"].iloc[0])
    # Each lever spent within its allowance: what was spent between two splits never exceeds it.
    spent = model.brand.listening.allocation.spent_by_step
    for row in moves.itertuples():
        allowance = float(row.detail.split(": ")[1].replace(",", ""))
        period = sum(s[row.lever] for s in spent[row.step : row.step + 5])
        assert period <= allowance + 1.0  # the allowance is shown rounded to whole units
    assert model.brand.spend <= 20_000 + 1e-6


# ---------------------------------------------------------------- outputs and the crisis
@pytest.fixture(scope="module")
def crisis():
    return run_comparison(parse_scenario(CRISIS, "crisis.yaml"))


def test_listening_strategy_beats_its_fixed_schedule_twin_in_a_crisis(crisis):
    """The fix is the same lever at the same cost; listening applies it when the data turns (week 9-17)
    instead of week 20. Measured: profit +338 [+212, +464], adopters +8.4 [+5.3, +11.6] (20 paired runs)."""
    summary = crisis.summary.set_index(["strategy", "kpi"])
    for kpi in ("profit", "adopters", "npv"):
        row = summary.loc[("listening_fix", kpi)]
        assert row["diff_low"] > 0, (kpi, row["diff_mean"], row["diff_low"], row["diff_high"])
    fired = trigger_summary(crisis.events, crisis.replications)
    assert fired["runs"].tolist() == ["20 of 20"]
    assert fired["first step (median)"].iloc[0] < 20


def test_events_reach_the_files_and_the_report(crisis, tmp_path):
    paths = crisis.write(tmp_path)
    written = pd.read_csv(paths["events.csv"])
    assert len(written) == len(crisis.events) == 20 and set(written["event"]) == {"fired"}
    report = paths["report.html"].read_text()
    assert "Listening strategies: triggers and budget moves" in report and "listening_fix" in report
    assert "0 (quality)" in report


def test_simulate_prints_the_event_log(tmp_path, capsys):
    from run import main

    path = tmp_path / "crisis.yaml"
    data = yaml.safe_load(CRISIS)
    path.write_text(yaml.safe_dump(data))
    assert main(["simulate", str(path), "--strategy", "listening_fix", "--out", str(tmp_path / "out")]) == 0
    shown = capsys.readouterr().out
    assert "listening: 1 events" in shown and "fired   lever 0 (quality): observed negative_share = " in shown
    assert pd.read_csv(tmp_path / "out" / "events.csv")["event"].tolist() == ["fired"]


def test_budget_summary_tables_the_mean_share_per_split():
    frame = pd.DataFrame(
        {
            "strategy": ["s"] * 4,
            "replication": [0, 0, 1, 1],
            "step": [0, 0, 0, 0],
            "lever": [0, 1, 0, 1],
            "kind": ["advertising", "content"] * 2,
            "event": ["budget"] * 4,
            "value": [0.5, 0.5, 0.7, 0.3],
            "detail": [""] * 4,
        }
    )
    table = budget_summary(frame)
    assert table.loc[("s", "0 (advertising)"), 0] == "60%" and table.loc[("s", "1 (content)"), 0] == "40%"


def test_referred_customers_count_only_while_the_programme_runs():
    strategy = {
        "budget": 5000,
        "reallocate": {"every": 4},
        "levers": [{"kind": "advertising", "reach": 0.2}, {"kind": "referral", "start": 6, "reward": 5}],
    }
    model = WordOfMouthModel(n_consumers=2000, seed=7, q=2.0, strategy=strategy).run(12)
    won = np.array(model.brand.listening.allocation.won_by_step)
    assert (won[:6, 1] == 0).all() and won[6:, 1].sum() > 0  # referral: nothing before it starts
    assert won[:, 0].sum() == model.timeseries()["adopters_advertising"].iloc[-1]  # ads: by first-heard channel
