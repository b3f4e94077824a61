"""Ratings from behaviour: the fitted rule's parameters, and its validation check with its ablation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulation.calibration import ratings as fit
from simulation.parameters import PARAMETERS
from simulation.scenario.loader import load_scenario
from simulation.validation.ratings import ratings_check
from simulation.validation.suite import DEFAULT_SCENARIO, ROOT

FIT = ROOT / "docs" / "fits" / "ratings.json"


def test_the_parameter_table_holds_the_committed_fit():
    fitted = json.loads(FIT.read_text())["fitted"]
    assert set(fitted) == set(fit.FITTED)
    for name, value in fitted.items():
        assert PARAMETERS[name].default == value, name


def test_the_committed_fit_is_inside_every_band_and_reproduces_its_shares():
    """The simulated pages of the fit, rerun with the fitted values: the committed shares and volume."""
    result = json.loads(FIT.read_text())
    assert result["in_bands"]
    values = [result["fitted"][name] for name in fit.FITTED]
    pages, volume = fit.simulated_pages(values, fit.market())
    shares = pages.sum(axis=0) / pages.sum()
    np.testing.assert_allclose(shares, [result["shares"][str(k)] for k in range(1, 6)], atol=0.02)
    assert volume == pytest.approx(fit.VOLUME[0], abs=fit.VOLUME[1])


def test_simulated_pages_are_polar_only_when_posting_selects():
    draws = fit.market(runs=40)
    values = [json.loads(FIT.read_text())["fitted"][name] for name in fit.FITTED]
    selective, _ = fit.simulated_pages(values, draws)
    flat, _ = fit.simulated_pages([values[0], 0.0, *values[2:]], draws)  # review_extremity 0: everyone alike
    polarity = [(p[:, 0].sum() + p[:, 4].sum()) / p.sum() for p in (selective, flat)]
    assert polarity[0] > polarity[1] + 0.1


@pytest.mark.slow
def test_ratings_check_agrees_and_disagrees_without_selective_posting_or_herding():
    scenario = load_scenario(DEFAULT_SCENARIO)
    check = ratings_check(scenario, 40)
    assert check.agrees, check.simulated
    ablated = ratings_check(scenario, 40, ablate_selection=True)
    assert not ablated.agrees, ablated.simulated
    unherded = ratings_check(load_scenario(DEFAULT_SCENARIO, ["reviews.herding=0", "reviews.herding_correction=0"]), 40)
    assert not unherded.agrees and not unherded.table["in_band"].all(), unherded.simulated
