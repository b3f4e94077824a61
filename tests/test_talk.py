"""Who talks, and bad news through each channel: the talk-by-role rule, the talk checks and their ablations."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import kernels
from simulation.model import WordOfMouthModel
from simulation.rules import conversation
from simulation.scenario.loader import load_scenario
from simulation.state import Role
from simulation.validation import bad_news, stylised_facts, talk
from simulation.validation.ablations import scenario_overrides
from simulation.validation.suite import DEFAULT_SCENARIO

needs_numba = pytest.mark.skipif(not kernels.available(), reason="numba is not installed (pip install .[fast])")
SMALL: list[str] = []  # the default market (the valence ratio moves with its size, issue 20 item 1)


def _market_of_two_roles(n: int = 2000) -> WordOfMouthModel:
    """Everyone aware, alike in talkativeness, opinion and interest; the first half past customers."""
    model = WordOfMouthModel(
        seed=2, n_consumers=n, network="complete", talkativeness_dispersion=0, initial_awareness=1.0
    )
    c = model.consumers
    c.opinion[:], c.interest[:] = 0.6, 0.5
    c.role[: n // 2] = Role.CUSTOMER
    return model


def test_a_customer_talks_one_over_hearsay_talk_ratio_times_as_often():
    """x_i = 1 for a customer, r interest_i / 0.5 for anyone else (rules.conversation.talk_by_role)."""
    c = _market_of_two_roles(4).consumers
    c.interest[3] = 0.25
    settings = dict(talk_rate=12.0, neutral_talk=0.2, negativity_bias=1.0, dt=1 / 52)
    _, rate = conversation.messages_per_step(c, np.arange(4), **settings, hearsay_talk_ratio=1 / 7)
    assert rate[0] == rate[1] == pytest.approx(12 / 52 * (0.2 + 0.8 * 0.6))
    assert rate[0] / rate[2] == pytest.approx(7.0)
    assert rate[2] / rate[3] == pytest.approx(2.0)  # hearsay out of interest: half the interest, half the talk
    assert conversation.talk_by_role(np.array([True, False]), np.array([0.9, 0.5]), 0.0).tolist() == [1.0, 0.0]


@needs_numba
@pytest.mark.parametrize("ratio", [0.0, 1 / 7, 1.0])
def test_the_talk_kernel_applies_the_role_rule_as_numpy_does(ratio):
    model = _market_of_two_roles()
    draw = dict(talk_window=0, step=0, talk_rate=300.0, neutral_talk=0.2, negativity_bias=1.0, dt=1 / 52)
    draw |= dict(boost=None, salt=np.uint64(11), hearsay_talk_ratio=ratio)
    reference = conversation.talk(model.consumers, **draw, compiled=False)
    compiled = conversation.talk(model.consumers, **draw, compiled=True)
    np.testing.assert_array_equal(compiled[0], reference[0])
    np.testing.assert_array_equal(compiled[1], reference[1])
    customers = compiled[0] < model.consumers.n // 2
    if ratio == 0.0:
        assert customers.all()  # non-customers silent
    else:  # Poisson counts over 1,000 consumers each: the rates' ratio within a few percent
        spoken = compiled[1][customers].sum() / compiled[1][~customers].sum()
        assert spoken == pytest.approx(1 / ratio, rel=0.1)


@pytest.fixture(scope="module")
def small_default():
    return load_scenario(DEFAULT_SCENARIO, SMALL)


def test_who_talks_agrees_with_banerjee_and_not_when_talk_is_role_blind(small_default):
    """Whole market, 20 replications: customers talk about 7 times as much per consumer as aware non-customers;
    with role-blind talk (hearsay_talk_ratio 1) the ratio leaves Banerjee's band."""
    check = talk.who_talks_check(small_default, 20)
    assert check.agrees, check.simulated
    blind = load_scenario(DEFAULT_SCENARIO, SMALL + scenario_overrides({"hearsay_talk_ratio": 1.0}))
    without = talk.who_talks_check(blind, 20)
    assert not without.agrees, without.simulated
    assert without.table["customer_to_hearsay"].mean() < talk.BANERJEE[0]


def test_valence_agrees_with_east_and_not_without_the_negativity_bias(small_default):
    check = talk.valence_check(small_default, 20)
    assert check.agrees, check.simulated
    unbiased = load_scenario(DEFAULT_SCENARIO, SMALL + scenario_overrides({"negativity_bias": 0.0}))
    without = talk.valence_check(unbiased, 20)
    assert not without.agrees, without.simulated
    assert without.table["positive_to_negative"].mean() > talk.EAST[1]


def test_counting_talk_leaves_the_market_unchanged(small_default):
    kwargs = small_default.model_kwargs(None, 0)
    plain, counted = WordOfMouthModel(**kwargs).run(20), talk.TalkCountingModel(**kwargs).run(20)
    assert plain.timeseries().equals(counted.timeseries())
    assert counted.tally["customer_messages"] > 0 and counted.tally["hearsay_messages"] > 0


BAD_NEWS_MARKET = ["market.n_consumers=1000", "time_unit=month", "horizon=120", "seed=5"]


@pytest.mark.parametrize(
    "ablation, silent_channel",
    [({"voices": ("post",)}, "word_of_mouth"), ({"params": {"review_propensity": 0.0}}, "page")],
)
def test_bad_news_fails_when_either_channel_carries_none(ablation, silent_channel):
    """Bad news through word of mouth and through the page are each required: silencing the dissatisfied's talk,
    or nobody posting ratings, makes the check disagree, that channel's own loss being 0."""
    scenario = load_scenario(DEFAULT_SCENARIO, BAD_NEWS_MARKET + scenario_overrides(ablation.get("params", {})))
    check = bad_news.bad_news_check(scenario, (0.1,), replications=6, voices=ablation.get("voices", bad_news.VOICES))
    row = check.table.iloc[0]
    assert not check.agrees, check.simulated
    assert row[f"relative_loss_{silent_channel}"] == pytest.approx(0.0, abs=1e-12)
    first_year = stylised_facts.bad_news_first_year(scenario, 6, voices=ablation.get("voices", bad_news.VOICES))
    assert not first_year.agrees, first_year.simulated
