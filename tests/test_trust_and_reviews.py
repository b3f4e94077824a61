"""Trust that counts absolutely, community trust, and the public product page (reviews and ratings)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.product_page import ProductPage
from simulation.rules import reviews, trust
from simulation.state import Role

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SMALL = dict(n_consumers=3000, mean_degree=8, customer_share=0.05, initial_awareness=0.5)


def final(values):
    return np.array(values, dtype=float)


def run_pair(params_a, params_b, steps=26, seeds=range(10), strategy=None, **common):
    """(final adopters in market a, in market b) per seed: paired by common random numbers."""
    a = [WordOfMouthModel(seed=s, strategy=strategy, **{**SMALL, **common, **params_a}).run(steps) for s in seeds]
    b = [WordOfMouthModel(seed=s, strategy=strategy, **{**SMALL, **common, **params_b}).run(steps) for s in seeds]
    return a, b


# ---------------------------------------------------------------- trust counts absolutely
def test_social_influence_scales_with_trust_not_only_with_relative_weights():
    """Halving every tie's trust halves S (it is not a trust-weighted share any more)."""
    full = WordOfMouthModel(seed=3, strong_tie_trust=0.8, weak_tie_trust=0.4, **SMALL).run(6)
    half = WordOfMouthModel(seed=3, strong_tie_trust=0.4, weak_tie_trust=0.2, **SMALL)
    half.run(1)  # same first step: same messages, trust half as large
    first = WordOfMouthModel(seed=3, strong_tie_trust=0.8, weak_tie_trust=0.4, **SMALL).run(1)
    heard = first.social_influence() > 0
    assert heard.any()
    np.testing.assert_allclose(half.social_influence()[heard], 0.5 * first.social_influence()[heard], rtol=1e-5)
    assert full.social_influence().max() <= 1.0


def test_halving_trust_lowers_peer_driven_adoption_and_zero_trust_leaves_only_external_influence():
    common = dict(p=0.02, q=1.5, review_propensity=0.0, interest_gain=0.5)
    base, half = run_pair({}, {"strong_tie_trust": 0.4, "weak_tie_trust": 0.2}, **common)
    gains = final([h.kpis["adopters"] for h in half]) - final([b.kpis["adopters"] for b in base])
    assert gains.mean() < 0 and gains.mean() + 3 * gains.std(ddof=1) / np.sqrt(gains.size) < 0
    # With no trust in anyone (and none learned), peers move nothing: the market sells exactly as one without
    # imitation.
    zero = {"strong_tie_trust": 0.0, "weak_tie_trust": 0.0, "trust_learning": 0.0}
    no_peers = {**zero, "q": 0.0, "persuasion": 0.0, "interest_gain": 0.0}
    a, b = run_pair({**common, **zero}, {**common, **no_peers}, steps=20, seeds=range(3))
    for x, y in zip(a, b, strict=True):
        assert x.kpis["adopters"] == y.kpis["adopters"]
        np.testing.assert_array_equal(x.consumers.opinion, y.consumers.opinion)


def test_consumers_trust_their_own_community_more_and_learn_it_from_experience():
    params = dict(
        n_consumers=3000,
        network="communities",
        n_communities=5,
        mean_degree=10,
        within_share=0.6,
        in_group_trust=1.0,
        out_group_trust=0.5,
        community_trust_learning=0.5,
        customer_share=0.1,
        quality=-0.6,
        quality_spread=0.1,
        initial_opinion=0.7,
        opinion_spread=0.1,
        p=1.0,
        initial_awareness=1.0,
    )
    model = WordOfMouthModel(seed=2, **params)
    t = model.ties
    model.run(1)
    effective = trust.effective_trust(t.trust, model.consumers.group_trust[t.listener, (~t.same_community).astype(int)])
    inside, outside = effective[t.same_community].mean(), effective[~t.same_community].mean()
    assert inside > 1.5 * outside
    start = model.consumers.group_trust.copy()
    model.run(15)
    # A bad product whose fans overpromised: buyers learn that both their community and others misled them.
    bought = model.consumers.purchase_step >= 0
    assert (model.consumers.group_trust[bought, 0] < start[bought, 0]).mean() > 0.5


