"""The optimise report in words and tables: the best mix's levers as a table, money with its currency, and a
'worse by' that is a positive amount."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from simulation.optimise.result import BEST, lever_table, verdict_text, versus_table


def test_the_best_mix_is_a_table_of_rounded_settings_without_unset_ones():
    strategy = {
        "name": BEST,
        "budget": 168.97586504011807,
        "levers": [
            {"kind": "advertising", "budget": 168.97586504011807, "start": 2, "end": 16, "when": None},
            {"kind": "seeding", "k": 12, "targeting": "hubs", "talk_boost": 2.123456},
        ],
    }
    table = lever_table(strategy)
    assert table.loc["1. advertising", "settings"] == "budget 169; start 2; end 16"
    assert table.loc["2. seeding", "settings"] == "k 12; targeting hubs; talk boost 2.123"
    assert "null" not in table.to_string() and "None" not in table.to_string()


def _comparison(mix: list[float], rival: list[float]) -> SimpleNamespace:
    rows = [
        {"strategy": name, "replication": r, "profit": value, "spend": 100.0}
        for name, values in ((BEST, mix), ("ads", rival))
        for r, value in enumerate(values)
    ]
    return SimpleNamespace(runs=pd.DataFrame(rows), strategies=[BEST, "ads"], currency="USD")


def test_worse_by_is_a_positive_amount_with_its_currency():
    comparison = _comparison([1000, 1010, 990, 1005], [7000, 6900, 7100, 6950])
    versus = versus_table(comparison, "profit")
    text = verdict_text(versus, comparison, "profit", 5000.0)
    assert "budget 5,000 USD" in text and "has 6,988 USD" in text
    assert "it is worse by 5,986 [" in text and "] USD (paired difference" in text
    assert "worse by -" not in text
    better = verdict_text(
        versus_table(_comparison([9000, 9100, 8900, 9050], [7000, 6900, 7100, 6950]), "profit"),
        _comparison([9000, 9100, 8900, 9050], [7000, 6900, 7100, 6950]),
        "profit",
        5000.0,
    )
    assert "beats it by +2,025 [" in better
