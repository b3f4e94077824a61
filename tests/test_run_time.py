"""Work that would take hours is refused before any of it starts (naming the estimate and --allow-long), work
that would take long is announced; the estimate (simulation.run_cost) grows with each thing a step works
through. Asserted by what was built and the memory traced, never by elapsed time."""

from __future__ import annotations

import argparse
import tracemalloc

import pytest
from test_commands_output import cli, refused, scenario_file

from simulation import run_cost
from simulation.commands import common
from simulation.marketing.strategy import Strategy
from simulation.model import WordOfMouthModel
from simulation.parameters import defaults
from simulation.scenario import parse_scenario

NOTHING = Strategy(name="none")


def seconds(**changes) -> float:
    return run_cost.run_seconds({**defaults(), **changes}, NOTHING, 52)


def test_the_estimate_grows_with_market_ties_talk_and_steps():
    base = seconds()
    assert seconds(n_consumers=100_000) > base
    # in proportion to the market once it dwarfs a sub-step's fixed cost
    assert seconds(n_consumers=2_000_000) == pytest.approx(2 * seconds(n_consumers=1_000_000), rel=0.05)
    assert seconds(mean_degree=100) > seconds()
    assert seconds(talk_rate=1_000) > seconds()
    assert seconds(network="complete", talk_rate=1_000, contacts=1_000) > seconds(network="complete", talk_rate=1_000)
    assert run_cost.run_seconds(defaults(), NOTHING, 520) == pytest.approx(10 * base)
    boosted = Strategy.model_validate({"name": "talk", "levers": [{"kind": "referral", "talk_boost": 50}]})
    assert run_cost.run_seconds({**defaults(), "talk_rate": 500.0}, boosted, 52) > seconds(talk_rate=500.0)
    quarter, month = ({**defaults(), "time_unit": unit} for unit in ("quarter", "month"))  # a quarter: 3 sub-steps
    assert run_cost.step_seconds(quarter, NOTHING) == pytest.approx(3 * run_cost.step_seconds(month, NOTHING))


@pytest.mark.parametrize(
    "value, words", [(0.047, "47 ms"), (40, "40 s"), (720, "12 minutes"), (3.5 * 3600, "3.5 hours"), (9e5, "10 days")]
)
def test_durations_read_at_a_glance(value, words):
    assert run_cost.duration(value) == words


HUGE = ("--set", "market.n_consumers=1000000", "--set", "horizon=100000", "--set", "network.mean_degree=40")


@pytest.mark.parametrize(
    "command",
    [
        ("simulate",),
        ("compare", "-r", 3, "-j", 1),
        ("sweep", "--param", "purchase.q=0.2,0.4", "-j", 1),
        ("robust", "--uncertain", "purchase.q=0.2..0.6", "--samples", 4, "-j", 1),
    ],
    ids=lambda c: c[0],
)
def test_hours_of_work_are_refused_before_anything_is_built(command, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WOM_MEMORY_LIMIT", "1T")  # (it would fit: the time is what is refused)
    built = []

    def model_built(self, *args, **kwargs):
        built.append(kwargs)
        raise AssertionError("a model was built")

    monkeypatch.setattr(WordOfMouthModel, "__init__", model_built)  # (on the class: every importer sees it)
    scenario, out = scenario_file(tmp_path), tmp_path / "out"
    scenario_file(tmp_path)  # (imports and the first parse outside the traced part)
    tracemalloc.start()
    try:
        error = refused(capsys, command[0], scenario, *command[1:], *HUGE, "--out", out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "this would take about" in error and ("hours" in error or "days" in error)
    assert "1,000,000 consumers x 100,000 weeks" in error
    assert "nothing was run: pass --allow-long to run it anyway" in error and "Traceback" not in error
    # refused before any model, network (10^6 consumers: hundreds of MB) or folder
    assert not built and not out.exists() and peak < 50 * 2**20


def _args(allow_long: bool = False) -> argparse.Namespace:
    return argparse.Namespace(scenario="s.yaml", allow_long=allow_long)


def test_long_work_is_announced_and_allow_long_runs_it(capsys):
    scenario = parse_scenario("market: {n_consumers: 100000}\nhorizon: 52\n")
    per_run = run_cost.run_seconds(scenario.model_parameters(), scenario.strategies[0], 52)
    quick = max(1, int(common.NOTED_MINUTES * 60 / per_run) - 1)  # just under the note
    common.check_run_time(_args(), scenario, quick)
    assert capsys.readouterr().err == ""
    noted = int(common.NOTED_MINUTES * 60 / per_run) + 2  # over the note, under the refusal
    common.check_run_time(_args(), scenario, noted)
    assert capsys.readouterr().err.startswith(f"note: this would take about {run_cost.duration(per_run * noted)}")
    refused_runs = int(common.LONGEST_HOURS * 3600 / per_run) + 2
    with pytest.raises(SystemExit):
        common.check_run_time(_args(), scenario, refused_runs)
    assert "--allow-long" in capsys.readouterr().err
    common.check_run_time(_args(allow_long=True), scenario, refused_runs)  # forced: announced, not refused
    assert capsys.readouterr().err.startswith("note: this would take about")
    common.check_run_time(_args(), scenario, refused_runs, workers=refused_runs)  # at once: one run's time
    assert capsys.readouterr().err == ""


def test_a_normal_run_says_nothing_about_time(tmp_path, capsys):
    assert cli("simulate", scenario_file(tmp_path), "--out", tmp_path / "o") == 0
    assert "would take" not in capsys.readouterr().err
