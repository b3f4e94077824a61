"""Robustness: regret and worst decile across markets, PRIM boxes (EMA Workbench) on a case whose losing
region is known, and `run.py robust` end to end on the default scenario with three uncertain fields."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation.robust.analysis import box_text, is_finding, prim_boxes, regret, round_bounds, strategy_summary

pytest.importorskip("ema_workbench")
ROOT = Path(__file__).resolve().parents[1]


def test_regret_worst_decile_and_share_best_on_known_values():
    values = pd.DataFrame({"a": [10.0, 0.0, 5.0, 7.0] * 5, "b": [8.0, 4.0, 5.0, 9.0] * 5})
    r = regret(values, ["a", "b"])
    assert r["a"].tolist()[:4] == [0.0, 4.0, 0.0, 2.0] and r["b"].tolist()[:4] == [2.0, 0.0, 0.0, 0.0]
    summary = strategy_summary(values, ["a", "b"]).set_index("strategy")
    assert summary.loc["a", "mean"] == 5.5 and summary.loc["a", "max regret"] == 4.0
    assert summary.loc["a", "worst decile"] == pytest.approx(np.quantile(values["a"], 0.1))
    assert summary.loc["a", "best in share of markets"] == 0.5  # ties go to the first strategy


def test_prim_finds_the_known_losing_region():
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((400, 3)), columns=["a", "b", "c"])
    loses = ((x["a"] > 0.6) & (x["b"] < 0.4)).to_numpy()
    boxes = prim_boxes(x, loses, density=0.8)
    first = boxes[boxes["box"] == 1].set_index("parameter")
    assert set(first.index) == {"a", "b"}  # c does not matter and is not restricted
    assert first.loc["a", "low"] == pytest.approx(0.6, abs=0.05) and first.loc["b", "high"] == pytest.approx(
        0.4, abs=0.07
    )
    assert first["coverage"].iloc[0] >= 0.9 and first["density"].iloc[0] >= 0.8
    assert (first["quasi_p"] < 1e-6).all()
    assert first["finding"].all()
    text = box_text(boxes, "s", int(loses.sum()), 400)
    assert text[0] == f"s loses in {loses.sum()} of 400 markets." and text[1].startswith("Box 1: s loses where ")
    assert "a in [0." in text[1]
    assert prim_boxes(x, np.zeros(400, dtype=bool)).empty


def test_a_prim_box_in_noise_is_not_reported_as_a_finding():
    """Losses drawn independently of the parameters: whatever box PRIM peels is noise, shown with its
    statistics and a caveat, never as a condition where the strategy loses."""
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.random((200, 3)), columns=["a", "b", "c"])
    loses = rng.random(200) < 0.3
    boxes = prim_boxes(x, loses)
    assert not boxes.empty and not boxes["finding"].any()
    text = box_text(boxes, "s", int(loses.sum()), 200)
    assert all(" is not a finding (density " in line and "It may be noise" in line for line in text[1:])
    assert not any("loses where" in line for line in text)


def test_box_text_states_thresholds_and_rounds_bounds():
    """The case the issue met: density 44%, coverage 75%, quasi-p 0.35 and bounds to 16 decimals."""
    boxes = pd.DataFrame(
        [
            {
                "box": 1,
                "coverage": 0.75,
                "density": 0.44,
                "mass": 0.3,
                "markets": 30,
                "finding": False,
                "parameter": "purchase.q",
                "low": 0.6123456789012345,
                "high": 1.3876543210987654,
                "quasi_p": 0.35,
            },
        ]
    )
    (line,) = box_text(boxes, "ads", 40, 100)[1:]
    assert line.startswith("Box 1 is not a finding (density 44% < 80%): purchase.q in [0.61, 1.39]: ")
    assert "quasi-p up to 0.35" in line and "coverage 75% <" not in line
    assert round_bounds(0.6123456789012345, 1.3876543210987654) == (0.61, 1.39)
    assert is_finding(0.8, 0.5) and not is_finding(0.79, 0.9) and not is_finding(0.95, 0.49)


def test_robust_command_on_the_default_scenario_reports_prim_boxes(tmp_path, capsys):
    """A 20% price promotion pays only where consumers respond to price: with the price elasticity
    uncertain (with q and quality), PRIM must put the promotion's losses at low elasticity."""
    from run import main

    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = 800
    data["horizon"] = 20
    data["strategies"] = [
        {"name": "do_nothing"},
        {"name": "promotion", "levers": [{"kind": "price_promotion", "discount": 0.2}]},
        data["strategies"][1],  # the default's advertising
    ]
    path = tmp_path / "default_small.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "robust"
    argv = [
        "robust",
        str(path),
        "--uncertain",
        "purchase.price_elasticity=0..5",
        "--uncertain",
        "purchase.q=0.6..2",
        "--uncertain",
        "product.quality=0.1..0.7",
        "--samples",
        "40",
        "--replications",
        "2",
        "--jobs",
        "1",
        "--chosen",
        "promotion",
        "--against",
        "baseline",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    shown = capsys.readouterr().out
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["strategy"]) == ["do_nothing", "promotion", "advertising"]
    markets = pd.read_csv(out / "markets.csv")
    assert len(markets) == 40 and markets["chosen_loses"].any() and not markets["chosen_loses"].all()
    # Independent of PRIM: the promotion loses where elasticity is low.
    losing = markets[markets["chosen_loses"]]
    assert losing["purchase.price_elasticity"].mean() < markets["purchase.price_elasticity"].mean()
    boxes = pd.read_csv(out / "prim_boxes.csv")
    first = boxes[boxes["box"] == 1].set_index("parameter")
    assert "purchase.price_elasticity" in first.index
    assert first.loc["purchase.price_elasticity", "low"] == pytest.approx(markets["purchase.price_elasticity"].min())
    assert first.loc["purchase.price_elasticity", "high"] < 4.0
    assert "Box 1" in shown and "(coverage)" in shown
    report = (out / "robust_report.html").read_text()
    assert "Scenario discovery (PRIM)" in report and "worst decile" in report
    # The runs are a sweep store: the same command again runs nothing new.
    assert main(argv) == 0
    assert "= 240 runs; 240 already stored" in capsys.readouterr().out


