"""The recall lever restores the quality an incident took away, and never improves on normal quality."""

from __future__ import annotations

import pytest

from simulation import WordOfMouthModel
from simulation.engine.record import StepRecord
from simulation.marketing import MarketingEffects, Recall
from simulation.marketing.base import LeverContext

BATCH = [{"start": 2, "end": 4, "quality_shift": -1.2}]


def quality_at(step: int, levers: list[dict]) -> tuple[float, float]:
    model = WordOfMouthModel(
        n_consumers=200, seed=3, incidents=BATCH, quality=0.4, strategy={"name": "s", "levers": levers}
    )
    model.run(step + 1)  # step_index: the step being (last) run, whose incidents apply
    assert model.step_index == step
    effects = MarketingEffects(n=model.consumers.n, background=0.0)
    for index, lever in enumerate(model.brand.strategy.levers):
        if lever.acts_at(step):
            lever.act(LeverContext(model, effects, StepRecord(), model.brand.lever_states[index], "marketing", index))
    return model.current_quality(effects)[0], effects.spend.get("recall", 0.0)


@pytest.mark.parametrize("step, expected", [(1, 0.4), (2, 0.4), (3, 0.4), (4, 0.4), (6, 0.4)])
def test_a_running_recall_gives_normal_quality_during_and_after_the_incident(step, expected):
    quality, _ = quality_at(step, [{"kind": "recall", "start": 0, "cost": 0}])
    assert quality == pytest.approx(expected)


def test_without_a_recall_the_incident_lowers_quality_only_while_it_lasts():
    assert quality_at(1, [])[0] == pytest.approx(0.4)
    assert quality_at(3, [])[0] == pytest.approx(0.4 - 1.2)
    assert quality_at(4, [])[0] == pytest.approx(0.4)


def test_a_quality_improvement_left_running_after_the_incident_is_an_upgrade_but_a_recall_is_not():
    upgrade = [{"kind": "quality", "start": 2, "shift": 1.2, "spread_factor": 1.0, "cost": 0}]
    assert quality_at(5, upgrade)[0] == pytest.approx(1.6)
    assert quality_at(5, [{"kind": "recall", "start": 2, "cost": 0}])[0] == pytest.approx(0.4)


def test_the_recall_costs_its_one_off_cost_once_and_its_running_cost_every_step():
    model = WordOfMouthModel(
        n_consumers=200,
        seed=3,
        incidents=BATCH,
        strategy={"name": "s", "levers": [{"kind": "recall", "start": 1, "cost": 5000, "cost_per_step": 10}]},
    )
    model.run(5)
    assert model.timeseries()["spend"].tolist() == pytest.approx([0, 5010, 10, 10, 10])
    assert Recall().kind == "recall"
