"""Resolution-free results: one real market simulated by few or many consumers; every count a rule or lever
reads (page reviews, re-shares, seeds, trigger thresholds, listening samples) is in real-market units."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.marketing.content import Feed, read_reshares
from simulation.marketing.listening import read_metrics
from simulation.marketing.seeding import simulated_seeds
from simulation.product_page import ProductPage
from simulation.scenario.loader import load_scenario
from simulation.validation.resolution import resolution_check, resolution_frame, welch
from simulation.validation.suite import DEFAULT_SCENARIO, SIZES

SIZES_QUICK, REPLICATIONS = SIZES["quick"]["resolution"]


def test_page_volume_counts_real_reviews():
    page = ProductPage(represents=25)
    page.post(np.array([5, 4, 1], dtype=np.int8), np.zeros(3, dtype=bool))
    assert page.count == 3
    assert page.real_count == 75


def test_reshares_vouch_in_real_units():
    """One simulated re-share at represents 10 is ten real ones: ten times the proof (below full proof)."""
    shifts = []
    for represents in (1.0, 10.0):
        model = WordOfMouthModel(seed=1, n_consumers=500, represents=represents, customer_share=0.1)
        resharer = np.flatnonzero(model.consumers.role == 2)[:1]
        readers = np.flatnonzero(model.consumers.role != 2)[:50]
        before = model.consumers.opinion[readers].astype(float)
        read_reshares(model, Feed.empty(model.consumers.n), readers, resharer, social_proof=100.0)
        shifts.append(model.consumers.opinion[readers] - before)
    moved = shifts[0] != 0
    assert moved.sum() > 10
    np.testing.assert_allclose(shifts[1][moved], 10 * shifts[0][moved], rtol=1e-3)


def test_seeding_k_counts_real_consumers():
    """k = 400 real seeds at represents 10: 40 simulated ones, paid as 400 real units."""
    strategy = {"levers": [{"kind": "seeding", "k": 400, "targeting": "hubs"}]}
    model = WordOfMouthModel(seed=1, n_consumers=2000, represents=10, p=0, q=0, strategy=strategy).run(1)
    assert model.kpis["adopters_seeding"] == 40
    assert model.kpis["spend"] == pytest.approx(400 * model.unit_cost)


def test_a_fraction_of_a_simulated_seed_is_seeded_with_that_probability():
    """505 real seeds at represents 10: 50 or 51 simulated ones, 50.5 on average (within 4 standard errors)."""
    rng = np.random.default_rng(7)
    draws = np.array([simulated_seeds(505, 10.0, rng) for _ in range(20_000)])
    assert set(np.unique(draws)) == {50, 51}
    assert abs(draws.mean() - 50.5) < 4 * 0.5 / np.sqrt(draws.size)
    assert simulated_seeds(500, 10.0, rng) == 50  # a whole number: no draw


def test_greedy_seeding_is_bounded_by_the_real_market():
    strategy = {"levers": [{"kind": "seeding", "k": 3001, "targeting": "greedy"}]}
    with pytest.raises(ValueError, match="k = 3001 is not allowed: greedy seeding needs k <= the market's 3,000 real"):
        WordOfMouthModel(seed=1, n_consumers=300, represents=10, strategy=strategy)
    strategy["levers"][0]["k"] = 3000
    assert WordOfMouthModel(seed=1, n_consumers=300, represents=10, strategy=strategy).run(1).kpis["adopters"] == 300


def test_the_brand_reads_counts_of_the_real_market():
    """Counts (consumers, messages, ratings) x represents; shares, opinions and stars as they are."""
    model = WordOfMouthModel(seed=2, n_consumers=1000, represents=10, initial_awareness=0.5, p=0.05).run(6)
    names = ["adopters", "negative_messages", "positive_messages", "review_count", "mean_opinion", "aware_share"]
    reading = read_metrics(model, names, None, np.random.default_rng(0))
    assert model.kpis["adopters"] > 0 and model.kpis["positive_messages"] > 0
    for name in ("adopters", "negative_messages", "positive_messages", "review_count"):
        assert reading[name] == pytest.approx(10 * model.kpis[name]), name
    for name in ("mean_opinion", "aware_share"):
        assert reading[name] == pytest.approx(model.kpis[name]), name


def test_a_trigger_threshold_on_a_count_means_real_consumers():
    """The same trigger (adopters above 100 real ones) fires when the simulated market has 10 of them at
    represents 10, not when it has 10 at represents 1."""
    strategy = {
        "listening": {"lag": 0, "sample": None},
        "levers": [{"kind": "advertising", "when": {"metric": "adopters", "above": 100}}],
    }
    common = {"seed": 3, "n_consumers": 1000, "customer_share": 0.011, "strategy": strategy}
    fired = [
        [e["event"] for e in WordOfMouthModel(represents=rep, **common).run(3).brand.events] for rep in (10.0, 1.0)
    ]
    assert fired[0] == ["fired"] and fired[1] == []


@pytest.mark.slow
def test_one_market_gives_the_same_shares_at_two_sizes_and_not_with_simulated_counts():
    """The check agrees with the page counting real reviews and disagrees when it counts simulated ones."""
    scenario = load_scenario(DEFAULT_SCENARIO)
    check = resolution_check(scenario, SIZES_QUICK, REPLICATIONS)
    assert check.agrees, check.simulated
    ablated = resolution_check(scenario, SIZES_QUICK, REPLICATIONS, simulated_counts=True)
    assert not ablated.agrees, ablated.simulated
    adopters = ablated.table.set_index("share").loc["adopter_share"]
    assert adopters["low"] > 0  # finer resolution, more simulated reviews, a heavier page: more adopters


def _with_levers(scenario, k: int, adopters: float):
    """The scenario with its baseline replaced by a listening strategy: seed k real consumers once the brand sees
    more than `adopters` real customers or a burst of negative messages (300 real posts read a week)."""
    strategy = {
        "name": "listen_and_seed",
        "listening": {"lag": 1, "sample": 300},
        "levers": [
            {
                "kind": "seeding",
                "k": k,
                "targeting": "random",  # hubs are not resolution-free: a scale-free network's grow with its size
                "when": {
                    "any": [
                        {"metric": "adopters", "above": adopters},
                        {"metric": "negative_messages", "above": 5000, "for_steps": 2},
                    ]
                },
            }
        ],
    }
    data = scenario.model_dump()
    data["strategies"] = [strategy]
    data["baseline"] = "listen_and_seed"
    return type(scenario).model_validate(data, context={"source_dir": scenario.source_dir})


@pytest.mark.slow
def test_seeding_triggers_and_listening_give_the_same_shares_at_ten_and_a_hundred_thousand_consumers():
    """10^4 x 10 and 10^5 x 1: one real market of 10^5 consumers with a triggered seeding of 505 real consumers
    (50.5 simulated at the coarse size) agree within sampling error; the coarse size with the lever's
    counts read as simulated ones (k and the threshold / 10 of what the fine size reads) does not."""
    scenario = load_scenario(DEFAULT_SCENARIO)
    real = _with_levers(scenario, k=505, adopters=1500)
    sizes = [(100_000, 1.0), (10_000, 10.0)]
    check = resolution_check(real, sizes, 12)
    assert check.agrees, check.simulated
    # The same numbers read in simulated units at the coarse size: 10x the seeds, a 10x later trigger.
    simulated = _with_levers(scenario, k=5050, adopters=15_000)
    fine = check.data["frame"]
    fine = fine[fine["consumers"] == 100_000]["adopter_share"]
    coarse = resolution_frame(simulated, sizes[1:], 12)["adopter_share"]
    _, low, high = welch(coarse, fine)
    assert not low <= 0 <= high, (low, high)


def test_a_fractional_seed_count_is_planned_as_drawn():
    """505 real seeds at represents 10: the run plans and pays for the 50 or 51 simulated seeds it drew (no
    spending shortfall from the rounding)."""
    strategy = {"levers": [{"kind": "seeding", "k": 505, "targeting": "random"}]}
    model = WordOfMouthModel(seed=1, n_consumers=2000, represents=10, p=0, q=0, strategy=strategy).run(1)
    seeds = model.kpis["adopters_seeding"]
    assert seeds in (50, 51)
    assert (
        model.kpis["spend"] == pytest.approx(model.kpis["planned_spend"]) == pytest.approx(10 * seeds * model.unit_cost)
    )
