"""The other validation experiments (seeding, bad news, hubs) and the report, at small sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.network.edgelist import load_edge_list
from simulation.scenario.loader import load_scenario
from simulation.validation import bad_news, hubs, seeding
from simulation.validation.report import markdown_table, write_report
from simulation.validation.result import Check
from simulation.validation.suite import DEFAULT_SCENARIO, FIGURES, facebook_scenario


@pytest.fixture(scope="module")
def facebook(facebook_edges):
    return load_edge_list(facebook_edges)


def test_greedy_is_never_worse_than_degree_or_random(facebook):
    check = seeding.seeding_check(
        facebook, 0.01, max_k=30, choice_samples=200, eval_samples=500, seed=4, network_name="facebook"
    )
    assert check.agrees, check.table
    table = check.table
    # Random seeding is far behind at small budgets; greedy's spread grows with k.
    assert (table["greedy_minus_random"].iloc[:10] > 3 * table["se_vs_random"].iloc[:10]).all()
    assert np.all(np.diff(table["greedy"]) >= -3 * table["se_vs_degree"].iloc[1:])


def test_negative_word_of_mouth_costs_npv():
    scenario = load_scenario(DEFAULT_SCENARIO, ["market.n_consumers=1000", "time_unit=month", "horizon=120", "seed=5"])
    check = bad_news.bad_news_check(scenario, (0.1,), replications=8)
    row = check.table.iloc[0]
    assert check.agrees, check.table
    assert row["npv_loss"] > 3 * row["se_loss"] and row["npv_with"] < row["npv_without"]


def test_silent_dissatisfied_arm_differs_only_after_a_dissatisfied_purchase():
    """Nobody dissatisfied: both arms are the same market, step for step (common random numbers)."""
    scenario = load_scenario(DEFAULT_SCENARIO, ["market.n_consumers=500", "horizon=20"])
    assert bad_news.run_npv(scenario, None, 0, 0.0, silent=False) == bad_news.run_npv(
        scenario, None, 0, 0.0, silent=True
    )


def test_hubs_adopt_earlier_on_the_facebook_network():
    check = hubs.hubs_check(facebook_scenario(["horizon=104", "seed=9"]), replications=8)
    assert check.agrees, check.table
    assert (check.table["hub_adoption_share"] > check.table["other_adoption_share"]).mean() > 0.5


def test_report_has_every_check_with_its_settings_and_figure(tmp_path):
    check = Check(
        key="seeding",
        title="A check",
        published="a published result",
        simulated="a figure",
        agrees=False,
        table=pd.DataFrame({"k": [1, 2], "greedy": [1.5, 2.25], "agrees": [True, False]}),
        settings={"seeds": "1..5"},
        notes="how",
        data={"curves": {"greedy": [1.5, 2.25]}},
    )
    path = write_report([check], tmp_path / "VALIDATION.md", FIGURES, "python run.py validate")
    text = path.read_text()
    assert "## A check" in text and "a published result" in text and "seeds = 1..5" in text
    assert "| k | greedy | agrees |" in text and "**no**" in text
    assert (tmp_path / "validation" / "seeding.png").stat().st_size > 1000
    assert "](validation/seeding.png)" in text


def test_markdown_table_formats_numbers():
    text = markdown_table(pd.DataFrame({"a": [0.00012345, 123456.0, float("nan")], "b": ["x|y", "z", "w"]}))
    assert "0.000123" in text and "1.23e+05" in text and "| - |" in text and "x\\|y" in text


def test_validate_command_writes_the_report(tmp_path, capsys):
    import argparse

    from simulation.commands import validate

    parser = argparse.ArgumentParser()
    validate.add_arguments(parser)
    code = validate.main(parser.parse_args(["--quick", "--only", "seeding", "--out", str(tmp_path / "V.md")]))
    assert code == 0
    assert "1 of 1 checks agree" in capsys.readouterr().out
    assert "Seeding: greedy" in (tmp_path / "V.md").read_text()
