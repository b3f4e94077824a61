"""What a sweep's words say: budget caps and shortfalls stated, and changes along a grid as paired intervals."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from simulation.experiment.stats import paired_difference
from simulation.sweep.analysis import paired_change, rank_grid_drivers, response_curves, spend_shortfalls

ROOT = Path(__file__).resolve().parents[1]
K = "strategies.seeds.levers.seeding.k"


def _runs(spend_per_seed: float = 100.0, cap: float | None = 1500.0, seed: int = 0) -> pd.DataFrame:
    """A grid over k with 6 replications: the market effect is shared by the replication (common random
    numbers), each seed adds 2 customers, and a cap stops the seeding once it is reached."""
    rng = np.random.default_rng(seed)
    market = rng.normal(0, 20, 6)
    rows = []
    for point, k in enumerate([5, 15, 30, 60]):
        planned = k * spend_per_seed
        spend = planned if cap is None else min(planned, cap)
        seeded = spend / spend_per_seed
        for r in range(6):
            adopters = 300 + market[r] + 2 * seeded + rng.normal(0, 1)
            rows.append(
                {
                    "point": point,
                    K: k,
                    "strategy": "seeds",
                    "replication": r,
                    "status": "ok",
                    "adopters": adopters,
                    "adoption_share": adopters / 1000,
                    "spend": spend,
                    "planned_spend": planned,
                    "profit": 50 * adopters - spend,
                }
            )
    return pd.DataFrame(rows)


def test_a_sweep_past_a_budget_cap_says_so():
    runs = _runs()
    (note,) = spend_shortfalls(runs, [K], {"seeds": 1500.0}, "USD")
    assert note.startswith(
        f"seeds at {K} = 30 and 60: spent 1,500 of 3,000 to 6,000 USD planned (the budget cap of 1,500 USD"
    )
    # Without a cap there is nothing to say; without a cap but short of the plan it is saturation.
    assert spend_shortfalls(_runs(cap=None), [K], {"seeds": None}) == []
    (saturated,) = spend_shortfalls(runs, [K], {"seeds": None})
    assert "saturation" in saturated and "budget cap" not in saturated


def test_grid_changes_are_paired_intervals():
    runs = _runs()
    interval = paired_change(runs, K, "adopters", "seeds", 5, 15, [K])
    low = runs[runs[K] == 5].sort_values("replication")["adopters"].to_numpy()
    high = runs[runs[K] == 15].sort_values("replication")["adopters"].to_numpy()
    assert interval == paired_difference(high, low)
    # Pairing removes the shared market effect: the interval is far narrower than the unpaired one.
    unpaired = 2 * 1.96 * np.sqrt(low.var(ddof=1) / 6 + high.var(ddof=1) / 6)  # its width
    assert interval.high - interval.low < unpaired / 3 and interval.low > 0
    curves = response_curves(runs, [K], "adopters")
    words = rank_grid_drivers(curves, "adopters", "by week 52", runs, "seeds", [K], "USD")
    assert re.search(r"(15|30|60) vs 5: \+", words) and "paired 95% interval over 6 pairs" in words
    assert "not distinguishable" not in words
    # A share's difference is in percentage points, money with its currency and thousands separators.
    share = rank_grid_drivers(response_curves(runs, [K], "adoption_share"), "adoption_share", "", runs, "seeds", [K])
    assert " pp [" in share
    money = rank_grid_drivers(response_curves(runs, [K], "profit"), "profit", "", runs, "seeds", [K], "USD")
    assert " USD at " in money and "e+" not in money


def test_the_sweep_command_states_the_cap(tmp_path, capsys):
    from run import main

    data = yaml.safe_load((ROOT / "scenarios" / "product_launch.yaml").read_text())
    data["market"]["n_consumers"] = 600
    data["horizon"] = 8
    represents = float(data["market"].get("represents", 1))  # a seed costs 100 per real consumer
    k = [int(5 * represents), int(10 * represents), int(40 * represents)]  # real seeds: 5, 10, 40 simulated ones
    data["strategies"] = [
        {"name": "seeds", "budget": 700 * represents, "levers": [{"kind": "seeding", "k": k[0], "cost_per_seed": 100}]}
    ]
    data.pop("baseline", None)
    path = tmp_path / "capped.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "sweep"
    argv = [
        "sweep",
        str(path),
        "--param",
        f"strategies.seeds.levers.seeding.k={k[0]},{k[1]},{k[2]}",
        "--strategy",
        "seeds",
    ]
    assert main([*argv, "--replications", "2", "--jobs", "1", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    stated = f"seeds at strategies.seeds.levers.seeding.k = {k[1]} and {k[2]}: spent {700 * represents:,.0f} of "
    assert stated + f"{1000 * represents:,.0f} to {4000 * represents:,.0f} USD planned (the budget cap" in captured.err
    assert f"budget cap of {700 * represents:,.0f} USD" in (out / "sweep_report.html").read_text()


@pytest.mark.parametrize("kpi", ["profit"])
def test_no_cap_note_when_the_plan_is_spent(kpi):
    runs = _runs(cap=10_000.0)
    assert spend_shortfalls(runs, [K], {"seeds": 10_000.0}) == []