# ---------------------------------------------------------------- the product page's rules
def test_posting_rises_with_the_distance_from_the_reference_up_to_a_plateau_and_asking_removes_part_of_the_bias():
    """P = propensity (a + (1 - a) min(1, |s - r| / w)^gamma) (1 + k N [s > 0.2])."""
    s = np.array([-0.9, -0.2, 0.3, 0.5, 0.9])
    p = reviews.posting_probability(s, 0.2, 2.0, reference=0.3, notable=0.6)
    assert p[2] == 0 and p[0] == p[4] == pytest.approx(0.2)  # nothing to say at r; the plateau beyond w
    assert p[1] == pytest.approx(0.2 * (0.5 / 0.6) ** 2) and p[3] == pytest.approx(0.2 * (0.2 / 0.6) ** 2)
    asked = reviews.posting_probability(s, 0.2, 2.0, reference=0.3, asked=0.5, notable=0.6)
    assert (asked >= p).all() and asked[2] == pytest.approx(0.1)
    corrected = reviews.posting_probability(s, 0.2, 2.0, 0.3, negative_share=0.5, correction=2.0, notable=0.6)
    assert corrected[4] == pytest.approx(2 * p[4]) and corrected[0] == p[0]  # only those who praise it correct
    assert corrected[3] == pytest.approx(2 * p[3]) and corrected[1] == p[1]


def test_herding_pulls_raters_without_a_negative_experience_up_to_the_average_and_no_one_down():
    """s' = s + h (1 - |s|) (A - s) if A > s > -0.2, else s (A: the displayed average on the satisfaction scale)."""
    s = np.array([0.3, -0.1, -0.5, 0.9])
    shown = 4.5  # 0.6 on the satisfaction scale
    up = reviews.expressed_satisfaction(s, average=shown, herding=0.5)
    assert up[0] == pytest.approx(0.3 + 0.5 * 0.7 * 0.3) and up[1] == pytest.approx(-0.1 + 0.5 * 0.9 * 0.7)
    assert up[2] == -0.5 and up[3] == 0.9  # a negative experience is not talked up; above A: not pulled down
    assert (reviews.expressed_satisfaction(s, average=1.0, herding=0.5) == s).all()
    assert reviews.expressed_satisfaction(s, average=None, herding=0.5) is s
    assert reviews.rating_stars(np.array([-1.0, -0.5, 0.0, 0.5, 1.0])).tolist() == [1, 2, 3, 4, 5]


def test_negative_reviews_weigh_more_and_answers_soften_them():
    page = ProductPage()
    page.post(np.array([5, 5, 5, 1], dtype=np.int8), np.zeros(4, dtype=bool))
    plain = reviews.perceived_valence(page.weights_by_star(0.7), negativity=1.0)
    weighted = reviews.perceived_valence(page.weights_by_star(0.7), negativity=2.0)
    assert plain == pytest.approx((3 * 1.0 - 1.0) / 4) and weighted < plain
    assert page.answer_negative(1.0, 0.5, np.random.default_rng(0)) == 1
    answered = reviews.perceived_valence(page.weights_by_star(0.7), negativity=2.0)
    assert weighted < answered < plain + 1e-12
    assert page.answer_negative(1.0, 0.5, np.random.default_rng(0)) == 0  # each review is considered once
    # Incentivised reviews count less.
    paid = ProductPage()
    paid.post(np.array([5, 1], dtype=np.int8), np.array([True, False]))
    assert reviews.perceived_valence(paid.weights_by_star(0.5), 1.0) == pytest.approx((0.5 - 1.0) / 1.5)
    assert reviews.volume_weight(0, 10) == 0 and reviews.volume_weight(10, 10) == pytest.approx(0.5)
    assert reviews.volume_weight(5, 10, 2.0) < reviews.volume_weight(5, 10, 1.0)


