"""Network settings as data (simulation/network/settings.py): one list of kinds, one option mapping, one
cache key, and generator constraints checked before anything runs -- by the model, the scenario schema
and sweep validation, in agreement with what the generators build."""

from __future__ import annotations

import ast
import inspect
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from simulation import WordOfMouthModel
from simulation.network import settings
from simulation.network.build import _GENERATORS, build_market_network, build_network
from simulation.network.edgelist import load_edge_list
from simulation.parameters import NETWORK_KINDS, PARAMETERS, validate_parameters
from simulation.scenario import ScenarioError, parse_scenario
from simulation.sweep.base import BaseScenario
from simulation.sweep.design import SweepError, build_design, validate
from simulation.sweep.spec import parse_param

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = (ROOT / "scenarios" / "default.yaml").read_text()


# ------------------------------------------------------------------ one place for kinds, options, keys
def test_kinds_come_from_the_network_package():
    assert NETWORK_KINDS is settings.KINDS
    assert PARAMETERS["network"].choices == settings.KINDS
    assert set(settings.OPTIONS) == set(settings.KINDS)


def test_every_option_is_a_builder_argument_fed_by_a_model_parameter():
    builders = {**_GENERATORS, "complete": None, "edge_list": load_edge_list}
    for kind, options in settings.OPTIONS.items():
        assert set(options.values()) <= set(PARAMETERS), kind
        if builders[kind] is not None:
            assert set(options) <= set(inspect.signature(builders[kind]).parameters), kind
    assert set(settings.NETWORK_PARAMETERS) <= set(PARAMETERS)


def test_model_builds_its_network_with_the_network_stream(small_model):
    again = build_market_network(small_model.seed, small_model.params)
    assert np.array_equal(again.indptr, small_model.network.indptr)
    assert np.array_equal(again.indices, small_model.network.indices)


def test_network_key_depends_only_on_what_the_kind_reads():
    params = validate_parameters({"n_consumers": 500, "mean_degree": 6})
    key = settings.network_key(params, 1)
    assert settings.network_key({**params, "n_communities": 3, "contacts": 50, "within_share": 0.1}, 1) == key
    assert settings.network_key({**params, "rewiring": 0.3}, 1) != key
    assert settings.network_key(params, 2) != key
    assert settings.network_key({**params, "network": "random"}, 1) != key


def test_network_modules_import_without_a_cycle():
    folder = ROOT / "simulation" / "network"
    imports = {}
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        imports[path.stem] = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }

    def reaches(start: str, target: str, seen: set) -> bool:
        return any(m == target or (m not in seen and reaches(m, target, seen | {m})) for m in imports.get(start, ()))

    assert not [m for m in imports if reaches(m, m, {m})]
    assert "generators" not in imports["edgelist"] and "edgelist" not in imports["generators"]


# ------------------------------------------------------------------ constraints agree with the generators
def test_power_law_minimum_mean_matches_direct_sums():
    for n, exponent in itertools.product((10, 1000, 100_000), (2.01, 2.5, 3.0, 5.0)):
        k = np.arange(1, n, dtype=np.float64)
        direct = (k ** (1 - exponent)).sum() / (k**-exponent).sum()
        assert math.isclose(settings.power_law_min_mean(n, exponent), direct, rel_tol=1e-9), (n, exponent)


CASES = (
    [
        dict(network=kind, n_consumers=n, mean_degree=degree)
        for kind in ("small_world", "scale_free", "random")
        for n in (3, 4, 12, 60)
        for degree in (1, 2, 3, 4.5, 6, 11, 58, 59)
    ]
    + [
        dict(network="scale_free", n_consumers=n, mean_degree=degree, degree_exponent=exponent)
        for n in (12, 200)
        for degree in (1.2, 1.6, 2.5, 11)
        for exponent in (2.01, 2.5, 4.0)
    ]
    + [
        dict(network="communities", n_consumers=n, mean_degree=degree, n_communities=k, within_share=share)
        for n in (40, 200)
        for degree in (1, 4, 10, 30)
        for k in (1, 2, 5, 12, 40, 200)
        for share in (0.0, 0.5, 0.8, 1.0)
    ]
)


