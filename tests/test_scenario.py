"""Scenario files: each kind of bad input gives a message naming file, line, field, value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulation.scenario import ScenarioError, load_scenario, parse_scenario
from simulation.scenario.loader import scenario_to_yaml

GOOD = """\
name: test
horizon: 10
market:
  n_consumers: 500
strategies:
  - name: none
  - name: ads
    levers:
      - kind: advertising
        reach: 0.1
"""


def problems(text: str, overrides=()) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "s.yaml", overrides)
    return error.value.problems


def test_good_scenario_parses():
    scenario = parse_scenario(GOOD, "s.yaml")
    assert scenario.market.n_consumers == 500
    assert scenario.baseline_name == "none"
    assert scenario.strategy("ads").levers[0].reach == 0.1


def test_bad_yaml_syntax_names_the_line():
    [message] = problems("name: x\nmarket:\n  n_consumers: [1, 2\nhorizon: 3\n")
    assert message.startswith("s.yaml:")
    assert "not valid YAML" in message
    line = int(message.split(":")[1])
    assert line in (3, 4)


def test_unknown_key_suggests_the_nearest():
    [message] = problems(GOOD.replace("n_consumers", "n_consumer"))
    assert message.startswith("s.yaml:4: market.n_consumer: unknown key")
    assert "did you mean 'n_consumers'?" in message


def test_unknown_top_level_key_suggests():
    [message] = problems(GOOD + "horizn: 5\n")
    assert "horizn: unknown key" in message and "did you mean 'horizon'?" in message


def test_out_of_range_value_names_path_value_and_range():
    [message] = problems(GOOD.replace("reach: 0.1", "reach: 1.5"))
    assert message.startswith("s.yaml:10: strategies.ads.levers.0.reach = 1.5:")
    assert "less than or equal to 1" in message


def test_out_of_range_parameter():
    [message] = problems(GOOD.replace("n_consumers: 500", "n_consumers: 1"))
    assert message.startswith("s.yaml:4: market.n_consumers = 1:")
    assert "greater than or equal to 2" in message


def test_wrong_type():
    [message] = problems(GOOD.replace("horizon: 10", "horizon: ten"))
    assert message.startswith("s.yaml:2: horizon = 'ten':")
    assert "integer" in message


def test_several_problems_are_all_reported_in_line_order():
    found = problems(GOOD.replace("horizon: 10", "horizon: -1").replace("reach: 0.1", "reach: 2"))
    assert len(found) == 2
    assert found[0].startswith("s.yaml:2: horizon = -1")
    assert found[1].startswith("s.yaml:10: strategies.ads.levers.0.reach = 2")


def test_unknown_lever_kind_lists_the_kinds():
    [message] = problems(GOOD.replace("kind: advertising", "kind: billboard"))
    assert message.startswith("s.yaml:9: strategies.ads.levers.0")
    assert "'billboard'" in message
    for kind in ("advertising", "seeding", "referral", "content"):
        assert kind in message


def test_unknown_lever_field_suggests():
    [message] = problems(GOOD.replace("reach: 0.1", "reech: 0.1"))
    assert "strategies.ads.levers.0.reech: unknown key" in message and "did you mean 'reach'?" in message


def test_duplicate_strategy_names_blame_the_repeated_name_without_dumping_the_list():
    [message] = problems(GOOD.replace("name: ads", "name: none"))
    assert message == (
        "s.yaml:7: strategies.none.name = 'none': strategy 0 has this name already (line 6); "
        "strategy names must be unique"
    )


def test_a_strategy_name_that_cannot_be_a_path_is_blamed_by_its_position():
    """Found by the long fuzz profile: a blank name made the path 'strategies. .name'."""
    [message] = problems(GOOD.replace("name: none", "name: ' '").replace("name: ads", "name: ' '"))
    assert message.startswith("s.yaml:7: strategies.1.name = ' ': strategy 0 has this name already (line 6)")


def test_unknown_baseline():
    [message] = problems(GOOD + "baseline: nothing\n")
    assert message == "s.yaml:11: baseline: 'nothing' is not one of the strategies: none, ads"


def test_set_override_applies_and_is_validated():
    scenario = parse_scenario(GOOD, "s.yaml", ["market.n_consumers=800", "strategies.ads.levers.0.reach=0.2", "seed=7"])
    assert scenario.market.n_consumers == 800
    assert scenario.strategy("ads").levers[0].reach == 0.2
    assert scenario.seed == 7


def test_bad_set_override_names_the_override():
    [message] = problems(GOOD, ["market.n_consumers=-5"])
    assert message.startswith("--set market.n_consumers=-5: market.n_consumers = -5:")
    [message] = problems(GOOD, ["market.n_consumer=5"])
    assert message.startswith("--set market.n_consumer=5: market.n_consumer: unknown key")
    assert "did you mean 'n_consumers'?" in message


def test_set_override_without_value_or_unknown_strategy():
    [message] = problems(GOOD, ["market.n_consumers"])
    assert "expected dotted.path=value" in message
    [message] = problems(GOOD, ["strategies.tv.levers.0.reach=0.2"])
    assert "has no item 'tv'" in message and "none, ads" in message


def test_python_tags_are_refused_and_nothing_is_executed(tmp_path):
    marker = tmp_path / "executed"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n"
    [message] = problems(text)
    assert message.startswith("s.yaml:1: not valid YAML")
    assert not marker.exists()


def test_a_scenario_must_be_a_mapping():
    [message] = problems("- 1\n- 2\n")
    assert "must be a mapping" in message


def test_missing_file_lists_the_scenarios_there(tmp_path):
    (tmp_path / "launch.yaml").write_text(GOOD)
    with pytest.raises(ScenarioError) as error:
        load_scenario(tmp_path / "lunch.yaml")
    [message] = error.value.problems
    assert "lunch.yaml: no such scenario file" in message and "launch.yaml" in message


def test_resolved_scenario_round_trips():
    scenario = parse_scenario(GOOD, "s.yaml")
    again = parse_scenario(scenario_to_yaml(scenario), "again.yaml")
    assert again == scenario


def test_shipped_scenarios_are_valid():
    folder = Path(__file__).resolve().parents[1] / "scenarios"
    files = sorted(folder.glob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        scenario = load_scenario(path)
        assert len(scenario.strategies) >= 3, path
        text = path.read_text()
        assert text.startswith("#") and "Question it answers" in text, f"{path.name} lacks its comment block"