# ---------------------------------------------------------------- the page in the market
def test_only_buyers_post_and_ratings_are_j_shaped_and_above_the_experienced_quality():
    model = WordOfMouthModel(seed=5, n_consumers=20_000, defect_rate=0.05, review_propensity=0.4, p=0.3)
    model.run(52)
    frame = model.timeseries()
    posted = model.page.histogram
    assert posted.sum() == frame["review_count"].iloc[-1] > 100
    assert posted.sum() <= (model.consumers.role == Role.CUSTOMER).sum()  # purchase bias: only buyers post
    share = posted / posted.sum()
    assert share.argmax() == 4 and share[0] > share[1] and share[0] > share[2]
    experienced = reviews.rating_stars(model.consumers.satisfaction[model.consumers.role == Role.CUSTOMER])
    assert frame["average_rating"].iloc[-1] > experienced.mean()
    for k in range(1, 6):
        assert frame[f"ratings_{k}"].iloc[-1] == posted[k - 1]


def test_readers_buy_more_from_a_good_page_and_less_from_a_bad_one():
    common = dict(review_propensity=0.4, page_visit_rate=6.0, p=0.1, initial_awareness=0.8)
    good, bad = run_pair({"quality": 0.6, "defect_rate": 0.0}, {"quality": 0.6, "defect_rate": 0.3}, steps=40, **common)
    assert np.mean([g.kpis["average_rating"] for g in good]) > np.mean([b.kpis["average_rating"] for b in bad]) + 0.5
    gains = final([g.kpis["adopters"] for g in good]) - final([b.kpis["adopters"] for b in bad])
    assert gains.mean() > 3 * gains.std(ddof=1) / np.sqrt(gains.size)
    # Without the page's influence on the hazard the same difference shrinks: the page matters.
    no_page, _ = run_pair({"quality": 0.6, "defect_rate": 0.0, "review_influence": 0.0}, {}, steps=40, **common)
    assert np.mean([g.kpis["adopters"] for g in good]) > np.mean([n.kpis["adopters"] for n in no_page])


def test_review_levers_answer_ask_and_incentivise():
    market = dict(defect_rate=0.2, review_propensity=0.3, p=0.3, initial_awareness=0.8)
    answer = {"levers": [{"kind": "review_response", "share": 1.0, "softening": 0.5, "cost_per_response": 2}]}
    ask = {"levers": [{"kind": "ask_for_reviews", "removes": 0.8, "cost_per_request": 0.1}]}
    incentive = {"levers": [{"kind": "incentivised_reviews", "uptake": 0.5, "reward": 3}]}
    base = WordOfMouthModel(seed=4, **{**SMALL, **market}).run(30).timeseries()
    answered = WordOfMouthModel(seed=4, strategy=answer, **{**SMALL, **market}).run(30)
    frame = answered.timeseries()
    assert frame["answered_reviews"].sum() > 0
    assert answered.page.answered_weight[:2].sum() == pytest.approx(0.5 * frame["answered_reviews"].sum())
    assert frame["spend"].sum() == pytest.approx(2 * (frame["answered_reviews"].sum() + frame["answered_posts"].sum()))
    asked = WordOfMouthModel(seed=4, strategy=ask, **{**SMALL, **market}).run(30).timeseries()
    assert asked["review_count"].iloc[-1] > 1.5 * base["review_count"].iloc[-1]
    assert asked["spend"].sum() == pytest.approx(0.1 * asked["review_requests"].sum())
    paid = WordOfMouthModel(seed=4, strategy=incentive, **{**SMALL, **market}).run(30)
    frame = paid.timeseries()
    assert frame["incentivised_reviews"].sum() == paid.page.posted[:, 1].sum() > 0
    assert frame["spend"].sum() == pytest.approx(3 * frame["incentivised_reviews"].sum())


def test_a_page_with_no_reviews_changes_nothing():
    """review_propensity = 0: no page; the market is the one without any review parameter in play."""
    a = WordOfMouthModel(seed=6, review_propensity=0.0, review_influence=0.5, page_visit_rate=50, **SMALL).run(20)
    b = WordOfMouthModel(seed=6, review_propensity=0.0, review_influence=0.0, page_visit_rate=0, **SMALL).run(20)
    np.testing.assert_array_equal(a.consumers.role, b.consumers.role)
    assert a.timeseries()["review_count"].max() == 0 and np.isnan(a.kpis["average_rating"])