def test_robust_refuses_bad_input(tmp_path, capsys):
    from run import main

    with pytest.raises(SystemExit):
        main(
            ["robust", str(ROOT / "scenarios" / "default.yaml"), "--uncertain", "purchase.q=0.1,0.2", "--samples", "5"]
        )
    assert "give a plausible range lo..hi" in capsys.readouterr().err


def test_robust_gives_the_same_numbers_for_any_number_of_workers(tmp_path, capsys):
    """Every core by default (--jobs defaults to one per core); each run has its own seed, so one worker
    and two give the same markets, summary and boxes."""
    from run import main
    from simulation.commands import robust

    parser = argparse.ArgumentParser()
    robust.add_arguments(parser)
    assert parser.parse_args(["x", "--uncertain", "purchase.q=0.5..1"]).jobs == (os.cpu_count() or 1)
    data = yaml.safe_load((ROOT / "scenarios" / "default.yaml").read_text())
    data["market"]["n_consumers"] = 300
    data["horizon"] = 6
    data["strategies"] = data["strategies"][:2]
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        argv = ["robust", str(path), "--uncertain", "purchase.q=0.5..1.5", "--samples", "6", "--replications", "2"]
        assert main([*argv, "--jobs", jobs, "--out", str(out)]) == 0
        outputs[jobs] = {name: (out / name).read_text() for name in ("markets.csv", "summary.csv", "prim_boxes.csv")}
    capsys.readouterr()
    assert outputs["1"] == outputs["2"]
    assert len(pd.read_csv(tmp_path / "jobs1" / "markets.csv")) == 6
