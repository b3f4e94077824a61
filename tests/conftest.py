"""Fixtures shared by the tests: the shipped data files and a small model.

A test that needs a data file fails (it does not skip) when the file is missing: the data ships with
the repository in data/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's root folder."""
    return ROOT


@pytest.fixture(scope="session")
def facebook_edges() -> Path:
    """data/ego-facebook.edges.gz: SNAP ego-Facebook, 4,039 users and 88,234 friendships."""
    try:
        return datasets.data_file(datasets.FACEBOOK_EDGES)
    except FileNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def bass_sales() -> Path:
    """data/bass1969_sales.csv: the yearly sales series of Bass (1969)."""
    try:
        return datasets.data_file(datasets.BASS_SALES)
    except FileNotFoundError as error:
        pytest.fail(str(error))


@pytest.fixture
def small_model():
    """A 500-consumer small-world market with default parameters and seed 1, not yet stepped."""
    from simulation import WordOfMouthModel

    return WordOfMouthModel(n_consumers=500, mean_degree=6, seed=1)
