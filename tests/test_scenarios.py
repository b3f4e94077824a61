"""The shipped scenarios behave inside the ranges real markets show, and say what they claim."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.experiment.runs import run_once
from simulation.experiment.stats import paired_difference
from simulation.marketing.content import BrandContent
from simulation.scenario import load_scenario
from simulation.validation import stylised_facts as sf

SCENARIOS = sf.__file__.rsplit("/simulation/", 1)[0] + "/scenarios"
CRISIS_RUNS = 16


def kpis(scenario, strategy: str, runs: int) -> list[dict]:
    return [run_once(scenario, strategy, r).kpis for r in range(runs)]


def difference(a: list[dict], b: list[dict], kpi: str):
    return paired_difference([x[kpi] for x in a], [y[kpi] for y in b])


# ---------------------------------------------------------------- advertising at realistic magnitudes
@pytest.mark.slow
@pytest.mark.parametrize(
    "name, strategy",
    [
        pytest.param(
            "default",
            "advertising",
            marks=pytest.mark.xfail(
                strict=True,
                reason="issue 20 rules (merged, 8 Dec 2026, 40 replications): short-term elasticity "
                "0.043 [0.029, 0.058], the lower end 0.001 below 0.03 (long-term 0.042 [0.032, 0.052] inside)",
            ),
        ),
        ("product_launch", "advertising"),
        ("facebook", "advertising"),
    ],
)
def test_every_shipped_advertising_campaign_has_a_realistic_elasticity(name, strategy):
    """Sethuraman, Tellis & Briesch (2011): short- and long-term elasticities within [0.03, 0.35]."""
    check = sf.advertising_elasticity(load_scenario(f"{SCENARIOS}/{name}.yaml"), 40, strategy=strategy)
    assert check.agrees, check.simulated


# ---------------------------------------------------------------- the review crisis
@pytest.fixture(scope="module")
def crisis():
    scenario = load_scenario(f"{SCENARIOS}/review_crisis.yaml")
    runs = {s.name: kpis(scenario, s.name, CRISIS_RUNS) for s in scenario.strategies}
    calm = scenario.model_copy(update={"product": scenario.product.model_copy(update={"incidents": []})})
    runs["no_crisis"] = kpis(calm, "wait_it_out", CRISIS_RUNS)
    return runs


def test_the_review_crisis_visibly_hurts(crisis):
    lost = difference(crisis["wait_it_out"], crisis["no_crisis"], "new_adopters")
    assert lost.high < 0 and lost.mean < -0.1 * np.mean([k["new_adopters"] for k in crisis["no_crisis"]])
    assert difference(crisis["wait_it_out"], crisis["no_crisis"], "profit").high < 0
    assert difference(crisis["wait_it_out"], crisis["no_crisis"], "average_rating").high < 0


def test_answering_reviews_visibly_helps_in_the_crisis(crisis):
    assert difference(crisis["answer_reviews"], crisis["wait_it_out"], "new_adopters").low > 0


@pytest.mark.xfail(
    strict=True,
    reason="issue 20 rules (merged, 8 Dec 2026, 16 replications): answering reviews wins +100 [89, 110] "
    "customers but loses -66,989 [-71,099, -62,878] of profit: customers now talk 96 times a year (talk by role) "
    "and the lever pays for every negative post it answers; the scenario is not yet recalibrated",
)
def test_answering_reviews_pays_in_the_crisis(crisis):
    assert difference(crisis["answer_reviews"], crisis["wait_it_out"], "profit").low > 0


def test_the_listening_recall_beats_its_fixed_schedule_twin(crisis):
    """Issue 14's check: the same recall, triggered by the average rating instead of ordered by the brand's
    quarterly review (week 13). A recall restores normal quality and never improves on it, so listening can
    only win by acting sooner; and it does no better than a recall planned knowing when the batch failed."""
    gain = difference(crisis["listen_and_fix"], crisis["quarterly_recall"], "profit")
    assert gain.low > 0, gain
    hindsight = difference(crisis["listen_and_fix"], crisis["fix_quality"], "profit")
    assert hindsight.low < 0 < hindsight.high or hindsight.high < 0, hindsight


# ---------------------------------------------------------------- re-shares convert followers
def test_reshares_by_past_customers_visibly_convert_followers():
    """loyalty_referral's follower content (an established product: customers follow the brand and re-share
    its posts) against the same posts never re-shared, paired. (In the default launch scenario few customers
    follow the brand within the first year, so re-shares add little there.)"""
    scenario = load_scenario(f"{SCENARIOS}/loyalty_referral.yaml")
    content = scenario.strategy("follower_content")
    no_reshare = content.model_copy(
        update={"levers": [lever.model_copy(update={"reshare": 0.0}) for lever in content.levers]}
    )
    assert isinstance(content.levers[0], BrandContent) and content.levers[0].reshare > 0

    def followers_won(strategy, replication):
        arm = sf.Arm(strategy, {})
        model = sf.run_arm(scenario, arm, replication)
        c = model.consumers
        return float(np.count_nonzero(c.follows_brand & (c.purchase_step >= 0))), model

    gains = []
    for r in range(12):
        with_reshares, _ = followers_won(content, r)
        without, _ = followers_won(no_reshare, r)
        gains.append(with_reshares - without)
    gain = paired_difference(gains, np.zeros(len(gains)))
    assert gain.low > 0, gain
