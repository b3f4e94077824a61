"""Resolution-free results: one real market simulated by 10,000 x 10 and by 20,000 x 5 consumers."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.marketing.content import Feed, read_reshares
from simulation.product_page import ProductPage
from simulation.scenario.loader import load_scenario
from simulation.validation.resolution import resolution_check
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
