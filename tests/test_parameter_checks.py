"""Each parameter value is checked once: the scenario schema accepts exactly what ``Parameter.check`` accepts, and
the model takes a scenario's checked settings without checking them (or its network's settings) again."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulation import model as model_module
from simulation import parameters as parameter_table
from simulation.experiment.runs import build_model
from simulation.network import settings as network_settings
from simulation.parameters import PARAMETERS, Parameter, parameter_values, validate_parameters
from simulation.scenario import load_scenario, parse_scenario
from simulation.scenario import schema as scenario_schema
from simulation.scenario.schema import SECTION_MODELS, Scenario

ROOT = Path(__file__).resolve().parents[1]
NUMBERS = [p for p in PARAMETERS.values() if p.kind in (int, float) and p.choices is None]


def _near_bounds(param: Parameter) -> st.SearchStrategy:
    """Numbers at, just inside and just outside a parameter's bounds, whole or not, as int or float."""
    edges = [b for b in (param.low, param.high) if b is not None and math.isfinite(b)]
    around = [
        value
        for edge in edges
        for value in (edge, math.nextafter(edge, -math.inf), math.nextafter(edge, math.inf), edge - 1, edge + 1)
    ]
    inside = st.floats(
        min_value=param.low if param.low is not None else None,
        max_value=param.high if param.high is not None and math.isfinite(param.high) else None,
        allow_nan=False,
        allow_infinity=False,
    )
    return st.one_of(
        st.sampled_from(around) if around else st.nothing(),
        st.sampled_from(around).map(lambda v: int(v) if math.isfinite(v) else v) if around else st.nothing(),
        inside,
        inside.map(round),  # whole numbers, as int
        inside.map(lambda v: float(round(v))),  # whole numbers written as floats (1e4 in a file)
    )


ODD = st.one_of(
    st.sampled_from([math.inf, -math.inf, math.nan, 10**400, -(10**400), True, False, None, "5", "1e3", "true", ""]),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
)


@st.composite
def parameter_and_value(draw) -> tuple[Parameter, object]:
    param = draw(st.sampled_from(list(PARAMETERS.values())))
    candidates = [ODD]
    if param in NUMBERS:
        candidates.append(_near_bounds(param))
    if param.choices is not None:
        candidates.append(st.sampled_from(param.choices))
    return param, draw(st.one_of(candidates))


def _schema_verdict(param: Parameter, value) -> tuple[bool, object]:
    """(accepted, value as read) by the scenario schema's field for the parameter."""
    try:
        if param.group == "timing":
            return True, getattr(Scenario(**{param.scenario_key: value}), param.scenario_key)
        return True, getattr(SECTION_MODELS[param.group](**{param.scenario_key: value}), param.scenario_key)
    except ValidationError:
        return False, None


def _check_verdict(param: Parameter, value) -> tuple[bool, object]:
    try:
        return True, param.check(value)
    except ValueError:
        return False, None


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(parameter_and_value())
def test_the_schema_and_parameter_check_accept_the_same_values(case):
    param, value = case
    schema_ok, schema_value = _schema_verdict(param, value)
    check_ok, check_value = _check_verdict(param, value)
    assert schema_ok == check_ok, f"{param.name} = {value!r}: schema {schema_ok}, Parameter.check {check_ok}"
    if check_ok:  # and read as the same value of the same type
        assert repr(schema_value) == repr(check_value), f"{param.name} = {value!r}"


@pytest.mark.parametrize(
    "name, value",
    [("n_consumers", "5000"), ("n_consumers", True), ("mean_degree", "6"), ("adopt_on_recommendation", 1)],
)
def test_text_and_truth_values_are_not_numbers(name, value):
    """What pydantic's lax mode would read as a number or a truth value is refused, as Parameter.check does."""
    assert _schema_verdict(PARAMETERS[name], value) == (False, None)
    with pytest.raises(ValueError, match=f"parameter '{name}'"):
        PARAMETERS[name].check(value)


@pytest.mark.parametrize("value", [10**400, math.inf, math.nan])
def test_parameter_check_refuses_numbers_beyond_a_float_with_its_message(value):
    for name in ("n_consumers", "mean_degree"):
        with pytest.raises(ValueError, match=f"parameter '{name}' = .* is not allowed: expected"):
            PARAMETERS[name].check(value)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_scenarios_settings_are_what_the_model_would_check(path):
    scenario = load_scenario(path)
    checked = parameter_values(validate_parameters(scenario.model_parameters()))
    assert scenario.parameter_values() == checked
    assert repr(scenario.parameter_values()) == repr(checked)  # the same types too (6 read as 6.0)


def _count_calls(monkeypatch, module, name: str) -> list:
    calls: list = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_a_scenario_is_checked_when_read_and_not_again_by_the_model(monkeypatch, tmp_path):
    """Reading the scenario checks values and the network's settings once; building its model (with a node-roles
    file, which builds the network first) checks neither again."""
    (tmp_path / "roles.csv").write_text("node,role\n" + "".join(f"{i},customer\n" for i in range(20)))
    text = "market: {n_consumers: 300}\nnetwork: {kind: small_world, mean_degree: 6, node_roles: roles.csv}\n"
    values = _count_calls(monkeypatch, Parameter, "check")
    networks = _count_calls(monkeypatch, scenario_schema, "network_problems")
    networks_elsewhere = _count_calls(monkeypatch, network_settings, "network_problems")
    tables = _count_calls(monkeypatch, parameter_table, "validate_parameters")
    tables_in_model = _count_calls(monkeypatch, model_module, "validate_parameters")
    scenario = parse_scenario(text, "s.yaml", source_dir=str(tmp_path))
    assert (len(networks), len(networks_elsewhere)) == (1, 0)
    read = len(values)
    model = build_model(scenario).run(2)
    assert model.settings is not None and int(model.timeseries()["adopters"].iloc[0]) >= 20
    checked_again = len(tables) + len(tables_in_model), len(values) - read
    assert (len(networks), len(networks_elsewhere), *checked_again) == (1, 0, 0, 0)


def test_a_parameter_given_beside_the_settings_is_checked():
    scenario = parse_scenario("market: {n_consumers: 300}\n")
    with pytest.raises(ValueError, match="parameter 'defect_rate' = 2 is not allowed"):
        build_model(scenario, defect_rate=2)
    model = build_model(scenario, defect_rate=0.5)
    assert model.settings.defect_rate == 0.5 and model.settings.n_consumers == 300