def test_simulate_prints_the_product_page(tmp_path, capsys):
    import run

    out = tmp_path / "out"
    assert run.main(["simulate", "--steps", "30", "--set", "market.n_consumers=3000", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    frame = __import__("pandas").read_csv(out / "timeseries.csv")
    last = frame.iloc[-1]
    line = next(t for t in printed.splitlines() if "product page" in t)
    assert f"{int(last.review_count):,} ratings" in line
    assert ("no ratings yet" in line) if last.review_count == 0 else (f"{last.average_rating:.2f} stars" in line)
    assert f"5*: {int(last.ratings_5):,}" in line and f"1*: {int(last.ratings_1):,}" in line


def test_a_mention_is_remembered_in_proportion_to_the_trust_in_its_speaker():
    """Awareness from one message = times seen x trust x credibility; from someone trusted at 0.2, two
    mentions in a step are not enough to become aware (0.5), three are."""
    from simulation.rules.awareness import raise_recall
    from simulation.state import Source

    model = WordOfMouthModel(seed=1, n_consumers=50, mean_degree=4, initial_awareness=0.0, follower_share=0.0)
    c = model.consumers
    c.awareness[:] = 0.0
    raise_recall(c, np.array([3, 3]), np.array([0.2, 0.2]), Source.PEER)
    assert c.awareness[3] == pytest.approx(0.4) and not c.aware[3] and c.first_source[3] == Source.UNAWARE
    raise_recall(c, np.array([3]), 0.2, Source.PEER)
    assert c.aware[3] and c.first_source[3] == Source.PEER
    raise_recall(c, np.array([4]), 5.0, Source.PEER)
    assert c.awareness[4] == 1.0


def test_the_page_shows_the_average_of_every_rating():
    page = ProductPage()
    assert page.average is None
    page.post(np.array([5, 4], dtype=np.int8), np.zeros(2, dtype=bool))
    assert page.average == 4.5
    page.post(np.array([1], dtype=np.int8), np.zeros(1, dtype=bool))
    assert page.average == pytest.approx(10 / 3)


# ---------------------------------------------------------------- the default scenario (issue: trust that matters)
@pytest.mark.slow
def test_halving_trust_in_the_default_scenario_costs_at_least_a_tenth_of_one_year_adopters():
    """30 paired runs of scenarios/default.yaml: strong- and weak-tie trust halved."""
    from simulation.scenario import load_scenario
    from simulation.validation.stylised_facts import trust_matters

    scenario = load_scenario(ROOT / "scenarios" / "default.yaml")
    check = trust_matters(scenario, 30)
    change = check.table.iloc[0]
    assert change["change"] <= -0.10 and change["high"] < 0, check.simulated
    assert check.agrees and check.settings["replications (paired)"] == 30


def test_with_no_trust_in_anyone_peers_sell_nothing_in_the_default_scenario():
    """Tie trust 0 (and none learned): peers' messages are neither remembered nor believed, so the market
    is exactly the one where nobody talks: only external influence (media, the page, the brand) sells."""
    from simulation.experiment.runs import build_model
    from simulation.scenario import load_scenario

    zero = ["word_of_mouth.strong_tie_trust=0", "word_of_mouth.weak_tie_trust=0", "word_of_mouth.trust_learning=0"]
    scenario = load_scenario(ROOT / "scenarios" / "default.yaml", [*zero, "market.n_consumers=3000", "horizon=26"])
    silent = load_scenario(
        ROOT / "scenarios" / "default.yaml",
        [*zero, "market.n_consumers=3000", "horizon=26", "word_of_mouth.talk_rate=0"],
    )
    a = build_model(scenario).run(26)
    b = build_model(silent).run(26)
    assert a.timeseries()["positive_messages"].sum() > 0 and b.timeseries()["positive_messages"].sum() == 0
    np.testing.assert_array_equal(a.consumers.role, b.consumers.role)
    np.testing.assert_array_equal(a.timeseries()["adopters"], b.timeseries()["adopters"])
    assert a.kpis["adopters"] > 0  # external influence still sells
