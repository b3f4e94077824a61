"""Robustness: regret and worst decile across markets, PRIM boxes (EMA Workbench) on a case whose losing
region is known, and `run.py robust` end to end on the default scenario with three uncertain fields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation.robust.analysis import box_text, prim_boxes, regret, strategy_summary

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
    text = box_text(boxes, "s", int(loses.sum()), 400)
    assert text[0] == f"s loses in {loses.sum()} of 400 markets." and "a in [0." in text[1]
    assert prim_boxes(x, np.zeros(400, dtype=bool)).empty


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
    assert "Box 1: " in shown and "(coverage)" in shown
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
