"""Core engine: parameters, reproducibility, the funnel as Mesa agent classes, and each rule's direction."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.agents import Follower, PastCustomer, Prospect
from simulation.rules import conversation, trust
from simulation.rules.purchase import purchase_gate
from simulation.state import Role

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(n_consumers=2000, mean_degree=8)


def adopters(strategy=None, seeds=range(8), steps=30, **params):
    """Final adopters over several seeds (same seeds for every call: common random numbers)."""
    values = []
    for seed in seeds:
        model = WordOfMouthModel(seed=seed, strategy=strategy, **{**SMALL, **params}).run(steps)
        values.append(model.kpis["adopters"])
    return np.array(values, dtype=float)


def paired_gain(a, b):
    """Mean paired difference b - a and its standard error."""
    diff = b - a
    return diff.mean(), diff.std(ddof=1) / np.sqrt(diff.size)


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    "params, words",
    [
        ({"reach": 1.5}, ["'reach'", "1.5", "[0, 1]"]),
        ({"n_consumers": 1}, ["'n_consumers'", "1", "whole number"]),
        ({"network": "lattice"}, ["'network'", "'lattice'", "'small_world'"]),
        ({"p": "fast"}, ["'p'", "'fast'", "number"]),
        ({"reech": 0.2}, ["unknown parameter", "'reech'", "did you mean 'reach'"]),
        ({"mean_degree": 50, "n_consumers": 20}, ["'mean_degree'", "50", "n_consumers"]),
        ({"network": "edge_list"}, ["'edge_list'", "path"]),
    ],
)
def test_bad_parameters_name_parameter_value_and_range(params, words):
    with pytest.raises(ValueError) as error:
        WordOfMouthModel(**params)
    for word in words:
        assert word in str(error.value)


def test_bad_seed_and_steps_are_rejected():
    with pytest.raises(ValueError, match="'seed'"):
        WordOfMouthModel(seed=-3, n_consumers=100)
    with pytest.raises(ValueError, match="'steps'"):
        WordOfMouthModel(seed=1, n_consumers=100, mean_degree=4).run(-1)


def test_bad_lever_settings_are_rejected():
    with pytest.raises(ValueError, match="reach"):
        WordOfMouthModel(
            seed=1, n_consumers=100, mean_degree=4, strategy={"levers": [{"kind": "advertising", "reach": 3}]}
        )


# ---------------------------------------------------------------- reproducibility
def _digest(seed: int) -> str:
    frame = WordOfMouthModel(seed=seed, **SMALL).run(20).timeseries()
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def test_same_seed_same_numbers_in_one_process_and_across_processes():
    first, second = _digest(5), _digest(5)
    assert first == second
    assert _digest(6) != first
    code = (
        "import hashlib; from simulation import WordOfMouthModel;"
        f"f = WordOfMouthModel(seed=5, **{SMALL!r}).run(20).timeseries();"
        "print(hashlib.sha256(f.to_csv(index=False).encode()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == first


def test_the_seed_fixes_the_network():
    a = WordOfMouthModel(seed=3, network="scale_free", **SMALL).network
    b = WordOfMouthModel(seed=3, network="scale_free", **SMALL).network
    c = WordOfMouthModel(seed=4, network="scale_free", **SMALL).network
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices)


# ---------------------------------------------------------------- funnel and agents
def test_agent_classes_track_the_funnel_every_step():
    model = WordOfMouthModel(seed=2, follower_share=0.1, customer_share=0.05, p=0.5, q=1.0, **SMALL)
    for _ in range(15):
        model.step()
        counts = np.bincount(model.consumers.role, minlength=3)
        assert len(model.agents_by_type[Prospect]) == counts[Role.PROSPECT]
        assert len(model.agents_by_type.get(Follower, [])) == counts[Role.FOLLOWER]
        assert len(model.agents_by_type[PastCustomer]) == counts[Role.CUSTOMER]
        assert model.kpis["customers"] == counts[Role.CUSTOMER]
    assert model.kpis["new_adopters"] >= 0 and model.kpis["adopters"] > 100
    # Ids are stable through role changes, and agents read and write through to the arrays.
    ids = sorted(a.unique_id for a in model.agents_by_type[PastCustomer])
    assert len(set(ids)) == len(ids)
    agent = next(iter(model.agents_by_type[PastCustomer]))
    assert agent.opinion == model.consumers.opinion[agent.index]
    agent.opinion = -0.25
    assert model.consumers.opinion[agent.index] == -0.25
    assert not np.isnan(agent.satisfaction) and agent.purchase_step >= -1


def test_timeseries_has_the_kpis_and_consistent_counts():
    frame = WordOfMouthModel(seed=1, **SMALL).run(12).timeseries()
    assert len(frame) == 12 and list(frame["step"]) == list(range(12))
    assert (frame.prospects + frame.followers + frame.customers == SMALL["n_consumers"]).all()
    assert (frame.adopters.diff().dropna() == frame.new_adopters.iloc[1:]).all()
    assert frame.adopters.is_monotonic_increasing
    sources = frame[[c for c in frame if c.startswith("adopters_")]].sum(axis=1)
    assert (sources == frame.adopters).all()
    assert ((frame.aware_share >= 0) & (frame.aware_share <= 1)).all()


# ---------------------------------------------------------------- rules, one at a time
def test_negative_opinions_are_voiced_more_often():
    model = WordOfMouthModel(seed=1, n_consumers=4, network="complete", talkativeness_dispersion=0, initial_awareness=1)
    c = model.consumers
    c.opinion[:] = [-0.6, 0.6, 0.0, 0.6]
    c.interest[:] = 0.5
    who, rate = conversation.messages_per_step(
        c, np.arange(4), talk_rate=12, neutral_talk=0.2, negativity_bias=1.0, dt=1 / 52, hearsay_talk_ratio=1.0
    )
    assert list(who) == [0, 1, 2, 3]
    # With no talk about neutral opinions, the neutral consumer is dropped from the talkers.
    who, _ = conversation.messages_per_step(
        c, np.arange(4), talk_rate=12, neutral_talk=0.0, negativity_bias=1.0, dt=1 / 52, hearsay_talk_ratio=1.0
    )
    assert list(who) == [0, 1, 3]
    assert rate[0] > rate[1] > rate[2] > 0
    assert rate[1] == rate[3]
    assert rate[0] / rate[1] == pytest.approx(2.0)
    assert rate[1] == pytest.approx(12 / 52 * (0.2 + 0.8 * 0.6))
    counts = conversation.draw_message_counts(np.full(40000, 0.7), np.random.default_rng(0).random(40000))
    assert counts.mean() == pytest.approx(0.7, abs=4 * np.sqrt(0.7 / 40000))
    assert counts.var() == pytest.approx(0.7, rel=0.05)  # Poisson: variance = mean
    assert (np.bincount(counts)[:3] / 40000) == pytest.approx(np.exp(-0.7) * np.array([1, 0.7, 0.245]), abs=0.01)


def test_bounded_confidence_ignores_distant_messages_and_trust_scales_the_pull():
    opinion = np.array([0.0, 0.0, 0.0])
    listeners = np.array([0, 1, 2])
    valence = np.array([0.3, 0.9, 0.3])
    weight = trust.message_weight(np.array([1.0, 1.0, 0.5]), 1.0, 1.0)
    gap = valence - opinion
    weight = trust.bounded_confidence(weight, gap, confidence_bound=0.5, beyond_bound_weight=0.0)
    trust.shift_opinions(opinion, listeners, gap, weight, persuasion=0.5)
    assert opinion[0] == pytest.approx(0.15)  # mu * w * gap
    assert opinion[1] == 0.0  # beyond the bound: ignored
    assert opinion[2] == pytest.approx(0.075)  # half the trust, half the pull


def test_trust_learned_from_experience():
    accurate = trust.source_accuracy(np.array([0.5]), np.array([0.6]))
    misleading = trust.source_accuracy(np.array([0.9]), np.array([-0.6]))
    assert trust.learn_trust(0.5, accurate, 0.3)[0] > 0.5 > trust.learn_trust(0.5, misleading, 0.3)[0]


def test_negative_opinion_blocks_purchase():
    gate = purchase_gate(np.array([-0.6, -0.2, 0.0, 0.5]), np.full(4, 0.5), 1.0, -0.5)
    assert gate[0] == 0 and 0 < gate[1] < gate[2] == 1.0 < gate[3]


def test_overpromising_brand_loses_trust_and_honest_one_gains():
    ads = {"levers": [{"kind": "advertising", "reach": 0.3, "claimed_quality": 0.9}]}
    bad = WordOfMouthModel(seed=1, quality=-0.5, quality_spread=0.1, strategy=ads, p=1.0, **SMALL).run(20)
    good = WordOfMouthModel(seed=1, quality=0.85, quality_spread=0.1, strategy=ads, p=1.0, **SMALL).run(20)
    assert bad.brand.trust < 0.5 < good.brand.trust


def test_misleading_ties_lose_trust_in_a_bad_product_market():
    model = WordOfMouthModel(
        seed=1, quality=-0.6, quality_spread=0.1, initial_opinion=0.8, opinion_spread=0.1, p=1.0, **SMALL
    )
    before = model.ties.trust.mean()
    model.run(25)
    assert model.ties.trust.mean() < before


# ---------------------------------------------------------------- levers, paired with common random numbers
EARLY = dict(follower_share=0.2, customer_share=0.03)
ESTABLISHED = dict(follower_share=0.2, customer_share=0.2, q=1.0)  # enough customers to refer others
LEVER_CASES = {
    "advertising": ({"levers": [{"kind": "advertising", "reach": 0.2}]}, EARLY),
    "seeding": ({"levers": [{"kind": "seeding", "k": 100, "targeting": "hubs"}]}, EARLY),
    "referral": ({"levers": [{"kind": "referral", "reward": 5, "talk_boost": 3.0}]}, ESTABLISHED),
    "content": ({"levers": [{"kind": "content", "engagement": 0.8, "reshare": 0.5}]}, EARLY),
    "price_promotion": ({"levers": [{"kind": "price_promotion", "discount": 0.3}]}, EARLY),
}


@pytest.mark.parametrize("lever", sorted(LEVER_CASES))
def test_each_lever_brings_more_adopters_than_doing_nothing(lever):
    strategy, market = LEVER_CASES[lever]
    base = adopters(**market)
    gain, se = paired_gain(base, adopters(strategy=strategy, **market))
    assert gain > 3 * se and gain > 0, (lever, gain, se)


def test_quality_improvement_makes_customers_happier_and_opinion_better():
    better = {"levers": [{"kind": "quality", "shift": 0.4, "spread_factor": 0.5}]}
    base = [WordOfMouthModel(seed=s, p=1.0, **SMALL).run(20) for s in range(4)]
    improved = [WordOfMouthModel(seed=s, p=1.0, strategy=better, **SMALL).run(20) for s in range(4)]
    for a, b in zip(base, improved):
        assert np.nanmean(b.consumers.satisfaction) > np.nanmean(a.consumers.satisfaction) + 0.3
        assert b.kpis["mean_opinion"] > a.kpis["mean_opinion"]
        assert b.kpis["spend"] == 0 and b.timeseries().spend.iloc[0] == 50_000


def test_answering_reviews_softens_bad_news():
    crisis = dict(quality=-0.4, customer_share=0.15, follower_share=0.1, p=0.3, q=1.0, steps=40)
    base = adopters(**crisis)
    answered = adopters(strategy={"levers": [{"kind": "review_response", "share": 1.0, "softening": 0.9}]}, **crisis)
    gain, se = paired_gain(base, answered)
    assert gain > 2 * se and gain > 0


def test_seeding_gives_the_product_to_k_consumers_and_pays_for_them():
    model = WordOfMouthModel(seed=1, p=0, q=0, strategy={"levers": [{"kind": "seeding", "k": 40, "start": 2}]}, **SMALL)
    model.run(2)
    assert model.kpis["adopters"] == 0
    model.step()
    assert model.kpis["adopters"] == 40 and model.kpis["adopters_seeding"] == 40
    assert model.kpis["spend"] == pytest.approx(40 * 100 * 0.7)
    assert model.kpis["revenue"] == 0


def test_budget_caps_total_spend():
    strategy = {"budget": 1000, "levers": [{"kind": "advertising", "budget": 300, "cpm": 500}]}
    model = WordOfMouthModel(seed=1, strategy=strategy, **SMALL).run(10)
    spend = model.timeseries().spend
    assert list(spend.iloc[:3]) == pytest.approx([300, 300, 300], rel=0.05)  # 600 impressions at CPM 500
    assert spend.sum() <= 1000 + 1e-9 and spend.sum() > 990
    assert (spend.iloc[4:] < 10).all()


def test_incidents_make_experiences_worse_while_they_last():
    incident = [{"start": 0, "end": 10, "quality_shift": -1.0}]
    during = WordOfMouthModel(seed=1, incidents=incident, p=1.0, **SMALL).run(10)
    normal = WordOfMouthModel(seed=1, p=1.0, **SMALL).run(10)
    assert np.nanmean(during.consumers.satisfaction) < 0 < np.nanmean(normal.consumers.satisfaction)


@pytest.mark.parametrize("network", ["small_world", "scale_free", "random", "communities", "complete"])
def test_every_network_kind_runs(network):
    model = WordOfMouthModel(seed=1, network=network, **SMALL).run(5)
    assert model.kpis["talkers"] > 0 and model.network.n == SMALL["n_consumers"]


def test_day_week_and_month_steps_describe_the_same_market():
    """Rates are per year: a year simulated in days, weeks or months gives the same adoption."""
    results = {}
    for unit, steps in (("day", 365), ("week", 52), ("month", 12)):
        values = [
            WordOfMouthModel(seed=s, time_unit=unit, n_consumers=3000, p=0.3, q=0.8).run(steps).kpis["adopters"]
            for s in range(6)
        ]
        results[unit] = np.array(values, float)
    for unit in ("week", "month"):
        diff = results[unit].mean() - results["day"].mean()
        se = np.sqrt(results[unit].var(ddof=1) / 6 + results["day"].var(ddof=1) / 6)
        # Within sampling error plus a 5% discretisation allowance (docs/MODEL.md quantifies it).
        assert abs(diff) < 3 * se + 0.05 * results["day"].mean(), (unit, results)


def test_model_document_lists_every_parameter_and_rule_function():
    text = (ROOT / "docs" / "MODEL.md").read_text()
    from simulation.parameters import PARAMETERS

    missing = [name for name in PARAMETERS if f"`{name}`" not in text]
    assert not missing, f"docs/MODEL.md lacks parameters: {missing}"
    from simulation.parameters import parameter_table

    assert parameter_table() in text, "docs/MODEL.md's parameter table is stale: python -m simulation.parameters"
    for function in (
        "messages_per_step",
        "shift_opinions",
        "learn_trust",
        "purchase_hazard",
        "draw_satisfaction",
        "fade",
    ):
        assert function in text


def test_levers_that_do_not_fit_the_market_fail_before_the_run():
    ads = {
        "name": "regional",
        "levers": [{"kind": "advertising", "target": "community", "community": 3, "reach": 0.5, "recall": 0.5}],
    }
    with pytest.raises(ValueError, match="needs a network with communities"):
        WordOfMouthModel(seed=1, strategy=ads, **SMALL)
    with pytest.raises(ValueError, match="community = 3 does not exist; allowed: 0 to 2"):
        WordOfMouthModel(seed=1, strategy=ads, network="communities", n_communities=3, **SMALL)
    model = WordOfMouthModel(seed=1, strategy=ads, network="communities", n_communities=5, **SMALL).run(3)
    reached = model.consumers.first_source == 2  # advertising
    assert reached.any() and (model.network.community[reached] == 3).all()


def test_a_simulated_consumer_can_stand_for_many_real_ones():
    """Revenue and per-consumer costs scale with `represents`; fixed costs do not, and behaviour does not when
    the counts rules read in real-market units (page reviews, re-shares, seeds) are scaled with it."""

    def strategy(real: int):
        return {
            "levers": [
                {"kind": "advertising", "reach": 0.1, "cpm": 20},
                {"kind": "content", "cost_per_post": 300, "social_proof": real},
                {"kind": "seeding", "k": real},  # real consumers: 10 simulated ones at either scale
            ]
        }

    one = WordOfMouthModel(seed=4, strategy=strategy(10), **SMALL).run(10).timeseries()
    many = (
        WordOfMouthModel(seed=4, strategy=strategy(1000), represents=100, review_volume_half=8000, **SMALL)
        .run(10)
        .timeseries()
    )
    assert (one.adopters == many.adopters).all()
    assert many.revenue.sum() == pytest.approx(100 * one.revenue.sum())
    fixed = 300 * 10
    assert many.spend.sum() - fixed == pytest.approx(100 * (one.spend.sum() - fixed))


def test_a_subclass_overriding_a_rule_method_that_moved_to_the_engine_is_refused():
    """The rule steps live in simulation.engine: a subclass overriding the model's old private methods would
    change nothing, silently (a counterfactual that is not one); it is refused when the class is made."""
    with pytest.raises(TypeError, match="rule_steps"):

        class Old(WordOfMouthModel):
            def _experience(self, buyers, effects):
                return None
