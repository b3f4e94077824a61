"""docs/DEVELOPING.md's add-a-lever walkthrough, followed step by step with its own code blocks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulation import WordOfMouthModel
from simulation.kpis import RUN_KPIS, STEP_KPIS
from simulation.marketing import registry
from simulation.marketing.table import lever_table
from simulation.scenario import ScenarioError, parse_scenario

DOC = Path(__file__).resolve().parents[1] / "docs" / "DEVELOPING.md"
SMALL = dict(n_consumers=1500, mean_degree=8, customer_share=0.05, p=0.3, q=2.0)


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


@pytest.fixture
def loyalty_points():
    """The walkthrough's lever, defined and registered by the document's own code blocks."""
    namespace: dict = {}
    for block in _blocks("python"):
        exec(compile(block, str(DOC), "exec", dont_inherit=True), namespace)  # our own documentation
    yield namespace["LoyaltyPoints"]
    registry.unregister("loyalty_points")


def test_the_walkthrough_lever_runs_from_a_scenario_and_does_what_it_claims(loyalty_points):
    assert "points_awarded" in STEP_KPIS and "points_awarded" in RUN_KPIS
    assert "LoyaltyPoints (`loyalty_points`)" in lever_table()
    strategies = yaml.safe_load(_blocks("yaml")[0])["strategies"]
    scenario = parse_scenario(yaml.safe_dump({"name": "walkthrough", "strategies": strategies}), "walkthrough.yaml")
    loyalty = scenario.strategy("loyalty")
    assert loyalty.levers[0].cost_per_purchase == 3

    base = WordOfMouthModel(seed=3, **SMALL).run(12)
    with_points = WordOfMouthModel(seed=3, strategy=loyalty, **SMALL).run(12)
    a, b = base.timeseries(), with_points.timeseries()
    # Paired: same market, same draws; customers talk 1.5x more, so more talkers at the first step.
    assert b.talkers.iloc[0] > a.talkers.iloc[0]
    assert (a.points_awarded == 0).all()
    paid = b.new_adopters  # no seeds: every new adopter paid
    assert np.array_equal(b.points_awarded.to_numpy(), paid.to_numpy())
    assert b.spend.sum() == pytest.approx(3.0 * paid.sum())


def test_the_walkthrough_lever_refuses_bad_settings_with_the_scenario_line(loyalty_points):
    text = "name: bad\nstrategies:\n  - name: loyalty\n    levers:\n      - kind: loyalty_points\n        talk_boost: 0.5\n"
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "bad.yaml")
    assert "bad.yaml:6" in str(error.value) and "talk_boost" in str(error.value)


def test_unregistering_removes_the_lever_and_its_counters(loyalty_points):
    registry.unregister("loyalty_points")
    try:
        assert "points_awarded" not in STEP_KPIS and "loyalty_points" not in registry.LEVER_KINDS
        with pytest.raises(ScenarioError):
            parse_scenario("strategies:\n  - name: x\n    levers:\n      - kind: loyalty_points\n", "x.yaml")
    finally:
        registry.register(loyalty_points)


def test_the_generated_tables_of_the_model_document_are_current_and_rewritten_in_place():
    from simulation import doc_tables

    text = doc_tables.MODEL_DOCUMENT.read_text()
    assert doc_tables.rewrite(text) == (text, []), "stale tables: python -m simulation.doc_tables"
    assert doc_tables.main(["--check"]) == 0
    # A stale row is put back, and nothing around the table moves.
    stale = text.replace("| share of the market that bought |", "| an old meaning |", 1)
    assert stale != text and doc_tables.rewrite(stale) == (text, ["KPIs"])


def test_the_model_reads_typed_frozen_parameters_validated_once():
    """``model.settings`` has one typed field per parameter (generated from the table, so mypy catches a
    misspelt name), holds the validated values and cannot be changed; ``model.params`` is the same values."""
    import dataclasses

    from simulation.parameter_values import ParameterValues
    from simulation.parameters import PARAMETERS

    assert [f.name for f in dataclasses.fields(ParameterValues)] == list(PARAMETERS)
    model = WordOfMouthModel(seed=1, n_consumers=300, p=0.05)
    assert model.settings.p == 0.05 and model.settings.n_consumers == 300
    assert {name: getattr(model.settings, name) for name in PARAMETERS} == model.params
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.settings.p = 0.5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        model.settings.pp  # type: ignore[attr-defined]  # noqa: B018


@pytest.fixture
def unfollowing():
    """The rule walkthrough's rule, KPIs and schedule, from the document's own ``py`` code blocks."""
    from simulation import kpis

    namespace: dict = {}
    for block in _blocks("py"):
        exec(compile(block, str(DOC), "exec", dont_inherit=True), namespace)  # our own documentation
    kpis.add_kpis(namespace["UNFOLLOWED"], namespace["UNFOLLOWED_RUN"])
    yield namespace
    kpis.remove_kpis("unfollowed")


def test_the_rule_walkthrough_adds_a_rule_and_its_kpi(unfollowing):
    from simulation.experiment.runs import run_kpis

    market = dict(SMALL, quality=-0.3, follow_rate=8.0, churn_satisfaction=0.0)
    without = WordOfMouthModel(seed=4, **market)
    with_rule = WordOfMouthModel(seed=4, **market)
    with_rule.rule_steps = unfollowing["RULE_STEPS"]
    assert len(with_rule.rule_steps) == len(without.rule_steps) + 1
    before = with_rule.consumers.follows_brand.copy()
    with_rule.step(), without.step()
    # The first step: the same market up to the new rule, which removed dissatisfied customers only.
    stopped = before & ~with_rule.consumers.follows_brand & without.consumers.follows_brand
    c = with_rule.consumers
    assert stopped.any() and (c.role[stopped] == 2).all() and (c.satisfaction[stopped] < 0.0).all()
    assert with_rule.kpis["unfollowed"] == stopped.sum()
    with_rule.run(10), without.run(10)
    a, b = with_rule.timeseries(), without.timeseries()
    assert "unfollowed" in a and a.unfollowed.sum() > stopped.sum()
    assert a.following.iloc[-1] < b.following.iloc[-1]
    assert run_kpis(a, c.n, "week", 0.1)["unfollowed"] == a.unfollowed.sum()


def test_the_functions_over_80_lines_are_the_ones_the_document_lists():
    """docs/DEVELOPING.md's exceptions to the 80-line rule are exactly the functions in simulation/ over 80 lines."""
    package = DOC.parents[1] / "simulation"
    longer = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 80:
                longer.add(f"{path.relative_to(package).as_posix()}:{node.name}")
    section = DOC.read_text(encoding="utf-8").split("## Functions over 80 lines", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"`([\w/]+\.py:\w+)`", section)) == longer
