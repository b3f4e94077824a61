"""Where each customer came from: Shapley attribution to channels from counterfactual runs."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.experiment import attribution as at
from simulation.scenario.loader import load_scenario
from simulation.validation.channels import word_of_mouth_shares
from simulation.validation.suite import DEFAULT_SCENARIO

SMALL = ["market.n_consumers=800", "horizon=26"]


def test_shapley_values_of_a_known_game():
    values = {frozenset(): 0.0, frozenset("a"): 1.0, frozenset("b"): 2.0, frozenset("ab"): 5.0}
    # phi_a = (1 - 0) / 2 + (5 - 2) / 2 = 2; phi_b = (2 - 0) / 2 + (5 - 1) / 2 = 3: they sum to v(ab) - v().
    assert at.shapley(values, ["a", "b"]) == pytest.approx({"a": 2.0, "b": 3.0})
    three = {frozenset(s): float(len(s)) ** 2 for s in ["", "x", "y", "z", "xy", "xz", "yz", "xyz"]}
    assert at.shapley(three, list("xyz")) == pytest.approx({"x": 3.0, "y": 3.0, "z": 3.0})  # symmetric players


def test_a_single_channel_market_attributes_everything_to_it():
    """Nobody talks and nobody posts: every customer came through background media."""
    scenario = load_scenario(DEFAULT_SCENARIO, [*SMALL, "word_of_mouth.talk_rate=0", "reviews.review_propensity=0"])
    runs = at.attribution_runs(scenario, "do_nothing", replications=2)
    table = at.summarise(runs).set_index("channel")
    assert table.loc["media", "customers"] > 0
    assert table.loc["media", "share"] == pytest.approx(1.0)
    assert (table.loc[["experienced", "hearsay", "page"], "customers"] == 0).all()


def test_shapley_shares_sum_to_the_customers_won():
    scenario = load_scenario(DEFAULT_SCENARIO, SMALL)
    channels = at.active_channels(scenario.strategy("do_nothing"))
    values = at.coalition_values(scenario, "do_nothing", channels, 0)
    phi = at.shapley(values, channels)
    assert sum(phi.values()) == pytest.approx(values[frozenset(channels)] - values[frozenset()])
    # The whole market equals an ordinary run of the strategy (nothing switched off).
    from simulation.experiment.runs import build_model

    model = build_model(scenario, "do_nothing", 0).run(scenario.horizon)
    assert values[frozenset(channels)] == at.customers_won(model)


def test_lever_channels_are_those_of_the_strategy():
    scenario = load_scenario(DEFAULT_SCENARIO)
    assert at.active_channels(scenario.strategy("do_nothing")) == ["experienced", "hearsay", "page", "media"]
    assert set(at.active_channels(scenario.strategy("content"))) >= {"content", "reshares"}
    muted, params = at.switched_off(scenario.strategy("content"), ["reshares", "page"])
    assert [lever.reshare for lever in muted.levers] == [0.0] and params == {"review_propensity": 0.0}
    removed, _ = at.switched_off(scenario.strategy("advertising"), ["ads"])
    assert removed.levers == []


def test_extra_customers_split_by_channel_and_sum_to_the_paired_difference():
    scenario = load_scenario(DEFAULT_SCENARIO, SMALL)
    runs = at.extra_by_channel(scenario, "seed_hubs", replications=2)
    assert set(runs["channel"]) == {"experienced", "hearsay", "page", "media", "seeding", "none"}
    # The same strategy against itself: nothing extra anywhere.
    same = at.extra_by_channel(scenario, "do_nothing", "do_nothing", replications=1)
    assert (same["shapley"] == 0).all()
    # Efficiency: per replication the split sums to the strategy's customers minus the baseline's.
    from simulation.experiment.runs import build_model

    for r in range(2):
        won = {
            s: at.customers_won(build_model(scenario, s, r).run(scenario.horizon)) for s in ("seed_hubs", "do_nothing")
        }
        split = runs[runs["replication"] == r]["shapley"].sum()
        assert split == pytest.approx(won["seed_hubs"] - won["do_nothing"])


def test_attribution_does_not_depend_on_the_number_of_workers():
    scenario = load_scenario(DEFAULT_SCENARIO, ["market.n_consumers=400", "horizon=10"])
    one = at.attribution_runs(scenario, "do_nothing", replications=2, jobs=1)
    two = at.attribution_runs(scenario, "do_nothing", replications=2, jobs=2)
    assert one.equals(two)


def test_word_of_mouth_share_is_the_spoken_channels_over_all():
    import pandas as pd

    runs = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0, 1, 1, 1, 1],
            "channel": ["experienced", "hearsay", "media", "none"] * 2,
            "shapley": [1.0, 3.0, 4.0, 0.0, 0.0, 1.0, 3.0, 0.0],
        }
    )
    assert np.allclose(word_of_mouth_shares(runs), [0.5, 0.25])


def test_compare_says_where_the_extra_customers_came_from(tmp_path, capsys):
    import pandas as pd

    import run

    scenario = tmp_path / "small.yaml"
    scenario.write_text(
        "name: small\nhorizon: 8\nseed: 3\nmarket: {n_consumers: 400}\nnetwork: {kind: small_world, mean_degree: 6}\n"
        "strategies:\n  - name: none\n  - name: seeded\n    levers:\n      - {kind: seeding, k: 20}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    argv = ["compare", str(scenario), "-r", "2", "-j", "1", "--channels", "2", "--out", str(out)]
    assert run.main(argv) == 0
    assert "where the extra customers came from" in capsys.readouterr().out
    table = pd.read_csv(out / "channels.csv")
    assert set(table["strategy"]) == {"seeded"}
    assert "seeding" in set(table["channel"]) and table.loc[table["channel"] == "seeding", "customers"].iloc[0] > 0
