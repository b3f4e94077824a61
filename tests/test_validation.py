"""The other validation experiments (seeding, bad news, hubs) and the report, at small sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulation.network.edgelist import load_edge_list
from simulation.scenario.loader import load_scenario
from simulation.validation import bad_news, followers, hubs, resolution, seeding, stylised_facts
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


# ---------------------------------------------------------------- ablations: checks that can fail
def test_every_ablation_switches_off_something_its_check_reads():
    import inspect

    from simulation.parameters import PARAMETERS
    from simulation.validation.ablations import ABLATIONS, scenario_overrides
    from simulation.validation.suite import experiments

    names = {name for name, _ in experiments("smoke")}
    functions = {
        "seeding": seeding.seeding_check,
        "bad_news": bad_news.bad_news_check,
        "bad_news_first_year": stylised_facts.bad_news_first_year,
        "resolution": resolution.resolution_check,
        "reshares": followers.reshares_check,
        "followers_feed": followers.feed_check,
    }
    for ablation in ABLATIONS:
        assert ablation.check in names, ablation.name
        assert ablation.params or ablation.options, ablation.name
        assert set(ablation.params) <= set(PARAMETERS), ablation.name
        for option in ablation.options:
            assert option in inspect.signature(functions[ablation.check]).parameters, ablation.name
        # Every parameter becomes a scenario override the loader accepts.
        load_scenario(DEFAULT_SCENARIO, scenario_overrides(ablation.params))
    assert len({a.name for a in ABLATIONS}) == len(ABLATIONS)


@pytest.mark.parametrize(
    "ablation",
    [
        "seeding/no_greedy",
        "cascade/no_adoption",
        "deffuant/no_bound",
        pytest.param("seeding_ratio/no_hubs", marks=pytest.mark.slow),  # the report's replications: a minute
    ],
)
def test_cheap_check_agrees_with_its_mechanism_and_not_without(ablation):
    from simulation.validation.suite import run_experiment

    check = ablation.split("/")[0]
    profile = "quick" if check == "seeding_ratio" else "smoke"  # the stylised fact needs its replications
    if check == "seeding_ratio":
        pytest.importorskip("numba")  # (the default market at 10,000 consumers: only fast with the kernels)
    _, with_it = run_experiment((profile, check, None))
    _, without = run_experiment((profile, check, ablation))
    assert with_it.agrees, with_it.simulated
    assert not without.agrees, without.simulated
    assert without.settings["switched off"]


def test_ablation_table_says_which_checks_detect_their_mechanism():
    from simulation.validation.ablations import ablation_table

    def check(agrees):
        return Check(
            key="herding",
            title="Herding",
            published="",
            simulated="x",
            agrees=agrees,
            table=pd.DataFrame(),
            settings={},
        )

    table = ablation_table({"herding": check(True)}, {"herding/no_herding": check(False)})
    assert table["detects"].tolist() == [True]
    table = ablation_table({"herding": check(True)}, {"herding/no_herding": check(True)})
    assert table["detects"].tolist() == [False]  # passes without the mechanism: reported, not hidden
    assert ablation_table({"herding": check(False)}, {"herding/no_herding": check(False)})["detects"].tolist() == [
        False
    ]


def test_suite_numbers_do_not_depend_on_the_number_of_workers():
    from simulation.validation.suite import run_suite

    def run(workers):
        return run_suite(
            profile="smoke",
            only=["deffuant", "rating_distribution"],
            ablate=True,
            workers=workers,
            progress=lambda _: None,
        )

    serial, parallel = run(1), run(2)
    assert [c.key for c in serial[0]] == ["deffuant", "rating_distribution"]
    assert set(serial[1]) == {
        "deffuant/no_bound",
        "rating_distribution/no_selective_posting",
        "rating_distribution/no_herding",
    }
    pairs = list(zip(serial[0], parallel[0], strict=True)) + [(serial[1][k], parallel[1][k]) for k in serial[1]]
    for one, other in pairs:
        assert one.simulated == other.simulated and one.agrees == other.agrees
        pd.testing.assert_frame_equal(one.table, other.table)


def test_bad_news_by_channel_and_without_a_voice():
    scenario = load_scenario(DEFAULT_SCENARIO, ["market.n_consumers=1000", "time_unit=month", "horizon=120", "seed=5"])
    silent = bad_news.bad_news_check(scenario, (0.1,), replications=4, voices=())
    assert silent.table["npv_loss"].iloc[0] == 0.0 and not silent.agrees  # no voice: nothing to lose
    with pytest.raises(ValueError, match="voices"):
        bad_news.bad_news_check(scenario, (0.1,), replications=2, voices=("shout",))