@pytest.mark.parametrize("values", CASES, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_checked_settings_build_and_refused_ones_do_not(values):
    """What network_problems allows, the generator builds; what it refuses, the generator refuses too."""
    params = {**validate_parameters({}, network_given=True), **values}
    problems = settings.network_problems(params)
    if problems:
        with pytest.raises(ValueError) as error:
            build_market_network(1, params)
        assert problems[0].allowed in str(error.value)  # refused for the same reason, in the same words
        assert all(p.parameter in PARAMETERS for p in problems)
    else:
        network = build_market_network(1, params)
        assert network.n == params["n_consumers"]


def test_community_limit_is_exact():
    base = dict(n_consumers=10_000, network="communities", mean_degree=10, within_share=0.8)
    assert not settings.network_problems({**validate_parameters({}, network_given=True), **base, "n_communities": 588})
    (problem,) = settings.network_problems(
        {**validate_parameters({}, network_given=True), **base, "n_communities": 589}
    )
    assert problem.parameter == "n_communities" and "[2, 588]" in problem.allowed
    # 588 communities of 17 members: 8 ties inside a community of 17 use exactly half of its 16 partners.
    network = build_network(
        "communities", 10_000, np.random.default_rng(3), mean_degree=10, n_communities=588, within_share=0.8
    )
    assert network.community.max() == 587


# ------------------------------------------------------------------ refused before anything runs
def test_model_refuses_an_odd_small_world_degree_naming_field_value_and_range():
    with pytest.raises(
        ValueError, match=r"'mean_degree' = 7.0 is not allowed: expected an even whole number in \[2, 498\]"
    ):
        WordOfMouthModel(n_consumers=500, mean_degree=7)


def test_schema_refuses_network_settings_at_their_field():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(DEFAULT, "default.yaml", ["network.mean_degree=7"])
    (problem,) = error.value.problems
    assert problem.startswith("--set network.mean_degree=7: network.mean_degree = 7.0: expected an even whole number")

    with pytest.raises(ScenarioError) as error:
        parse_scenario(DEFAULT, "default.yaml", ["network.kind=communities", "network.n_communities=20000"])
    (problem,) = error.value.problems
    assert "network.n_communities = 20000: expected a whole number in [2, 588] for n_consumers = 10,000" in problem

    with pytest.raises(ScenarioError) as error:
        parse_scenario(DEFAULT, "default.yaml", ["network.kind=edge_list"])
    assert "network.edge_list = None: expected the path of an edge-list file" in error.value.problems[0]


def test_text_parameters_say_what_they_hold():
    assert PARAMETERS["edge_list"].allowed() == "a file path or none"
    with pytest.raises(ValueError, match="'edge_list' = 5 is not allowed: expected a file path or none"):
        PARAMETERS["edge_list"].check(5)


def _base(*overrides: str) -> BaseScenario:
    return BaseScenario(DEFAULT, "default.yaml", ("market.n_consumers=500", *overrides), str(ROOT / "scenarios"))


def test_sobol_over_small_world_degree_is_rounded_to_even_values_and_validates():
    base = _base()
    specs = [parse_param("network.mean_degree=3..21"), parse_param("purchase.q=0.2..0.6")]
    design = build_design("sobol", specs, base, samples=16)
    degrees = [point["network.mean_degree"] for point in design.points]
    assert all(d == int(d) and d % 2 == 0 and 2 <= d <= 22 for d in degrees)
    assert len(set(degrees)) >= 6  # the range is still covered
    assert "network.mean_degree" in design.rounded
    validate(design, base, ["do_nothing"])  # every point is a valid scenario


def test_degree_is_rounded_only_where_the_network_needs_it():
    base = _base()
    specs = [parse_param("network.kind=small_world,random"), parse_param("network.mean_degree=3..21")]
    design = build_design("random", specs, base, samples=40, seed=2)
    random_degrees = [p["network.mean_degree"] for p in design.points if p["network.kind"] == "random"]
    ring_degrees = [p["network.mean_degree"] for p in design.points if p["network.kind"] == "small_world"]
    assert any(d != int(d) for d in random_degrees)
    assert all(d % 2 == 0 for d in ring_degrees)
    validate(design, base, ["do_nothing"])


def test_listed_values_that_are_not_allowed_are_refused_up_front():
    base = _base()
    design = build_design("grid", [parse_param("network.mean_degree=4,5,7")], base)
    with pytest.raises(SweepError) as error:
        validate(design, base, ["do_nothing"])
    text = str(error.value)
    assert "network.mean_degree = 5.0: expected an even whole number in [2, 498]" in text
    assert "2 of 3 design points are not valid" in text


def test_morris_refuses_bounds_too_narrow_once_rounded():
    with pytest.raises(SweepError, match="network.mean_degree: its bounds are too narrow"):
        build_design(
            "morris", [parse_param("network.mean_degree=4..5"), parse_param("purchase.q=0.2..0.6")], _base(), 4
        )
